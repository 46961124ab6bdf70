"""Turn pen strokes into the 28x28 model input, MNIST-style.

The spec (each step, its constants and why): docs/preprocessing.md.
web/src/preprocess.js implements the same spec; tests/test_parity.py holds the
two to its tolerance. Change both or neither.
"""

from __future__ import annotations

import math

import numpy as np

PREPROCESS_VERSION = 3  # bump when the output changes beyond the tolerance
SIZE = 28  # output side, px
BOX = 20  # longest side of the ink, px
SUPERSAMPLE = 4  # drawn at SIZE * SUPERSAMPLE, then averaged down
PEN_WIDTH = 2.52  # pen diameter, output px
DESKEW_MAX_SHEAR = 1.0
DESKEW_MIN_VARIANCE = 1e-9
MOMENT_STD_X = 3.5
MOMENT_STD_Y = 5.5
MOMENT_SCALE_MIN = 0.6
MOMENT_SCALE_MAX = 1.6

GRID = SIZE * SUPERSAMPLE
_WINDOW_PIXELS = 1 << 18  # pen windows drawn per numpy batch: bounds memory
_DESKEW_CHUNK = 1024  # images deskewed per numpy batch: bounds memory


def _segments(strokes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points, (n, 2) each, of every segment; a one-point stroke is a dot."""
    starts, ends = [], []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=np.float64)
        if p.size == 0:
            continue
        if p.ndim != 2 or p.shape[1] < 2:
            raise ValueError("each stroke must be a list of [x, y] points")
        if not np.all(np.isfinite(p[:, :2])):
            raise ValueError("stroke coordinates must be finite numbers")
        p = p[:, :2]
        starts.append(p[:-1] if len(p) > 1 else p)
        ends.append(p[1:] if len(p) > 1 else p)
    if not starts:
        return np.zeros((0, 2)), np.zeros((0, 2))
    return np.concatenate(starts), np.concatenate(ends)


def render_strokes(strokes, pen_width: float = PEN_WIDTH) -> np.ndarray:
    """Steps 1-3: the strokes fitted into the box and drawn with an anti-aliased
    round pen on a (GRID, GRID) float64 grid."""
    if not 0 <= pen_width < BOX:
        raise ValueError(f"pen_width must be in [0, {BOX}), got {pen_width!r}")
    a, b = _segments(strokes)
    grid = np.zeros(GRID * GRID)
    if len(a) == 0:
        return grid.reshape(GRID, GRID)
    points = np.concatenate([a, b])
    lo, hi = points.min(axis=0), points.max(axis=0)
    extent = (hi - lo).max()
    scale = (BOX - pen_width) * SUPERSAMPLE / extent if extent > 0 else 0.0
    a = (a - (lo + hi) / 2) * scale + GRID / 2
    b = (b - (lo + hi) / 2) * scale + GRID / 2
    radius = pen_width * SUPERSAMPLE / 2
    # Each segment touches only its bbox grown by radius + 1; those windows,
    # padded to the largest, are computed together and max-ed into the grid.
    reach = radius + 1
    j0 = np.clip(np.floor(np.minimum(a[:, 0], b[:, 0]) - reach), 0, GRID - 1).astype(np.intp)
    i0 = np.clip(np.floor(np.minimum(a[:, 1], b[:, 1]) - reach), 0, GRID - 1).astype(np.intp)
    j1 = np.clip(np.ceil(np.maximum(a[:, 0], b[:, 0]) + reach), 0, GRID - 1).astype(np.intp)
    i1 = np.clip(np.ceil(np.maximum(a[:, 1], b[:, 1]) + reach), 0, GRID - 1).astype(np.intp)
    w, h = int((j1 - j0).max()) + 1, int((i1 - i0).max()) + 1
    d = b - a
    len2 = (d * d).sum(axis=1)
    len2[len2 == 0] = 1.0  # a dot: t = 0, the nearest point is a
    step = max(1, _WINDOW_PIXELS // (w * h))
    for k in range(0, len(a), step):
        s = slice(k, k + step)
        cols = np.minimum(j0[s, None] + np.arange(w), GRID - 1)  # (m, w)
        rows = np.minimum(i0[s, None] + np.arange(h), GRID - 1)  # (m, h)
        px = (cols + 0.5)[:, None, :] - a[s, 0, None, None]  # pixel centre - a, (m, 1, w)
        py = (rows + 0.5)[:, :, None] - a[s, 1, None, None]  # (m, h, 1)
        dx, dy = d[s, 0, None, None], d[s, 1, None, None]
        t = np.clip((px * dx + py * dy) / len2[s, None, None], 0.0, 1.0)
        value = np.clip(radius + 0.5 - np.hypot(px - t * dx, py - t * dy), 0.0, 1.0)
        np.maximum.at(grid, (rows[:, :, None] * GRID + cols[:, None, :]).ravel(), value.ravel())
    return grid.reshape(GRID, GRID)


def centering_shift(grid: np.ndarray) -> tuple[int, int]:
    """Step 4: the integer (dx, dy) moving the centre of mass to the grid's centre.

    The one rule both implementations must follow exactly: floor(x + 0.5).
    """
    total = grid.sum()
    if not total > 0:
        return 0, 0
    h, w = grid.shape
    cx = grid.sum(axis=0) @ (np.arange(w) + 0.5) / total
    cy = grid.sum(axis=1) @ (np.arange(h) + 0.5) / total
    return math.floor(w / 2 - cx + 0.5), math.floor(h / 2 - cy + 0.5)


def shift_grid(grid: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Step 4: translated by (dx, dy) px (positive: right, down), zero-filled."""
    h, w = grid.shape
    out = np.zeros_like(grid)
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = grid[
        max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def downsample(grid: np.ndarray) -> np.ndarray:
    """Step 5: the mean of each SUPERSAMPLE x SUPERSAMPLE block, as float32."""
    n = grid.shape[0] // SUPERSAMPLE
    return grid.reshape(n, SUPERSAMPLE, n, SUPERSAMPLE).mean(axis=(1, 3)).astype(np.float32)


def _moment_scale(target: float, var: np.ndarray) -> np.ndarray:
    """Step 6's scale for one axis: target spread / actual, clamped; 1 for no spread."""
    ok = var > DESKEW_MIN_VARIANCE
    scale = target / np.sqrt(np.where(ok, var, 1.0))
    return np.where(ok, np.clip(scale, MOMENT_SCALE_MIN, MOMENT_SCALE_MAX), 1.0)


def _bilinear(img: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """img (b, n, n) sampled at column u (b, n, n) and row v (b, n, 1), 0 outside."""
    b, n, _ = img.shape
    padded = np.zeros((b, n + 4, n + 4))
    padded[:, 2:-2, 2:-2] = img
    j0, i0 = np.floor(u), np.floor(v)
    fu, fv = u - j0, v - i0
    # Clipped into the 2-px zero border, an index and its +1 neighbour both read 0.
    w = n + 4
    j = np.clip(j0, -2, n).astype(np.intp) + 2
    i = np.clip(i0, -2, n).astype(np.intp) + 2
    tap = (np.arange(b)[:, None, None] * w + i) * w + j  # top-left neighbour in the flat array
    flat = padded.reshape(-1)
    top = (1 - fu) * flat[tap] + fu * flat[tap + 1]
    bottom = (1 - fu) * flat[tap + w] + fu * flat[tap + w + 1]
    return (1 - fv) * top + fv * bottom


def _deskew_batch(img: np.ndarray, normalize_size: bool) -> np.ndarray:
    """Step 6 on a (b, SIZE, SIZE) float64 batch."""
    centres = np.arange(SIZE) + 0.5
    cols, rows = img.sum(axis=1), img.sum(axis=2)  # ink per column, per row
    m = cols.sum(axis=1)
    ink = m > 0
    m = np.where(ink, m, 1.0)
    cx, cy = cols @ centres / m, rows @ centres / m
    dx, dy = centres - cx[:, None], centres - cy[:, None]  # (b, SIZE)
    vx = (cols * dx * dx).sum(axis=1) / m
    vy = (rows * dy * dy).sum(axis=1) / m
    cxy = (np.einsum("bij,bj->bi", img, dx) * dy).sum(axis=1) / m
    sheared = vy > DESKEW_MIN_VARIANCE
    alpha = np.clip(np.where(sheared, cxy / np.where(sheared, vy, 1.0), 0.0), -DESKEW_MAX_SHEAR, DESKEW_MAX_SHEAR)
    scale_x = scale_y = np.ones(len(img))
    if normalize_size:
        # Width once sheared upright: the variance of (x - cx) - alpha * (y - cy).
        scale_x = _moment_scale(MOMENT_STD_X, vx - 2 * alpha * cxy + alpha * alpha * vy)
        scale_y = _moment_scale(MOMENT_STD_Y, vy)
    tx = (centres - SIZE / 2) / scale_x[:, None]  # (b, cols)
    ty = (centres - SIZE / 2) / scale_y[:, None]  # (b, rows)
    u = cx[:, None, None] + tx[:, None, :] + alpha[:, None, None] * ty[:, :, None] - 0.5
    v = (cy[:, None] + ty - 0.5)[:, :, None]
    out = _bilinear(img, u, v)
    out[~ink] = img[~ink]
    return out


def deskew(images, *, normalize_size: bool = False) -> np.ndarray:
    """Step 6: each (SIZE, SIZE) image in [0, 1] sheared upright about its centre
    of mass, optionally size-normalised; float32, batches (b, SIZE, SIZE) too."""
    a = np.asarray(images)
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"deskew needs float images in [0, 1] (e.g. uint8 / 255), got dtype {a.dtype}")
    if a.ndim not in (2, 3) or a.shape[-2:] != (SIZE, SIZE):
        raise ValueError(f"deskew needs shape ({SIZE}, {SIZE}) or (batch, {SIZE}, {SIZE}), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("deskew needs finite pixel values")
    batch = a.reshape(-1, SIZE, SIZE)
    out = np.empty(batch.shape, dtype=np.float32)
    for k in range(0, len(batch), _DESKEW_CHUNK):
        chunk = batch[k : k + _DESKEW_CHUNK].astype(np.float64)
        out[k : k + _DESKEW_CHUNK] = _deskew_batch(chunk, normalize_size)
    return out.reshape(a.shape)


_deskew = deskew  # preprocess_strokes' `deskew` keyword shadows the function


def preprocess_strokes(
    strokes, *, pen_width: float = PEN_WIDTH, deskew: bool = False, normalize_size: bool = False
) -> np.ndarray:
    """Strokes (lists of [x, y] points, y down) -> (SIZE, SIZE) float32 in [0, 1], ink = 1.

    normalize_size is part of the deskew step: it needs deskew=True.
    """
    if normalize_size and not deskew:
        raise ValueError("normalize_size is part of the deskew step: pass deskew=True too")
    grid = render_strokes(strokes, pen_width)
    image = downsample(shift_grid(grid, *centering_shift(grid)))
    return _deskew(image, normalize_size=normalize_size) if deskew else image


# --- Winding: how far a drawing's strokes turn (docs/preprocessing.md, "Winding") ---

WINDING_STEP = 0.05  # resampling step, a share of the drawing's size: a shaky hand adds no turns


def winding(strokes) -> float:
    """How many full turns the strokes' direction makes in all: each stroke resampled
    every WINDING_STEP of the drawing's size, its absolute changes of direction summed."""
    points = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes if len(s)]
    if not points:
        return 0.0
    size = np.ptp(np.concatenate(points), axis=0).max()
    if not size > 0:
        return 0.0
    step = WINDING_STEP * size
    total = 0.0
    for p in points:
        if len(p) < 2:
            continue
        along = np.r_[0, np.cumsum(np.hypot(*np.diff(p, axis=0).T))]
        t = np.arange(math.floor(along[-1] / step) + 1) * step
        j = np.minimum(np.searchsorted(along[1:], t, side="left"), len(along) - 2)
        span = along[j + 1] - along[j]
        f = np.where(span > 0, (t - along[j]) / np.where(span > 0, span, 1), 0)
        q = p[j] + f[:, None] * (p[j + 1] - p[j])
        d = np.diff(q, axis=0)
        d = d[(d[:, 0] != 0) | (d[:, 1] != 0)]
        turn = np.diff(np.arctan2(d[:, 1], d[:, 0]))
        total += np.abs(turn - 2 * np.pi * np.floor((turn + np.pi) / (2 * np.pi))).sum()
    return total / (2 * np.pi)


def render_job(job) -> np.ndarray:
    """preprocess_strokes for one (strokes, pen_width) pair (pen_width None: the
    default pen): the unit of work train.py spreads over the cores."""
    strokes, pen_width = job
    return preprocess_strokes(strokes) if pen_width is None else preprocess_strokes(strokes, pen_width=pen_width)
