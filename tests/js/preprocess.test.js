// Tests for web/src/preprocess.js (run: npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  PEN_WIDTH,
  MOMENT_STD_X,
  MOMENT_STD_Y,
  MOMENT_SCALE_MAX,
  renderStrokes,
  centeringShift,
  deskew,
  preprocessStrokes,
  widen,
} from '../../web/src/preprocess.js';

// A synthetic "4": two strokes, not square, drawn in pad pixels.
const FOUR = [
  [[120, 40], [70, 160], [180, 160]],
  [[150, 90], [150, 250]],
];
// A synthetic "2": one stroke.
const TWO = [[[60, 80], [90, 50], [130, 45], [160, 70], [160, 110], [120, 160], [70, 220], [170, 220]]];

const transform = (strokes, scale = 1, tx = 0, ty = 0) =>
  strokes.map((s) => s.map(([x, y]) => [x * scale + tx, y * scale + ty]));

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

function com(img, n = 28) {
  let t = 0, sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = img[i * n + j];
      t += v;
      sx += v * (j + 0.5);
      sy += v * (i + 0.5);
    }
  }
  return [sx / t, sy / t];
}

function inkExtent(img, n = 28, threshold = 0) {
  let i0 = n, i1 = -1, j0 = n, j1 = -1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (img[i * n + j] > threshold) {
        i0 = Math.min(i0, i); i1 = Math.max(i1, i);
        j0 = Math.min(j0, j); j1 = Math.max(j1, j);
      }
    }
  }
  return Math.max(i1 - i0 + 1, j1 - j0 + 1);
}

const sum = (a) => a.reduce((s, v) => s + v, 0);

function subdivide(strokes, parts) {
  return strokes.map((s) => {
    const pts = [s[0]];
    for (let k = 1; k < s.length; k++) {
      const [ax, ay] = s[k - 1], [bx, by] = s[k];
      for (let p = 1; p <= parts; p++) {
        const f = p / parts;
        pts.push([ax + (bx - ax) * f, ay + (by - ay) * f]);
      }
    }
    return pts;
  });
}

test('empty drawing -> 784 zeros', () => {
  for (const strokes of [[], [[]], [[], []]]) {
    const out = preprocessStrokes(strokes);
    assert.ok(out instanceof Float32Array);
    assert.equal(out.length, 784);
    assert.ok(out.every((v) => v === 0));
  }
});

test('values in [0, 1], solid pen core', () => {
  for (const strokes of [FOUR, TWO, [[[3, 3]]]]) {
    const out = preprocessStrokes(strokes);
    assert.equal(out.length, 784);
    assert.ok(out.every((v) => v >= 0 && v <= 1));
    assert.ok(Math.max(...out) > 0.9);
  }
});

test('small, big and cornered copies give the same input', () => {
  const cases = [[0.05, 0, 0], [0.37, 3, 900], [4, -1000, -250], [31.7, 12345, 0.5], [1, 5000, 5000]];
  for (const strokes of [FOUR, TWO]) {
    const ref = preprocessStrokes(strokes);
    for (const [s, tx, ty] of cases) {
      assert.ok(maxAbsDiff(preprocessStrokes(transform(strokes, s, tx, ty)), ref) < 1e-6, `${s} ${tx} ${ty}`);
    }
  }
});

test('centre of mass at (14, 14), longest side about BOX', () => {
  for (const strokes of [FOUR, TWO, [[[0, 0], [0, 10]]], [[[0, 0], [7, 0]]]]) {
    const out = preprocessStrokes(strokes);
    const [cx, cy] = com(out);
    assert.ok(Math.abs(cx - 14) <= 0.5 && Math.abs(cy - 14) <= 0.5, `${cx} ${cy}`);
    const ext = inkExtent(out);
    assert.ok(ext >= 20 && ext <= 22, `extent ${ext}`);
  }
});

test('a single dot is a small centred blob', () => {
  for (const strokes of [[[[7, 9]]], [[[7, 9], [7, 9], [7, 9]]], [[[300.5, -2]], []]]) {
    const out = preprocessStrokes(strokes);
    for (let k = 0; k < 784; k++) {
      if (out[k] > 0) {
        const i = Math.floor(k / 28), j = k % 28;
        assert.ok(i >= 11 && i <= 16 && j >= 11 && j <= 16);
      }
    }
    const [cx, cy] = com(out);
    assert.ok(Math.abs(cx - 14) < 1e-6 && Math.abs(cy - 14) < 1e-6);
    const disc = Math.PI * (PEN_WIDTH / 2) ** 2;
    assert.ok(Math.abs(sum(out) - disc) < 0.15 * disc);
  }
});

