// Teach it: tap the right digit for the drawing on the pad (or for the digit
// selected in a number). The correction is kept on this device (samples.js);
// a Web Worker fine-tunes the shipped model on all of them (teach-worker.js),
// off the page's thread, and the taught model is kept too, so a later visit
// starts with it instead of fitting again. "My digits" lists them: remove one,
// undo the last change (a tap, a removal, or forgetting them all), download.
import { size } from './answer.js';
import { SampleStore, samplesFile } from './samples.js';
import { groupBounds } from './segment.js';
import { nextTask } from './next-task.js';

const $ = (selector) => document.querySelector(selector);
const THUMB = 40; // css px of a listed drawing

// What a fit achieved, in words: of the `count` taught digits, how many the taught model
// reads as taught (`after`) and the shipped one did (`before`). Not "learned" when it
// still reads a digit otherwise: one example may not outweigh thousands.
export function learnedText({ count, after, before }) {
  if (count === 1) {
    return after === 1 ? 'Learned: it now reads your digit as you taught it.'
      : 'Not learned yet: it still reads your digit otherwise. Teach it a few more like it.';
  }
  const shipped = `as shipped, it read ${before}.`;
  if (after === count) return `Learned: it now reads ${count === 2 ? 'both' : `all ${count}`} of your digits as you taught them; ${shipped}`;
  return `It now reads ${after} of your ${count} digits as you taught them; ${shipped} `
    + 'Teach it a few more like the ones it misreads.';
}

// The status line after a fit: `message` if any, else what was learned (taught: the fit's
// counts, or null: the shipped model answers); then whether the `count` digits are kept
// (why: why not, '') and which kept records were skipped (why each).
export function reportText({ message = '', taught = null, count, why = '', skipped = [] }) {
  const parts = [message || (taught ? learnedText(taught) : 'Your corrections stay on this device.')];
  const one = count === 1;
  if (why && count) parts.push(`Your digit${one ? ' lasts' : 's last'} until you leave: ${why}.`);
  else if (taught) parts.push(`Your digit${one ? ' stays' : 's stay'} on this device.`);
  if (skipped.length) {
    parts.push(`${skipped.length} kept digit${skipped.length === 1 ? '' : 's'} could not be read and `
      + `${skipped.length === 1 ? 'was' : 'were'} skipped (${skipped[0]}).`);
  }
  return parts.join(' ');
}

export class TeachPanel {
  // pad: where the digit to teach is drawn; recognizer: whose model is taught.
  constructor(pad, recognizer) {
    this.pad = pad;
    this.recognizer = recognizer;
    this.store = new SampleStore();
    this.undos = []; // how to undo each change, newest last
    this.fitting = null; // the fit under way, if any
    this.tapped = null; // when the tap being answered happened
    this.again = false; // the samples changed while fitting: fit once more
    this.worker = null;
    this.calls = new Map(); // worker requests waiting for their answer, by id
    this.base = null; // the shipped model's weights, as plain arrays
    // Settled once restore() has read what earlier visits kept: a change waits for it, or
    // a digit taught the moment the model is ready would be kept in memory only.
    this.read = new Promise((resolve) => { this.readDone = resolve; });
    this.status = $('[data-testid=teach-status]');
    this.list = $('[data-testid=teach-list]');
    this.items = new Map(); // the list's items, by record id and label
    this.list.closest('details').addEventListener('toggle', () => this.render());
    // A digit is drawn before it is taught: the worker starts once the first stroke is
    // done and the page is idle, so the first tap does not also wait for it to start.
    pad.canvas.addEventListener('pointerup', () => (window.requestIdleCallback ?? setTimeout)(() => this.startWorker()),
      { once: true });
    this.buttons = { undo: $('[data-testid=teach-undo]'), download: $('[data-testid=teach-download]'),
      reset: $('[data-testid=teach-reset]') };
    for (let digit = 0; digit < 10; digit++) {
      $(`[data-testid=teach-${digit}]`).addEventListener('click', () => this.add(digit));
    }
    this.buttons.undo.addEventListener('click', () => this.undo());
    this.buttons.reset.addEventListener('click', () => this.forget());
    this.buttons.download.addEventListener('click', () => this.download());
    this.list.addEventListener('click', (event) => {
      const id = event.target.closest('[data-id]')?.dataset.id;
      if (id !== undefined) this.change(() => this.store.remove([Number(id)]));
    });
    this.render();
  }

