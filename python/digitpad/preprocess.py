"""Turn pen strokes into the 28x28 model input, MNIST-style.

digitpad preprocessing, spec version 1. python/digitpad/preprocess.py (numpy)
and web/src/preprocess.js (browser) implement this same spec and must agree to
~1e-7 (tests/test_parity.py checks it); change both or neither, and bump
PREPROCESS_VERSION when the output changes.

Input: strokes = list of pen strokes, each a list of [x, y] points (any unit,
y pointing down). Output: 28x28 floats in [0, 1], row-major, ink = 1.

1. No points at all -> all zeros.
2. Fit: bbox (x0, y0, x1, y1) of all points, extent = max(x1 - x0, y1 - y0),
   s = (BOX - PEN_WIDTH) / extent (s = 0 if extent == 0: a dot), so the ink
   including the pen's thickness spans BOX px on its longest side, aspect
   ratio kept. Map each point to the G x G grid (G = SIZE * SUPERSAMPLE):
   p' = (p - bbox_centre) * s * SUPERSAMPLE + G / 2.
3. Render with an anti-aliased round pen: pixel (i, j) has centre
   (j + 0.5, i + 0.5) (x = column, y = row); value = clamp(R + 0.5 - d, 0, 1),
   R = PEN_WIDTH * SUPERSAMPLE / 2, d = distance from the pixel centre to the
   nearest segment of any stroke (a one-point stroke is a zero-length
   segment). Strokes are separate polylines (no segment joins two strokes).
4. Centre of mass: cx = sum(v * (j + 0.5)) / sum(v), cy likewise with i + 0.5.
   Shift the grid by the integers dx = floor(G/2 - cx + 0.5),
   dy = floor(G/2 - cy + 0.5) (positive = right/down), zero-filling and
   dropping what leaves the grid.
5. Downsample: each output pixel = mean of its SUPERSAMPLE x SUPERSAMPLE
   block; output as float32.

Defaults: SIZE = 28, BOX = 20, SUPERSAMPLE = 4, PEN_WIDTH = 2.52 (in output px).

Why: MNIST digits were size-normalised into a 20x20 box keeping their aspect
ratio, anti-aliased, then placed in 28x28 so that their centre of mass is at
the centre. Doing exactly that to the vector strokes makes the input
independent of the pad's size, the device pixel ratio, the browser's canvas
anti-aliasing and where / how big the digit was drawn, and lets Python render
real pen-drawn digits for training exactly as the page does.

Parity rules (both languages): float64 arithmetic in the same order; sums run
sequentially in row-major order (numpy: cumsum, never the pairwise np.sum);
rounding is floor(x + 0.5) (never np.round / Math.round, which disagree on
halves).
"""

from __future__ import annotations

import math
from typing import Iterable, NamedTuple, Sequence

import numpy as np

PREPROCESS_VERSION = 1
SIZE = 28  # output side, px (MNIST)
BOX = 20  # longest side of the ink, px (MNIST's size-normalisation box)
SUPERSAMPLE = 4  # render at SIZE*SUPERSAMPLE, then area-filter down (anti-aliasing)
# Pen diameter in output px, chosen so the mean ink of the 7,494 UCI pen digits
# (0.1323) matches MNIST t10k (mean pixel / 255 = 0.1325); 2.2 was visibly thinner (0.1178).
PEN_WIDTH = 2.52

__all__ = [
    "PREPROCESS_VERSION",
    "SIZE",
    "BOX",
    "SUPERSAMPLE",
    "PEN_WIDTH",
    "Transform",
    "fit_transform",
    "to_grid",
    "render_strokes",
    "center_of_mass",
    "centering_shift",
    "shift_grid",
    "downsample",
    "preprocess_strokes",
]


class Transform(NamedTuple):
    """p' = (p - (cx, cy)) * scale * supersample + offset (offset = G / 2)."""

    cx: float
    cy: float
    scale: float  # output px per input unit (s in the spec)
    supersample: int
    offset: float


def _check_options(size: int, box: float, supersample: int, pen_width: float) -> None:
    if int(size) != size or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if int(supersample) != supersample or supersample < 1:
        raise ValueError(f"supersample must be a positive integer, got {supersample!r}")
    if not (pen_width >= 0):
        raise ValueError(f"pen_width must be >= 0, got {pen_width!r}")
    if not (box > pen_width):
        raise ValueError(f"box ({box!r}) must be larger than pen_width ({pen_width!r})")


