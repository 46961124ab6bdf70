"""Tests for the strokes -> 28x28 MNIST-style spec in Python: python/digitpad/preprocess_fast.py
(the trainer's), and python/digitpad/preprocess.py (the readable mirror of web/src/preprocess.js)
held equal to it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitpad import preprocess as readable
from digitpad import preprocess_fast as pp

# pen_sample: 300 real pen digits (conftest.py).


# A synthetic "4": two strokes, not square, drawn in pad pixels.
FOUR = [
    [[120.0, 40.0], [70.0, 160.0], [180.0, 160.0]],
    [[150.0, 90.0], [150.0, 250.0]],
]
# A synthetic "2": one stroke with curve-ish points.
TWO = [[[60, 80], [90, 50], [130, 45], [160, 70], [160, 110], [120, 160], [70, 220], [170, 220]]]


def transform(strokes, scale=1.0, tx=0.0, ty=0.0):
    return [[[x * scale + tx, y * scale + ty] for x, y in s] for s in strokes]


def com(img: np.ndarray) -> tuple[float, float]:
    img = img.astype(np.float64)
    tot = img.sum()
    return (
        float((img.sum(0) * (np.arange(img.shape[1]) + 0.5)).sum() / tot),
        float((img.sum(1) * (np.arange(img.shape[0]) + 0.5)).sum() / tot),
    )


@pytest.mark.parametrize("strokes", [[], [[]], [[], []]])
def test_empty_is_zeros(strokes):
    out = pp.preprocess_strokes(strokes)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert not out.any()


@pytest.mark.parametrize("strokes", [FOUR, TWO, [[[3, 3]]]])
def test_shape_dtype_range(strokes):
    out = pp.preprocess_strokes(strokes)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert out.max() > 0.9  # the pen core is solid ink


def test_input_types_equivalent():
    ref = pp.preprocess_strokes(FOUR)
    as_tuples = [tuple(tuple(p) for p in s) for s in FOUR]
    as_arrays = [np.array(s) for s in FOUR]
    as_int = [[[int(x), int(y)] for x, y in s] for s in FOUR]
    for variant in (as_tuples, as_arrays, as_int):
        assert np.array_equal(pp.preprocess_strokes(variant), ref)


@pytest.mark.parametrize("strokes", [FOUR, TWO])
@pytest.mark.parametrize(
    "scale,tx,ty",
    [(0.05, 0.0, 0.0), (0.37, 3.0, 900.0), (4.0, -1000.0, -250.0), (31.7, 12345.0, 0.5), (1.0, 5000.0, 5000.0)],
)
def test_scale_and_translation_invariance(strokes, scale, tx, ty):
    ref = pp.preprocess_strokes(strokes)
    out = pp.preprocess_strokes(transform(strokes, scale, tx, ty))
    assert np.abs(out - ref).max() < 1e-6


def test_invariance_real_digits(pen_sample):
    rng = np.random.default_rng(1)
    for k in rng.choice(len(pen_sample), 40, replace=False):
        strokes = pen_sample[k]["strokes"]
        ref = pp.preprocess_strokes(strokes)
        # Small in the top-left corner, big, and far bottom-right.
        for scale, tx, ty in [(0.1, 0.0, 0.0), (3.0, 0.0, 0.0), (0.5, 2000.0, 1500.0)]:
            out = pp.preprocess_strokes(transform(strokes, scale, tx, ty))
            assert np.abs(out - ref).max() < 1e-6, (k, scale, tx, ty)


def test_centre_of_mass_is_centred(pen_sample):
    for sample in pen_sample:
        cx, cy = com(pp.preprocess_strokes(sample["strokes"]))
        assert abs(cx - 14) <= 0.5 and abs(cy - 14) <= 0.5


@pytest.mark.parametrize("strokes", [FOUR, TWO])
def test_centre_of_mass_synthetic(strokes):
    cx, cy = com(pp.preprocess_strokes(strokes))
    assert abs(cx - 14) <= 0.5 and abs(cy - 14) <= 0.5


def ink_extent(img: np.ndarray, threshold: float = 0.0) -> int:
    ys, xs = np.nonzero(img > threshold)
    return int(max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))


def test_longest_side_about_box():
    for strokes in (FOUR, TWO, [[[0, 0], [0, 10]]], [[[0, 0], [7, 0]]]):
        out = pp.preprocess_strokes(strokes)
        # Ink spans BOX = 20 px; the anti-aliased edge can touch one more pixel each side.
        assert 20 <= ink_extent(out) <= 22
        # At high resolution: BOX plus the 0.5-grid-px anti-aliasing ramp.
        assert 19.75 <= ink_extent(pp.render_strokes(strokes)) / pp.SUPERSAMPLE <= 20.75


def test_longest_side_real_digits(pen_sample):
    for sample in pen_sample[::2]:
        assert 20 <= ink_extent(pp.preprocess_strokes(sample["strokes"])) <= 22


def test_aspect_ratio_kept():
    # A tall thin "1": height 20 px, width just the pen.
    out = pp.preprocess_strokes([[[50, 10], [50, 210]]])
    ys, xs = np.nonzero(out > 0)
    assert ys.max() - ys.min() + 1 >= 20
    assert xs.max() - xs.min() + 1 <= math.ceil(pp.PEN_WIDTH) + 2


def test_single_dot_is_small_centred_blob():
    for strokes in ([[[7, 9]]], [[[7, 9], [7, 9], [7, 9]]], [[[300.5, -2.0]], []]):
        out = pp.preprocess_strokes(strokes)
        ys, xs = np.nonzero(out > 0)
        assert xs.min() >= 11 and xs.max() <= 16 and ys.min() >= 11 and ys.max() <= 16
        cx, cy = com(out)
        assert abs(cx - 14) < 1e-6 and abs(cy - 14) < 1e-6
        # About the area of the pen's disc (in output px).
        assert out.sum() == pytest.approx(math.pi * (pp.PEN_WIDTH / 2) ** 2, rel=0.15)


def test_two_dots_keep_distance():
    out = pp.preprocess_strokes([[[0, 0]], [[10, 0]]])
    ys, xs = np.nonzero(out > 0.5)
    assert xs.max() - xs.min() + 1 >= 18  # two blobs at both ends of the box
    assert out[:, 13:15].max() == 0  # nothing in between: strokes are not joined


def test_strokes_are_not_joined():
    separate = pp.preprocess_strokes([[[0, 0], [0, 10]], [[10, 0], [10, 10]]])
    joined = pp.preprocess_strokes([[[0, 0], [0, 10], [10, 0], [10, 10]]])
    assert np.abs(separate - joined).max() > 0.5


def subdivide(strokes, parts):
    out = []
    for s in strokes:
        pts = [list(map(float, s[0]))]
        for a, b in zip(s[:-1], s[1:]):
            for k in range(1, parts + 1):
                f = k / parts
                pts.append([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f])
        out.append(pts)
    return out


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_collinear_subdivision(parts):
    for strokes in (FOUR, TWO, [[[0, 0], [8, 0], [8, 16]]]):
        ref = pp.preprocess_strokes(strokes)
        out = pp.preprocess_strokes(subdivide(strokes, parts))
        assert np.abs(out - ref).max() < 1e-6


def test_collinear_subdivision_real_digits(pen_sample):
    for sample in pen_sample[::12]:
        ref = pp.preprocess_strokes(sample["strokes"])
        out = pp.preprocess_strokes(subdivide(sample["strokes"], 2))
        assert np.abs(out - ref).max() < 1e-6


def test_repeated_points_do_not_matter():
    strokes = [[[0, 0], [0, 0], [5, 5], [5, 5], [5, 5], [10, 0]]]
    dedup = [[[0, 0], [5, 5], [10, 0]]]
    assert np.abs(pp.preprocess_strokes(strokes) - pp.preprocess_strokes(dedup)).max() < 1e-6


def test_pen_width():
    thin = pp.preprocess_strokes(FOUR, pen_width=1.5)
    thick = pp.preprocess_strokes(FOUR, pen_width=3.0)
    assert thick.sum() > thin.sum() * 1.5
    for bad in (-1, pp.BOX):
        with pytest.raises(ValueError):
            pp.preprocess_strokes(FOUR, pen_width=bad)


@pytest.mark.parametrize("strokes", [[[[0, float("nan")]]], [[[0, float("inf")], [1, 1]]], [[1, 2, 3]]])
def test_bad_input(strokes):
    with pytest.raises(ValueError):
        pp.preprocess_strokes(strokes)


# --- helpers (both modules) ------------------------------------------------------

both = pytest.mark.parametrize("m", [pp, readable], ids=["fast", "readable"])


@both
def test_render_profile(m):
    # A horizontal line is fitted to y = 56, x = 56 -+ 34.96 (BOX - PEN_WIDTH = 17.48 px
    # wide, 4 grid px per px); pen radius R = 5.04 grid px, value = clamp(R + 0.5 - d).
    grid = m.render_strokes([[[0, 0], [100, 0]]])
    col = grid[:, 56]  # pixel centres at i + 0.5, so d = |i + 0.5 - 56|
    assert col[51:61].tolist() == [1.0] * 10  # d <= 4.5: inside the pen
    assert col[61] == pytest.approx(5.54 - 5.5) and col[50] == pytest.approx(5.54 - 5.5)
    assert col[62] == 0.0 and col[49] == 0.0
    # Round caps: beyond the end point (90.96, 56) the distance is to it.
    assert grid[55, 95] == pytest.approx(5.54 - math.hypot(95.5 - 90.96, 0.5))
    assert grid[55, 96] == 0.0


@both
def test_center_of_mass_and_shift(m):
    g = np.zeros((8, 8))
    g[1, 2] = 1.0
    g[1, 4] = 1.0
    assert m.centering_shift(g) == (1, 3)  # floor(4 - 3.5 + 0.5), floor(4 - 1.5 + 0.5)
    assert m.centering_shift(np.zeros((4, 4))) == (0, 0)
    g = np.zeros((m.GRID, m.GRID))
    g[4, 8] = 1.0  # block (1, 2)
    s = m.shift_and_downsample(g, 5, -4)  # to grid (0, 13): block (0, 3)
    assert s[0, 3] == 1 / 16 and s.sum() == 1 / 16
    # Content leaving the grid is dropped, the rest zero-filled.
    assert not m.shift_and_downsample(g, -9, 0).any() and not m.shift_and_downsample(g, 0, -5).any()
    assert m.shift_and_downsample(g, -8, 0)[1, 0] == 1 / 16


@both
def test_shift_rounds_halves_up(m):
    # cx = 3.5 exactly -> floor(4 - 3.5 + 0.5) = 1 (np.round(0.5), halves to even, gives 0);
    # cx = 4.0 -> floor(0.5) = 0.
    g = np.zeros((8, 8))
    g[0, 3] = 1.0
    assert m.centering_shift(g)[0] == 1
    g = np.zeros((8, 8))
    g[0, 3] = g[0, 4] = 1.0
    assert m.centering_shift(g)[0] == 0


@both
def test_downsample_is_block_mean(m):
    g = np.zeros((m.GRID, m.GRID))
    g[0, 0], g[3, 3], g[4, 0], g[111, 110] = 1.0, 1.0, 0.5, 0.25
    out = m.shift_and_downsample(g, 0, 0)
    assert out.dtype == np.float32 and out.shape == (28, 28)
    assert (out[0, 0], out[1, 0], out[27, 27], out.sum()) == (2 / 16, 0.5 / 16, 0.25 / 16, 2.75 / 16)


# --- deskew (spec step 6) ------------------------------------------------------


def moments(img: np.ndarray) -> tuple[float, float, float, float]:
    """(cx, cy, vy, cxy) of an image, pixel centres at +0.5 (plain numpy, any order)."""
    img = img.astype(np.float64)
    c = np.arange(img.shape[-1]) + 0.5
    m = img.sum()
    cx = (img * c[None, :]).sum() / m
    cy = (img * c[:, None]).sum() / m
    dx, dy = c[None, :] - cx, c[:, None] - cy
    return float(cx), float(cy), float((img * dy * dy).sum() / m), float((img * dx * dy).sum() / m)


def slanted_bar(degrees: float) -> list:
    """A straight stroke leaning `degrees` from vertical (positive: top to the right, like "/")."""
    t = math.tan(math.radians(degrees))
    return [[[100.0 * t, 0.0], [0.0, 100.0]]] if t >= 0 else [[[0.0, 0.0], [-100.0 * t, 100.0]]]


@pytest.fixture(scope="module")
def mnist_test_images(mnist_dir):
    from digitpad.data import read_idx

    # What the model reads: uint8 / 255 in float32.
    return read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")[:500].astype(np.float32) / 255.0


def test_deskew_upright_bar_is_itself():
    bar = pp.preprocess_strokes([[[50, 0], [50, 100]]])
    assert moments(bar)[3] == 0.0
    assert np.array_equal(pp.deskew(bar), bar)  # no shear, already centred: exactly itself
    # Off-centre by a fraction of a pixel: only moved (bilinear), not sheared.
    img = np.zeros((28, 28), dtype=np.float32)
    img[4:24, 13] = 1.0
    out = pp.deskew(img)
    cx, cy, _, cxy = moments(out)
    assert abs(cx - 14) < 1e-9 and abs(cy - 14) < 1e-9 and abs(cxy) < 1e-9
    assert np.allclose(out[4:24, 13:15], 0.5) and out.sum() == pytest.approx(img.sum())


@pytest.mark.parametrize("degrees", [30.0, -30.0, 15.0, -40.0])
def test_deskew_makes_slanted_bar_upright(degrees):
    img = pp.preprocess_strokes(slanted_bar(degrees))
    _, _, vy, cxy = moments(img)
    # y points down: a "/" (top to the right) has x falling as y grows, so cxy < 0. A bar
    # steeper than FIT_MAX_ASPECT is widened first (more slanted); deskew sets it upright all the same.
    slope = math.tan(math.radians(degrees))
    assert cxy / vy == pytest.approx(-slope * readable.widen(abs(slope), 1.0), abs=0.03)
    out = pp.deskew(img)
    cx, cy, vy2, cxy2 = moments(out)
    assert abs(cxy2 / vy2) < 1e-3  # upright
    assert abs(cxy2) < 1e-3 * abs(cxy)
    assert abs(cx - 14) < 1e-6 and abs(cy - 14) < 1e-6
    # Upright now: nearly all the ink within a few columns.
    assert out[:, 11:17].sum() > 0.97 * out.sum()


def test_deskew_clamps_shear():
    # A near-horizontal scribble: slope 5, sheared by at most 1 (alpha clamped to [-1, 1]).
    img = pp.preprocess_strokes([[[0, 0], [100, 20]]])
    _, _, vy, cxy = moments(img)
    alpha = cxy / vy
    assert alpha > 2
    _, _, vy2, cxy2 = moments(pp.deskew(img))
    assert cxy2 / vy2 == pytest.approx(alpha - 1, abs=1e-3)


def test_deskew_centre_of_mass(pen_sample, mnist_test_images):
    for img in [pp.preprocess_strokes(s["strokes"]) for s in pen_sample[::10]] + list(mnist_test_images[:100]):
        cx, cy, _, _ = moments(pp.deskew(img))
        # Exact unless a sheared-off speck left the image.
        assert abs(cx - 14) < 0.05 and abs(cy - 14) < 0.05


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_deskew_empty_unchanged(dtype):
    img = np.zeros((28, 28), dtype=dtype)
    out = pp.deskew(img)
    assert out.dtype == np.float32 and out.shape == (28, 28) and not out.any()
    out[0, 0] = 1.0
    assert img[0, 0] == 0  # a copy
    batch = np.stack([img, img])
    assert not pp.deskew(batch).any()
    assert not pp.preprocess_strokes([], deskew=True).any()


def test_deskew_values_in_range(mnist_test_images):
    out = pp.deskew(mnist_test_images)
    assert out.min() >= 0.0 and out.max() <= 1.0
    full = pp.deskew(np.ones((28, 28)))
    assert full.min() >= 0.0 and full.max() == 1.0


def test_deskew_bad_input():
    with pytest.raises(TypeError):
        pp.deskew(np.zeros((28, 28), dtype=np.uint8))  # scale MNIST by 1/255 first
    for shape in [(28,), (28, 27), (20, 20), (2, 3, 28, 28)]:
        with pytest.raises(ValueError):
            pp.deskew(np.zeros(shape))
    bad = np.zeros((28, 28))
    bad[3, 3] = np.nan
    with pytest.raises(ValueError):
        pp.deskew(bad)


def test_preprocess_strokes_deskew_option():
    for strokes in (FOUR, TWO, slanted_bar(30.0)):
        plain = pp.preprocess_strokes(strokes)
        assert np.array_equal(pp.preprocess_strokes(strokes, deskew=False), plain)  # the default
        out = pp.preprocess_strokes(strokes, deskew=True)
        assert out.dtype == np.float32 and out.shape == (28, 28)
        assert np.array_equal(out, pp.deskew(plain))


# --- size normalisation by moments (spec step 6) ---------------------------------


def spreads(img: np.ndarray) -> tuple[float, float]:
    """(std_x, std_y) of the ink, pixel centres at +0.5 (plain numpy)."""
    img = img.astype(np.float64)
    c = np.arange(img.shape[-1]) + 0.5
    cx, cy, vy, _ = moments(img)
    vx = float((img * (c[None, :] - cx) ** 2).sum() / img.sum())
    return math.sqrt(vx), math.sqrt(vy)


def max_spread(std: float, scale: float = pp.MOMENT_SCALE_MAX) -> float:
    """Upper bound on the spread after scaling by `scale`: bilinear interpolation
    adds the tent kernel's variance (1/6 px^2) before scaling; +0.05 for sampling."""
    return scale * math.sqrt(std * std + 1 / 6) + 0.05


