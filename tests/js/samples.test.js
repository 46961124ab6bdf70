// Tests for web/src/samples.js (run: npm test): which stored records are taught digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, SampleStore, problem, taughtProblem } from '../../web/src/samples.js';

const good = { label: 7, strokes: [[[0, 0], [10, 20.5]], [[3, 3]]] };

test('a well-formed digit passes', () => {
  assert.equal(problem(good), '');
  assert.equal(problem({ ...good, created: 1, id: 4, writer: 'you' }), '');
});

test('bad labels are refused', () => {
  for (const label of [99, -5, 3.5, '3', true, null, undefined, NaN]) {
    assert.match(problem({ ...good, label }), /label/, String(label));
  }
});

test('bad strokes and points are refused', () => {
  const bad = [
    'abc', [], {}, [[]], [['x']], [[[1, 2, 3]]], [[[1]]], [[['1', 2]]], [[[NaN, 2]]], [[[Infinity, 0]]],
    [[[2e6, 0]]], [[[0, null]]], Array.from({ length: LIMITS.strokes + 1 }, () => [[0, 0]]),
    [Array.from({ length: LIMITS.points + 1 }, (_, i) => [i, i])],
  ];
  for (const strokes of bad) assert.notEqual(problem({ label: 1, strokes }), '', JSON.stringify(strokes).slice(0, 40));
  for (const record of [null, 7, 'x', []]) assert.notEqual(problem(record), '');
});

test('the same drawing taught again is kept once, also moved or scaled (a resized pad)', async () => {
  const store = new SampleStore(); // not loaded: kept in memory
  const drawing = [[[10, 10], [30, 60], [50, 10]], [[20, 35], [40, 35]]];
  await store.add(5, drawing);
  const turned = drawing.map((stroke) => stroke.map(([x, y]) => [x * 1.37 + 4, y * 1.37 - 2])); // scaled and moved
  await store.add(4, turned);
  assert.equal(store.records.length, 1);
  assert.equal(store.records[0].label, 4);
  // Another drawing: its own record, even with the same number of strokes and points.
  await store.add(4, [[[10, 10], [30, 60], [50, 12]], [[20, 35], [40, 35]]]);
  await store.add(4, [[[10, 10], [30, 60], [50, 10]], [[20, 35], [40, 35], [41, 36]]]);
  assert.equal(store.records.length, 3);
});

test('a kept taught model must be the model\'s size and all numbers', () => {
  const taught = { kernel: new Float32Array(784 * 11), bias: new Float32Array(11), classes: 11 };
  assert.equal(taughtProblem(taught, 11), '');
  assert.match(taughtProblem({ ...taught, kernel: new Float32Array(10) }, 11), /size/);
  assert.match(taughtProblem({ ...taught, bias: [1, 2] }, 11), /size/);
  assert.match(taughtProblem({ ...taught, kernel: 'abc' }, 11), /size/);
  assert.match(taughtProblem(taught, 10), /outputs/);
  assert.match(taughtProblem(null, 11), /not an object/);
  const nan = Float32Array.from(taught.kernel);
  nan[5000] = NaN;
  assert.match(taughtProblem({ ...taught, kernel: nan }, 11), /not all numbers/);
  assert.match(taughtProblem({ ...taught, bias: Float32Array.of(...taught.bias.slice(1), Infinity) }, 11), /not all numbers/);
});
