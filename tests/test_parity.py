"""Parity: python/digitpad/preprocess.py and web/src/preprocess.js give the same 28x28.

The same drawings go through both (the JS via tests/js/preprocess-cli.mjs under
node). The spec promises agreement to ~1e-7 (same float64 operations in the same
order); the contract the model needs is max abs diff <= 1/255.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
try:
    from digitpad import preprocess as pp
except ImportError:  # not installed: use the source tree
    sys.path.insert(0, str(REPO / "python"))
    from digitpad import preprocess as pp

CLI = REPO / "tests" / "js" / "preprocess-cli.mjs"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed: cannot run web/src/preprocess.js")

N_REAL = 300  # real pen digits, at varied scales / offsets


def run_js(drawings, options=None, pixels=784) -> np.ndarray:
    cmd = [NODE, str(CLI)] + ([json.dumps(options)] if options else [])
    proc = subprocess.run(
        cmd, input=json.dumps(drawings), capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    out = np.asarray(json.loads(proc.stdout), dtype=np.float64)
    assert out.shape == (len(drawings), pixels)
    return out


def run_py(drawings, **kwargs) -> np.ndarray:
    return np.stack([pp.preprocess_strokes(d, **kwargs).astype(np.float64).reshape(784) for d in drawings])


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
def drawings(pen_sample):  # conftest.py
    samples = pen_sample
    rng = np.random.default_rng(20240607)
    out = []
    for k in rng.choice(len(samples), N_REAL, replace=False):
        scale = float(np.exp(rng.uniform(np.log(0.05), np.log(8.0))))
        tx, ty = rng.uniform(-3000, 3000, size=2)
        strokes = samples[k]["strokes"]
        if rng.random() < 0.5:  # half with float coordinates (a pad in CSS px), half as-is
            strokes = [[[x * scale + tx, y * scale + ty] for x, y in s] for s in strokes]
        out.append(strokes)
    return out + list(SYNTHETIC.values())


def test_parity_default_options(drawings):
    py = run_py(drawings)
    js = run_js(drawings)
    diff = np.abs(py - js)
    worst = int(diff.max(axis=1).argmax())
    print(f"\nparity: {len(drawings)} drawings, max abs diff {diff.max():.3g} (drawing {worst}), "
          f"{int((diff > 0).sum())} of {diff.size} values differ")
    assert diff.max() <= 1 / 255
    # Same float64 operations in the same order: expect (near-)bit-identical output.
    assert diff.max() < 1e-6


def test_parity_synthetic_named():
    names = list(SYNTHETIC)
    py = run_py(list(SYNTHETIC.values()))
    js = run_js(list(SYNTHETIC.values()))
    for name, a, b in zip(names, py, js):
        assert np.abs(a - b).max() <= 1 / 255, name
    assert not py[names.index("empty")].any()


def test_parity_custom_options(drawings):
    subset = drawings[:60] + drawings[-len(SYNTHETIC):]
    py = np.stack(
        [pp.preprocess_strokes(d, size=20, box=16, supersample=3, pen_width=1.7).astype(np.float64).reshape(400)
         for d in subset]
    )
    proc = subprocess.run(
        [NODE, str(CLI), json.dumps({"size": 20, "box": 16, "supersample": 3, "penWidth": 1.7})],
        input=json.dumps(subset), capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    js = np.asarray(json.loads(proc.stdout), dtype=np.float64)
    assert js.shape == py.shape
    diff = np.abs(py - js).max()
    print(f"\nparity (size=20, box=16, supersample=3, pen width 1.7): max abs diff {diff:.3g}")
    assert diff <= 1 / 255


def test_parity_deskew_drawings(drawings):
    py = run_py(drawings, deskew=True)
    js = run_js(drawings, {"deskew": True})
    diff = np.abs(py - js)
    print(f"\nparity, deskew on: {len(drawings)} drawings, max abs diff {diff.max():.3g}, "
          f"{int((diff > 0).sum())} of {diff.size} values differ")
    assert diff.max() <= 1 / 255
    assert diff.max() < 1e-6
    # Deskew really ran (slanted pen digits change).
    assert np.abs(py - run_py(drawings)).max() > 0.5
    # Other sizes: deskew uses C = size / 2.
    subset = drawings[:40] + drawings[-len(SYNTHETIC):]
    opts = {"size": 20, "box": 16, "supersample": 3, "penWidth": 1.7}
    py = np.stack([pp.preprocess_strokes(d, size=20, box=16, supersample=3, pen_width=1.7, deskew=True).reshape(400)
                   for d in subset]).astype(np.float64)
    assert np.abs(py - run_js(subset, {**opts, "deskew": True}, pixels=400)).max() < 1e-6


N_MNIST = 400  # raw MNIST test images deskewed by both


def run_js_deskew(images: np.ndarray, normalize_size: bool = False) -> np.ndarray:
    proc = subprocess.run(
        [NODE, str(CLI), "--deskew-images"] + (["--normalize-size"] if normalize_size else []),
        input=json.dumps(images.reshape(len(images), -1).tolist()),
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = np.asarray(json.loads(proc.stdout), dtype=np.float64)
    assert out.shape == (len(images), images[0].size)
    return out


@pytest.fixture(scope="module")
def mnist_images(mnist_dir):
    """N_MNIST random MNIST test images as the model reads them, plus 4 edge cases."""
    from digitpad.data import read_idx

    raw = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    rng = np.random.default_rng(7)
    picked = np.sort(rng.choice(len(raw), N_MNIST, replace=False))
    # What the model reads: uint8 / 255 as float32 (the values JS gets too, exactly).
    images = raw[picked].astype(np.float32) / 255.0
    # Edge cases: blank, one pixel at a corner, all ink, a flat line (alpha clamped).
    extra = np.zeros((4, 28, 28), dtype=np.float32)
    extra[1, 0, 27] = 1.0
    extra[2] = 1.0
    extra[3] = pp.preprocess_strokes([[[0, 0], [100, 20]]])
    return np.concatenate([images, extra])


def test_parity_deskew_mnist(mnist_images):
    images = mnist_images
    py = pp.deskew(images).reshape(len(images), -1).astype(np.float64)
    js = run_js_deskew(images)
    diff = np.abs(py - js)
    print(f"\nparity, deskew of {N_MNIST} MNIST test images (+4 edge cases): max abs diff {diff.max():.3g}, "
          f"{int((diff > 0).sum())} of {diff.size} values differ")
    assert diff.max() <= 1 / 255
    assert diff.max() < 1e-6


def test_parity_normalize_size_drawings(drawings):
    py = run_py(drawings, deskew=True, normalize_size=True)
    js = run_js(drawings, {"deskew": True, "normalizeSize": True})
    diff = np.abs(py - js)
    print(f"\nparity, deskew + normalize size: {len(drawings)} drawings, max abs diff {diff.max():.3g}, "
          f"{int((diff > 0).sum())} of {diff.size} values differ")
    assert diff.max() <= 1 / 255
    assert diff.max() < 1e-6
    # Size normalisation really ran (most digits are stretched or shrunk a little).
    assert np.abs(py - run_py(drawings, deskew=True)).max() > 0.5
    # normalizeSize: false is the plain deskew in JS too.
    assert np.array_equal(run_js(drawings[:50], {"deskew": True, "normalizeSize": False}),
                          run_py(drawings[:50], deskew=True))
    # Other sizes: C = size / 2.
    subset = drawings[:40] + drawings[-len(SYNTHETIC):]
    opts = {"size": 20, "box": 16, "supersample": 3, "penWidth": 1.7}
    py = np.stack([pp.preprocess_strokes(d, size=20, box=16, supersample=3, pen_width=1.7, deskew=True,
                                         normalize_size=True).reshape(400) for d in subset]).astype(np.float64)
    assert np.abs(py - run_js(subset, {**opts, "deskew": True, "normalizeSize": True}, pixels=400)).max() < 1e-6


def test_parity_normalize_size_mnist(mnist_images):
    images = mnist_images
    py = pp.deskew(images, normalize_size=True).reshape(len(images), -1).astype(np.float64)
    js = run_js_deskew(images, normalize_size=True)
    diff = np.abs(py - js)
    print(f"\nparity, deskew + normalize size of {N_MNIST} MNIST test images (+4 edge cases): "
          f"max abs diff {diff.max():.3g}, {int((diff > 0).sum())} of {diff.size} values differ")
    assert diff.max() <= 1 / 255
    assert diff.max() < 1e-6
    assert np.abs(py - pp.deskew(images).reshape(len(images), -1)).max() > 0.5


def test_parity_normalize_size_needs_deskew():
    proc = subprocess.run([NODE, str(CLI), json.dumps({"normalizeSize": True})], input="[[[[0, 0], [1, 2]]]]",
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0 and "deskew" in proc.stderr
    with pytest.raises(ValueError, match="deskew"):
        pp.preprocess_strokes([[[0, 0], [1, 2]]], normalize_size=True)


def test_versions_match():
    src = (REPO / "web" / "src" / "preprocess.js").read_text()
    for name, value in [
        ("PREPROCESS_VERSION", pp.PREPROCESS_VERSION),
        ("SIZE", pp.SIZE),
        ("BOX", pp.BOX),
        ("SUPERSAMPLE", pp.SUPERSAMPLE),
        ("PEN_WIDTH", pp.PEN_WIDTH),
        ("DESKEW_MAX_SHEAR", pp.DESKEW_MAX_SHEAR),
        ("DESKEW_MIN_VARIANCE", pp.DESKEW_MIN_VARIANCE),
        ("MOMENT_STD_X", pp.MOMENT_STD_X),
        ("MOMENT_STD_Y", pp.MOMENT_STD_Y),
        ("MOMENT_SCALE_MIN", pp.MOMENT_SCALE_MIN),
        ("MOMENT_SCALE_MAX", pp.MOMENT_SCALE_MAX),
    ]:
        found = re.search(rf"^export const {name} = ([^;]+);", src, re.MULTILINE)
        assert found and float(found.group(1)) == value, name
