/**
 * Turn pen strokes into the 28x28 model input, MNIST-style.
 *
 * digitpad preprocessing, spec version 3. python/digitpad/preprocess.py (numpy)
 * and web/src/preprocess.js (browser) implement this same spec and must agree to
 * ~1e-7 (tests/test_parity.py checks it); change both or neither, and bump
 * PREPROCESS_VERSION when the output changes.
 *
 * Input: strokes = list of pen strokes, each a list of [x, y] points (any unit,
 * y pointing down). Output: 28x28 floats in [0, 1], row-major, ink = 1.
 *
 * 1. No points at all -> all zeros.
 * 2. Fit: bbox (x0, y0, x1, y1) of all points, extent = max(x1 - x0, y1 - y0),
 *    s = (BOX - PEN_WIDTH) / extent (s = 0 if extent == 0: a dot), so the ink
 *    including the pen's thickness spans BOX px on its longest side, aspect
 *    ratio kept. Map each point to the G x G grid (G = SIZE * SUPERSAMPLE):
 *    p' = (p - bbox_centre) * s * SUPERSAMPLE + G / 2.
 * 3. Render with an anti-aliased round pen: pixel (i, j) has centre
 *    (j + 0.5, i + 0.5) (x = column, y = row); value = clamp(R + 0.5 - d, 0, 1),
 *    R = PEN_WIDTH * SUPERSAMPLE / 2, d = distance from the pixel centre to the
 *    nearest segment of any stroke (a one-point stroke is a zero-length
 *    segment). Strokes are separate polylines (no segment joins two strokes).
 * 4. Centre of mass: cx = sum(v * (j + 0.5)) / sum(v), cy likewise with i + 0.5.
 *    Shift the grid by the integers dx = floor(G/2 - cx + 0.5),
 *    dy = floor(G/2 - cy + 0.5) (positive = right/down), zero-filling and
 *    dropping what leaves the grid.
 * 5. Downsample: each output pixel = mean of its SUPERSAMPLE x SUPERSAMPLE
 *    block; output as float32.
 * 6. Deskew (optional, off by default; version 2), optionally with size
 *    normalisation by moments (off by default; version 3): applied to the
 *    SIZE x SIZE output I of step 5, or to any such image in [0, 1] (e.g. MNIST / 255).
 *    Pixel (i, j) has centre x = j + 0.5, y = i + 0.5; C = SIZE / 2 (14).
 *    m = sum(I); unless m > 0 (a blank image), return I unchanged (a copy).
 *    cx = sum(I * x) / m, cy = sum(I * y) / m,
 *    vy = sum(I * ((y - cy) * (y - cy))) / m, cxy = sum(I * (x - cx) * (y - cy)) / m,
 *    alpha = cxy / vy if vy > 1e-9 else 0, then clamped to [-1, 1] (a
 *    near-horizontal scribble must not be sheared wildly).
 *    Scales: sx = sy = 1 unless size normalisation is on; then
 *    vx = sum(I * (d * d)) / m with d = (x - cx) - alpha * (y - cy) (the
 *    horizontal variance once sheared upright), sx = clamp(MOMENT_STD_X / sqrt(vx),
 *    MOMENT_SCALE_MIN, MOMENT_SCALE_MAX) if vx > 1e-9 else 1, and
 *    sy = clamp(MOMENT_STD_Y / sqrt(vy), MOMENT_SCALE_MIN, MOMENT_SCALE_MAX)
 *    if vy > 1e-9 else 1 (3.5 px, 5.5 px, 0.6, 1.6).
 *    O[i][j] = I sampled bilinearly at xs = ((C + tx) + alpha * ty) + (cx - C),
 *    ys = (C + ty) + (cy - C), where tx = (x - C) / sx, ty = (y - C) / sy
 *    (that is ys = cy + (y - C) / sy, xs = cx + alpha * (ys - cy) + (x - C) / sx;
 *    with sx = sy = 1 it is bit for bit the version-2 mapping
 *    xs = x + alpha * (y - C) + (cx - C), ys = y + (cy - C), as x - C, y - C and
 *    C + (x - C) are exact): u = xs - 0.5, v = ys - 0.5, j0 = floor(u), i0 = floor(v),
 *    fu = u - j0, fv = v - i0, O = (1 - fv) * ((1 - fu) * I[i0][j0] + fu * I[i0][j0+1])
 *    + fv * ((1 - fu) * I[i0+1][j0] + fu * I[i0+1][j0+1]), pixels outside the
 *    image counting as 0. This shears the main axis upright, stretches or
 *    shrinks each axis about the centre of mass by sx, sy, and moves the
 *    centre of mass to (C, C). Output as float32 (still in [0, 1]).
 *
 * Defaults: SIZE = 28, BOX = 20, SUPERSAMPLE = 4, PEN_WIDTH = 2.52 (in output px).
 *
 * Why: MNIST digits were size-normalised into a 20x20 box keeping their aspect
 * ratio, anti-aliased, then placed in 28x28 so that their centre of mass is at
 * the centre. Doing exactly that to the vector strokes makes the input
 * independent of the pad's size, the device pixel ratio, the browser's canvas
 * anti-aliasing and where / how big the digit was drawn, and lets Python render
 * real pen-drawn digits for training exactly as the page does.
 * Why deskew (step 6): people and MNIST writers slant their digits differently;
 * shearing each digit so its main axis is vertical removes that variation, and
 * a linear model then gets 92.6% -> ~95.8% on MNIST.
 * Why size normalisation (step 6, version 3): after deskewing, how wide and
 * tall digits are still varies (a "1" is a thin bar, some writers draw small
 * loops); scaling each axis so the ink's spread (standard deviation) is about
 * the median of deskewed MNIST (3.5 px wide, 5.5 px tall), within 0.6x..1.6x
 * so a "1" is not blown up into a block, takes the softmax from 95.7% to 97.5%
 * on MNIST and from 84% to 88% on real pen drawings.
 *
 * Parity rules (both languages): float64 arithmetic in the same order; sums run
 * sequentially in row-major order (numpy: cumsum or a loop over pixels that is
 * vectorised over images, never the pairwise np.sum); rounding is
 * floor(x + 0.5) (never np.round / Math.round, which disagree on halves).
 *
 * Pure functions: no DOM, no I/O, no globals mutated. Options use the Python
 * keyword names in camelCase: { size, box, supersample, penWidth, deskew, normalizeSize }.
 */

