// The teaching worker: preprocesses the taught drawings and fine-tunes the model
// off the page's thread, so the pad stays smooth while it learns (finetune.js).
// In: { id, base: { kernel, bias, classes }, samples: [{ id, label, strokes }], options
// (preprocessing), replayUrl }. Out: { id, kernel, bias, before, after } (how many
// taught drawings the base and the taught model read right), or { id, error }.
import { classify, parseReplay, teach } from './finetune.js';
import { preprocessStrokes } from './preprocess.js';
import { INPUT_SIZE } from './model-io.js';

let replay = null; // { url, set }: fetched once
const inputs = new Map(); // a taught drawing's model input, by its id and the options (strokes never change)

async function replaySet(url) {
  if (replay?.url !== url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} could not be loaded (HTTP ${response.status})`);
    replay = { url, set: parseReplay(new Uint8Array(await response.arrayBuffer())) };
  }
  return replay.set;
}

const right = (read, labels) => read.filter((digit, i) => digit === labels[i]).length;

self.onmessage = async ({ data: { id, base, samples, options, replayUrl } }) => {
  try {
    const pixels = new Float32Array(samples.length * INPUT_SIZE);
    samples.forEach((sample, i) => {
      const key = `${sample.id} ${JSON.stringify(options)}`;
      if (!inputs.has(key)) inputs.set(key, preprocessStrokes(sample.strokes, options));
      pixels.set(inputs.get(key), i * INPUT_SIZE);
    });
    const labels = samples.map((sample) => sample.label);
    const taught = teach(base, pixels, labels, await replaySet(replayUrl));
    const before = right(classify(base, pixels), labels);
    const after = right(classify(taught, pixels), labels);
    self.postMessage({ id, kernel: taught.kernel, bias: taught.bias, before, after },
      [taught.kernel.buffer, taught.bias.buffer]);
  } catch (error) {
    self.postMessage({ id, error: error.message });
  }
};
