"""Turn pen strokes into the 28x28 model input, MNIST-style.

digitpad preprocessing, spec version 3. python/digitpad/preprocess.py (numpy)
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
6. Deskew (optional, off by default; version 2), optionally with size
   normalisation by moments (off by default; version 3): applied to the
   SIZE x SIZE output I of step 5, or to any such image in [0, 1] (e.g. MNIST / 255).
   Pixel (i, j) has centre x = j + 0.5, y = i + 0.5; C = SIZE / 2 (14).
   m = sum(I); unless m > 0 (a blank image), return I unchanged (a copy).
   cx = sum(I * x) / m, cy = sum(I * y) / m,
   vy = sum(I * ((y - cy) * (y - cy))) / m, cxy = sum(I * (x - cx) * (y - cy)) / m,
   alpha = cxy / vy if vy > 1e-9 else 0, then clamped to [-1, 1] (a
   near-horizontal scribble must not be sheared wildly).
   Scales: sx = sy = 1 unless size normalisation is on; then
   vx = sum(I * (d * d)) / m with d = (x - cx) - alpha * (y - cy) (the
   horizontal variance once sheared upright), sx = clamp(MOMENT_STD_X / sqrt(vx),
   MOMENT_SCALE_MIN, MOMENT_SCALE_MAX) if vx > 1e-9 else 1, and
   sy = clamp(MOMENT_STD_Y / sqrt(vy), MOMENT_SCALE_MIN, MOMENT_SCALE_MAX)
   if vy > 1e-9 else 1 (3.5 px, 5.5 px, 0.6, 1.6).
   O[i][j] = I sampled bilinearly at xs = ((C + tx) + alpha * ty) + (cx - C),
   ys = (C + ty) + (cy - C), where tx = (x - C) / sx, ty = (y - C) / sy
   (that is ys = cy + (y - C) / sy, xs = cx + alpha * (ys - cy) + (x - C) / sx;
   with sx = sy = 1 it is bit for bit the version-2 mapping
   xs = x + alpha * (y - C) + (cx - C), ys = y + (cy - C), as x - C, y - C and
   C + (x - C) are exact): u = xs - 0.5, v = ys - 0.5, j0 = floor(u), i0 = floor(v),
   fu = u - j0, fv = v - i0, O = (1 - fv) * ((1 - fu) * I[i0][j0] + fu * I[i0][j0+1])
   + fv * ((1 - fu) * I[i0+1][j0] + fu * I[i0+1][j0+1]), pixels outside the
   image counting as 0. This shears the main axis upright, stretches or
   shrinks each axis about the centre of mass by sx, sy, and moves the
   centre of mass to (C, C). Output as float32 (still in [0, 1]).

Defaults: SIZE = 28, BOX = 20, SUPERSAMPLE = 4, PEN_WIDTH = 2.52 (in output px).

Why: MNIST digits were size-normalised into a 20x20 box keeping their aspect
ratio, anti-aliased, then placed in 28x28 so that their centre of mass is at
the centre. Doing exactly that to the vector strokes makes the input
independent of the pad's size, the device pixel ratio, the browser's canvas
anti-aliasing and where / how big the digit was drawn, and lets Python render
real pen-drawn digits for training exactly as the page does.
Why deskew (step 6): people and MNIST writers slant their digits differently;
shearing each digit so its main axis is vertical removes that variation, and
a linear model then gets 92.6% -> ~95.8% on MNIST.
Why size normalisation (step 6, version 3): after deskewing, how wide and
tall digits are still varies (a "1" is a thin bar, some writers draw small
loops); scaling each axis so the ink's spread (standard deviation) is about
the median of deskewed MNIST (3.5 px wide, 5.5 px tall), within 0.6x..1.6x
so a "1" is not blown up into a block, takes the softmax from 95.7% to 97.5%
on MNIST and from 84% to 88% on real pen drawings.

Parity rules (both languages): float64 arithmetic in the same order; sums run
sequentially in row-major order (numpy: cumsum or a loop over pixels that is
vectorised over images, never the pairwise np.sum); rounding is
floor(x + 0.5) (never np.round / Math.round, which disagree on halves).
"""

