// Teach it: the digits the user corrected, kept on this device (IndexedDB),
// and a model fine-tuned on them. Nothing leaves the browser; the samples can
// be downloaded as a file that `make train EXTRA=file` adds to training.
import { fineTune } from './finetune.js';

const DB = 'digitpad';
const STORE = 'samples';
// A taught digit counts as much as this many replayed MNIST ones: the user's
// handwriting should win on their digits, the replay set keeps the rest.
const TAUGHT_WEIGHT = 8;

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request?.result);
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export const samples = {
  add: (label, strokes) => withStore('readwrite', (s) => s.add({ label, strokes, created: Date.now() })),
  all: () => withStore('readonly', (s) => s.getAll()),
  clear: () => withStore('readwrite', (s) => s.clear()),
};

// The MNIST digits shipped beside the model (784 uint8 pixels + label each).
let replay = null;
async function replaySet(baseUrl) {
  if (!replay) {
    const response = await fetch(`${baseUrl}replay.bin`);
    if (!response.ok) throw new Error(`${baseUrl}replay.bin could not be loaded (HTTP ${response.status})`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const n = bytes.length / 785;
    const pixels = new Float32Array(n * 784);
    const labels = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 784; j++) pixels[i * 784 + j] = bytes[i * 785 + j] / 255;
      labels.push(bytes[i * 785 + 784]);
    }
    replay = { pixels, labels };
  }
  return replay;
}

// A model fine-tuned from `base` on the taught samples (already preprocessed:
// `inputs` n×784) mixed with the replay set.
export async function teach(base, inputs, labels, baseUrl = 'model/') {
  const mnist = await replaySet(baseUrl);
  const pixels = new Float32Array(inputs.length + mnist.pixels.length);
  pixels.set(inputs);
  pixels.set(mnist.pixels, inputs.length);
  const weights = [...labels.map(() => TAUGHT_WEIGHT), ...mnist.labels.map(() => 1)];
  return fineTune(base, pixels, [...labels, ...mnist.labels], weights);
}

// The samples as the file `make train EXTRA=...` reads (the pen digits' form).
export function samplesFile(list) {
  const rows = list.map(({ label, strokes }) => ({ label, writer: 'you', strokes }));
  return new Blob([JSON.stringify(rows)], { type: 'application/json' });
}