test('strokes are separate polylines', () => {
  const separate = preprocessStrokes([[[0, 0], [0, 10]], [[10, 0], [10, 10]]]);
  const joined = preprocessStrokes([[[0, 0], [0, 10], [10, 0], [10, 10]]]);
  assert.ok(maxAbsDiff(separate, joined) > 0.5);
});

test('collinear subdivision and repeated points do not change the output', () => {
  for (const parts of [2, 3, 7]) {
    for (const strokes of [FOUR, TWO, [[[0, 0], [8, 0], [8, 16]]]]) {
      assert.ok(maxAbsDiff(preprocessStrokes(subdivide(strokes, parts)), preprocessStrokes(strokes)) < 1e-6);
    }
  }
  const rep = [[[0, 0], [0, 0], [5, 5], [5, 5], [5, 5], [10, 0]]];
  assert.ok(maxAbsDiff(preprocessStrokes(rep), preprocessStrokes([[[0, 0], [5, 5], [10, 0]]])) < 1e-6);
});

test('bad input is refused', () => {
  assert.throws(() => preprocessStrokes([[[0, NaN]]]), TypeError);
  assert.throws(() => preprocessStrokes(FOUR, { deskew: 'yes' }), TypeError);
  assert.throws(() => preprocessStrokes(FOUR, { normalizeSize: true }), RangeError);
});

// preprocessStrokes draws on one grid it keeps: nothing of a call may show in the next. The
// reference for each drawing is a fresh copy of the module, whose grid nothing drew on before.
test('each call starts on a blank grid, whatever came before', async () => {
  const dot = [[[10, 10]]];
  const blank = async (strokes, copy) => (await import(`../../web/src/preprocess.js?${copy}`)).preprocessStrokes(strokes);
  const expected = { dot: await blank(dot, 'dot'), two: await blank(TWO, 'two') };
  for (const before of [FOUR, TWO, dot, [[[0, NaN]]]]) {
    try {
      preprocessStrokes(before, { deskew: true });
    } catch {
      // refused input draws nothing
    }
    assert.deepEqual(preprocessStrokes(dot), expected.dot);
    assert.deepEqual(preprocessStrokes(TWO), expected.two);
  }
});

test('does not mutate its input', () => {
  const strokes = transform(FOUR, 1.5, 3, 4);
  const copy = JSON.stringify(strokes);
  preprocessStrokes(strokes);
  assert.equal(JSON.stringify(strokes), copy);
});

test('renderStrokes: the pen profile', () => {
  // A horizontal line is fitted to y = 56, x = 56 -+ 34.96; pen radius 5.04 grid px.
  const g = renderStrokes([[[0, 0], [100, 0]]]);
  const at = (i, j) => g[i * 112 + j];
  for (let i = 51; i <= 60; i++) assert.equal(at(i, 56), 1); // d <= 4.5: inside the pen
  assert.ok(Math.abs(at(61, 56) - 0.04) < 1e-9 && Math.abs(at(50, 56) - 0.04) < 1e-9);
  assert.equal(at(62, 56), 0);
  // Round cap beyond the end point (90.96, 56).
  assert.ok(Math.abs(at(55, 95) - (5.54 - Math.hypot(95.5 - 90.96, 0.5))) < 1e-9);
  assert.equal(at(55, 96), 0);
});

test('centeringShift: floor(x + 0.5), halves up', () => {
  const g = new Float64Array(112 * 112);
  g[10 * 112 + 53] = 1; // cx = 53.5: floor(56 - 53.5 + 0.5) = 3 (halves to even would give 2)
  assert.deepEqual(centeringShift(g), [3, 46]);
  g[10 * 112 + 54] = 1; // cx = 54: floor(2.5) = 2
  assert.deepEqual(centeringShift(g), [2, 46]);
  assert.deepEqual(centeringShift(new Float64Array(112 * 112)), [0, 0]);
});

// Real pen-drawn digits: 300 of UCI's, shipped with the tests (tests/fixtures/README.md).
const penSample = () => JSON.parse(readFileSync(
  fileURLToPath(new URL('../fixtures/pendigits-sample.json', import.meta.url)), 'utf8'));

