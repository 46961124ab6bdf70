"""Turn pen strokes into the 28x28 model input, MNIST-style: the readable mirror.

The spec (each step, its constants and why): docs/preprocessing.md; its numbers
come from spec.json. web/src/preprocess.js implements it step for step with the same
names; tests/test_parity.py holds the two to its tolerance. The trainer runs
preprocess_fast.py, the same steps compiled, held equal to these by tests/test_preprocess.py.
"""

from __future__ import annotations

import math

import numpy as np

from .spec import PREPROCESS

PREPROCESS_VERSION = PREPROCESS["PREPROCESS_VERSION"]  # bump when the output changes beyond the tolerance
SIZE = PREPROCESS["SIZE"]  # output side, px
BOX = PREPROCESS["BOX"]  # longest side of the ink, px
SUPERSAMPLE = PREPROCESS["SUPERSAMPLE"]  # drawn at SIZE * SUPERSAMPLE, then averaged down
PEN_WIDTH = PREPROCESS["PEN_WIDTH"]  # pen diameter, output px
FIT_MAX_ASPECT = PREPROCESS["FIT_MAX_ASPECT"]  # ink taller than this many times its width is widened...
FIT_MAX_WIDEN = PREPROCESS["FIT_MAX_WIDEN"]  # ...by at most this factor
DESKEW_MAX_SHEAR = PREPROCESS["DESKEW_MAX_SHEAR"]
DESKEW_MIN_VARIANCE = PREPROCESS["DESKEW_MIN_VARIANCE"]
MOMENT_STD_X = PREPROCESS["MOMENT_STD_X"]
MOMENT_STD_Y = PREPROCESS["MOMENT_STD_Y"]
MOMENT_SCALE_MIN = PREPROCESS["MOMENT_SCALE_MIN"]
MOMENT_SCALE_MAX = PREPROCESS["MOMENT_SCALE_MAX"]
WINDING_STEP = PREPROCESS["WINDING_STEP"]  # a share of the drawing's size: a shaky hand adds no turns...
WINDING_PEN_STEP = PREPROCESS["WINDING_PEN_STEP"]  # ...nor on a small drawing: at least this many pen widths

GRID = SIZE * SUPERSAMPLE


def segments(strokes) -> tuple[np.ndarray, np.ndarray]:
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


def pen_widths(values) -> np.ndarray:
    """The pen widths as float64 (None: PEN_WIDTH), each checked to be in [0, BOX)."""
    widths = np.array([PEN_WIDTH if w is None else w for w in values], dtype=np.float64)
    bad = widths[~((widths >= 0) & (widths < BOX))]
    if len(bad):
        raise ValueError(f"pen_width must be in [0, {BOX}), got {float(bad[0])!r}")
    return widths


def draw_segment(grid, ax, ay, bx, by, radius):
    """Max the pen's value for segment (ax, ay)-(bx, by) into `grid`, over its bbox grown by radius + 1."""
    reach = radius + 1
    j0, j1 = max(0, math.floor(min(ax, bx) - reach)), min(GRID - 1, math.ceil(max(ax, bx) + reach))
    i0, i1 = max(0, math.floor(min(ay, by) - reach)), min(GRID - 1, math.ceil(max(ay, by) + reach))
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy or 1.0  # a dot: t = 0, the nearest point is a
    py = (np.arange(i0, i1 + 1) + 0.5 - ay)[:, None]
    px = (np.arange(j0, j1 + 1) + 0.5 - ax)[None, :]
    t = np.clip((px * dx + py * dy) / len2, 0, 1)
    ex, ey = px - t * dx, py - t * dy
    v = np.clip(radius + 0.5 - np.sqrt(ex * ex + ey * ey), 0, 1)
    np.maximum(grid[i0 : i1 + 1, j0 : j1 + 1], v, out=grid[i0 : i1 + 1, j0 : j1 + 1])


def widen(width: float, height: float) -> float:
    """Step 2's extra horizontal scale for tall, narrow ink (a 0 drawn thin), so its sides
    stay apart under the pen; 1 for anything else."""
    if not width > 0:
        return 1.0
    return min(max(height / (FIT_MAX_ASPECT * width), 1.0), FIT_MAX_WIDEN)