export const PREPROCESS_VERSION = 3; // 2: optional deskew (step 6); 3: optional size normalisation in it
export const SIZE = 28; // output side, px (MNIST)
export const BOX = 20; // longest side of the ink, px (MNIST's size-normalisation box)
export const SUPERSAMPLE = 4; // render at SIZE*SUPERSAMPLE, then area-filter down (anti-aliasing)
export const DESKEW_MAX_SHEAR = 1; // |alpha| limit: x shifts by at most 1 px per px of height
export const DESKEW_MIN_VARIANCE = 1e-9; // vy at or below this (a flat line): no shear (nor scaling)
// Size normalisation (step 6, version 3): target ink spread (std, px) after
// deskewing, the median of deskewed MNIST digits, and the limits on the scales.
export const MOMENT_STD_X = 3.5;
export const MOMENT_STD_Y = 5.5;
export const MOMENT_SCALE_MIN = 0.6;
export const MOMENT_SCALE_MAX = 1.6;
// Pen diameter in output px, chosen so the mean ink of the 7,494 UCI pen digits
// (0.1323) matches MNIST t10k (mean pixel / 255 = 0.1325); 2.2 was visibly thinner (0.1178).
export const PEN_WIDTH = 2.52;

/** Options with defaults filled in and checked. */
export function resolveOptions(options = {}) {
  const size = options.size ?? SIZE;
  const box = options.box ?? BOX;
  const supersample = options.supersample ?? SUPERSAMPLE;
  const penWidth = options.penWidth ?? PEN_WIDTH;
  const deskew = options.deskew ?? false;
  const normalizeSize = options.normalizeSize ?? false;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
  if (!Number.isInteger(supersample) || supersample < 1) {
    throw new RangeError(`supersample must be a positive integer, got ${supersample}`);
  }
  if (!(penWidth >= 0)) throw new RangeError(`penWidth must be >= 0, got ${penWidth}`);
  if (!(box > penWidth)) throw new RangeError(`box (${box}) must be larger than penWidth (${penWidth})`);
  if (typeof deskew !== 'boolean') throw new TypeError(`deskew must be true or false, got ${deskew}`);
  if (typeof normalizeSize !== 'boolean') throw new TypeError(`normalizeSize must be true or false, got ${normalizeSize}`);
  if (normalizeSize && !deskew) throw new RangeError('normalizeSize is part of the deskew step: pass deskew: true too');
  return { size, box, supersample, penWidth, deskew, normalizeSize };
}