def expected_scales(img: np.ndarray) -> tuple[float, float]:
    """(sx, sy) the spec asks for, computed apart from the implementation."""
    img = img.astype(np.float64)
    c = np.arange(img.shape[-1]) + 0.5
    cx, cy, vy, cxy = moments(img)
    alpha = min(1.0, max(-1.0, cxy / vy))
    d = (c[None, :] - cx) - alpha * (c[:, None] - cy)
    vx = float((img * d * d).sum() / img.sum())

    def clamp(s):
        return min(pp.MOMENT_SCALE_MAX, max(pp.MOMENT_SCALE_MIN, s))

    return clamp(pp.MOMENT_STD_X / math.sqrt(vx)), clamp(pp.MOMENT_STD_Y / math.sqrt(vy))


@pytest.fixture(scope="module")
def typical_images(pen_sample, mnist_test_images):
    """200 MNIST test images and 60 pen digits as the page renders them (not deskewed)."""
    pen = np.stack([pp.preprocess_strokes(s["strokes"]) for s in pen_sample[::5]])
    return np.concatenate([mnist_test_images[:200], pen])


def test_normalize_size_widens_a_narrow_bar_by_at_most_max_scale():
    # A "1": an upright bar 2 px wide (std 0.5 -> 3.5 / 0.5 = 7x asked), 20 px tall, centred.
    bar = np.zeros((28, 28), dtype=np.float32)
    bar[4:24, 13:15] = 1.0
    out = pp.deskew(bar, normalize_size=True)
    # sx = MAX_SCALE = 1.6 exactly: column x reads x' = 14 + (x - 14) / 1.6, so
    # x = 12.5 -> 13.0625 (0.5625 of pixel 13), 13.5 -> 13.6875 (pixels 13, 14: 1).
    assert out[14, 10:18].tolist() == pytest.approx([0, 0, 0.5625, 1, 1, 0.5625, 0, 0])
    std_x, _ = spreads(bar)
    out_std_x, _ = spreads(out)
    assert 1.3 * std_x < out_std_x <= max_spread(std_x)
    assert out_std_x < 0.5 * pp.MOMENT_STD_X  # nowhere near the 3.5 px asked for
    # Vertically: std 5.77 -> 5.5 (sy = 0.953), not clamped.
    assert spreads(out)[1] == pytest.approx(pp.MOMENT_STD_Y, abs=0.05)
    # The same for a drawn "1" (a line stroke): the ink per row grows by at most MAX_SCALE.
    one = pp.preprocess_strokes([[[50, 0], [50, 100]]])
    wide = pp.preprocess_strokes([[[50, 0], [50, 100]]], deskew=True, normalize_size=True)
    ratio = wide[10:18].sum() / one[10:18].sum()
    assert 1.3 < ratio <= pp.MOMENT_SCALE_MAX + 0.02
    assert spreads(one)[0] < spreads(wide)[0] <= max_spread(spreads(one)[0])


