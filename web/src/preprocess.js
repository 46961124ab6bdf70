/**
 * Turn pen strokes into the 28x28 model input, MNIST-style.
 *
 * The spec (each step, its constants and why): docs/preprocessing.md; its numbers
 * come from python/digitpad/spec.json. python/digitpad/preprocess.py mirrors this
 * file step for step; tests/test_parity.py holds the two to the spec's tolerance.
 * Change both or neither.
 */
import spec from '../../python/digitpad/spec.json' with { type: 'json' };
import { groupBounds } from './segment.js';

export const {
  PREPROCESS_VERSION, // bump when the output changes beyond the tolerance
  SIZE, // output side, px
  BOX, // longest side of the ink, px
  SUPERSAMPLE, // drawn at SIZE * SUPERSAMPLE, then averaged down
  PEN_WIDTH, // pen diameter, output px
  FIT_MAX_ASPECT, // ink taller than this many times its width is widened...
  FIT_MAX_WIDEN, // ...by at most this factor
  DESKEW_MAX_SHEAR,
  DESKEW_MIN_VARIANCE,
  MOMENT_STD_X,
  MOMENT_STD_Y,
  MOMENT_SCALE_MIN,
  MOMENT_SCALE_MAX,
  WINDING_STEP, // a share of the drawing's size: a shaky hand adds no turns...
  WINDING_PEN_STEP, // ...nor one on a small drawing: the step is at least this many pen widths
} = spec.preprocess;

const GRID = SIZE * SUPERSAMPLE;
const RADIUS = (PEN_WIDTH * SUPERSAMPLE) / 2; // pen radius, grid px

const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);

// Squared distance past which the pen leaves no ink (v = 0 in drawSegment), with room
// for rounding: such a pixel of a segment's box is skipped before its square root, and
// the grid comes out the same.
const NO_INK = (RADIUS + 0.5 + 1e-6) ** 2;

/**
 * Max the pen's value for segment (ax, ay)-(bx, by) into `grid`, visiting only its bbox grown by
 * RADIUS + 1; `ink` (rows i0..i1, columns j0..j1) grows to take in what it visits.
 */
function drawSegment(grid, ax, ay, bx, by, ink) {
  const reach = RADIUS + 1;
  const j0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
  const j1 = Math.min(GRID - 1, Math.ceil(Math.max(ax, bx) + reach));
  const i0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
  const i1 = Math.min(GRID - 1, Math.ceil(Math.max(ay, by) + reach));
  if (i0 < ink.i0) ink.i0 = i0;
  if (i1 > ink.i1) ink.i1 = i1;
  if (j0 < ink.j0) ink.j0 = j0;
  if (j1 > ink.j1) ink.j1 = j1;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1; // a dot: t = 0, the nearest point is a
  for (let i = i0; i <= i1; i++) {
    const py = i + 0.5 - ay;
    for (let j = j0; j <= j1; j++) {
      const was = grid[i * GRID + j];
      if (was === 1) continue; // solid ink already: no pen value is more
      const px = j + 0.5 - ax;
      const t = clamp((px * dx + py * dy) / len2, 0, 1);
      const ex = px - t * dx;
      const ey = py - t * dy;
      const d2 = ex * ex + ey * ey;
      if (d2 >= NO_INK) continue;
      const v = clamp(RADIUS + 0.5 - Math.sqrt(d2), 0, 1);
      if (v > was) grid[i * GRID + j] = v;
    }
  }
}

/** Step 2's extra horizontal scale for tall, narrow ink (a 0 drawn thin), so its sides stay apart under the pen; 1 for anything else. */
export function widen(width, height) {
  if (!(width > 0)) return 1;
  return Math.min(Math.max(height / (FIT_MAX_ASPECT * width), 1), FIT_MAX_WIDEN);
}

/** Steps 1-3: the strokes fitted into the box and drawn with an anti-aliased round pen on a GRID x GRID Float64Array. */
export function renderStrokes(strokes) {
  const grid = new Float64Array(GRID * GRID);
  drawStrokes(grid, strokes);
  return grid;
}

