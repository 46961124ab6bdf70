// Fine-tuning the softmax model on this device ("teach it"): the user's digits
// mixed with examples shipped beside the model (replay.bin: MNIST digits and
// non-digits), so it learns their handwriting without forgetting the rest.
// Plain arithmetic, no TF.js and no DOM: it runs in a Web Worker (teach-worker.js)
// and under node (tests/js/finetune.test.js).
//
// For softmax regression the gradient of the cross-entropy has a closed form:
// with P = softmax(X·W + b) and Y the one-hot labels of n examples,
//   dLoss/dW = Xᵀ·(P − Y) / n + λ·W        dLoss/db = Σ_rows (P − Y) / n
// and each step moves W and b a little against their gradient. Inputs are mostly
// background (~150 of 784 pixels inked), so only inked pixels are visited.
import { INPUT_SIZE } from './model-io.js';

// A taught digit counts as much as this many replayed examples: the user's
// handwriting should win on their digits (at 8, the 11-output model kept misreading
// a corrected digit), the replay set keeps the rest. Any weight is stable: the
// weights are normalised, so the step bound below holds.
export const TAUGHT_WEIGHT = 16;

// replay.bin, laid out as python/digitpad/replay.py documents -> { pixels, labels }.
export function parseReplay(bytes) {
  const n = Math.floor(bytes.length / (INPUT_SIZE + 1));
  const pixels = new Float32Array(n * INPUT_SIZE);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const record = bytes.subarray(i * (INPUT_SIZE + 1), (i + 1) * (INPUT_SIZE + 1));
    for (let j = 0; j < INPUT_SIZE; j++) pixels[i * INPUT_SIZE + j] = record[j] / 255;
    labels[i] = record[INPUT_SIZE];
  }
  return { pixels, labels };
}

// How teach() fits: 30 steps with momentum, each seeing every taught digit and a
// quarter of the replay set in turn. Measured on 4 writers' digits (the w14 test):
// as good as 100 plain steps on all of them, in a tenth of the time.
const FIT = { steps: 30, momentum: 0.9, thin: 4 };

// { kernel, bias } fitted to the taught inputs (n x 784) and labels mixed with
// the replay set, starting from `base` ({ kernel: Float32Array(784 * classes),
// bias: Float32Array(classes), classes }); `base` is left as is.
export function teach(base, inputs, labels, replay) {
  const pixels = new Float32Array(inputs.length + replay.pixels.length);
  pixels.set(inputs);
  pixels.set(replay.pixels, inputs.length);
  const all = [...labels, ...replay.labels];
  const weights = all.map((_, i) => (i < labels.length ? TAUGHT_WEIGHT : 1));
  return fineTune(base, pixels, all, weights, { ...FIT, kept: labels.length });
}

// The inked pixels of each of n inputs: { index, value } arrays per row.
function sparseRows(pixels, n) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const index = [];
    const value = [];
    for (let j = 0; j < INPUT_SIZE; j++) {
      const v = pixels[i * INPUT_SIZE + j];
      if (v !== 0) { index.push(j); value.push(v); }
    }
    rows.push({ index: Int32Array.from(index), value: Float64Array.from(value) });
  }
  return rows;
}

// Full-batch gradient descent with momentum on the n examples (pixels n x 784,
// labels, weights: how much each example counts), from `base`'s weights. The step
// size stays below 2/‖x‖²-ish (a drawn digit has ~100 ink pixels) so the descent
// cannot blow up; momentum (heavy ball) takes it as far in a fraction of the steps.
export function fineTune(base, pixels, labels, weights, {
  steps = 100, learningRate = 0.02, l2 = 1e-4, momentum = 0, kept = labels.length, thin = 1,
} = {}) {
  const { classes } = base;
  const n = labels.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const rows = sparseRows(pixels, n);
  // Class-major copies ([classes][784]): each class's score is one running sum.
  const w = new Float64Array(base.kernel.length);
  for (let j = 0; j < INPUT_SIZE; j++) for (let c = 0; c < classes; c++) w[c * INPUT_SIZE + j] = base.kernel[j * classes + c];
  const b = Float64Array.from(base.bias);
  const gradW = new Float64Array(w.length);
  const gradB = new Float64Array(classes);
  const velocityW = new Float64Array(w.length);
  const velocityB = new Float64Array(classes);
  const p = new Float64Array(classes);
  for (let step = 0; step < steps; step++) {
    gradW.fill(0);
    gradB.fill(0);
    for (let i = 0; i < n; i++) {
      // Rows from `kept` on take turns: each step sees one in `thin` of them, counted `thin` times.
      if (i >= kept && (i + step) % thin !== 0) continue;
      const { index, value } = rows[i];
      const m = index.length;
      let top = -Infinity;
      for (let c = 0; c < classes; c++) {
        const offset = c * INPUT_SIZE;
        let score = b[c];
        for (let k = 0; k < m; k++) score += value[k] * w[offset + index[k]];
        p[c] = score;
        if (score > top) top = score;
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) { p[c] = Math.exp(p[c] - top); sum += p[c]; }
      const share = (i >= kept ? thin * weights[i] : weights[i]) / total;
      for (let c = 0; c < classes; c++) {
        const error = (p[c] / sum) * share - (c === labels[i] ? share : 0);
        const offset = c * INPUT_SIZE;
        for (let k = 0; k < m; k++) gradW[offset + index[k]] += value[k] * error;
        gradB[c] += error;
      }
    }
    for (let j = 0; j < w.length; j++) {
      velocityW[j] = momentum * velocityW[j] - learningRate * (gradW[j] + l2 * w[j]);
      w[j] += velocityW[j];
    }
    for (let c = 0; c < classes; c++) {
      velocityB[c] = momentum * velocityB[c] - learningRate * gradB[c];
      b[c] += velocityB[c];
    }
  }
  const kernel = new Float32Array(w.length);
  for (let j = 0; j < INPUT_SIZE; j++) for (let c = 0; c < classes; c++) kernel[j * classes + c] = w[c * INPUT_SIZE + j];
  return { kernel, bias: Float32Array.from(b), classes };
}

// The most probable digit (of the first ten outputs) per input, by { kernel, bias, classes }.
export function classify({ kernel, bias, classes }, pixels) {
  const n = pixels.length / INPUT_SIZE;
  const read = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < Math.min(classes, 10); c++) {
      let score = bias[c];
      for (let j = 0; j < INPUT_SIZE; j++) score += pixels[i * INPUT_SIZE + j] * kernel[j * classes + c];
      if (score > bestScore) { best = c; bestScore = score; }
    }
    read.push(best);
  }
  return read;
}
