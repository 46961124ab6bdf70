// Benchmark variant of web/src/model.js: TF.js as tutorials load it, the full
// tf.min.js as a global `tf`, and the model through tf.loadLayersModel.
// Same API as model.js, so the rest of the page is identical.
/* global tf */
const INPUT_SIZE = 784;

class LayersModel {
  constructor(model) {
    this.model = model;
    this.classes = model.outputs[0].shape[1];
  }

  async predict(pixels, n) {
    const probs = tf.tidy(() => this.model.predict(tf.tensor2d(pixels, [n, INPUT_SIZE])));
    try {
      return await probs.data();
    } finally {
      probs.dispose();
    }
  }

  async read() {
    const [kernel, bias] = this.model.getWeights();
    return { kernel: Float32Array.from(await kernel.data()), bias: Float32Array.from(await bias.data()) };
  }

  withWeights({ kernel, bias, classes }) {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: classes, inputShape: [INPUT_SIZE], activation: 'softmax' })] });
    model.setWeights([tf.tensor2d(kernel, [INPUT_SIZE, classes]), tf.tensor1d(bias)]);
    return new LayersModel(model);
  }

  dispose() {
    this.model.dispose();
  }
}

// early: the responses the page already asked for, by file name (as model.js takes them).
export async function loadModel(baseUrl = 'model/', early = {}) {
  await tf.setBackend('cpu');
  const fetchFunc = (url, init) => (String(url).endsWith('model.json') && early['model.json']) || fetch(url, init);
  const [model, metadata] = await Promise.all([
    tf.loadLayersModel(tf.io.http(`${baseUrl}model.json`, { fetchFunc })),
    (early['metadata.json'] ?? fetch(`${baseUrl}metadata.json`)).then((r) => r.json()),
  ]);
  return { model: new LayersModel(model), metadata, problems: [] };
}