def test_normalize_size_enlarges_a_small_blob_by_at_most_max_scale():
    # A 3x3 blob off-centre: std 0.82 on both axes, 4.3x / 6.7x asked, 1.6x given.
    blob = np.zeros((28, 28), dtype=np.float32)
    blob[9:12, 18:21] = 1.0
    out = pp.deskew(blob, normalize_size=True)
    cx, cy, _, _ = moments(out)
    assert abs(cx - 14) < 1e-9 and abs(cy - 14) < 1e-9  # symmetric: centred exactly
    # Pixel centres 12.5 .. 15.5 read 14 +- 1.5 / 1.6 = 13.06 .. 14.94: all inside the blob.
    assert np.all(out[12:16, 12:16] == 1.0)
    ys, xs = np.nonzero(out)
    assert xs.min() == 11 and xs.max() == 16 and ys.min() == 11 and ys.max() == 16  # 6 px, was 3
    std_x, std_y = spreads(blob)
    out_std_x, out_std_y = spreads(out)
    assert 1.3 * std_x < out_std_x <= max_spread(std_x) and 1.3 * std_y < out_std_y <= max_spread(std_y)
    assert out.sum() <= pp.MOMENT_SCALE_MAX**2 * blob.sum() * 1.05


def test_normalize_size_shrinks_a_wide_image_by_at_most_min_scale():
    # Two upright bars 23 px apart (std_x 11.5 -> 3.5 would be 0.3x): shrunk by 0.6 only.
    img = np.zeros((28, 28), dtype=np.float32)
    img[4:24, 2] = 1.0
    img[4:24, 25] = 1.0
    out = pp.deskew(img, normalize_size=True)
    left, right = np.nonzero(out[14])[0][[0, -1]]
    # Bars at x = 2.5, 25.5 -> 14 -+ 11.5 * 0.6 = 7.1, 20.9 (both read as pixel 7 / 20).
    assert (left, right) == (7, 20)
    assert spreads(out)[0] == pytest.approx(11.5 * pp.MOMENT_SCALE_MIN, abs=0.5)