/**
 * Step 2: the size-normalising fit, or null for an empty drawing.
 * Returns { cx, cy, scale, supersample, offset }: p' = (p - c) * scale * supersample + offset.
 */
export function fitTransform(strokes, options = {}) {
  const { size, box, supersample, penWidth } = resolveOptions(options);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const stroke of strokes) {
    for (const p of stroke) {
      const x = +p[0], y = +p[1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) throw new TypeError('stroke coordinates must be finite numbers');
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x0 === Infinity) return null;
  const extent = Math.max(x1 - x0, y1 - y0);
  // Longest side -> BOX - PEN_WIDTH, so the ink with its thickness spans BOX.
  const scale = extent > 0 ? (box - penWidth) / extent : 0;
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale, supersample, offset: (size * supersample) / 2 };
}

/** Map one point coordinate to the high-res grid: (p - centre) * s * SS + G/2. */
export function toGridX(x, t) {
  return (x - t.cx) * t.scale * t.supersample + t.offset;
}
export function toGridY(y, t) {
  return (y - t.cy) * t.scale * t.supersample + t.offset;
}

/** Max of the pen's value for segment (ax, ay)-(bx, by) into `grid` (gridSize^2, row-major). */
function drawSegment(grid, gridSize, radius, ax, ay, bx, by) {
  const rr = radius + 0.5;
  const reach = radius + 1;
  const last = gridSize - 1;
  // Visit only the segment's bbox inflated by R + 1 (clipped to the grid).
  const j0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
  const j1 = Math.min(last, Math.ceil(Math.max(ax, bx) + reach));
  const i0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
  const i1 = Math.min(last, Math.ceil(Math.max(ay, by) + reach));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  for (let i = i0; i <= i1; i++) {
    const py = i + 0.5;
    const row = i * gridSize;
    for (let j = j0; j <= j1; j++) {
      const px = j + 0.5;
      // Same operation order as the numpy code, so values agree bit for bit.
      let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (ax + t * dx);
      const ey = py - (ay + t * dy);
      let v = rr - Math.sqrt(ex * ex + ey * ey);
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      if (v > grid[row + j]) grid[row + j] = v;
    }
  }
}

/**
 * Step 3: anti-aliased round pen of radius `radius` (grid px) on a Float64Array
 * gridSize x gridSize (row-major), points mapped through transform `t` on the fly.
 * value = clamp(radius + 0.5 - distance to the nearest segment, 0, 1): a
 * one-pixel-wide linear ramp at the pen's edge (cheap anti-aliasing; the area
 * filter of step 5 smooths further). Pass `grid` to reuse a buffer (it is cleared).
 */
export function renderStrokes(strokes, t, gridSize, radius, grid = new Float64Array(gridSize * gridSize)) {
  grid.fill(0);
  for (const stroke of strokes) {
    const n = stroke.length;
    if (n === 0) continue;
    let ax = toGridX(+stroke[0][0], t);
    let ay = toGridY(+stroke[0][1], t);
    if (n === 1) {
      // A one-point stroke is a zero-length segment (a dot).
      drawSegment(grid, gridSize, radius, ax, ay, ax, ay);
      continue;
    }
    // Consecutive points of one stroke; strokes stay apart.
    for (let k = 1; k < n; k++) {
      const bx = toGridX(+stroke[k][0], t);
      const by = toGridY(+stroke[k][1], t);
      drawSegment(grid, gridSize, radius, ax, ay, bx, by);
      ax = bx;
      ay = by;
    }
  }
  return grid;
}

/** Step 4a: [cx, cy] with pixel centres at +0.5, or null if the grid is blank. Sums are row-major sequential. */
export function centerOfMass(grid, gridSize) {
  let total = 0, sx = 0, sy = 0;
  for (let i = 0; i < gridSize; i++) {
    const yc = i + 0.5;
    const row = i * gridSize;
    for (let j = 0; j < gridSize; j++) {
      const v = grid[row + j];
      total += v;
      sx += v * (j + 0.5);
      sy += v * yc;
    }
  }
  if (!(total > 0)) return null;
  return [sx / total, sy / total];
}

