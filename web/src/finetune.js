// Fine-tuning the softmax model in the browser with TF.js ("teach it").
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

for (const config of [subConfig, multiplyConfig, sumConfig]) registerKernel(config);

const INPUTS = 784;
const CLASSES = 10;

function oneHot(labels) {
  const y = new Float32Array(labels.length * CLASSES);
  labels.forEach((label, i) => { y[i * CLASSES + label] = 1; });
  return y;
}

// A new { kernel, bias, dispose } fitted to the n examples (pixels: n×784,
// labels: n digits, weights: how much each example counts), starting from
// `model`'s weights; `model` is left as is. Full-batch gradient descent: the
// sets here are a few hundred examples. The step size stays below 2/‖x‖²-ish
// (a drawn digit has ~100 ink pixels) so the descent cannot blow up.
export function fineTune(model, pixels, labels, weights, { steps = 100, learningRate = 0.02, l2 = 1e-4 } = {}) {
  const n = labels.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const [kernel, bias] = tidy(() => {
    const x = tensor2d(pixels, [n, INPUTS]);
    const y = tensor2d(oneHot(labels), [n, CLASSES]);
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
  return { kernel, bias, dispose: () => { kernel.dispose(); bias.dispose(); } };
}