test('real pen digits: invariance, centring, size', () => {
  const samples = penSample();
  for (let k = 0; k < samples.length; k += 7) {
    const strokes = samples[k].strokes;
    const ref = preprocessStrokes(strokes);
    for (const [s, tx, ty] of [[0.1, 0, 0], [3, 0, 0], [0.5, 2000, 1500]]) {
      assert.ok(maxAbsDiff(preprocessStrokes(transform(strokes, s, tx, ty)), ref) < 1e-6, `sample ${k}`);
    }
    const [cx, cy] = com(ref);
    assert.ok(Math.abs(cx - 14) <= 0.5 && Math.abs(cy - 14) <= 0.5);
    const ext = inkExtent(ref);
    assert.ok(ext >= 20 && ext <= 22);
    assert.ok(maxAbsDiff(preprocessStrokes(subdivide(strokes, 2)), ref) < 1e-6);
  }
});

// --- deskew (spec step 6) ---

/** [cx, cy, vy, cxy, vx] of a 28x28 image, pixel centres at +0.5. */
function moments(img, n = 28) {
  const [cx, cy] = com(img, n);
  let m = 0, vx = 0, vy = 0, cxy = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = img[i * n + j];
      m += v;
      vx += v * (j + 0.5 - cx) ** 2;
      vy += v * (i + 0.5 - cy) ** 2;
      cxy += v * (j + 0.5 - cx) * (i + 0.5 - cy);
    }
  }
  return [cx, cy, vy / m, cxy / m, vx / m];
}

/** A straight stroke leaning `degrees` from vertical (positive: top to the right, like "/"). */
function slantedBar(degrees) {
  const t = Math.tan((degrees * Math.PI) / 180);
  return t >= 0 ? [[[100 * t, 0], [0, 100]]] : [[[0, 0], [-100 * t, 100]]];
}

test('deskew: an upright bar stays itself', () => {
  const bar = preprocessStrokes([[[50, 0], [50, 100]]]);
  assert.equal(moments(bar)[3], 0);
  const out = deskew(bar);
  assert.ok(out instanceof Float32Array && out !== bar);
  assert.deepEqual(Array.from(out), Array.from(bar));
  // Half a pixel off-centre: moved (bilinear), not sheared.
  const img = new Float32Array(784);
  for (let i = 4; i < 24; i++) img[i * 28 + 13] = 1;
  const moved = deskew(img);
  const [cx, cy, , cxy] = moments(moved);
  assert.ok(Math.abs(cx - 14) < 1e-9 && Math.abs(cy - 14) < 1e-9 && Math.abs(cxy) < 1e-9);
  for (let i = 4; i < 24; i++) assert.ok(Math.abs(moved[i * 28 + 13] - 0.5) < 1e-6 && Math.abs(moved[i * 28 + 14] - 0.5) < 1e-6);
});

test('deskew: a slanted bar becomes upright and centred', () => {
  for (const degrees of [30, -30, 15, -40]) {
    const img = preprocessStrokes(slantedBar(degrees));
    const [, , vy, cxy] = moments(img);
    // y points down: "/" has cxy < 0. A bar steeper than FIT_MAX_ASPECT is widened first.
    const slope = Math.tan((degrees * Math.PI) / 180);
    assert.ok(Math.abs(cxy / vy + slope * widen(Math.abs(slope), 1)) < 0.03, `${degrees}: ${cxy / vy}`);
    const out = deskew(img);
    const [cx, cy, vy2, cxy2] = moments(out);
    assert.ok(Math.abs(cxy2 / vy2) < 1e-3 && Math.abs(cxy2) < 1e-3 * Math.abs(cxy), `${degrees}: ${cxy2}`);
    assert.ok(Math.abs(cx - 14) < 1e-6 && Math.abs(cy - 14) < 1e-6);
    assert.ok(out.every((v) => v >= 0 && v <= 1));
    assert.deepEqual(Array.from(preprocessStrokes(slantedBar(degrees), { deskew: true })), Array.from(out));
  }
});

test('deskew: shear clamped to [-1, 1] for a near-horizontal scribble', () => {
  const img = preprocessStrokes([[[0, 0], [100, 20]]]);
  const [, , vy, cxy] = moments(img);
  assert.ok(cxy / vy > 2);
  const [, , vy2, cxy2] = moments(deskew(img));
  assert.ok(Math.abs(cxy2 / vy2 - (cxy / vy - 1)) < 1e-3);
});