def test_normalize_size_spread_hits_the_targets(typical_images):
    out = pp.deskew(typical_images, normalize_size=True)
    checked = 0
    for img, o in zip(typical_images, out):
        sx, sy = expected_scales(img)
        std_x, std_y = spreads(o)
        # Bilinear sampling blurs a little: the spread comes out ~0.02 px wider.
        if pp.MOMENT_SCALE_MIN < sx < pp.MOMENT_SCALE_MAX:
            assert std_x == pytest.approx(pp.MOMENT_STD_X, abs=0.1)
            checked += 1
        else:
            assert std_x == pytest.approx(spreads(pp.deskew(img))[0] * sx, abs=0.25)
        if pp.MOMENT_SCALE_MIN < sy < pp.MOMENT_SCALE_MAX:
            assert std_y == pytest.approx(pp.MOMENT_STD_Y, abs=0.1)
    assert checked > 0.8 * len(out)  # most digits are not clamped ("1"s are)
    stds = np.array([spreads(o) for o in out])
    assert np.median(stds[:, 0]) == pytest.approx(pp.MOMENT_STD_X, abs=0.05)
    assert np.median(stds[:, 1]) == pytest.approx(pp.MOMENT_STD_Y, abs=0.05)


def test_normalize_size_centre_of_mass(typical_images):
    out = pp.deskew(typical_images, normalize_size=True)
    assert out.min() >= 0.0 and out.max() <= 1.0
    devs = []
    for o in out:
        cx, cy, _, _ = moments(o)
        devs.append(max(abs(cx - 14), abs(cy - 14)))
    # Scaling is about the centre of mass; it stays at (14, 14) up to sampling
    # and the odd stroke tip a stretch pushes off the image.
    assert max(devs) < 0.25
    assert np.median(devs) < 0.05


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalize_size_empty_unchanged(dtype):
    img = np.zeros((28, 28), dtype=dtype)
    out = pp.deskew(img, normalize_size=True)
    assert out.dtype == np.float32 and out.shape == (28, 28) and not out.any()
    assert not pp.deskew(np.zeros((3, 28, 28), dtype=dtype), normalize_size=True).any()
    assert not pp.preprocess_strokes([], deskew=True, normalize_size=True).any()


