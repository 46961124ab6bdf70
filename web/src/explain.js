// Why the model reads a drawing as it does: pure functions, no DOM.
//
// The model is softmax regression. For each digit j it computes a score, the
// "logit", from the 784 pixels x_i (0 = paper, 1 = ink) of the 28x28 input:
//
//   logit_j = sum_i x_i * w_ij + b_j
//
// and turns the ten scores into probabilities with softmax (the highest score
// gets the highest probability). So the score is a sum of votes: pixel i
// votes x_i * w_ij for digit j. A blank pixel (x_i = 0) does not vote at all;
// an inked one adds its weight w_ij: positive (evidence for j) or negative
// (evidence against j). The bias b_j is the digit's score before any ink.
//
// Laid out as a 28x28 image, digit j's 784 weights w_0j..w_783j are its
// "template": where ink raises the score (positive) or lowers it (negative).
// That is all the model knows; the picture of the ten templates is the
// classic picture of what a softmax classifier learns on MNIST.
//
// `weights` is { kernel, bias } as a model's read() returns it: kernel
// a Float32Array(784 * k), row-major [784][k] (w_ij at kernel[i * k + j]), bias
// a Float32Array(k), for k outputs (10 digits, or 10 and "not a digit").

import { CLASSES, INPUT_SIZE, SIDE } from './model-io.js';

// Digit j's template: its 784 weights, one per pixel, in image order.
export function template(weights, digit, out = new Float32Array(INPUT_SIZE)) {
  const { kernel, bias: { length: k } } = weights;
  for (let i = 0; i < INPUT_SIZE; i++) out[i] = kernel[i * k + digit];
  return out;
}

// Each pixel's vote for `digit`: x_i * w_ij (Float32Array(784)). They add up,
// with the bias, to the digit's logit. 784 multiplies; pass `out` to reuse it.
export function contributions(weights, pixels, digit, out = new Float32Array(INPUT_SIZE)) {
  const { kernel, bias: { length: k } } = weights;
  for (let i = 0; i < INPUT_SIZE; i++) out[i] = pixels[i] * kernel[i * k + digit];
  return out;
}

// The most and second most probable digits, [best, runnerUp]. On a tie the
// lower digit comes first, as the page's prediction picks it.
export function topTwo(probs) {
  let best = -1;
  let second = -1;
  for (let j = 0; j < probs.length; j++) {
    if (best < 0 || probs[j] > probs[best]) {
      second = best;
      best = j;
    } else if (second < 0 || probs[j] > probs[second]) {
      second = j;
    }
  }
  return [best, second];
}

// The largest |value| (0 for none), to scale a picture of signed values.
export function maxAbs(...arrays) {
  let m = 0;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]);
      if (a > m) m = a;
    }
  }
  return m;
}

// A 28x28 picture blurred by a Gaussian of `sigma` px (3 sigma each way; zero
// beyond the edge), to show a template's shape without its pixel-to-pixel noise.
// Display only: the model's weights are never changed.
export function smoothed(values, sigma = 1, out = new Float32Array(INPUT_SIZE)) {
  const radius = Math.ceil(3 * sigma);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const rows = new Float64Array(INPUT_SIZE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) if (x + k >= 0 && x + k < SIDE) sum += taps[k + radius] * values[y * SIDE + x + k];
      rows[y * SIDE + x] = sum / total;
    }
  }
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) if (y + k >= 0 && y + k < SIDE) sum += taps[k + radius] * rows[(y + k) * SIDE + x];
      out[y * SIDE + x] = sum / total;
    }
  }
  return out;
}

// The average input of each digit among examples ({ pixels: Float32Array(n * 784),
// labels }, as parseReplay gives the replay set): what a typical d looks like to the model,
// to show its template over. Ten Float32Array(784); a digit with no example is blank.
export function classMeans({ pixels, labels }, classes = CLASSES) {
  const means = Array.from({ length: classes }, () => new Float32Array(INPUT_SIZE));
  const counts = new Array(classes).fill(0);
  labels.forEach((label, n) => {
    if (label >= classes) return;
    counts[label] += 1;
    const mean = means[label];
    for (let i = 0; i < INPUT_SIZE; i++) mean[i] += pixels[n * INPUT_SIZE + i];
  });
  means.forEach((mean, d) => { if (counts[d]) for (let i = 0; i < INPUT_SIZE; i++) mean[i] /= counts[d]; });
  return means;
}