from __future__ import annotations

import math
from typing import Iterable, NamedTuple, Sequence

import numpy as np

PREPROCESS_VERSION = 3  # 2: optional deskew (step 6); 3: optional size normalisation in it
SIZE = 28  # output side, px (MNIST)
BOX = 20  # longest side of the ink, px (MNIST's size-normalisation box)
SUPERSAMPLE = 4  # render at SIZE*SUPERSAMPLE, then area-filter down (anti-aliasing)
DESKEW_MAX_SHEAR = 1.0  # |alpha| limit: x shifts by at most 1 px per px of height
DESKEW_MIN_VARIANCE = 1e-9  # vy at or below this (a flat line): no shear (nor scaling)
# Size normalisation (step 6, version 3): target ink spread (std, px) after
# deskewing, the median of deskewed MNIST digits, and the limits on the scales.
MOMENT_STD_X = 3.5
MOMENT_STD_Y = 5.5
MOMENT_SCALE_MIN = 0.6
MOMENT_SCALE_MAX = 1.6
# Pen diameter in output px, chosen so the mean ink of the 7,494 UCI pen digits
# (0.1323) matches MNIST t10k (mean pixel / 255 = 0.1325); 2.2 was visibly thinner (0.1178).
PEN_WIDTH = 2.52

__all__ = [
    "PREPROCESS_VERSION",
    "SIZE",
    "BOX",
    "SUPERSAMPLE",
    "PEN_WIDTH",
    "DESKEW_MAX_SHEAR",
    "DESKEW_MIN_VARIANCE",
    "MOMENT_STD_X",
    "MOMENT_STD_Y",
    "MOMENT_SCALE_MIN",
    "MOMENT_SCALE_MAX",
    "Transform",
    "fit_transform",
    "to_grid",
    "render_strokes",
    "center_of_mass",
    "centering_shift",
    "shift_grid",
    "downsample",
    "deskew",
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


def _seq_sums(terms: np.ndarray) -> np.ndarray:
    """terms[0] + terms[1] + ... in that order (a loop over pixels, vectorised over images)."""
    acc = terms[0].copy()
    for t in terms[1:]:
        acc += t
    return acc


class _DeskewBuffers:
    """Work arrays for batches of up to `cap` images of n x n, allocated once per deskew call.

    Fresh temporaries for every chunk made the allocator hand memory back to
    the OS and fault it in again (~1.5M page faults, 3x slower for MNIST).
    """

    def __init__(self, cap: int, n: int):
        npix = n * n
        self.terms = np.empty((npix, 3, cap))  # pixel-major: the sums loop over pixels
        self.pix_a = np.empty((npix, cap))
        self.pix_b = np.empty((npix, cap))
        self.u = np.empty((cap, n, n))
        self.j0 = np.empty((cap, n, n))
        self.g = np.empty((cap, n, n))
        self.k = np.empty((cap, n, n), dtype=np.intp)
        self.taps = np.empty((4, cap, n, n))
        w = n + 4
        self.padded = np.zeros((cap, w, w))  # the 2-px border stays 0


def _moment_scale(target: float, var: np.ndarray) -> np.ndarray:
    """clamp(target / sqrt(var), MOMENT_SCALE_MIN, MOMENT_SCALE_MAX) if var > 1e-9 else 1 (per image)."""
    ok = var > DESKEW_MIN_VARIANCE
    s = np.clip(target / np.sqrt(np.where(ok, var, 1.0)), MOMENT_SCALE_MIN, MOMENT_SCALE_MAX)
    return np.where(ok, s, 1.0)


def _deskew_rows(
    img: np.ndarray, n: int, buf: _DeskewBuffers, out: np.ndarray, normalize_size: bool = False
) -> None:
    """Step 6 on a (b, n*n) batch of row-major images (any float dtype) into out (b, n*n) float32.

    float64 throughout, every operation in the order of the JS loop in
    web/src/preprocess.js (per-image sums pixel by pixel in row-major order),
    so results match it bit for bit. In-place ufuncs (out=) compute exactly
    what the plain expression would.
    """
    b = len(img)
    c = n / 2
    line = np.arange(n, dtype=np.float64) + 0.5  # pixel centres along one axis
    x = np.tile(line, n)[:, None]  # (n*n, 1): x of each row-major pixel
    y = np.repeat(line, n)[:, None]
    terms = buf.terms[:, :, :b]
    pix = terms[:, 0]
    pix[...] = img.T
    np.multiply(pix, x, out=terms[:, 1])
    np.multiply(pix, y, out=terms[:, 2])
    m, sx, sy = _seq_sums(terms)
    blank = ~(m > 0)
    m = np.where(blank, 1.0, m)  # blank images are copied at the end; avoid 0 / 0
    cx = sx / m
    cy = sy / m
    dy = np.subtract(y, cy, out=buf.pix_a[:, :b])
    tmp = np.multiply(dy, dy, out=buf.pix_b[:, :b])
    np.multiply(pix, tmp, out=terms[:, 1])  # I * ((y - cy) * (y - cy))
    tmp = np.subtract(x, cx, out=tmp)
    np.multiply(pix, tmp, out=tmp)
    np.multiply(tmp, dy, out=terms[:, 2])  # I * (x - cx) * (y - cy)
    svy, sxy = _seq_sums(terms[:, 1:])
    vy = svy / m
    cxy = sxy / m
    sheared = vy > DESKEW_MIN_VARIANCE
    alpha = np.where(sheared, cxy / np.where(sheared, vy, 1.0), 0.0)
    alpha = np.clip(alpha, -DESKEW_MAX_SHEAR, DESKEW_MAX_SHEAR)
    if normalize_size:
        # vx = sum(I * (d * d)) / m, d = (x - cx) - alpha * (y - cy): the width once upright.
        d = np.subtract(x, cx, out=buf.pix_b[:, :b])
        ady = np.multiply(dy, alpha, out=terms[:, 2])
        np.subtract(d, ady, out=d)
        np.multiply(d, d, out=d)
        np.multiply(pix, d, out=terms[:, 1])
        vx = _seq_sums(terms[:, 1]) / m
        scale_x = _moment_scale(MOMENT_STD_X, vx)[:, None]
        scale_y = _moment_scale(MOMENT_STD_Y, vy)[:, None]
        tx = (line - c) / scale_x  # (b, cols)
        ty = (line - c) / scale_y  # (b, rows)
    else:  # sx = sy = 1: dividing by 1 would change nothing (it is exact)
        tx = np.broadcast_to(line - c, (b, n))
        ty = tx
    # Output pixel (x, y) reads the input at index-space (u, v); shapes (b, rows, cols).
    # u = ((C + tx) + alpha * ty) + (cx - C) - 0.5, one v per output row.
    u = np.add((c + tx)[:, None, :], alpha[:, None, None] * ty[:, :, None], out=buf.u[:b])
    u += (cx - c)[:, None, None]
    u -= 0.5
    v = (c + ty) + (cy[:, None] - c) - 0.5  # (b, rows)
    j0 = np.floor(u, out=buf.j0[:b])
    i0 = np.floor(v)
    fu = np.subtract(u, j0, out=u)
    fv = (v - i0)[:, :, None]
    # Taps from the zero-bordered copy: an index clipped into the 2-px border
    # reads 0 (outside the image), and so do its +1 neighbours: no masks.
    w = n + 4
    buf.padded[:b, 2:-2, 2:-2] = img.reshape(b, n, n)
    flat = buf.padded.reshape(-1)
    row0 = (np.clip(i0, -2, n).astype(np.intp) + 2) * w + (np.arange(b) * (w * w))[:, None]
    k = buf.k[:b]
    np.copyto(k, np.clip(j0, -2, n, out=j0), casting="unsafe")  # integral floats -> ints
    k += row0[:, :, None] + 2
    p00, p01, p10, p11 = buf.taps[:, :b]
    np.take(flat, k, out=p00, mode="clip")  # (all indices are in range; "clip" avoids a copy)
    k += 1
    np.take(flat, k, out=p01, mode="clip")
    k += w
    np.take(flat, k, out=p11, mode="clip")
    k -= 1
    np.take(flat, k, out=p10, mode="clip")
    # O = (1 - fv) * ((1 - fu) * p00 + fu * p01) + fv * ((1 - fu) * p10 + fu * p11)
    gu = np.subtract(1, fu, out=buf.g[:b])
    np.multiply(gu, p00, out=p00)
    np.multiply(fu, p01, out=p01)
    np.add(p00, p01, out=p00)
    np.multiply(gu, p10, out=p10)
    np.multiply(fu, p11, out=p11)
    np.add(p10, p11, out=p10)
    np.multiply(1 - fv, p00, out=p00)
    np.multiply(fv, p10, out=p10)
    np.add(p00, p10, out=out.reshape(b, n, n), casting="same_kind")  # rounded to float32 once
    out[blank] = img[blank]  # blank: unchanged


def deskew(images, *, normalize_size: bool = False, chunk: int = 512) -> np.ndarray:
    """Step 6: shear each image so its main axis is vertical, centre of mass at the centre.

    normalize_size=True also scales each axis about the centre of mass so the
    ink's standard deviation is MOMENT_STD_X wide and MOMENT_STD_Y tall (scales
    clamped to [MOMENT_SCALE_MIN, MOMENT_SCALE_MAX]; spec version 3). Off, the
    output is exactly the version-2 deskew.

    images: float array (n, n) or (batch, n, n) (MNIST: 28 x 28, scaled to
    [0, 1]), any float dtype; computed in float64, returned as float32 of the
    same shape. Vectorised over the batch (`chunk` images at a time, to bound
    memory); all 70,000 MNIST images take ~2-3 s, ~3 s with normalize_size.
    Why deskew and size normalisation: see the module doc.
    """
    a = np.asarray(images)
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"deskew needs float images in [0, 1] (e.g. uint8 / 255), got dtype {a.dtype}")
    if a.ndim not in (2, 3) or a.shape[-1] != a.shape[-2] or a.shape[-1] < 1:
        raise ValueError(f"deskew needs shape (n, n) or (batch, n, n), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("deskew needs finite pixel values")
    n = a.shape[-1]
    flat = a.reshape(-1, n * n)
    out = np.empty(flat.shape, dtype=np.float32)
    step = max(1, min(int(chunk), len(flat)))
    buf = _DeskewBuffers(step, n)
    for k in range(0, len(flat), step):
        _deskew_rows(flat[k : k + step], n, buf, out[k : k + step], bool(normalize_size))
    return out.reshape(a.shape)


_deskew_image = deskew  # preprocess_strokes' `deskew` keyword shadows the function


def preprocess_strokes(
    strokes,
    *,
    size: int = SIZE,
    box: float = BOX,
    supersample: int = SUPERSAMPLE,
    pen_width: float = PEN_WIDTH,
    deskew: bool = False,
    normalize_size: bool = False,
) -> np.ndarray:
    """Strokes -> (size, size) float32 array in [0, 1], ink = 1 (see module doc).

    deskew=True applies step 6 to the result (the app decides per model);
    normalize_size=True (only with deskew) also normalises the size there.
    """
    _check_options(size, box, supersample, pen_width)
    if normalize_size and not deskew:
        raise ValueError("normalize_size is part of the deskew step: pass deskew=True too")
    size, supersample = int(size), int(supersample)
    arrays = _as_arrays(strokes)
    t = fit_transform(arrays, size=size, box=box, supersample=supersample, pen_width=pen_width)
    if t is None:
        return np.zeros((size, size), dtype=np.float32)  # blank: deskew leaves it as is
    g = size * supersample
    grid = render_strokes(to_grid(arrays, t), g, pen_width * supersample / 2)
    dx, dy = centering_shift(grid)
    grid = shift_grid(grid, dx, dy)
    out = downsample(grid, supersample)
    return _deskew_image(out, normalize_size=bool(normalize_size)) if deskew else out