@pytest.mark.parametrize("normalize_size", [False, True])
def test_deskew_batch_equals_single(typical_images, normalize_size):
    imgs = np.concatenate([typical_images, np.zeros((2, 28, 28), dtype=np.float32)])
    imgs[-1, 0, 27] = 1.0  # one pixel: no spread, so neither shear nor scaling
    batch = pp.deskew(imgs, normalize_size=normalize_size)
    assert batch.shape == imgs.shape and batch.dtype == np.float32
    single = np.stack([pp.deskew(img, normalize_size=normalize_size) for img in imgs])
    assert np.abs(batch - single).max() <= 1e-6
    assert np.array_equal(pp.deskew(imgs.astype(np.float64), normalize_size=normalize_size), batch)
    assert np.array_equal(batch[-1], pp.deskew(imgs[-1]))
    assert pp.deskew(imgs[:0], normalize_size=normalize_size).shape == (0, 28, 28)


@pytest.mark.parametrize("normalize_size", [False, True])
def test_deskew_bytes_is_deskew_of_images_over_255(mnist_dir, normalize_size):
    from digitpad.data import read_idx
    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")[:500]
    images = np.concatenate([images, np.zeros((1, 28, 28), np.uint8)])  # and a blank one
    exact = pp.deskew(images.astype(np.float32) / 255.0, normalize_size=normalize_size)
    assert np.array_equal(pp.deskew_bytes(images, normalize_size=normalize_size), exact)
    with pytest.raises(ValueError, match="uint8"):
        pp.deskew_bytes(images.astype(np.float32))