def render_strokes(strokes, pen_width: float = PEN_WIDTH) -> np.ndarray:
    """Steps 1-3: the strokes fitted into the box and drawn with an anti-aliased
    round pen on a (GRID, GRID) float64 grid."""
    (pen_width,) = pen_widths([pen_width])
    a, b = segments(strokes)
    grid = np.zeros((GRID, GRID))
    if len(a) == 0:
        return grid
    points = np.concatenate([a, b])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    extent = max(x1 - x0, y1 - y0)
    scale = (BOX - pen_width) * SUPERSAMPLE / extent if extent > 0 else 0.0
    scales = np.array([scale * widen(x1 - x0, y1 - y0), scale])
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    a, b = (a - centre) * scales + GRID / 2, (b - centre) * scales + GRID / 2
    for (ax, ay), (bx, by) in zip(a, b):
        draw_segment(grid, ax, ay, bx, by, pen_width * SUPERSAMPLE / 2)
    return grid


def centering_shift(grid: np.ndarray) -> tuple[int, int]:
    """Step 4: the integer (dx, dy) moving the grid's centre of mass to its centre.

    The one rule both implementations must follow exactly: floor(x + 0.5).
    """
    grid = np.asarray(grid, dtype=np.float64)
    total = grid.sum()
    if not total > 0:
        return 0, 0
    h, w = grid.shape
    cx = (grid * (np.arange(w) + 0.5)).sum() / total
    cy = (grid * (np.arange(h) + 0.5)[:, None]).sum() / total
    return math.floor(w / 2 - cx + 0.5), math.floor(h / 2 - cy + 0.5)