// Steps 1-3 onto `grid` (all zeros); returns the rows i0..i1 and columns j0..j1 holding all
// its ink (i0 > i1 when there is none): the later steps skip the rest, which adds only zeros.
function drawStrokes(grid, strokes) {
  checkFinite(strokes);
  const ink = { i0: GRID, i1: -1, j0: GRID, j1: -1 };
  const { x0, x1, y0, y1 } = groupBounds(strokes);
  if (x0 === Infinity) return ink;
  const extent = Math.max(x1 - x0, y1 - y0);
  const scale = extent > 0 ? ((BOX - PEN_WIDTH) * SUPERSAMPLE) / extent : 0;
  const scaleX = scale * widen(x1 - x0, y1 - y0);
  const gx = (x) => (x - (x0 + x1) / 2) * scaleX + GRID / 2;
  const gy = (y) => (y - (y0 + y1) / 2) * scale + GRID / 2;
  for (const stroke of strokes) {
    if (stroke.length === 1) drawSegment(grid, gx(stroke[0][0]), gy(stroke[0][1]), gx(stroke[0][0]), gy(stroke[0][1]), ink);
    for (let k = 1; k < stroke.length; k++) {
      drawSegment(grid, gx(stroke[k - 1][0]), gy(stroke[k - 1][1]), gx(stroke[k][0]), gy(stroke[k][1]), ink);
    }
  }
  return ink;
}

/**
 * Step 4: the integer [dx, dy] moving the grid's centre of mass to its centre.
 * The one rule both implementations must follow exactly: floor(x + 0.5).
 * ink: the rows and columns holding all the ink (drawStrokes); the whole grid by default.
 */
export function centeringShift(grid, ink = { i0: 0, i1: GRID - 1, j0: 0, j1: GRID - 1 }) {
  let total = 0, sx = 0, sy = 0;
  for (let i = ink.i0; i <= ink.i1; i++) {
    for (let j = ink.j0; j <= ink.j1; j++) {
      const v = grid[i * GRID + j];
      total += v;
      sx += v * (j + 0.5);
      sy += v * (i + 0.5);
    }
  }
  if (!(total > 0)) return [0, 0];
  return [Math.floor(GRID / 2 - sx / total + 0.5), Math.floor(GRID / 2 - sy / total + 0.5)];
}

/** Steps 4-5: the grid's ink (rows and columns `ink`) moved by (dx, dy) (zero-filled) and averaged over SUPERSAMPLE blocks, as a Float32Array. */
function shiftAndDownsample(grid, dx, dy, ink) {
  const sums = new Float64Array(SIZE * SIZE);
  for (let i = Math.max(0, ink.i0 + dy); i <= Math.min(GRID - 1, ink.i1 + dy); i++) {
    const row = ((i / SUPERSAMPLE) | 0) * SIZE;
    const source = (i - dy) * GRID - dx;
    for (let j = Math.max(0, ink.j0 + dx); j <= Math.min(GRID - 1, ink.j1 + dx); j++) sums[row + ((j / SUPERSAMPLE) | 0)] += grid[source + j];
  }
  // A loop: Float32Array.from(sums, mapping) took a quarter of the whole preprocessing.
  const image = new Float32Array(SIZE * SIZE);
  for (let k = 0; k < image.length; k++) image[k] = sums[k] / (SUPERSAMPLE * SUPERSAMPLE);
  return image;
}

/** Step 6's scale for one axis: target spread / actual, clamped; 1 for no spread. */
function momentScale(target, variance) {
  if (!(variance > DESKEW_MIN_VARIANCE)) return 1;
  return clamp(target / Math.sqrt(variance), MOMENT_SCALE_MIN, MOMENT_SCALE_MAX);
}

/**
 * Step 6: a SIZE x SIZE image (row-major, values in [0, 1]) sheared upright about its
 * centre of mass, optionally size-normalised; returns a new Float32Array.
 */
export function deskew(image, { normalizeSize = false } = {}) {
  const n = SIZE;
  if (image.length !== n * n) throw new RangeError(`deskew needs ${n * n} pixels, got ${image.length}`);
  const out = new Float32Array(n * n);
  let m = 0, sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = image[i * n + j];
      m += v;
      sx += v * (j + 0.5);
      sy += v * (i + 0.5);
    }
  }
  if (!(m > 0)) {
    out.set(image); // blank: unchanged
    return out;
  }
  const cx = sx / m;
  const cy = sy / m;
  let svx = 0, svy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const dy = i + 0.5 - cy;
    for (let j = 0; j < n; j++) {
      const v = image[i * n + j];
      const dx = j + 0.5 - cx;
      svx += v * dx * dx;
      svy += v * dy * dy;
      sxy += v * dx * dy;
    }
  }
  const [vx, vy, cxy] = [svx / m, svy / m, sxy / m];
  const alpha = vy > DESKEW_MIN_VARIANCE ? clamp(cxy / vy, -DESKEW_MAX_SHEAR, DESKEW_MAX_SHEAR) : 0;
  let scaleX = 1, scaleY = 1;
  if (normalizeSize) {
    // Width once sheared upright: the variance of (x - cx) - alpha * (y - cy).
    scaleX = momentScale(MOMENT_STD_X, vx - 2 * alpha * cxy + alpha * alpha * vy);
    scaleY = momentScale(MOMENT_STD_Y, vy);
  }
  const at = (i, j) => (i >= 0 && i < n && j >= 0 && j < n ? image[i * n + j] : 0);
  for (let i = 0; i < n; i++) {
    // Output pixel (j, i) samples the input at column u, row v (pixel indices).
    const ty = (i + 0.5 - n / 2) / scaleY;
    const v = cy + ty - 0.5;
    const i0 = Math.floor(v);
    const fv = v - i0;
    for (let j = 0; j < n; j++) {
      const u = cx + (j + 0.5 - n / 2) / scaleX + alpha * ty - 0.5;
      const j0 = Math.floor(u);
      const fu = u - j0;
      out[i * n + j] =
        (1 - fv) * ((1 - fu) * at(i0, j0) + fu * at(i0, j0 + 1)) + fv * ((1 - fu) * at(i0 + 1, j0) + fu * at(i0 + 1, j0 + 1));
    }
  }
  return out;
}

