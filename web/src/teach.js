// Teach it: tap the right digit for the drawing on the pad (or for the digit
// selected in a number). The correction is kept on this device (samples.js);
// a Web Worker fine-tunes the shipped model on all of them (teach-driver.js), off
// the page's thread, and the taught model is kept too, so a later visit starts
// with it instead of fitting again. This file holds the panel's taps, Undo,
// Forget and Download, and its status line; "My digits" lists them (taught-list.js).
import { FineTuner } from './teach-driver.js';
import { nextTask } from './next-task.js';
import { SampleStore, samplesFile, taughtProblem } from './samples.js';
import { TaughtList } from './taught-list.js';

const $ = (selector) => document.querySelector(selector);

// What a fit achieved, in words: of the `count` taught digits, how many the taught model
// reads as taught (`after`) and the shipped one did (`before`). Not "learned" when it
// still reads a digit otherwise: one example may not outweigh thousands.
export function learnedText({ count, after, before }) {
  if (count === 1) {
    return after === 1 ? 'Learned: it now reads your digit as you taught it.'
      : 'Not learned yet: it still reads your digit otherwise. Teach it a few more like it.';
  }
  // Not "as shipped, it read 2": that read as if the model had seen a 2.
  const shipped = `before teaching, it read ${before === 0 ? 'none' : before} of them that way.`;
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
    this.tuner = new FineTuner(new URL('model/replay.bin', document.baseURI).href);
    this.undos = []; // how to undo each change, newest last
    this.fitting = null; // the fit under way, if any
    this.again = false; // the samples changed while fitting: fit once more
    // Settled once restore() has read what earlier visits kept: a change waits for it, or
    // a digit taught the moment the model is ready would be kept in memory only.
    this.read = new Promise((resolve) => { this.readDone = resolve; });
    this.status = $('[data-testid=teach-status]');
    this.list = new TaughtList(this.store, (id) => this.change(() => this.store.remove([id])));
    this.list.details.addEventListener('toggle', () => this.render());
    // A digit is drawn before it is taught: the worker starts once the first stroke is
    // done and the page is idle, so the first tap does not also wait for it to start.
    pad.canvas.addEventListener('pointerup', () => (window.requestIdleCallback ?? setTimeout)(() => this.tuner.start()),
      { once: true });
    this.buttons = { undo: $('[data-testid=teach-undo]'), download: $('[data-testid=teach-download]'),
      reset: $('[data-testid=teach-reset]') };
    for (let digit = 0; digit < 10; digit++) {
      $(`[data-testid=teach-${digit}]`).addEventListener('click', () => this.add(digit));
    }
    this.buttons.undo.addEventListener('click', () => this.undo());
    this.buttons.reset.addEventListener('click', () => this.forget());
    this.buttons.download.addEventListener('click', () => this.download());
    this.render();
  }

  // A tap on `digit`: teach it the drawing (resolves once its fit is done), or say
  // what to do first (returns nothing: measure.js times only taps that teach).
  add(digit) {
    if (!this.recognizer.shipped || this.pad.isEmpty) {
      this.say('Draw a digit first, then choose what it should be.');
      return undefined;
    }
    // With a number on the pad, the correction is for the selected digit only.
    const strokes = this.recognizer.selectedStrokes(this.pad.strokes).map((stroke) => stroke.map(([x, y]) => [x, y]));
    // Any drawing may be taught as any digit, but not without a word when the model saw none.
    const { answer } = this.recognizer;
    const doubt = answer.verdict === 'not-a-digit' || answer.digits[answer.selected]?.verdict === 'not-a-digit'
      ? `That did not look like a digit, but it is kept as ${digit === 8 ? 'an' : 'a'} ${digit}: Undo teaching if it should not be.` : '';
    return this.change(() => this.store.add(digit, strokes), doubt);
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
    const base = await this.tuner.baseWeights(this.recognizer.shipped);
    await nextTask();
    const wrong = taught && taughtProblem(taught, this.recognizer.shipped.classes);
    const current = taught && !wrong && taught.model === base.id && taught.samples === this.store.signature;
    if (current) {
      await this.recognizer.use(this.recognizer.shipped.withWeights(taught));
      await nextTask();
      this.report(taught);
    } else if (this.store.records.length > 0 || taught) {
      // A damaged taught model is set aside (the refit replaces it); the digits stay.
      await this.refit(wrong ? `The model taught on an earlier visit was damaged (${wrong}), so it was set aside.` : '');
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
    const base = await this.tuner.baseWeights(recognizer.shipped);
    try {
      const taught = await this.tuner.fit(base, records, recognizer.options, signature);
      // It answers first, then is kept (kept or not: it answers). Each step in a task of its
      // own: the worker's reply, answering, the status and list, and copying the weights into
      // IndexedDB together made one long task on a slow phone.
      await nextTask();
      if (!this.again) {
        await this.answerWith(taught);
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

  // The model just taught answers from now on (a step of its own: measure.js times a tap to here).
  answerWith(taught) {
    return this.recognizer.use(this.recognizer.shipped.withWeights(taught));
  }

  // The status line after a fit (taught: what it was taught, or null: none).
  report(taught) {
    const { store } = this;
    this.say(reportText({ message: this.message, taught, count: store.records.length, why: store.why,
      skipped: store.skipped }));
    this.message = '';
    this.render();
    this.status.dataset.samples = String(store.records.length);
    this.onAnswering?.(Boolean(taught));
  }

  say(text) {
    this.status.textContent = text;
  }

  // The list of taught digits and which buttons can act.
  render() {
    const none = this.store.records.length === 0;
    this.buttons.download.disabled = none;
    this.buttons.reset.disabled = none;
    this.buttons.undo.disabled = this.undos.length === 0;
    this.list.render();
  }
}