def shift_and_downsample(grid: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Steps 4-5: the (GRID, GRID) grid moved by (dx, dy) px (positive: right, down;
    zero-filled), then the mean of each SUPERSAMPLE x SUPERSAMPLE block, as float32."""
    dx, dy = int(dx), int(dy)
    moved = np.zeros((GRID, GRID))
    if abs(dx) < GRID and abs(dy) < GRID:
        moved[max(dy, 0) : GRID + min(dy, 0), max(dx, 0) : GRID + min(dx, 0)] = \
            grid[max(-dy, 0) : GRID - max(dy, 0), max(-dx, 0) : GRID - max(dx, 0)]
    blocks = moved.reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).sum(axis=(1, 3))
    return (blocks / (SUPERSAMPLE * SUPERSAMPLE)).astype(np.float32)


def moment_scale(target: float, variance: float) -> float:
    """Step 6's scale for one axis: target spread / actual, clamped; 1 for no spread."""
    if not variance > DESKEW_MIN_VARIANCE:
        return 1.0
    return min(max(target / math.sqrt(variance), MOMENT_SCALE_MIN), MOMENT_SCALE_MAX)


def images_to_deskew(images):
    """The images as an array, or the error deskew gives for what is not (SIZE, SIZE) finite floats."""
    a = np.asarray(images)
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"deskew needs float images in [0, 1] (e.g. uint8 / 255), got dtype {a.dtype}")
    if a.ndim not in (2, 3) or a.shape[-2:] != (SIZE, SIZE):
        raise ValueError(f"deskew needs shape ({SIZE}, {SIZE}) or (batch, {SIZE}, {SIZE}), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("deskew needs finite pixel values")
    return a


def deskew(images, *, normalize_size: bool = False) -> np.ndarray:
    """Step 6: each (SIZE, SIZE) image in [0, 1] sheared upright about its centre
    of mass, optionally size-normalised; float32, batches (b, SIZE, SIZE) too."""
    a = images_to_deskew(images)
    batch = a.reshape(-1, SIZE, SIZE).astype(np.float64)
    out = np.stack([deskew_one(image, normalize_size) for image in batch]) if len(batch) else batch
    return out.astype(np.float32).reshape(a.shape)


def deskew_one(image: np.ndarray, normalize_size: bool) -> np.ndarray:
    """Step 6 of one float64 (SIZE, SIZE) image, in float64."""
    m = image.sum()
    if not m > 0:
        return image  # blank: unchanged
    c = np.arange(SIZE) + 0.5  # pixel centres
    cx, cy = (image * c).sum() / m, (image * c[:, None]).sum() / m
    dx, dy = c - cx, (c - cy)[:, None]
    vx, vy, cxy = (image * dx * dx).sum() / m, (image * dy * dy).sum() / m, (image * dx * dy).sum() / m
    alpha = min(max(cxy / vy, -DESKEW_MAX_SHEAR), DESKEW_MAX_SHEAR) if vy > DESKEW_MIN_VARIANCE else 0.0
    scale_x = scale_y = 1.0
    if normalize_size:
        # Width once sheared upright: the variance of (x - cx) - alpha * (y - cy).
        scale_x = moment_scale(MOMENT_STD_X, vx - 2 * alpha * cxy + alpha * alpha * vy)
        scale_y = moment_scale(MOMENT_STD_Y, vy)
    # Output pixel (j, i) samples the input at column u, row v (pixel indices).
    ty = ((c - SIZE / 2) / scale_y)[:, None]
    v = cy + ty - 0.5
    u = cx + (c - SIZE / 2) / scale_x + alpha * ty - 0.5
    i0, j0 = np.floor(v).astype(int), np.floor(u).astype(int)
    fv, fu = v - i0, u - j0
    padded = np.pad(image, 1)  # pixels outside the image count as 0

    def at(i, j):
        return padded[np.clip(i, -1, SIZE) + 1, np.clip(j, -1, SIZE) + 1]

    top = (1 - fu) * at(i0, j0) + fu * at(i0, j0 + 1)
    bottom = (1 - fu) * at(i0 + 1, j0) + fu * at(i0 + 1, j0 + 1)
    return (1 - fv) * top + fv * bottom


def preprocess_strokes(
    strokes, *, pen_width: float = PEN_WIDTH, deskew: bool = False, normalize_size: bool = False
) -> np.ndarray:
    """Strokes (lists of [x, y] points, y down) -> (SIZE, SIZE) float32 in [0, 1], ink = 1.

    normalize_size is part of the deskew step: it needs deskew=True.
    """
    if normalize_size and not deskew:
        raise ValueError("normalize_size is part of the deskew step: pass deskew=True too")
    grid = render_strokes(strokes, pen_width)
    dx, dy = centering_shift(grid)
    image = shift_and_downsample(grid, dx, dy)
    return deskew_one(image.astype(np.float64), normalize_size).astype(np.float32) if deskew else image


def stroke_arrays(strokes):
    """The strokes that have points, each an (n, 2) float64 array."""
    return [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes if len(s)]


def winding(strokes, pen_width: float = 0.0) -> float:
    """How many full turns the strokes' direction makes in all: each stroke resampled every
    WINDING_STEP of the drawing's size or WINDING_PEN_STEP pen widths (in the strokes' units;
    0: no pen), whichever is longer, its absolute changes of direction summed."""
    strokes = stroke_arrays(strokes)
    if not strokes:
        return 0.0
    points = np.concatenate(strokes)
    size = (points.max(axis=0) - points.min(axis=0)).max()
    if not size > 0:
        return 0.0
    step = max(WINDING_STEP * size, WINDING_PEN_STEP * float(pen_width))
    total = 0.0
    for stroke in strokes:
        if len(stroke) < 2:
            continue
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(stroke, axis=0).T))])
        t = np.arange(math.floor(along[-1] / step) + 1) * step
        # Each on the first segment whose end is at least as far along (the last one at most).
        j = np.minimum(np.searchsorted(along[1:], t), len(stroke) - 2)
        span = along[j + 1] - along[j]
        f = np.divide(t - along[j], span, out=np.zeros_like(t), where=span > 0)[:, None]
        resampled = stroke[j] + f * (stroke[j + 1] - stroke[j])
        moves = np.diff(resampled, axis=0)
        moves = moves[(moves != 0).any(axis=1)]
        turns = np.diff(np.arctan2(moves[:, 1], moves[:, 0]))
        total += np.abs(turns - 2 * math.pi * np.floor((turns + math.pi) / (2 * math.pi))).sum()
    return float(total / (2 * math.pi))