  async add(digit) {
    if (!this.recognizer.shipped || this.pad.isEmpty) {
      this.say('Draw a digit first, then tap what it should be.');
      return;
    }
    this.tapped = performance.now();
    // With a number on the pad, the correction is for the selected digit only.
    const strokes = this.recognizer.selectedStrokes(this.pad.strokes).map((stroke) => stroke.map(([x, y]) => [x, y]));
    await this.change(() => this.store.add(digit, strokes));
    this.answered(); // if no taught model answered (an error), the tap ends here
  }

  // The tap to the taught model answering, for `make bench` (the taught model is
  // still being written to the device then).
  answered() {
    if (this.tapped === null) return;
    performance.measure('digitpad-teach', { start: this.tapped });
    this.tapped = null;
  }

  forget() {
    const { records } = this.store;
    if (records.length === 0) return undefined;
    return this.change(() => this.store.remove(records.map((r) => r.id)),
      `Forgot your ${records.length === 1 ? 'digit: Undo brings it back.' : `${records.length} digits: Undo brings them back.`}`);
  }

  async undo() {
    const undo = this.undos.pop();
    if (!undo) return;
    await undo();
    await this.refit();
  }

  // Make a change to the samples (a function returning how to undo it), then refit.
  async change(make, message = '') {
    await this.read;
    try {
      this.undos.push(await make());
    } catch (error) {
      this.say(error.message);
      return;
    }
    await this.refit(message);
  }

  // At start: the digits kept on earlier visits, and the model taught on them if it
  // is still current (the same digits, the same shipped model); else fit again.
  async restore() {
    // Yielding between steps keeps each of load's tasks short on a slow phone.
    const taught = await this.store.load();
    this.readDone();
    await nextTask();
    const base = await this.baseWeights();
    await nextTask();
    const current = taught && taught.model === base.id && taught.samples === this.store.signature;
    if (current) {
      await this.recognizer.use(this.recognizer.shipped.withWeights(taught));
      await nextTask();
      this.report(taught);
    } else if (this.store.records.length > 0 || taught) {
      await this.refit();
    } else {
      this.render();
    }
  }

