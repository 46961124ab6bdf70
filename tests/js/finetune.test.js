// Tests for web/src/finetune.js (run: npm test): the plain-arithmetic fine-tuning
// the teaching worker runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TAUGHT_WEIGHT, classify, fineTune, parseReplay, teach } from '../../web/src/finetune.js';
import { INPUT_SIZE } from '../../web/src/model-io.js';

// n random sparse "drawings", each class inking its own band of pixels (plus noise).
function toyData(n, classes, seed = 1) {
  let s = seed;
  const random = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const pixels = new Float32Array(n * INPUT_SIZE);
  const labels = [];
  for (let i = 0; i < n; i++) {
    const label = i % classes;
    labels.push(label);
    for (let k = 0; k < 60; k++) pixels[i * INPUT_SIZE + label * 70 + Math.floor(random() * 70)] = 1;
    for (let k = 0; k < 20; k++) pixels[i * INPUT_SIZE + Math.floor(random() * INPUT_SIZE)] = random();
  }
  return { pixels, labels };
}

const zeros = (classes) => ({ kernel: new Float32Array(INPUT_SIZE * classes), bias: new Float32Array(classes), classes });

// Mean cross-entropy of the model on the data, computed densely (the reference).
function loss({ kernel, bias, classes }, pixels, labels) {
  let total = 0;
  labels.forEach((label, i) => {
    const logits = Array.from(bias, (b, c) => {
      let z = b;
      for (let j = 0; j < INPUT_SIZE; j++) z += pixels[i * INPUT_SIZE + j] * kernel[j * classes + c];
      return z;
    });
    const top = Math.max(...logits);
    const sum = logits.reduce((a, z) => a + Math.exp(z - top), 0);
    total += -(logits[label] - top - Math.log(sum));
  });
  return total / labels.length;
}

test('fine-tuning lowers the loss and learns separable classes', () => {
  const { pixels, labels } = toyData(110, 11);
  const base = zeros(11);
  const taught = fineTune(base, pixels, labels, labels.map(() => 1), { steps: 60 });
  assert.ok(loss(taught, pixels, labels) < 0.5 * loss(base, pixels, labels));
  const read = classify(taught, pixels);
  const right = read.filter((d, i) => d === labels[i] || labels[i] === 10).length;
  assert.ok(right >= 0.95 * labels.length, `${right} of ${labels.length}`);
  assert.equal(base.kernel.every((w) => w === 0), true); // the base is left as is
});

test('one step is the closed-form gradient step (checked against finite differences)', () => {
  const { pixels, labels } = toyData(12, 3);
  const base = zeros(3);
  base.kernel[5 * 3 + 1] = 0.3;
  const rate = 1e-3;
  const stepped = fineTune(base, pixels, labels, labels.map(() => 1), { steps: 1, learningRate: rate, l2: 0 });
  // Pixel 0 of class 0 (inked by class 0's band): its change is -rate * dLoss/dw.
  const at = 0;
  const eps = 1e-3;
  const plus = { ...base, kernel: Float32Array.from(base.kernel) };
  plus.kernel[at] += eps;
  const minus = { ...base, kernel: Float32Array.from(base.kernel) };
  minus.kernel[at] -= eps;
  const numeric = (loss(plus, pixels, labels) - loss(minus, pixels, labels)) / (2 * eps);
  assert.ok(Math.abs((base.kernel[at] - stepped.kernel[at]) / rate - numeric) < 1e-3);
});

test('taught examples count TAUGHT_WEIGHT times a replayed one', () => {
  const replay = toyData(40, 4, 7);
  const drawing = toyData(1, 4, 9);
  const bytes = new Uint8Array(replay.labels.length * (INPUT_SIZE + 1));
  replay.labels.forEach((label, i) => {
    for (let j = 0; j < INPUT_SIZE; j++) bytes[i * (INPUT_SIZE + 1) + j] = Math.round(replay.pixels[i * INPUT_SIZE + j] * 255);
    bytes[i * (INPUT_SIZE + 1) + INPUT_SIZE] = label;
  });
  const parsed = parseReplay(bytes);
  assert.deepEqual(Array.from(parsed.labels), replay.labels);
  // Teach the drawing of a 0 as a 3: with the weight it wins on that drawing.
  const taught = teach(zeros(4), drawing.pixels, [3], parsed);
  assert.deepEqual(classify(taught, drawing.pixels), [3]);
  assert.ok(TAUGHT_WEIGHT > 1);
});
