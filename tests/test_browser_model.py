"""TF.js in a real browser loads our export and computes what Python computes."""

import numpy as np

from digitpad.data import load_mnist
from digitpad.model import load
from digitpad.train import to_inputs

N_IMAGES = 200


def test_browser_probabilities_equal_python(page, live_url, trained, mnist_dir):
    (_, _, x_test, _), _ = load_mnist(mnist_dir)
    inputs = to_inputs(x_test[:N_IMAGES])
    expected = load(trained[0] / "model.keras").predict(inputs, verbose=0)

    page.goto(live_url)
    page.wait_for_selector("body[data-model=ready]", timeout=20_000)
    got = page.evaluate(
        "async ([pixels, n]) => Array.from(await window.digitpad.predictBatch(new Float32Array(pixels), n))",
        [inputs.ravel().tolist(), N_IMAGES])
    got = np.asarray(got, dtype=np.float32).reshape(N_IMAGES, 10)

    assert np.abs(got - expected).max() <= 1e-5
    assert (got.argmax(1) == expected.argmax(1)).all()
    assert page.errors == []