def test_normalize_size_flat_line_is_not_scaled_vertically():
    # One row of ink (y = 14.5): vy = 0 -> sy = 1 (and alpha = 0); only x is scaled.
    img = np.zeros((28, 28), dtype=np.float32)
    img[14, 4:24] = 1.0
    out = pp.deskew(img, normalize_size=True)
    # Moved up by half a pixel onto C = 14: half in row 13, half in row 14, as without scaling.
    assert np.nonzero(out.any(axis=1))[0].tolist() == [13, 14]
    assert np.array_equal(out[13], out[14]) and out[13].max() == 0.5
    assert spreads(out)[0] == pytest.approx(pp.MOMENT_STD_X, abs=0.1)


def test_preprocess_strokes_normalize_size_option(pen_sample):
    for strokes in (FOUR, TWO, slanted_bar(30.0), pen_sample[0]["strokes"]):
        plain = pp.preprocess_strokes(strokes)
        out = pp.preprocess_strokes(strokes, deskew=True, normalize_size=True)
        assert out.dtype == np.float32 and out.shape == (28, 28)
        assert np.array_equal(out, pp.deskew(plain, normalize_size=True))
        assert np.array_equal(pp.preprocess_strokes(strokes, deskew=True, normalize_size=False), pp.deskew(plain))
    with pytest.raises(ValueError, match="deskew"):
        pp.preprocess_strokes(FOUR, normalize_size=True)  # part of the deskew step
    with pytest.raises(ValueError):
        pp.preprocess_strokes([], deskew=False, normalize_size=True)