def _as_arrays(strokes: Iterable[Sequence[Sequence[float]]]) -> list[np.ndarray]:
    """Strokes as (n, 2) float64 arrays; empty strokes dropped."""
    out = []
    for stroke in strokes:
        a = np.asarray(stroke, dtype=np.float64)
        if a.size == 0:
            continue
        if a.ndim != 2 or a.shape[1] < 2:
            raise ValueError("each stroke must be a list of [x, y] points")
        a = a[:, :2]
        if not np.all(np.isfinite(a)):
            raise ValueError("stroke coordinates must be finite numbers")
        out.append(a)
    return out


def fit_transform(
    strokes,
    *,
    size: int = SIZE,
    box: float = BOX,
    supersample: int = SUPERSAMPLE,
    pen_width: float = PEN_WIDTH,
) -> Transform | None:
    """Step 2: the size-normalising fit, or None for an empty drawing."""
    arrays = _as_arrays(strokes)
    if not arrays:
        return None
    x0 = min(float(a[:, 0].min()) for a in arrays)
    x1 = max(float(a[:, 0].max()) for a in arrays)
    y0 = min(float(a[:, 1].min()) for a in arrays)
    y1 = max(float(a[:, 1].max()) for a in arrays)
    extent = max(x1 - x0, y1 - y0)
    # Longest side -> BOX - PEN_WIDTH, so the ink with its thickness spans BOX.
    scale = (box - pen_width) / extent if extent > 0 else 0.0
    g = size * supersample
    return Transform((x0 + x1) / 2, (y0 + y1) / 2, scale, supersample, g / 2)


def to_grid(strokes, t: Transform) -> list[np.ndarray]:
    """Map points to high-res grid coordinates: (p - centre) * s * SS + G/2."""
    out = []
    for a in _as_arrays(strokes):
        gx = (a[:, 0] - t.cx) * t.scale * t.supersample + t.offset
        gy = (a[:, 1] - t.cy) * t.scale * t.supersample + t.offset
        out.append(np.stack([gx, gy], axis=1))
    return out


