// The model side of the page: load the exported TF.js model and predict.
//
// The model is softmax regression: probabilities = softmax(pixels · W + b), with
// W a 784x10 matrix (one 28x28 template per digit) and b ten biases. It is
// loaded from the folder `make export` writes (model.json + weight shards +
// metadata.json), by a URL relative to the page so the site works from any
// sub-path (GitHub Pages) and from the Flask dev server alike.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel } from '@tensorflow/tfjs-layers';

export const INPUT_SIZE = 784;
export const CLASSES = 10;

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} could not be loaded (HTTP ${response.status})`);
  try {
    return await response.json();
  } catch {
    throw new Error(`${url} is not valid JSON`);
  }
}

// Load model and metadata; rejects with an Error whose message says, in words,
// what failed (missing file, bad JSON, truncated weights, wrong shapes).
export async function loadModel(baseUrl = 'model/') {
  // The CPU backend: for 7,850 weights it is faster to start than WebGL.
  await tf.setBackend('cpu');
  const [model, metadata] = await Promise.all([
    loadLayersModel(`${baseUrl}model.json`).catch((error) => {
      throw new Error(`the model in ${baseUrl} could not be loaded: ${error.message}`);
    }),
    fetchJson(`${baseUrl}metadata.json`),
  ]);
  const inputShape = model.inputs[0].shape;
  const outputShape = model.outputs[0].shape;
  if (inputShape[1] !== INPUT_SIZE || outputShape[1] !== CLASSES) {
    model.dispose();
    throw new Error(`the model has shape [${inputShape}] -> [${outputShape}], expected [null,${INPUT_SIZE}] -> [null,${CLASSES}]`);
  }
  return { model, metadata };
}

// Probabilities (Float32Array of 10) for one 28x28 input (784 floats in [0, 1]).
export function predict(model, pixels) {
  return predictBatch(model, pixels, 1);
}

// Probabilities for n inputs at once (n x 784, row-major) -> n x 10, row-major.
// Read back with the async data(): it never blocks the page while drawing.
export async function predictBatch(model, pixels, n) {
  const probs = tf.tidy(() => model.predict(tf.tensor2d(pixels, [n, INPUT_SIZE])));
  try {
    return await probs.data();
  } finally {
    probs.dispose();
  }
}