  async download() {
    if (this.store.records.length === 0) return;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(samplesFile(this.store.records));
    link.download = 'digitpad-samples.json'; // for `make train EXTRA=digitpad-samples.json`
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  // Fit for the current samples; taps during a fit are batched into one more fit.
  refit(message = '') {
    this.render();
    this.say(this.store.records.length ? 'Learning from your digits…' : message || 'Back to the shipped model…');
    this.message = message;
    if (this.fitting) {
      this.again = true;
      return this.fitting;
    }
    this.fitting = (async () => {
      do {
        this.again = false;
        await this.fit();
      } while (this.again);
      this.fitting = null;
    })();
    return this.fitting;
  }

  async fit() {
    const { recognizer, store } = this;
    const records = store.records.slice();
    const signature = store.signature;
    if (records.length === 0) {
      await store.keepTaught(null);
      await recognizer.use(recognizer.shipped);
      this.report(null);
      return;
    }
    const base = await this.baseWeights();
    performance.mark('digitpad-teach-fit'); // a fit started: tests and `make bench` count them
    try {
      const { kernel, bias, before, after } = await this.inWorker({
        base,
        samples: records.map(({ id, label, strokes }) => ({ id, label, strokes })),
        options: recognizer.options,
        replayUrl: new URL('model/replay.bin', document.baseURI).href,
      });
      const taught = { model: base.id, samples: signature, count: records.length, before, after,
        kernel, bias, classes: base.classes };
      // It answers first, then is kept (kept or not: it answers). Each step in a task of its
      // own: the worker's reply, answering, the status and list, and copying the weights into
      // IndexedDB together made one long task on a slow phone.
      await nextTask();
      if (!this.again) {
        await recognizer.use(recognizer.shipped.withWeights(taught));
        this.answered();
        await nextTask();
        this.report(taught);
      }
      await nextTask();
      await store.keepTaught(taught).catch(() => {}); // before a later fit's: the newest is kept last
    } catch (error) { // e.g. a model exported without its replay set
      this.say(`Your digits are kept, but the model could not learn from them: ${error.message}`);
      this.status.dataset.samples = String(records.length);
    }
  }

  // The shipped model's weights as plain arrays, with a fingerprint of them (id):
  // a kept taught model counts only for the shipped model it was taught from.
  async baseWeights() {
    if (this.base?.model !== this.recognizer.shipped) {
      const { kernel, bias } = await this.recognizer.shipped.read();
      this.base = { model: this.recognizer.shipped, id: fingerprint(kernel, bias), kernel, bias,
        classes: this.recognizer.shipped.classes };
    }
    const { id, kernel, bias, classes } = this.base;
    return { id, kernel, bias, classes };
  }

  // Run one fit in the worker (started here if no finished stroke has started it yet).
  inWorker(job) {
    this.startWorker();
    const id = (this.lastId = (this.lastId ?? 0) + 1);
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...job });
    });
  }

  // The worker, started once.
  startWorker() {
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

  // The status line after a fit (taught: what it was taught, or null: none).
  report(taught) {
    const { store } = this;
    this.say(reportText({ message: this.message, taught, count: store.records.length, why: store.why,
      skipped: store.skipped }));
    this.message = '';
    this.render();
    this.status.dataset.samples = String(store.records.length);
  }

  say(text) {
    this.status.textContent = text;
  }

  // The list of taught digits and which buttons can act.
  render() {
    const { records } = this.store;
    $('[data-testid=teach-count]').textContent = String(records.length);
    this.buttons.download.disabled = records.length === 0;
    this.buttons.reset.disabled = records.length === 0;
    this.buttons.undo.disabled = this.undos.length === 0;
    // One list item per record, made once and reused; its picture drawn once the
    // list is open: neither a tap nor a page load with many digits draws them all.
    const items = records.map((record) => {
      const key = `${record.id} ${record.label}`;
      if (!this.items.has(key)) this.items.set(key, listItem(record));
      return this.items.get(key);
    });
    if (this.list.closest('details').open) {
      const ink = getComputedStyle(this.list).color;
      for (const item of items) {
        if (item.strokes) drawThumbnail(item.querySelector('canvas'), item.strokes, ink);
        item.strokes = null;
      }
    }
    const shown = new Set(items);
    for (const [key, item] of this.items) if (!shown.has(item)) this.items.delete(key);
    if (items.length !== this.list.children.length || items.some((item, i) => this.list.children[i] !== item)) {
      this.list.replaceChildren(...items);
    }
  }
}

// A taught digit in the list: its drawing, its label, a button to remove it.
function listItem(record) {
  const item = document.createElement('li');
  item.dataset.testid = 'taught';
  item.strokes = record.strokes; // still to draw
  const picture = document.createElement('canvas');
  picture.width = picture.height = THUMB * devicePixelRatio;
  picture.setAttribute('aria-hidden', 'true');
  const label = document.createElement('span');
  label.textContent = String(record.label);
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.dataset.id = String(record.id);
  remove.dataset.testid = 'taught-remove';
  remove.setAttribute('aria-label', `Remove this ${record.label}`);
  remove.textContent = '×';
  item.append(picture, label, remove);
  return item;
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

// A drawing fitted into a small square canvas.
function drawThumbnail(canvas, strokes, ink) {
  const g = canvas.getContext('2d');
  const box = groupBounds(strokes);
  const pen = canvas.width / 12;
  const scale = (canvas.width - 2 * pen) / Math.max(size(box), 1);
  const dx = (canvas.width - (box.x1 - box.x0) * scale) / 2;
  const dy = (canvas.height - (box.y1 - box.y0) * scale) / 2;
  const at = ([x, y]) => [(x - box.x0) * scale + dx, (y - box.y0) * scale + dy];
  g.strokeStyle = g.fillStyle = ink;
  g.lineWidth = pen;
  g.lineCap = g.lineJoin = 'round';
  for (const stroke of strokes) {
    g.beginPath();
    stroke.forEach((point, i) => g[i ? 'lineTo' : 'moveTo'](...at(point)));
    if (stroke.length === 1) g.arc(...at(stroke[0]), pen / 2, 0, 2 * Math.PI);
    g.stroke();
  }
}