// The grid preprocessStrokes draws on, kept and wiped (its ink only) after each use: a new
// 100 KB grid per call was most of what a stroke's update allocated, and then collected.
const scratch = new Float64Array(GRID * GRID);

/**
 * Strokes (lists of [x, y] points, y down) -> Float32Array(SIZE * SIZE) in [0, 1], row-major, ink = 1.
 * options: { deskew, normalizeSize } (both default false; normalizeSize is part of deskew, so needs it).
 */
export function preprocessStrokes(strokes, { deskew: withDeskew = false, normalizeSize = false } = {}) {
  if (typeof withDeskew !== 'boolean' || typeof normalizeSize !== 'boolean') {
    throw new TypeError('deskew and normalizeSize must be true or false');
  }
  if (normalizeSize && !withDeskew) throw new RangeError('normalizeSize is part of the deskew step: pass deskew: true too');
  const ink = drawStrokes(scratch, strokes); // bad strokes throw before anything is drawn
  const [dx, dy] = centeringShift(scratch, ink);
  const image = shiftAndDownsample(scratch, dx, dy, ink);
  for (let i = ink.i0; i <= ink.i1; i++) scratch.fill(0, i * GRID + ink.j0, i * GRID + ink.j1 + 1);
  return withDeskew ? deskew(image, { normalizeSize }) : image;
}

// How far a drawing winds: docs/preprocessing.md, "Winding". Each stroke is
// resampled every WINDING_STEP of the drawing's size, or every WINDING_PEN_STEP
// pen widths if that is longer (so a shaky hand adds no turns, however small the
// drawing: a wiggle within the pen's width does not show in the ink), and the
// absolute changes of direction are summed, in full turns. penWidth: in the
// strokes' units (0: no pen, the size alone).
export function winding(strokes, penWidth = 0) {
  checkFinite(strokes);
  const { x0, x1, y0, y1 } = groupBounds(strokes);
  const size = Math.max(x1 - x0, y1 - y0);
  if (!(size > 0)) return 0;
  const step = Math.max(WINDING_STEP * size, WINDING_PEN_STEP * penWidth);
  let total = 0;
  for (const stroke of strokes) {
    if (stroke.length < 2) continue;
    const along = [0];
    for (let i = 1; i < stroke.length; i++) {
      along.push(along[i - 1] + Math.hypot(stroke[i][0] - stroke[i - 1][0], stroke[i][1] - stroke[i - 1][1]));
    }
    const count = Math.floor(along[along.length - 1] / step) + 1;
    let j = 0;
    let previous = null;
    let heading = null;
    for (let k = 0; k < count; k++) {
      const t = k * step;
      while (j < along.length - 2 && along[j + 1] < t) j++;
      const span = along[j + 1] - along[j];
      const f = span > 0 ? (t - along[j]) / span : 0;
      const point = [stroke[j][0] + f * (stroke[j + 1][0] - stroke[j][0]), stroke[j][1] + f * (stroke[j + 1][1] - stroke[j][1])];
      if (previous && (point[0] !== previous[0] || point[1] !== previous[1])) {
        const angle = Math.atan2(point[1] - previous[1], point[0] - previous[0]);
        if (heading !== null) {
          const turn = angle - heading;
          total += Math.abs(turn - 2 * Math.PI * Math.floor((turn + Math.PI) / (2 * Math.PI)));
        }
        heading = angle;
      }
      previous = point;
    }
  }
  return total / (2 * Math.PI);
}

function checkFinite(strokes) {
  for (const stroke of strokes) {
    for (let k = 0; k < stroke.length; k++) {
      if (!Number.isFinite(stroke[k][0]) || !Number.isFinite(stroke[k][1])) throw new TypeError('stroke coordinates must be finite numbers');
    }
  }
}