/**
 * Step 4b: integer [dx, dy] that moves the centre of mass to the grid centre.
 * MNIST centred its digits by centre of mass (not bbox) in 28x28.
 */
export function centeringShift(grid, gridSize) {
  const com = centerOfMass(grid, gridSize);
  if (com === null) return [0, 0];
  return [Math.floor(gridSize / 2 - com[0] + 0.5), Math.floor(gridSize / 2 - com[1] + 0.5)];
}

/** Step 4c: translate in place by (dx, dy) px (positive = right/down), zero-fill, drop overflow. */
export function shiftGrid(grid, gridSize, dx, dy) {
  if (dx === 0 && dy === 0) return grid;
  if (Math.abs(dx) >= gridSize || Math.abs(dy) >= gridSize) {
    grid.fill(0);
    return grid;
  }
  const n = gridSize;
  // Walk against the shift direction so no source is overwritten before it is read.
  const iStart = dy > 0 ? n - 1 : 0, iEnd = dy > 0 ? -1 : n, iStep = dy > 0 ? -1 : 1;
  const jStart = dx > 0 ? n - 1 : 0, jEnd = dx > 0 ? -1 : n, jStep = dx > 0 ? -1 : 1;
  for (let i = iStart; i !== iEnd; i += iStep) {
    const si = i - dy;
    for (let j = jStart; j !== jEnd; j += jStep) {
      const sj = j - dx;
      grid[i * n + j] = si >= 0 && si < n && sj >= 0 && sj < n ? grid[si * n + sj] : 0;
    }
  }
  return grid;
}

/**
 * Step 5: area filter, mean of each factor x factor block, into a Float32Array
 * (size = gridSize / factor). Blocks are summed row by row, left to right, then divided.
 */
export function downsample(grid, gridSize, factor, out = new Float32Array((gridSize / factor) ** 2)) {
  const size = gridSize / factor;
  const area = factor * factor;
  for (let oi = 0; oi < size; oi++) {
    for (let oj = 0; oj < size; oj++) {
      let acc = 0;
      for (let a = 0; a < factor; a++) {
        const row = (oi * factor + a) * gridSize + oj * factor;
        for (let b = 0; b < factor; b++) acc += grid[row + b];
      }
      out[oi * size + oj] = acc / area;
    }
  }
  return out;
}

/** clamp(target / sqrt(v), MOMENT_SCALE_MIN, MOMENT_SCALE_MAX) if v > 1e-9 else 1. */
function momentScale(target, v) {
  if (!(v > DESKEW_MIN_VARIANCE)) return 1;
  const s = target / Math.sqrt(v);
  return s < MOMENT_SCALE_MIN ? MOMENT_SCALE_MIN : s > MOMENT_SCALE_MAX ? MOMENT_SCALE_MAX : s;
}

/**
 * Step 6: shear the image so its main axis is vertical and its centre of mass
 * is at the centre (why: see the header). image: size * size values (row-major,
 * e.g. the Float32Array of step 5, or MNIST / 255); returns a new Float32Array.
 * { normalizeSize: true } also scales each axis about the centre of mass so the
 * ink's standard deviation is MOMENT_STD_X wide and MOMENT_STD_Y tall (scales
 * clamped to [MOMENT_SCALE_MIN, MOMENT_SCALE_MAX]; spec version 3). Off, the
 * output is exactly the version-2 deskew.
 * Same float64 operations in the same order as the numpy code, so values agree bit for bit.
 */
