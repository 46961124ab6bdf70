"""Parity: python/digitpad/preprocess_fast.py (the trainer's) and web/src/preprocess.js give
the same 28x28 (tests/test_preprocess.py holds python/digitpad/preprocess.py to the former).

The same drawings and MNIST images go through both (the JS via
tests/js/preprocess-cli.mjs under node). The contract, from docs/preprocessing.md:
max |diff| <= TOLERANCE, and the centring shift (dx, dy) exactly equal.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from digitpad import preprocess_fast as pp

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "tests" / "js" / "preprocess-cli.mjs"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed: cannot run web/src/preprocess.js")

# Measured: max |diff| 4e-15 on the drawings below (deskewed; 0 otherwise) and 0 on
# the MNIST images: the float64 values differ in the last bits at most, and rounding
# to float32 almost always hides that. The model would not notice 1/255.
TOLERANCE = 1e-5
OPTIONS = [{}, {"deskew": True}, {"deskew": True, "normalize_size": True}]


def run_js(inputs, *args) -> list:
    proc = subprocess.run([NODE, str(CLI), *args], input=json.dumps(inputs), capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def js_options(options: dict) -> str:
    return json.dumps({"deskew": options.get("deskew", False), "normalizeSize": options.get("normalize_size", False)})


def max_diff(py: np.ndarray, js: list) -> float:
    js = np.asarray(js, dtype=np.float64)
    assert js.shape == (len(py), pp.SIZE * pp.SIZE)
    return float(np.abs(py.reshape(len(py), -1).astype(np.float64) - js).max())


SYNTHETIC = {
    "dot": [[[3.0, 4.0]]],
    "dot repeated": [[[3.0, 4.0], [3.0, 4.0], [3.0, 4.0]]],
    "straight diagonal line": [[[0.0, 0.0], [17.0, 23.0]]],
    "horizontal line": [[[10.0, 50.0], [90.0, 50.0]]],
    "vertical line": [[[5.0, 0.0], [5.0, 300.0]]],
    "repeated identical points": [[[1.0, 1.0], [1.0, 1.0], [40.0, 80.0], [40.0, 80.0], [40.0, 80.0], [1.0, 80.0]]],
    "two strokes": [[[0.0, 0.0], [0.0, 10.0]], [[10.0, 0.0], [10.0, 10.0]]],
    "two dots": [[[0.0, 0.0]], [[10.0, 3.0]]],
    "stroke plus dot": [[[0.0, 0.0], [0.0, 20.0]], [[0.0, 28.0]]],
    "empty": [],
    "empty strokes": [[], []],
    "tiny float coords": [[[1e-9, 2e-9], [3e-9, 1e-9], [2e-9, 5e-9]]],
    "huge coords": [[[1e9, 1e9], [1e9 + 3e5, 1e9 + 7e5]]],
    "negative coords": [[[-50.5, -20.25], [-10.0, -80.75], [-30.0, -5.0]]],
    "x": [[[0, 0], [20, 20]], [[20, 0], [0, 20]]],
    "zigzag": [[[i * 3.7, (i % 2) * 11.3] for i in range(30)]],
}


@pytest.fixture(scope="module")
def drawings(pen_sample):  # conftest.py: 300 real pen digits
    """The real digits at random scales and offsets (half in float coordinates), then SYNTHETIC."""
    rng = np.random.default_rng(20240607)
    out = []
    for sample in pen_sample:
        scale = float(np.exp(rng.uniform(np.log(0.05), np.log(8.0))))
        tx, ty = rng.uniform(-3000, 3000, size=2)
        strokes = sample["strokes"]
        if rng.random() < 0.5:
            strokes = [[[x * scale + tx, y * scale + ty] for x, y in s] for s in strokes]
        out.append(strokes)
    return out + list(SYNTHETIC.values())


@pytest.mark.parametrize("options", OPTIONS, ids=["plain", "deskew", "deskew+normalize_size"])
def test_drawings_agree(drawings, options):
    py = np.stack([pp.preprocess_strokes(d, **options) for d in drawings])
    diff = max_diff(py, run_js(drawings, js_options(options)))
    print(f"\nparity {options}: {len(drawings)} drawings, max |diff| {diff:.2g}")
    assert diff <= TOLERANCE


def test_centring_shift_is_exactly_equal(drawings):
    py = [list(pp.centering_shift(pp.render_strokes(d))) for d in drawings]
    assert run_js(drawings, "--shifts") == py


def test_synthetic_drawings_agree_one_by_one():
    py = np.stack([pp.preprocess_strokes(d) for d in SYNTHETIC.values()])
    js = np.asarray(run_js(list(SYNTHETIC.values())))
    for name, a, b in zip(SYNTHETIC, py.reshape(len(py), -1), js):
        assert np.abs(a - b).max() <= TOLERANCE, name
    assert not js[list(SYNTHETIC).index("empty")].any()


@pytest.fixture(scope="module")
def mnist_images(mnist_dir):
    """1,000 random MNIST test images as the model reads them (uint8 / 255), plus edge cases."""
    from digitpad.data import read_idx

    raw = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    picked = np.sort(np.random.default_rng(7).choice(len(raw), 1000, replace=False))
    # Blank, one pixel at a corner, all ink, a flat line (shear clamped).
    extra = np.zeros((4, 28, 28), dtype=np.float32)
    extra[1, 0, 27] = 1.0
    extra[2] = 1.0
    extra[3] = pp.preprocess_strokes([[[0, 0], [100, 20]]])
    return np.concatenate([raw[picked].astype(np.float32) / 255.0, extra])


@pytest.mark.parametrize("normalize_size", [False, True])
def test_mnist_deskew_agrees(mnist_images, normalize_size):
    py = pp.deskew(mnist_images, normalize_size=normalize_size)
    args = ["--deskew-images"] + (["--normalize-size"] if normalize_size else [])
    diff = max_diff(py, run_js(mnist_images.reshape(len(mnist_images), -1).tolist(), *args))
    print(f"\nparity, deskew (normalize_size={normalize_size}) of {len(py)} MNIST images: max |diff| {diff:.2g}")
    assert diff <= TOLERANCE


def test_normalize_size_needs_deskew():
    proc = subprocess.run([NODE, str(CLI), json.dumps({"normalizeSize": True})], input="[[[[0, 0], [1, 2]]]]",
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0 and "deskew" in proc.stderr
    with pytest.raises(ValueError, match="deskew"):
        pp.preprocess_strokes([[[0, 0], [1, 2]]], normalize_size=True)


# Measured: max |diff| 3e-14 turns on these drawings and 300 doodles (Math.hypot and
# Math.atan2 may differ from C's in the last bit); the page compares winding with
# whole turns (verdict.max_turns), so agreement to 1e-9 is the same verdict.
WINDING_TOLERANCE = 1e-9


@pytest.mark.parametrize("pen_width", [0, 12])
def test_winding_agrees(drawings, pen_width):
    from digitpad.doodles import doodles
    both = drawings + [strokes for strokes, _ in doodles(5, 130)]
    py = np.array([pp.winding(d, pen_width) for d in both])
    js = np.asarray(run_js(both, "--winding", str(pen_width)), dtype=np.float64)
    print(f"\nwinding parity (pen {pen_width}): {len(both)} drawings, max |diff| {np.abs(py - js).max():.2g} turns")
    assert np.abs(py - js).max() <= WINDING_TOLERANCE
    assert py.max() > 5  # doodles that wind far are among them