def render_strokes(
    grid_strokes: list[np.ndarray], grid_size: int, radius: float, *, chunk: int = 1 << 18
) -> np.ndarray:
    """Step 3: anti-aliased round pen of radius `radius` (grid px) on a float64 grid.

    value = clamp(radius + 0.5 - distance to the nearest segment, 0, 1): a
    one-pixel-wide linear ramp at the pen's edge (cheap anti-aliasing; the
    area filter of step 5 smooths further).

    Vectorised over segments: each segment gets a window at its bbox inflated
    by R + 1 (clipped to the grid), all windows padded to the largest one;
    pixels a window covers beyond its own bbox get their exact value too
    (0, being out of the pen's reach), so the max is the same as visiting
    each bbox alone. `chunk` bounds the number of window pixels per batch.
    """
    size = grid_size
    flat = np.zeros(size * size, dtype=np.float64)
    starts, ends = [], []
    for pts in grid_strokes:
        if len(pts) == 1:  # a one-point stroke is a zero-length segment (a dot)
            starts.append(pts)
            ends.append(pts)
        elif len(pts) > 1:  # consecutive points of one stroke; strokes stay apart
            starts.append(pts[:-1])
            ends.append(pts[1:])
    if not starts:
        return flat.reshape(size, size)
    a = np.concatenate(starts)
    b = np.concatenate(ends)
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    rr = radius + 0.5
    reach = radius + 1.0
    last = size - 1
    j0 = np.clip(np.floor(np.minimum(ax, bx) - reach), 0, last).astype(np.intp)
    j1 = np.clip(np.ceil(np.maximum(ax, bx) + reach), 0, last).astype(np.intp)
    i0 = np.clip(np.floor(np.minimum(ay, by) - reach), 0, last).astype(np.intp)
    i1 = np.clip(np.ceil(np.maximum(ay, by) + reach), 0, last).astype(np.intp)
    dx = bx - ax
    dy = by - ay
    len2 = dx * dx + dy * dy
    # Zero-length segment: dx = dy = 0, so t = 0 / 1 = 0 (JS: t = 0), nearest point = a.
    div = np.where(len2 > 0, len2, 1.0)
    w = int((j1 - j0).max()) + 1
    h = int((i1 - i0).max()) + 1
    step = max(1, chunk // (w * h))
    for k in range(0, len(ax), step):
        sl = slice(k, k + step)
        jj = np.minimum(j0[sl, None] + np.arange(w), last)  # (m, w) columns
        ii = np.minimum(i0[sl, None] + np.arange(h), last)  # (m, h) rows
        px = (jj + 0.5)[:, None, :]  # pixel centres, (m, 1, w)
        py = (ii + 0.5)[:, :, None]  # (m, h, 1)
        sax, say = ax[sl, None, None], ay[sl, None, None]
        sdx, sdy = dx[sl, None, None], dy[sl, None, None]
        # Same operation order as the JS loop, so values agree bit for bit.
        t = ((px - sax) * sdx + (py - say) * sdy) / div[sl, None, None]
        np.clip(t, 0.0, 1.0, out=t)
        ex = px - (sax + t * sdx)
        ey = py - (say + t * sdy)
        v = rr - np.sqrt(ex * ex + ey * ey)
        np.clip(v, 0.0, 1.0, out=v)
        idx = ii[:, :, None] * size + jj[:, None, :]
        np.maximum.at(flat, idx.ravel(), v.ravel())
    return flat.reshape(size, size)


def _seq_sum(a: np.ndarray) -> float:
    """Sequential row-major sum (same order as the JS loop; np.sum is pairwise)."""
    flat = a.reshape(-1)
    return float(np.cumsum(flat)[-1]) if flat.size else 0.0


def center_of_mass(grid: np.ndarray) -> tuple[float, float] | None:
    """Step 4a: (cx, cy) with pixel centres at +0.5, or None if the grid is blank."""
    total = _seq_sum(grid)
    if not total > 0:
        return None
    h, w = grid.shape
    xs = np.arange(w, dtype=np.float64)[None, :] + 0.5
    ys = np.arange(h, dtype=np.float64)[:, None] + 0.5
    return _seq_sum(grid * xs) / total, _seq_sum(grid * ys) / total


def centering_shift(grid: np.ndarray) -> tuple[int, int]:
    """Step 4b: integer (dx, dy) that moves the centre of mass to the grid centre.

    MNIST centred its digits by centre of mass (not bbox) in 28x28.
    """
    com = center_of_mass(grid)
    if com is None:
        return 0, 0
    h, w = grid.shape
    return math.floor(w / 2 - com[0] + 0.5), math.floor(h / 2 - com[1] + 0.5)


def shift_grid(grid: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Step 4c: translate by (dx, dy) px (positive = right/down), zero-fill, drop overflow."""
    h, w = grid.shape
    out = np.zeros_like(grid)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    out[max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)] = grid[
        max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)
    ]
    return out


def downsample(grid: np.ndarray, factor: int) -> np.ndarray:
    """Step 5: area filter, mean of each factor x factor block, as float32.

    Blocks are summed row by row, left to right (the JS order), then divided.
    """
    h, w = grid.shape
    acc = np.zeros((h // factor, w // factor), dtype=np.float64)
    for a in range(factor):
        for b in range(factor):
            acc += grid[a::factor, b::factor]
    return (acc / (factor * factor)).astype(np.float32)


def preprocess_strokes(
    strokes,
    *,
    size: int = SIZE,
    box: float = BOX,
    supersample: int = SUPERSAMPLE,
    pen_width: float = PEN_WIDTH,
) -> np.ndarray:
    """Strokes -> (size, size) float32 array in [0, 1], ink = 1 (see module doc)."""
    _check_options(size, box, supersample, pen_width)
    size, supersample = int(size), int(supersample)
    arrays = _as_arrays(strokes)
    t = fit_transform(arrays, size=size, box=box, supersample=supersample, pen_width=pen_width)
    if t is None:
        return np.zeros((size, size), dtype=np.float32)
    g = size * supersample
    grid = render_strokes(to_grid(arrays, t), g, pen_width * supersample / 2)
    # (A deskew step - shear by second moments - will go here.)
    dx, dy = centering_shift(grid)
    grid = shift_grid(grid, dx, dy)
    return downsample(grid, supersample)
