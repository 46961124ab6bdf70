// Tests for web/src/explain.js (run: npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contributions, maxAbs, smoothed, template, topTwo } from '../../web/src/explain.js';
import { CLASSES, INPUT_SIZE } from '../../web/src/model-io.js';

// A deterministic pseudo-random generator (mulberry32), so failures repeat.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fakeWeights(seed) {
  const next = random(seed);
  return {
    kernel: Float32Array.from({ length: INPUT_SIZE * CLASSES }, () => next() * 2 - 1),
    bias: Float32Array.from({ length: CLASSES }, () => next() - 0.5),
  };
}

// A drawing: mostly blank, some ink, a few partly inked pixels.
function fakePixels(seed) {
  const next = random(seed);
  return Float32Array.from({ length: INPUT_SIZE }, () => {
    const r = next();
    return r < 0.8 ? 0 : r < 0.9 ? 1 : next();
  });
}

// The logit computed directly from its definition: sum_i x_i * w_ij + b_j.
function logit(weights, pixels, digit) {
  let sum = weights.bias[digit];
  for (let i = 0; i < INPUT_SIZE; i++) sum += pixels[i] * weights.kernel[i * CLASSES + digit];
  return sum;
}

const sum = (values) => values.reduce((s, v) => s + v, 0);

test('contributions plus the bias add up to the logit', () => {
  for (const seed of [1, 2, 3]) {
    const weights = fakeWeights(seed);
    const pixels = fakePixels(seed + 100);
    for (let digit = 0; digit < CLASSES; digit++) {
      const votes = contributions(weights, pixels, digit);
      assert.ok(votes instanceof Float32Array);
      assert.equal(votes.length, INPUT_SIZE);
      const expected = logit(weights, pixels, digit);
      assert.ok(Math.abs(sum(votes) + weights.bias[digit] - expected) < 1e-4, `digit ${digit}`);
    }
  }
});

test('a blank pixel does not vote; an inked one votes its weight', () => {
  const weights = fakeWeights(7);
  const pixels = new Float32Array(INPUT_SIZE);
  pixels[300] = 1;
  pixels[301] = 0.5;
  const votes = contributions(weights, pixels, 4);
  assert.equal(votes[300], weights.kernel[300 * CLASSES + 4]);
  assert.equal(votes[301], Math.fround(0.5 * weights.kernel[301 * CLASSES + 4]));
  assert.equal(votes.filter((v) => v !== 0).length, 2);
});

test('contributions reuse the output array it is given', () => {
  const weights = fakeWeights(8);
  const out = new Float32Array(INPUT_SIZE);
  assert.equal(contributions(weights, fakePixels(9), 2, out), out);
});

test('template: one digit\'s column of the row-major kernel', () => {
  const weights = fakeWeights(5);
  const column = template(weights, 3);
  assert.equal(column.length, INPUT_SIZE);
  for (const i of [0, 1, 27, 28, 400, 783]) assert.equal(column[i], weights.kernel[i * CLASSES + 3]);
  // All ink: the votes are the template itself.
  assert.deepEqual(contributions(weights, new Float32Array(INPUT_SIZE).fill(1), 3), column);
});

test('topTwo: the best and the runner-up, lower digit first on a tie', () => {
  assert.deepEqual(topTwo([0.05, 0.1, 0.02, 0.03, 0.5, 0.05, 0.05, 0.2, 0, 0]), [4, 7]);
  assert.deepEqual(topTwo([0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02]), [0, 9]);
  assert.deepEqual(topTwo([0, 0, 0, 0, 0, 0, 0, 0, 0.3, 0.7]), [9, 8]);
  assert.deepEqual(topTwo([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]), [0, 1]);
  assert.deepEqual(topTwo([0, 0.4, 0, 0.4, 0.2, 0, 0, 0, 0, 0]), [1, 3]);
  assert.deepEqual(topTwo(Float32Array.from([0.2, 0.3, 0.5])), [2, 1]);
  // The best agrees with the page's prediction (the first largest).
  const next = random(11);
  for (let k = 0; k < 200; k++) {
    const probs = Array.from({ length: CLASSES }, () => Math.round(next() * 5) / 5);
    const [best, second] = topTwo(probs);
    assert.equal(best, probs.indexOf(Math.max(...probs)));
    assert.notEqual(second, best);
    const rest = probs.filter((_, j) => j !== best);
    assert.equal(probs[second], Math.max(...rest));
  }
});

test('maxAbs over one or more arrays', () => {
  assert.equal(maxAbs([]), 0);
  assert.equal(maxAbs([0.5, -2, 1]), 2);
  assert.equal(maxAbs(Float32Array.from([1, -0.25]), [0.5, 3]), 3);
});

test('smoothed blurs a picture by a normalised Gaussian, symmetric and zero beyond the edge', () => {
  const dot = new Float32Array(INPUT_SIZE);
  dot[14 * 28 + 14] = 1; // one pixel in the middle
  const blurred = smoothed(dot, 1);
  const sum = blurred.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-6, `the ink is kept: ${sum}`);
  assert.ok(Math.abs(blurred[14 * 28 + 14] - (1 / (2 * Math.PI)) / 1.0) < 0.01); // the 2-D Gaussian's peak
  for (const [dy, dx] of [[0, 1], [1, 0], [1, 1], [2, 3]]) {
    const at = (y, x) => blurred[(14 + y) * 28 + 14 + x];
    assert.ok(Math.abs(at(dy, dx) - at(-dy, -dx)) < 1e-7 && Math.abs(at(dy, dx) - at(dx, dy)) < 1e-7);
    assert.ok(at(dy, dx) < blurred[14 * 28 + 14]);
  }
  assert.equal(blurred[14 * 28 + 18], 0); // beyond 3 sigma
  // A corner pixel loses what falls off the edge; a flat picture stays flat inside.
  const corner = new Float32Array(INPUT_SIZE);
  corner[0] = 1;
  assert.ok(smoothed(corner, 1).reduce((a, b) => a + b, 0) < 0.5);
  const flat = smoothed(new Float32Array(INPUT_SIZE).fill(2), 1);
  assert.ok(Math.abs(flat[14 * 28 + 14] - 2) < 1e-6);
});
