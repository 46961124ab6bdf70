"""The trainer's preprocessing: preprocess.py's steps compiled by numba, in batches.

The same spec (docs/preprocessing.md) and the same arithmetic as preprocess.py, the
readable mirror of web/src/preprocess.js; tests/test_preprocess.py holds this module
equal to it, tests/test_parity.py to the page. Change all three or none.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np

from .preprocess import (BOX, DESKEW_MAX_SHEAR, DESKEW_MIN_VARIANCE, FIT_MAX_ASPECT, FIT_MAX_WIDEN, GRID,
                         MOMENT_SCALE_MAX, MOMENT_SCALE_MIN,
                         MOMENT_STD_X, MOMENT_STD_Y, PEN_WIDTH, PREPROCESS_VERSION, SIZE, SUPERSAMPLE, WINDING_PEN_STEP,
                         WINDING_STEP, images_to_deskew, pen_widths as _pen_widths, segments as _segments,
                         stroke_arrays)


# numba bakes the spec's numbers (globals here) into the machine code it caches, and
# renews that cache only when this file changes, not when spec.json does.
SPEC_NUMBERS = (SIZE, BOX, SUPERSAMPLE, FIT_MAX_ASPECT, FIT_MAX_WIDEN, DESKEW_MAX_SHEAR, DESKEW_MIN_VARIANCE,
                MOMENT_STD_X, MOMENT_STD_Y, MOMENT_SCALE_MIN, MOMENT_SCALE_MAX, WINDING_STEP, WINDING_PEN_STEP)


@numba.njit(cache=True)
def _compiled_numbers():
    return SPEC_NUMBERS  # as cached


@functools.cache
def _drop_stale_code():
    """Empty this module's numba cache if it was compiled with other numbers than spec.json's."""
    if _compiled_numbers() != SPEC_NUMBERS:
        for compiled in [v for v in globals().values() if isinstance(v, numba.core.registry.CPUDispatcher)]:
            compiled._cache.flush()


def _fresh(function):
    """function, once _drop_stale_code has run: for each entry point to the compiled code."""
    @functools.wraps(function)
    def checked(*args, **kwargs):
        _drop_stale_code()
        return function(*args, **kwargs)
    return checked


@_fresh
def render_strokes(strokes, pen_width: float = PEN_WIDTH) -> np.ndarray:
    """Steps 1-3: the strokes fitted into the box and drawn with an anti-aliased
    round pen on a (GRID, GRID) float64 grid."""
    (pen_width,) = _pen_widths([pen_width])
    a, b = _segments(strokes)
    grid = np.zeros((GRID, GRID))
    if len(a):
        _draw(grid, a, b, pen_width)
    return grid


# Compiled, because the trainer draws ~50,000 drawings of ~40 segments (numpy's
# per-segment windows cost ~1 ms a drawing). The same arithmetic, in the same order,
# as preprocess.js's drawSegment.
@numba.njit(cache=True, nogil=True)
def _draw(grid, a, b, pen_width):
    """Steps 2-3 into a zeroed (GRID, GRID) grid: segments a[k]-b[k] (raw units) fitted
    into the box, each max-ed in over its bbox grown by the pen's reach (as preprocess.js).
    Returns the rows and columns drawn over, (i0, i1, j0, j1): all ink is inside."""
    lo_x, lo_y = min(a[:, 0].min(), b[:, 0].min()), min(a[:, 1].min(), b[:, 1].min())
    hi_x, hi_y = max(a[:, 0].max(), b[:, 0].max()), max(a[:, 1].max(), b[:, 1].max())
    extent = max(hi_x - lo_x, hi_y - lo_y)
    scale = (BOX - pen_width) * SUPERSAMPLE / extent if extent > 0 else 0.0
    width, height = hi_x - lo_x, hi_y - lo_y
    scale_x = scale * (min(max(height / (FIT_MAX_ASPECT * width), 1.0), FIT_MAX_WIDEN) if width > 0 else 1.0)
    mid_x, mid_y = (lo_x + hi_x) / 2, (lo_y + hi_y) / 2
    radius = pen_width * SUPERSAMPLE / 2
    reach = radius + 1
    # Pixels at least this far (squared) from a segment get 0 from it: skipped, which saves
    # most of the (slow) hypot calls and changes no value (the margin covers rounding).
    beyond = (radius + 0.5) ** 2 * (1 + 1e-9)
    top, bottom, left, right = GRID, -1, GRID, -1
    for k in range(len(a)):
        ax, ay = (a[k, 0] - mid_x) * scale_x + GRID / 2, (a[k, 1] - mid_y) * scale + GRID / 2
        bx, by = (b[k, 0] - mid_x) * scale_x + GRID / 2, (b[k, 1] - mid_y) * scale + GRID / 2
        j0 = int(min(max(math.floor(min(ax, bx) - reach), 0), GRID - 1))
        j1 = int(min(max(math.ceil(max(ax, bx) + reach), 0), GRID - 1))
        i0 = int(min(max(math.floor(min(ay, by) - reach), 0), GRID - 1))
        i1 = int(min(max(math.ceil(max(ay, by) + reach), 0), GRID - 1))
        top, bottom, left, right = min(top, i0), max(bottom, i1), min(left, j0), max(right, j1)
        dx, dy = bx - ax, by - ay
        len2 = dx * dx + dy * dy
        if len2 == 0:
            len2 = 1.0  # a dot: t = 0, the nearest point is a
        for i in range(i0, i1 + 1):
            py = (i + 0.5) - ay
            for j in range(j0, j1 + 1):
                px = (j + 0.5) - ax
                t = min(max((px * dx + py * dy) / len2, 0.0), 1.0)
                ex, ey = px - t * dx, py - t * dy
                if ex * ex + ey * ey >= beyond:
                    continue
                v = min(max(radius + 0.5 - math.sqrt(ex * ex + ey * ey), 0.0), 1.0)
                if v > grid[i, j]:
                    grid[i, j] = v
    return top, bottom, left, right


@_fresh
def centering_shift(grid: np.ndarray) -> tuple[int, int]:
    """Step 4: the integer (dx, dy) moving the centre of mass to the grid's centre.

    The one rule both implementations must follow exactly: floor(x + 0.5).
    """
    g = np.ascontiguousarray(grid, dtype=np.float64)
    return _centering_shift(g, 0, g.shape[0] - 1, 0, g.shape[1] - 1)


@_fresh
def shift_and_downsample(grid: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Steps 4-5: the (GRID, GRID) grid moved by (dx, dy) px (positive: right, down;
    zero-filled), then the mean of each SUPERSAMPLE x SUPERSAMPLE block, as float32."""
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    g = np.ascontiguousarray(grid, dtype=np.float64)
    _shift_and_downsample(g, int(dx), int(dy), out, 0, GRID - 1, 0, GRID - 1)
    return out


