// The fine-tune driver: the page's side of the teaching worker (teach-worker.js).
// It starts the worker, sends it the shipped model's weights and the taught digits,
// and hands back the taught model, off the page's thread. It knows nothing of the DOM.

export class FineTuner {
  worker = null;
  calls = new Map(); // worker requests waiting for their answer, by id
  lastId = 0;
  base = null; // the shipped model's weights, as plain arrays

  // replayUrl: the model's replay set (replay.bin), which each fit mixes in.
  constructor(replayUrl) {
    this.replayUrl = replayUrl;
  }

  // The shipped model's weights as plain arrays, with a fingerprint of them (id):
  // a kept taught model counts only for the shipped model it was taught from.
  async baseWeights(shipped) {
    if (this.base?.model !== shipped) {
      const { kernel, bias } = await shipped.read();
      this.base = { model: shipped, id: fingerprint(kernel, bias), kernel, bias, classes: shipped.classes };
    }
    const { id, kernel, bias, classes } = this.base;
    return { id, kernel, bias, classes };
  }

  // The model taught on `records` from `base` (baseWeights()), as SampleStore.keepTaught
  // keeps it: its weights, how many records it and the shipped model read as taught,
  // and what it was taught from (`signature`: the records').
  async fit(base, records, options, signature) {
    const { kernel, bias, before, after } = await this.inWorker({
      base,
      samples: records.map(({ id, label, strokes }) => ({ id, label, strokes })),
      options,
      replayUrl: this.replayUrl,
    });
    return { model: base.id, samples: signature, count: records.length, before, after,
      kernel, bias, classes: base.classes };
  }

  // Run one fit in the worker (started here if no finished stroke has started it yet).
  inWorker(job) {
    this.start();
    const id = ++this.lastId;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...job });
    });
  }

  // The worker, started once.
  start() {
    if (!this.worker) {
      this.worker = new Worker(new URL('teach-worker.js', import.meta.url), { type: 'module' });
      this.worker.onmessage = ({ data }) => {
        const call = this.calls.get(data.id);
        this.calls.delete(data.id);
        if (data.error) call.reject(new Error(data.error));
        else call.resolve(data);
      };
      this.worker.onerror = (event) => {
        for (const call of this.calls.values()) call.reject(new Error(event.message || 'the teaching worker failed'));
        this.calls.clear();
      };
    }
  }
}

// FNV-1a over the weights' bytes, as hex.
function fingerprint(...arrays) {
  let hash = 0x811c9dc5;
  for (const array of arrays) {
    // An indexed loop: for-of over 35 KB of bytes cost ~30 ms at load on a slow phone.
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  }
  return hash.toString(16);
}
