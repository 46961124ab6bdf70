"""The page and the trainer see the same 28x28 input for the same pen strokes.

The trainer renders pen digits in Python (preprocess_strokes); the page renders
what the pointer gave it. Here real digits are drawn on the pad with the real
mouse and the page's model input is compared with Python's rendering of the
original tablet coordinates.
"""

import random

import numpy as np

from digitpad_bench import browser as chromium
from digitpad.preprocess_fast import preprocess_strokes

# The spec's tolerance between the two implementations (docs/preprocessing.md).
# Chromium hands the pad fractional CSS-pixel coordinates, and the spec is
# invariant to the scale and place the digit was drawn at, so the two paths
# differ only by float rounding: measured here max |diff| 2.0e-6 over 30 digits.
MAX_DIFF = 1e-5


def test_page_input_matches_python_rendering(page, live_url, pen_digits):
    rng = random.Random(3)
    samples = rng.sample(pen_digits, 30)
    chromium.open_page(page, live_url)
    spec = page.evaluate("fetch('model/metadata.json').then(r => r.json())")["preprocess"]
    options = {"deskew": spec["deskew"], "normalize_size": spec["normalize_size"]}
    assert options["deskew"] and options["normalize_size"]  # the shipped recipe's
    pad = page.locator("[data-testid=pad]").bounding_box()
    diffs = []
    for sample in samples:
        chromium.draw(page, chromium.place(sample["strokes"], pad, rng))
        chromium.read_prediction(page, len(sample["strokes"]))
        got = np.array(page.evaluate("() => Array.from(window.digitpad.inputs.last)"), dtype=np.float32)
        expected = preprocess_strokes(sample["strokes"], **options).ravel()
        diffs.append(np.abs(got - expected))
        chromium.clear(page)
    diffs = np.array(diffs)
    print(f"\npage vs python input: max abs diff {diffs.max():.3g}, mean {diffs.mean():.3g}")
    assert diffs.max() <= MAX_DIFF
