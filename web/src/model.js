// The model side of the page: load the exported TF.js model and predict.
//
// The model is softmax regression: probabilities = softmax(pixels · W + b), with
// W a 784x10 matrix (one 28x28 template per digit) and b ten biases; a model
// that also tells digits from other drawings has an 11th output, "not a
// digit" (784x11, eleven biases). It is loaded from the folder `make export` writes (model.json + weight shards +
// metadata.json), by a URL relative to the page so the site works from any
// sub-path (GitHub Pages) and from the Flask dev server alike.
//
// Why not tfjs-layers and all of TF.js: they rebuild any Keras model with
// any of ~170 kernels, which made up most of the page's download; ours is one
// Dense layer. So this is a custom TF.js build (TF.js docs: "custom bundles"):
// each op and helper from its own module of core (its entries would bring all of
// core along; web/build.mjs does the same for the backend's imports), the CPU
// backend without kernels, and only the kernels of the three ops predict() runs.
// model.json, as the tensorflowjs converter writes it, is read and checked here;
// core's weight loader decodes the weights.
import { add } from '@tensorflow/tfjs-core/dist/ops/add';
import { matMul } from '@tensorflow/tfjs-core/dist/ops/mat_mul';
import { softmax } from '@tensorflow/tfjs-core/dist/ops/softmax';
import { tensor1d } from '@tensorflow/tfjs-core/dist/ops/tensor1d';
import { tensor2d } from '@tensorflow/tfjs-core/dist/ops/tensor2d';
import { registerKernel } from '@tensorflow/tfjs-core/dist/kernel_registry';
import { setBackend, tidy } from '@tensorflow/tfjs-core/dist/globals';
// The weight loader alone: the tf.io namespace would bring every IO handler along
// (IndexedDB, localStorage, files, http: ~2 KB gzipped the page never runs).
import { weightsLoaderFactory } from '@tensorflow/tfjs-core/dist/io/weights_loader';
import './tfjs-core-setup.js'; // engine, flags, browser platform
import '@tensorflow/tfjs-backend-cpu/dist/base'; // the CPU backend, no kernels yet
import { addConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Add';
import { batchMatMulConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/BatchMatMul';
import { softmaxConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Softmax';
import { INPUT_SIZE, OUTPUTS } from './model-io.js';

// One kernel per op in predict(). An op without its kernel fails with
// "Kernel '…' not registered for backend 'cpu'": add the kernel here then.
for (const config of [batchMatMulConfig, addConfig, softmaxConfig]) registerKernel(config);

// `early`: responses already asked for, by file name (fetched once, so used once).
async function fetchOk(url, early) {
  const response = await (early ?? fetch(url));
  if (!response.ok) throw new Error(`${url} could not be loaded (HTTP ${response.status})`);
  return response;
}

async function fetchJson(url, early) {
  const response = await fetchOk(url, early);
  try {
    return await response.json();
  } catch {
    throw new Error(`${url} is not valid JSON`);
  }
}

const shapeText = (shape) => `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
const sameShape = (a, b) => Array.isArray(a) && a.length === b.length && a.every((d, i) => d === b[i]);

// Check that model.json is what `python -m digitpad export` writes (the
// tensorflowjs converter on our tf_keras model): a Sequential of an InputLayer
// of 784 pixels and one Dense(10 or 11, softmax) layer. Anything else would be
// computed wrongly by predict(), so say what differs instead. Returns the
// two weight specs and the number of outputs.
function checkModelJson(json) {
  if (json?.format !== 'layers-model') throw new Error(`model.json has format ${json?.format}, expected layers-model`);
  const topology = json.modelTopology?.model_config;
  const layers = topology?.config?.layers;
  if (topology?.class_name !== 'Sequential' || !Array.isArray(layers)) {
    throw new Error('model.json has no Sequential model (modelTopology.model_config), as `python -m digitpad export` writes');
  }
  const [input, dense] = layers;
  if (layers.length !== 2 || input.class_name !== 'InputLayer' || dense.class_name !== 'Dense') {
    throw new Error(`the model has layers ${layers.map((l) => l.class_name).join(', ')}, expected InputLayer, Dense`);
  }
  const { units, activation, use_bias: useBias } = dense.config;
  if (!OUTPUTS.includes(units) || activation !== 'softmax' || useBias === false) {
    throw new Error(`the Dense layer has ${units} units, ${activation} activation, ${useBias === false ? 'no ' : ''}bias; `
      + `expected ${OUTPUTS.join(' or ')} units, softmax, bias`);
  }
  const inputShape = input.config.batch_input_shape;
  if (!sameShape(inputShape, [null, INPUT_SIZE])) {
    throw new Error(`the model has input shape ${inputShape ? shapeText(inputShape) : 'unknown (no batch_input_shape)'}, `
      + `expected ${shapeText([null, INPUT_SIZE])}`);
  }

  const specs = (json.weightsManifest ?? []).flatMap((group) => group.weights);
  const expected = { kernel: [INPUT_SIZE, units], bias: [units] };
  const found = {};
  for (const [role, shape] of Object.entries(expected)) {
    const spec = specs.find((w) => w.name.split('/').pop() === role);
    if (!spec) throw new Error(`model.json lists no ${role} weights`);
    if (spec.quantization && !Object.keys(QUANTIZED_BYTES).includes(spec.quantization.dtype)) {
      throw new Error(`the ${role} weights are quantized as ${spec.quantization.dtype}, `
        + `expected ${Object.keys(QUANTIZED_BYTES).join(' or ')} (or none)`);
    }
    if (spec.dtype !== 'float32' || !sameShape(spec.shape, shape)) {
      throw new Error(`the ${role} weights are ${spec.dtype} ${shapeText(spec.shape)}, expected float32 ${shapeText(shape)}`);
    }
    found[role] = spec;
  }
  if (specs.length !== 2) throw new Error(`model.json lists ${specs.length} weights, expected 2 (kernel and bias)`);
  return { ...found, units };
}

// Fetch the weight shards for core's weight loader. It would fail on a short
// (truncated) file with a puzzling tensor-size error and take a too long one
// silently, so compare the bytes with what model.json lists first.
function shardFetcher(expectedBytes, baseUrl, early) {
  return async (urls) => {
    const fetched = (url) => fetchOk(url, url.startsWith(baseUrl) ? early[url.slice(baseUrl.length)] : undefined);
    const buffers = await Promise.all(urls.map(async (url) => (await fetched(url)).arrayBuffer()));
    const bytes = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
    if (bytes !== expectedBytes) {
      throw new Error(`the weights in ${urls.join(' + ')} are ${bytes} bytes, but model.json lists ${expectedBytes}: `
        + (bytes < expectedBytes ? 'the file is truncated' : 'not the file model.json was written with'));
    }
    return buffers;
  };
}

// Export can store the weights quantized (`python -m digitpad export
// --quantization uint8|float16`): each value in 1 or 2 bytes instead of 4,
// turned back into float32 when loaded.
const QUANTIZED_BYTES = { uint8: 1, float16: 2 };

function storedBytes(spec) {
  const values = spec.shape.reduce((a, b) => a * b, 1);
  return values * (spec.quantization ? QUANTIZED_BYTES[spec.quantization.dtype] : 4);
}

// early: responses already asked for, by file name (as loadModel takes them).
async function loadWeights(baseUrl, early) {
  const json = await fetchJson(`${baseUrl}model.json`, early['model.json']);
  const { kernel: kernelSpec, bias: biasSpec, units } = checkModelJson(json);
  const bytes = storedBytes(kernelSpec) + storedBytes(biasSpec);
  // Decodes the shards by model.json's manifest into one tensor per weight.
  const named = await weightsLoaderFactory(shardFetcher(bytes, baseUrl, early))(json.weightsManifest, baseUrl);
  return new SoftmaxModel(named[kernelSpec.name], named[biasSpec.name], units);
}

// A loaded model: its two weight tensors and what the page does with them. The
// rest of the page reaches TF.js only through these methods, so this module
// (and TF.js with it) loads apart from the page's first script.
class SoftmaxModel {
  constructor(kernel, bias, classes) {
    this.kernel = kernel;
    this.bias = bias;
    this.classes = classes;
  }

  // Probabilities for n inputs at once (n x 784, row-major) -> n x classes, row-major.
  // tidy() frees the intermediate tensors; the result is freed once read.
  // Read back with the async data(): it never blocks the page while drawing.
  async predict(pixels, n) {
    const probs = tidy(() => softmax(add(matMul(tensor2d(pixels, [n, INPUT_SIZE]), this.kernel), this.bias)));
    try {
      return await probs.data();
    } finally {
      probs.dispose();
    }
  }

  // The weights as plain arrays, for the "Why this digit?" pictures (explain.js)
  // and for teaching: kernel a Float32Array(784 * classes), row-major
  // [784][classes] (pixel i's weight for class j at i * classes + j), bias a
  // Float32Array(classes). Copies: the CPU backend's data() hands out its own
  // storage, which must not be written to.
  async read() {
    const [kernel, bias] = await Promise.all([this.kernel.data(), this.bias.data()]);
    return { kernel: Float32Array.from(kernel), bias: Float32Array.from(bias) };
  }

  // A model of this kind from plain weights ({ kernel, bias, classes }, as read()
  // gives them): a model taught on this device.
  withWeights({ kernel, bias, classes }) {
    return new SoftmaxModel(tensor2d(kernel, [INPUT_SIZE, classes]), tensor1d(bias), classes);
  }

  dispose() {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

// metadata.classes, when present (the class names, or their count), must
// describe the same outputs as the weights.
function checkClasses(metadata, classes) {
  const named = metadata.classes;
  const count = Array.isArray(named) ? named.length : named;
  if (named !== undefined && count !== classes) {
    throw new Error(`metadata.json names ${count} classes, but the model has ${classes} outputs`);
  }
}

// What the page needs of metadata.json, each field checked on its own: the valid
// ones are kept, the others dropped and named in `problems`. Without its
// preprocessing the page assumes the trainer's standard one (deskew, size).
const isNumber = (x, low = -Infinity, high = Infinity) => typeof x === 'number' && x >= low && x <= high;
const isMatrix = (m) => Array.isArray(m) && m.length > 0 && m.every((r) => Array.isArray(r) && r.every((v) => isNumber(v, 0)));
const FIELDS = {
  test_accuracy: (x) => isNumber(x, 0, 1),
  per_class_accuracy: (x) => Array.isArray(x) && x.every((v) => isNumber(v, 0, 1)),
  confusion_matrix: isMatrix,
  preprocess: (x) => x && typeof x === 'object' && typeof x.deskew === 'boolean' && typeof x.normalize_size === 'boolean',
  verdict: (x) => x && typeof x === 'object'
    && (x.unsure_margin === undefined || isNumber(x.unsure_margin, 0, 1))
    && (x.max_turns === undefined || isNumber(x.max_turns, 0)),
  heldout_pen: (x) => x && typeof x === 'object' && Array.isArray(x.writers) && isNumber(x.accuracy, 0, 1)
    && isNumber(x.samples, 1) && isMatrix(x.confusion_matrix),
  trained_on: (x) => x && typeof x === 'object' && isNumber(x.mnist_train ?? 0, 0)
    && (x.pen_digits === undefined || (isNumber(x.pen_digits, 0) && Array.isArray(x.pen_writers) && isNumber(x.pen_renderings, 0))),
  classes: (x) => isNumber(x, 1) || (Array.isArray(x) && x.length > 0),
};
const STANDARD_PREPROCESS = { deskew: true, normalize_size: true };

function readMetadata(value) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { metadata: { preprocess: STANDARD_PREPROCESS }, problems: ['metadata.json holds no fields'] };
  }
  const metadata = {};
  const problems = [];
  for (const [name, valid] of Object.entries(FIELDS)) {
    if (value[name] === undefined && name !== 'preprocess' && name !== 'test_accuracy') continue; // optional
    if (valid(value[name])) metadata[name] = value[name];
    else problems.push(`${name} ${value[name] === undefined ? 'is missing' : 'is not valid'}`);
  }
  metadata.preprocess ??= STANDARD_PREPROCESS;
  return { metadata, problems };
}

// Load model and metadata; rejects with an Error whose message says, in words,
// what failed (missing file, bad JSON, truncated weights, wrong shapes). Metadata
// that is missing or partly wrong does not stop a good model: `problems` names it.
// model.classes: 10 (the digits) or 11 (the digits, then "not a digit").
// early: { 'model.json': fetch(...), 'metadata.json': fetch(...), '<shard>': fetch(...) }
// when the page has already asked for them (any may be left out; each is used once).
export async function loadModel(baseUrl = 'model/', early = {}) {
  // The CPU backend: for a few thousand weights it is faster to start than WebGL.
  await setBackend('cpu');
  const [model, fetched] = await Promise.allSettled([
    loadWeights(baseUrl, early),
    fetchJson(`${baseUrl}metadata.json`, early['metadata.json']),
  ]);
  const { metadata, problems } = fetched.status === 'fulfilled' ? readMetadata(fetched.value)
    : { metadata: { preprocess: STANDARD_PREPROCESS }, problems: [fetched.reason.message] };
  try {
    if (model.status === 'rejected') throw model.reason;
    checkClasses(metadata, model.value.classes);
  } catch (error) {
    if (model.status === 'fulfilled') model.value.dispose(); // no weights left behind
    throw new Error(`the model in ${baseUrl} could not be loaded: ${error.message}`);
  }
  return { model: model.value, metadata, problems };
}