def _circle(turns, radius=50.0, points_per_turn=64):
    theta = np.linspace(0, 2 * np.pi * turns, int(points_per_turn * turns) + 1)
    return np.stack([radius * np.cos(theta), radius * np.sin(theta)], 1).tolist()


def test_winding_counts_full_turns():
    assert pp.winding([[[0, 0], [100, 30]]]) == pytest.approx(0, abs=1e-9)
    assert pp.winding([[[5, 5]]]) == 0 and pp.winding([]) == 0
    assert pp.winding([_circle(1)]) == pytest.approx(1, abs=0.06)
    assert pp.winding([_circle(3)]) == pytest.approx(3, abs=0.1)
    # Separate strokes add up; the size does not matter.
    assert pp.winding([_circle(1), _circle(1, radius=20)]) == pytest.approx(2, abs=0.1)
    assert pp.winding([_circle(2, radius=0.01)]) == pytest.approx(pp.winding([_circle(2, radius=1e4)]))


def test_winding_ignores_a_shaky_hand():
    # A straight line with a tremor far finer than the resampling step turns almost not at all.
    rng = np.random.default_rng(0)
    x = np.linspace(0, 200, 400)
    shaky = np.stack([x, rng.normal(scale=0.3, size=x.size)], 1).tolist()
    assert pp.winding([shaky]) < 0.5


