// Fine-tuning the softmax model in the browser with TF.js ("teach it"): on the
// user's digits mixed with MNIST digits shipped beside the model (replay.bin),
// so it learns their handwriting without forgetting the rest.
//
// For softmax regression the gradient of the cross-entropy has a closed form,
// so no automatic differentiation is needed: with P = softmax(X·W + b) and Y
// the one-hot labels of n examples,
//   dLoss/dW = Xᵀ·(P − Y) / n + λ·W        dLoss/db = Σ_rows (P − Y) / n
// and each step moves W and b a little against their gradient. Only three more
// CPU kernels than prediction needs: Sub, Multiply and Sum.
import {
  add, matMul, mul, registerKernel, scalar, softmax, sub, sum, tensor2d, tidy,
} from '@tensorflow/tfjs-core/dist/base';
import { subConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Sub';
import { multiplyConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Multiply';
import { sumConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Sum';
import { INPUT_SIZE } from './shape.js';

for (const config of [subConfig, multiplyConfig, sumConfig]) registerKernel(config);

// A taught digit counts as much as this many replayed examples: the user's
// handwriting should win on their digits (at 8, the 11-output model kept misreading
// a corrected digit), the replay set keeps the rest. Any weight is stable: the
// weights are normalised, so the step bound below holds.
const TAUGHT_WEIGHT = 16;

// The MNIST digits shipped beside the model (784 uint8 pixels + label each).
let replay = null;
async function replaySet(baseUrl) {
  if (!replay) {
    const response = await fetch(`${baseUrl}replay.bin`);
    if (!response.ok) throw new Error(`${baseUrl}replay.bin could not be loaded (HTTP ${response.status})`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const n = bytes.length / (INPUT_SIZE + 1);
    const pixels = new Float32Array(n * INPUT_SIZE);
    const labels = [];
    for (let i = 0; i < n; i++) {
      const record = bytes.subarray(i * (INPUT_SIZE + 1), (i + 1) * (INPUT_SIZE + 1));
      for (let j = 0; j < INPUT_SIZE; j++) pixels[i * INPUT_SIZE + j] = record[j] / 255;
      labels.push(record[INPUT_SIZE]);
    }
    replay = { pixels, labels };
  }
  return replay;
}

// A model fine-tuned from `base` on the taught samples (already preprocessed:
// `inputs` n x 784) mixed with the replay set.
export async function teach(base, inputs, labels, baseUrl = 'model/') {
  const mnist = await replaySet(baseUrl);
  const pixels = new Float32Array(inputs.length + mnist.pixels.length);
  pixels.set(inputs);
  pixels.set(mnist.pixels, inputs.length);
  const weights = [...labels.map(() => TAUGHT_WEIGHT), ...mnist.labels.map(() => 1)];
  return fineTune(base, pixels, [...labels, ...mnist.labels], weights);
}

function oneHot(labels, classes) {
  const y = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => { y[i * classes + label] = 1; });
  return y;
}

// A new { kernel, bias, dispose } fitted to the n examples (pixels: n×784,
// labels: n digits, weights: how much each example counts), starting from
// `model`'s weights; `model` is left as is. Full-batch gradient descent: the
// sets here are a few hundred examples. The step size stays below 2/‖x‖²-ish
// (a drawn digit has ~100 ink pixels) so the descent cannot blow up.
function fineTune(model, pixels, labels, weights, { steps = 100, learningRate = 0.02, l2 = 1e-4 } = {}) {
  const n = labels.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const [kernel, bias] = tidy(() => {
    const x = tensor2d(pixels, [n, INPUT_SIZE]);
    const y = tensor2d(oneHot(labels, model.classes), [n, model.classes]);
    const share = tensor2d(Float32Array.from(weights, (w) => w / total), [n, 1]);
    const rate = scalar(learningRate);
    let w = model.kernel;
    let b = model.bias;
    for (let step = 0; step < steps; step++) {
      const error = mul(sub(softmax(add(matMul(x, w), b)), y), share); // (P − Y), weighted
      const gradW = add(matMul(x, error, true, false), mul(w, scalar(l2)));
      const gradB = sum(error, 0);
      w = sub(w, mul(gradW, rate));
      b = sub(b, mul(gradB, rate));
    }
    return [w, b];
  });
  return { kernel, bias, classes: model.classes, dispose: () => { kernel.dispose(); bias.dispose(); } };
}