test('deskew: empty image unchanged, option default off, bad input', () => {
  const empty = new Float32Array(784);
  const out = deskew(empty);
  assert.ok(out instanceof Float32Array && out !== empty && out.every((v) => v === 0));
  assert.ok(preprocessStrokes([], { deskew: true }).every((v) => v === 0));
  for (const strokes of [FOUR, TWO]) {
    const plain = preprocessStrokes(strokes);
    assert.deepEqual(Array.from(preprocessStrokes(strokes, { deskew: false })), Array.from(plain));
    assert.deepEqual(Array.from(preprocessStrokes(strokes, { deskew: true })), Array.from(deskew(plain)));
  }
  assert.throws(() => deskew(new Float32Array(100)), RangeError);
});

test('deskew: real pen digits stay centred and in range', () => {
  const samples = penSample();
  for (let k = 0; k < samples.length; k += 10) {
    const out = preprocessStrokes(samples[k].strokes, { deskew: true });
    assert.ok(out.every((v) => v >= 0 && v <= 1));
    const [cx, cy] = com(out);
    assert.ok(Math.abs(cx - 14) < 0.05 && Math.abs(cy - 14) < 0.05, `sample ${k}: ${cx} ${cy}`);
  }
});

// --- size normalisation by moments (spec step 6) ---

/** [stdX, stdY] of the ink. */
function spreads(img, n = 28) {
  const [, , vy, , vx] = moments(img, n);
  return [Math.sqrt(vx), Math.sqrt(vy)];
}

/** Upper bound on a spread after scaling: bilinear adds the tent's variance 1/6 px^2; +0.05 for sampling. */
const maxSpread = (std, scale = MOMENT_SCALE_MAX) => scale * Math.sqrt(std * std + 1 / 6) + 0.05;

test('normalizeSize: a narrow bar is widened by at most MOMENT_SCALE_MAX', () => {
  const bar = new Float32Array(784);
  for (let i = 4; i < 24; i++) bar[i * 28 + 13] = bar[i * 28 + 14] = 1; // std_x 0.5: 7x asked
  const out = deskew(bar, { normalizeSize: true });
  // sx = 1.6 exactly: x = 12.5 reads 14 - 1.5 / 1.6 = 13.0625 (0.5625 of pixel 13).
  const row = Array.from(out.subarray(14 * 28 + 10, 14 * 28 + 18));
  const want = [0, 0, 0.5625, 1, 1, 0.5625, 0, 0];
  for (let k = 0; k < 8; k++) assert.ok(Math.abs(row[k] - want[k]) < 1e-6, `${row}`);
  const [sx0] = spreads(bar);
  const [sx1, sy1] = spreads(out);
  assert.ok(sx1 > 1.3 * sx0 && sx1 <= maxSpread(sx0), `${sx1}`);
  assert.ok(Math.abs(sy1 - MOMENT_STD_Y) < 0.05, `${sy1}`);
  // A drawn "1": ink per row grows by at most MAX_SCALE.
  const one = preprocessStrokes([[[50, 0], [50, 100]]]);
  const wide = preprocessStrokes([[[50, 0], [50, 100]]], { deskew: true, normalizeSize: true });
  const rows = (img) => sum(img.subarray(10 * 28, 18 * 28));
  const ratio = rows(wide) / rows(one);
  assert.ok(ratio > 1.3 && ratio <= MOMENT_SCALE_MAX + 0.02, `${ratio}`);
  assert.ok(spreads(wide)[0] <= maxSpread(spreads(one)[0]));
});

test('normalizeSize: a small blob is enlarged by at most MOMENT_SCALE_MAX, centred', () => {
  const blob = new Float32Array(784);
  for (let i = 9; i < 12; i++) for (let j = 18; j < 21; j++) blob[i * 28 + j] = 1;
  const out = deskew(blob, { normalizeSize: true });
  const [cx, cy] = com(out);
  assert.ok(Math.abs(cx - 14) < 1e-9 && Math.abs(cy - 14) < 1e-9);
  let i0 = 28, i1 = -1, j0 = 28, j1 = -1;
  for (let k = 0; k < 784; k++) {
    if (out[k] > 0) {
      const i = Math.floor(k / 28), j = k % 28;
      i0 = Math.min(i0, i); i1 = Math.max(i1, i); j0 = Math.min(j0, j); j1 = Math.max(j1, j);
    }
  }
  assert.deepEqual([i0, i1, j0, j1], [11, 16, 11, 16]); // 6 px, was 3
  for (let i = 12; i < 16; i++) for (let j = 12; j < 16; j++) assert.equal(out[i * 28 + j], 1);
  const [bx, by] = spreads(blob);
  const [ox, oy] = spreads(out);
  assert.ok(ox > 1.3 * bx && ox <= maxSpread(bx) && oy > 1.3 * by && oy <= maxSpread(by));
});