export function deskew(image, size = SIZE, { normalizeSize = false } = {}, out = new Float32Array(size * size)) {
  const n = size;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`size must be a positive integer, got ${n}`);
  if (typeof normalizeSize !== 'boolean') throw new TypeError(`normalizeSize must be true or false, got ${normalizeSize}`);
  if (image.length !== n * n) throw new RangeError(`deskew needs ${n * n} pixels, got ${image.length}`);
  if (out === image || out.length !== n * n) throw new RangeError('deskew needs a separate output of the same size');
  // Centre of mass; sums run pixel by pixel in row-major order.
  let m = 0, sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    const y = i + 0.5;
    for (let j = 0; j < n; j++) {
      const v = +image[i * n + j];
      if (!Number.isFinite(v)) throw new TypeError('deskew needs finite pixel values');
      m += v;
      sx += v * (j + 0.5);
      sy += v * y;
    }
  }
  if (!(m > 0)) {
    out.set(image); // blank: unchanged
    return out;
  }
  const cx = sx / m;
  const cy = sy / m;
  // Second moments: vertical variance and x-y covariance.
  let svy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const dy = i + 0.5 - cy;
    for (let j = 0; j < n; j++) {
      const v = +image[i * n + j];
      const dx = j + 0.5 - cx;
      svy += v * (dy * dy);
      sxy += v * dx * dy;
    }
  }
  const vy = svy / m;
  const cxy = sxy / m;
  let alpha = vy > DESKEW_MIN_VARIANCE ? cxy / vy : 0;
  alpha = alpha < -DESKEW_MAX_SHEAR ? -DESKEW_MAX_SHEAR : alpha > DESKEW_MAX_SHEAR ? DESKEW_MAX_SHEAR : alpha;
  let scaleX = 1, scaleY = 1;
  if (normalizeSize) {
    // Horizontal variance once sheared upright: d = (x - cx) - alpha * (y - cy).
    let svx = 0;
    for (let i = 0; i < n; i++) {
      const dy = i + 0.5 - cy;
      for (let j = 0; j < n; j++) {
        const d = j + 0.5 - cx - alpha * dy;
        svx += +image[i * n + j] * (d * d);
      }
    }
    scaleX = momentScale(MOMENT_STD_X, svx / m);
    scaleY = momentScale(MOMENT_STD_Y, vy);
  }
  const c = n / 2;
  const at = (i, j) => (i >= 0 && i < n && j >= 0 && j < n ? +image[i * n + j] : 0); // outside: 0
  for (let i = 0; i < n; i++) {
    // Output pixel (x, y) reads the input at index-space (u, v); ty = (y - C) / sy
    // (with sx = sy = 1 these are the version-2 values bit for bit: y - C, C + (y - C) are exact).
    const ty = (i + 0.5 - c) / scaleY;
    const v = c + ty + (cy - c) - 0.5;
    const i0 = Math.floor(v);
    const fv = v - i0;
    for (let j = 0; j < n; j++) {
      const u = c + (j + 0.5 - c) / scaleX + alpha * ty + (cx - c) - 0.5;
      const j0 = Math.floor(u);
      const fu = u - j0;
      out[i * n + j] =
        (1 - fv) * ((1 - fu) * at(i0, j0) + fu * at(i0, j0 + 1)) +
        fv * ((1 - fu) * at(i0 + 1, j0) + fu * at(i0 + 1, j0 + 1));
    }
  }
  return out;
}

/**
 * Strokes -> Float32Array(size * size) in [0, 1], row-major, ink = 1 (see the header).
 * options: { size, box, supersample, penWidth, deskew, normalizeSize } (deskew: apply step 6,
 * default false; the app decides per model; normalizeSize: size normalisation within step 6,
 * default false, only with deskew).
 */
// Scratch space for preprocessStrokes. A page that preprocesses at every
// frame of a stroke passes the same buffers each time instead of allocating
// ~100 KB per call; the result then lives in them until the next call.
export function createBuffers(options = {}) {
  const { size, supersample } = resolveOptions(options);
  return {
    grid: new Float64Array((size * supersample) ** 2),
    image: new Float32Array(size * size),
    deskewed: new Float32Array(size * size),
  };
}

export function preprocessStrokes(strokes, options = {}, buffers = createBuffers(options)) {
  const opts = resolveOptions(options);
  const { size, supersample, penWidth } = opts;
  const out = buffers.image.fill(0);
  const t = fitTransform(strokes, opts);
  if (t === null) return out; // blank: deskew would leave it as is
  const g = size * supersample;
  const grid = renderStrokes(strokes, t, g, (penWidth * supersample) / 2, buffers.grid);
  const [dx, dy] = centeringShift(grid, g);
  shiftGrid(grid, g, dx, dy);
  downsample(grid, g, supersample, out);
  return opts.deskew ? deskew(out, size, { normalizeSize: opts.normalizeSize }, buffers.deskewed) : out;
}