def test_winding_steps_at_least_a_pen_width():
    """Issue 33: on a small drawing a tremor of 1-2 px is as large as the size's step; a
    step of WINDING_PEN_STEP pen widths ignores it, and a large drawing is unchanged."""
    rng = np.random.default_rng(1)
    x = np.linspace(0, 40, 41)  # a 40 px line, a point every px, shaking by up to 1.5 px
    shaky = np.stack([x, rng.uniform(-1.5, 1.5, x.size)], 1).tolist()
    assert pp.winding([shaky]) > 3
    assert pp.winding([shaky], pen_width=12) < 0.5
    assert pp.winding([_circle(3)], pen_width=4) == pp.winding([_circle(3)])  # the size's 5 px step is longer


# --- the compiled steps against the readable mirror (python/digitpad/preprocess.py) --


def test_compiled_steps_equal_the_readable_ones(pen_sample):
    """Issue 17: the trainer's compiled rasteriser, centring and block means give the
    readable mirror's values, on real digits and random pen widths (measured: bit for bit)."""
    rng = np.random.default_rng(3)
    for sample in pen_sample[:40]:
        strokes, pen_width = sample["strokes"], float(rng.uniform(2.1, 3.0))
        grid = pp.render_strokes(strokes, pen_width)
        np.testing.assert_allclose(grid, readable.render_strokes(strokes, pen_width), rtol=0, atol=1e-12)
        assert pp.centering_shift(grid) == readable.centering_shift(grid)
        for options in ({}, {"deskew": True}, {"deskew": True, "normalize_size": True}):
            np.testing.assert_allclose(pp.preprocess_strokes(strokes, pen_width=pen_width, **options),
                                       readable.preprocess_strokes(strokes, pen_width=pen_width, **options),
                                       rtol=0, atol=1e-6)


@pytest.mark.parametrize("normalize_size", [False, True])
def test_compiled_deskew_equals_the_readable_one(typical_images, normalize_size):
    images = np.concatenate([typical_images, np.zeros((1, 28, 28), np.float32), np.ones((1, 28, 28), np.float32)])
    np.testing.assert_allclose(pp.deskew(images, normalize_size=normalize_size),
                               readable.deskew(images, normalize_size=normalize_size), rtol=0, atol=1e-6)


def test_compiled_winding_equals_the_readable_one(pen_sample):
    from digitpad.doodles import doodles
    drawings = [s["strokes"] for s in pen_sample[::3]] + [strokes for strokes, _ in doodles(5, 40)] + [[], [[[1, 1]]]]
    # Tolerance of tests/test_parity.py: np.hypot, np.arctan2 and sums may differ in the last bits.
    assert max(abs(pp.winding(d) - readable.winding(d)) for d in drawings) <= 1e-9
    assert max(abs(pp.winding(d, 20) - readable.winding(d, 20)) for d in drawings) <= 1e-9


def test_both_refuse_the_same_inputs():
    for module in (pp, readable):
        with pytest.raises(ValueError, match="finite"):
            module.preprocess_strokes([[[0, float("nan")]]])
        with pytest.raises(ValueError, match="pen_width"):
            module.preprocess_strokes(FOUR, pen_width=module.BOX)
        with pytest.raises(ValueError, match="deskew"):
            module.preprocess_strokes(FOUR, normalize_size=True)
        with pytest.raises(TypeError):
            module.deskew(np.zeros((28, 28), dtype=np.uint8))


def test_many_at_once_equal_one_by_one(pen_sample):
    """preprocess_many (the trainer's batches) gives each drawing's preprocess_strokes, bit for bit."""
    rng = np.random.default_rng(5)
    jobs = [(s["strokes"], None if i % 3 == 0 else float(rng.uniform(2.1, 3.0))) for i, s in enumerate(pen_sample[:60])]
    for options in ({}, {"deskew": True, "normalize_size": True}):
        many = pp.preprocess_many(jobs, **options)
        one = [pp.preprocess_strokes(s, **({} if w is None else {"pen_width": w}), **options) for s, w in jobs]
        assert many.shape == (60, 28, 28) and all(np.array_equal(a, b) for a, b in zip(many, one))