test('normalizeSize: a wide image is shrunk by at most MOMENT_SCALE_MIN', () => {
  const img = new Float32Array(784);
  for (let i = 4; i < 24; i++) img[i * 28 + 2] = img[i * 28 + 25] = 1; // std_x 11.5: 0.3x asked
  const out = deskew(img, { normalizeSize: true });
  const lit = [];
  for (let j = 0; j < 28; j++) if (out[14 * 28 + j] > 0) lit.push(j);
  assert.deepEqual(lit, [7, 20]); // 14 -+ 11.5 * 0.6 = 7.1, 20.9
});

test('normalizeSize: empty unchanged, flat line not scaled vertically, options checked', () => {
  const out = deskew(new Float32Array(784), { normalizeSize: true });
  assert.ok(out instanceof Float32Array && out.every((v) => v === 0));
  assert.ok(preprocessStrokes([], { deskew: true, normalizeSize: true }).every((v) => v === 0));
  const line = new Float32Array(784);
  for (let j = 4; j < 24; j++) line[14 * 28 + j] = 1;
  const flat = deskew(line, { normalizeSize: true });
  for (let i = 0; i < 28; i++) {
    const rowMax = Math.max(...flat.subarray(i * 28, i * 28 + 28));
    assert.equal(rowMax, i === 13 || i === 14 ? 0.5 : 0);
  }
  assert.ok(Math.abs(spreads(flat)[0] - MOMENT_STD_X) < 0.1);
  assert.throws(() => preprocessStrokes([], { normalizeSize: true }), RangeError);
  assert.throws(() => preprocessStrokes(FOUR, { deskew: true, normalizeSize: 'yes' }), TypeError);
});

test('normalizeSize: real pen digits reach the target spread, centred, in range', () => {
  const samples = penSample();
  const xs = [], ys = [];
  for (let k = 0; k < samples.length; k += 5) {
    const out = preprocessStrokes(samples[k].strokes, { deskew: true, normalizeSize: true });
    assert.ok(out.every((v) => v >= 0 && v <= 1));
    const [cx, cy] = com(out);
    assert.ok(Math.abs(cx - 14) < 0.25 && Math.abs(cy - 14) < 0.25, `sample ${k}: ${cx} ${cy}`);
    const [sx, sy] = spreads(out);
    xs.push(sx);
    ys.push(sy);
    // Never beyond the clamps (with the bilinear blur allowance).
    const [dx, dy] = spreads(preprocessStrokes(samples[k].strokes, { deskew: true }));
    assert.ok(sx <= maxSpread(dx) && sy <= maxSpread(dy), `sample ${k}`);
  }
  const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
  assert.ok(Math.abs(median(xs) - MOMENT_STD_X) < 0.05, `${median(xs)}`);
  assert.ok(Math.abs(median(ys) - MOMENT_STD_Y) < 0.05, `${median(ys)}`);
  // Most digits are not clamped: within 0.1 px of the target.
  assert.ok(xs.filter((v) => Math.abs(v - MOMENT_STD_X) < 0.1).length > 0.75 * xs.length);
  assert.ok(ys.filter((v) => Math.abs(v - MOMENT_STD_Y) < 0.1).length > 0.95 * ys.length);
});

test('fit: tall, narrow ink is widened towards FIT_MAX_ASPECT, by at most FIT_MAX_WIDEN', () => {
  assert.equal(widen(0, 100), 1); // a straight vertical bar: nothing to widen
  assert.equal(widen(100, 100), 1);
  assert.equal(widen(40, 100), 1.25); // 2.5 times taller than wide: to 2
  assert.equal(widen(10, 100), 2); // 10 times: by 2 at most
  // A 0 six times taller than wide keeps a hole: ink in the middle column's neighbours, none at its centre.
  const zero = [Array.from({ length: 61 }, (_, k) => [10 * Math.cos(k / 9.5), 60 * Math.sin(k / 9.5)])];
  const img = preprocessStrokes(zero);
  assert.ok(img[14 * 28 + 14] < 0.05, `centre ${img[14 * 28 + 14]}`);
});
