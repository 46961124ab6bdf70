"""TF.js in a real browser loads our export and computes what Python computes.

Twice: a float32 export against the trained Keras model itself, and the
shipped (uint8-quantized) export against the same weights as Python's
tensorflowjs loader reads them back.
"""

import numpy as np
import pytest

from digitpad_bench import browser as chromium
from digitpad.data import load_mnist, to_inputs
from digitpad.export import export

N_IMAGES = 200


@pytest.mark.parametrize("quantization", ["float32", "uint8"])
def test_browser_probabilities_equal_python(page, trained, mnist_dir, tmp_path, quantization):
    from digitpad.tfjs_import import import_tensorflowjs
    tensorflowjs = import_tensorflowjs()

    from digitpad.model import load  # TensorFlow: imported by the tests that use it, not by collecting
    (_, _, x_test, _), _ = load_mnist(mnist_dir)
    inputs = to_inputs(x_test[:N_IMAGES])
    site = chromium.page_only_site(tmp_path / "web")
    export(trained[0], site, quantization)
    if quantization == "float32":
        model = load(trained[0] / "model.keras")
    else:
        model = tensorflowjs.converters.load_keras_model(str(site / "model" / "model.json"))
    expected = model.predict(inputs, verbose=0)

    with chromium.serving(site) as url:
        check_page(page, url, inputs, expected)


def check_page(page, url, inputs, expected):
    chromium.open_page(page, url)
    got = page.evaluate(
        "async ([pixels, n]) => Array.from(await window.digitpad.predictBatch(new Float32Array(pixels), n))",
        [inputs.ravel().tolist(), N_IMAGES])
    got = np.asarray(got, dtype=np.float32).reshape(N_IMAGES, -1)

    assert np.abs(got - expected).max() <= 1e-5
    assert (got.argmax(1) == expected.argmax(1)).all()
    assert page.errors == []