_CHUNK = 32  # drawings per task of _render_many, each task drawing on one grid


@numba.njit(cache=True, nogil=True, parallel=True)
def _render_many(a, b, ends, widths, out):
    """Steps 1-5 of drawing k (segments a[ends[k-1]:ends[k]] to b[...]) into out[k] (zeroed),
    on every core. Only the rows and columns a drawing inked are summed and cleared after: the
    rest of the grid is zeros, which change no sum (the values are the same, ~1/3 less work)."""
    for chunk in numba.prange((len(widths) + _CHUNK - 1) // _CHUNK):
        grid = np.zeros((GRID, GRID))
        for k in range(chunk * _CHUNK, min(len(widths), (chunk + 1) * _CHUNK)):
            start = ends[k - 1] if k > 0 else 0
            if ends[k] == start:
                continue  # nothing drawn: no ink
            i0, i1, j0, j1 = _draw(grid, a[start : ends[k]], b[start : ends[k]], widths[k])
            dx, dy = _centering_shift(grid, i0, i1, j0, j1)
            _shift_and_downsample(grid, dx, dy, out[k], i0, i1, j0, j1)
            grid[i0 : i1 + 1, j0 : j1 + 1] = 0.0


# Steps 4-5 as preprocess.js takes them (centeringShift, shiftAndDownsample), compiled:
# numpy's calls cost more than the arithmetic on one 112x112 grid.
@numba.njit(cache=True, nogil=True)
def _centering_shift(grid, i0, i1, j0, j1):
    """centering_shift, summing rows i0..i1 and columns j0..j1 only (all ink is there)."""
    h, w = grid.shape
    total = sx = sy = 0.0
    for i in range(i0, i1 + 1):
        for j in range(j0, j1 + 1):
            v = grid[i, j]
            total += v
            sx += v * (j + 0.5)
            sy += v * (i + 0.5)
    if not total > 0:
        return 0, 0
    return math.floor(w / 2 - sx / total + 0.5), math.floor(h / 2 - sy / total + 0.5)


@numba.njit(cache=True, nogil=True)
def _shift_and_downsample(grid, dx, dy, out, i0, i1, j0, j1):
    """shift_and_downsample into out, a zeroed (SIZE, SIZE) float32 array; each block's sum
    taken in preprocess.js's order (row by row), without its per-pixel division. Only the
    blocks over rows i0..i1 and columns j0..j1 of the grid (all its ink) are summed."""
    for r in range(max((i0 + dy) // SUPERSAMPLE, 0), min((i1 + dy) // SUPERSAMPLE, SIZE - 1) + 1):
        for c in range(max((j0 + dx) // SUPERSAMPLE, 0), min((j1 + dx) // SUPERSAMPLE, SIZE - 1) + 1):
            total = 0.0
            for i in range(r * SUPERSAMPLE - dy, (r + 1) * SUPERSAMPLE - dy):
                if 0 <= i < GRID:
                    for j in range(c * SUPERSAMPLE - dx, (c + 1) * SUPERSAMPLE - dx):
                        if 0 <= j < GRID:
                            total += grid[i, j]
            out[r, c] = total / (SUPERSAMPLE * SUPERSAMPLE)


@numba.njit(cache=True, inline="always")
def _moment_scale(target, var):
    """Step 6's scale for one axis: target spread / actual, clamped; 1 for no spread."""
    if not var > DESKEW_MIN_VARIANCE:
        return 1.0
    return min(max(target / math.sqrt(var), MOMENT_SCALE_MIN), MOMENT_SCALE_MAX)


# Compiled, on every core: numpy's whole-batch arrays made deskewing MNIST's 70,000
# images ~2 s of the trainer's start; these loops take a fraction of that.
@numba.njit(cache=True, nogil=True, parallel=True)
def _deskew_many(images, normalize_size, out):
    """Step 6 of each (SIZE, SIZE) image into out (float32), which may be images itself."""
    for k in numba.prange(images.shape[0]):
        _deskew_one(images[k].copy(), normalize_size, out[k])


@numba.njit(cache=True, nogil=True, parallel=True)
def _deskew_bytes_many(images, normalize_size, out):
    """_deskew_many of images / 255 (uint8 in): no float copy of the whole batch first."""
    for k in numba.prange(images.shape[0]):
        _deskew_one(images[k].astype(np.float32) / np.float32(255.0), normalize_size, out[k])


@numba.njit(cache=True, nogil=True, inline="always")
def _deskew_one(img, normalize_size, out):
    """Step 6 of one image into out, in float64 arithmetic: moments about pixel centres,
    shear upright about the centre of mass (and scale), bilinear."""
    cols, rows = np.zeros(SIZE), np.zeros(SIZE)  # ink per column, per row
    for i in range(SIZE):
        for j in range(SIZE):
            cols[j] += img[i, j]
            rows[i] += img[i, j]
    m = cols.sum()
    if not m > 0:  # no ink: unchanged
        out[:] = img
        return
    cx = cy = 0.0
    for j in range(SIZE):
        cx += cols[j] * (j + 0.5)
        cy += rows[j] * (j + 0.5)
    cx, cy = cx / m, cy / m
    vx = vy = cxy = 0.0
    for i in range(SIZE):
        vx += cols[i] * (i + 0.5 - cx) ** 2
        vy += rows[i] * (i + 0.5 - cy) ** 2
        across = 0.0
        for j in range(SIZE):
            across += img[i, j] * (j + 0.5 - cx)
        cxy += across * (i + 0.5 - cy)
    vx, vy, cxy = vx / m, vy / m, cxy / m
    alpha = min(max(cxy / vy, -DESKEW_MAX_SHEAR), DESKEW_MAX_SHEAR) if vy > DESKEW_MIN_VARIANCE else 0.0
    scale_x = scale_y = 1.0
    if normalize_size:
        # Width once sheared upright: the variance of (x - cx) - alpha * (y - cy).
        scale_x = _moment_scale(MOMENT_STD_X, vx - 2 * alpha * cxy + alpha * alpha * vy)
        scale_y = _moment_scale(MOMENT_STD_Y, vy)
    for r in range(SIZE):
        ty = (r + 0.5 - SIZE / 2) / scale_y
        v = cy + ty - 0.5
        i = math.floor(v)
        fv = v - i
        for c in range(SIZE):
            u = cx + (c + 0.5 - SIZE / 2) / scale_x + alpha * ty - 0.5
            j = math.floor(u)
            fu = u - j
            top = (1 - fu) * _tap(img, i, j) + fu * _tap(img, i, j + 1)
            bottom = (1 - fu) * _tap(img, i + 1, j) + fu * _tap(img, i + 1, j + 1)
            out[r, c] = (1 - fv) * top + fv * bottom


@numba.njit(cache=True, inline="always")
def _tap(img, i, j):
    return float(img[int(i), int(j)]) if 0 <= i < SIZE and 0 <= j < SIZE else 0.0


@_fresh
def deskew(images, *, normalize_size: bool = False) -> np.ndarray:
    """Step 6: each (SIZE, SIZE) image in [0, 1] sheared upright about its centre
    of mass, optionally size-normalised; float32, batches (b, SIZE, SIZE) too."""
    a = images_to_deskew(images)
    # float32 and float64 as they are (both exact in float64 arithmetic), others as float64.
    exact = a.dtype if a.dtype in (np.float32, np.float64) else np.float64
    batch = np.ascontiguousarray(a.reshape(-1, SIZE, SIZE), exact)
    out = np.empty(batch.shape, dtype=np.float32)
    _deskew_many(batch, bool(normalize_size), out)
    return out.reshape(a.shape)


@_fresh
def deskew_bytes(images, *, normalize_size: bool = False) -> np.ndarray:
    """deskew(images / 255) of uint8 images (b, SIZE, SIZE), as float32 exactly, without
    a float copy of the whole batch first (MNIST's: 220 MB)."""
    a = np.ascontiguousarray(images)
    if a.dtype != np.uint8 or a.ndim != 3 or a.shape[1:] != (SIZE, SIZE):
        raise ValueError(f"deskew_bytes needs uint8 images of shape (batch, {SIZE}, {SIZE}), got {a.dtype} {a.shape}")
    out = np.empty(a.shape, dtype=np.float32)
    _deskew_bytes_many(a, bool(normalize_size), out)
    return out


def preprocess_strokes(
    strokes, *, pen_width: float = PEN_WIDTH, deskew: bool = False, normalize_size: bool = False
) -> np.ndarray:
    """Strokes (lists of [x, y] points, y down) -> (SIZE, SIZE) float32 in [0, 1], ink = 1.

    normalize_size is part of the deskew step: it needs deskew=True.
    """
    return preprocess_many([(strokes, pen_width)], deskew=deskew, normalize_size=normalize_size)[0]


def preprocess_many(jobs, *, deskew: bool = False, normalize_size: bool = False) -> np.ndarray:
    """preprocess_strokes of each (strokes, pen_width) job (pen_width None: PEN_WIDTH),
    (n, SIZE, SIZE) float32: the same values, with step 6 taken on the whole batch."""
    a, b, ends = segments_of([strokes for strokes, _ in jobs])
    return render_segments(a, b, ends, [w for _, w in jobs], deskew=deskew, normalize_size=normalize_size)


def segments_of(drawings):
    """Every drawing's segments as one batch: start points a and end points b, (n, 2)
    each, and the running count of segments at each drawing's end."""
    segments = [_segments(strokes) for strokes in drawings]
    ends = np.cumsum([len(a) for a, _ in segments], dtype=np.int64)
    a = np.concatenate([a for a, _ in segments] + [np.zeros((0, 2))])
    b = np.concatenate([b for _, b in segments] + [np.zeros((0, 2))])
    return a, b, ends


@_fresh
def render_segments(a, b, ends, pen_widths, *, deskew: bool = False, normalize_size: bool = False) -> np.ndarray:
    """preprocess_many of drawings given as segments_of's batch (pen width None: PEN_WIDTH)."""
    if normalize_size and not deskew:
        raise ValueError("normalize_size is part of the deskew step: pass deskew=True too")
    widths = _pen_widths(pen_widths)
    out = np.zeros((len(ends), SIZE, SIZE), dtype=np.float32)
    _render_many(a, b, ends, widths, out)
    if deskew:  # in place: a second batch of images is fresh memory to fault in
        _deskew_many(out, bool(normalize_size), out)
    return out


# --- Winding: how far a drawing's strokes turn (docs/preprocessing.md, "Winding") ---


@_fresh
def winding(strokes, pen_width: float = 0.0) -> float:
    """preprocess.winding, compiled."""
    points = stroke_arrays(strokes)
    if not points:
        return 0.0
    return _winding(np.concatenate(points), np.cumsum([len(p) for p in points]), float(pen_width))


@numba.njit(cache=True, nogil=True)  # as preprocess.js's winding, step by step
def _winding(p, ends, pen_width):
    size = max(p[:, 0].max() - p[:, 0].min(), p[:, 1].max() - p[:, 1].min())
    if not size > 0:
        return 0.0
    step = max(WINDING_STEP * size, WINDING_PEN_STEP * pen_width)
    total = 0.0
    start = 0
    for end in ends:
        s, start = p[start:end], end
        n = len(s)
        if n < 2:
            continue
        along = np.zeros(n)
        for i in range(1, n):
            along[i] = along[i - 1] + math.hypot(s[i, 0] - s[i - 1, 0], s[i, 1] - s[i - 1, 1])
        j = 0
        qx = qy = heading = 0.0
        have_previous = have_heading = False
        for k in range(math.floor(along[n - 1] / step) + 1):
            t = k * step
            while j < n - 2 and along[j + 1] < t:
                j += 1
            span = along[j + 1] - along[j]
            f = (t - along[j]) / span if span > 0 else 0.0
            x, y = s[j, 0] + f * (s[j + 1, 0] - s[j, 0]), s[j, 1] + f * (s[j + 1, 1] - s[j, 1])
            if have_previous and (x != qx or y != qy):
                angle = math.atan2(y - qy, x - qx)
                if have_heading:
                    turn = angle - heading
                    total += abs(turn - 2 * math.pi * math.floor((turn + math.pi) / (2 * math.pi)))
                heading, have_heading = angle, True
            qx, qy, have_previous = x, y, True
    return total / (2 * math.pi)
