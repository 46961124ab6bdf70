// Teach it: tap the right digit for the drawing on the pad. The correction is
// kept on this device (samples.js), the shipped model is fine-tuned on all of
// them (finetune.js) and answers from then on; the status line says how many
// of the user's digits it now reads right. Also: forget them, download them.
import { teach } from './finetune.js';
import { samples, samplesFile } from './samples.js';

const $ = (selector) => document.querySelector(selector);

export class TeachPanel {
  // pad: where the digit to teach is drawn; recognizer: whose model is taught.
  constructor(pad, recognizer) {
    this.pad = pad;
    this.recognizer = recognizer;
    this.status = $('[data-testid=teach-status]');
    this.queue = Promise.resolve(); // one retraining at a time, in the order asked
    for (let digit = 0; digit < 10; digit++) {
      $(`[data-testid=teach-${digit}]`).addEventListener('click', () => this.add(digit));
    }
    $('[data-testid=teach-reset]').addEventListener('click', () => this.forget());
    $('[data-testid=teach-download]').addEventListener('click', () => this.download());
  }

  async add(digit) {
    if (!this.recognizer.shipped || this.pad.isEmpty) {
      this.status.textContent = 'Draw a digit first, then tap what it should be.';
      return;
    }
    // With a number on the pad, the correction is for the selected digit only.
    const strokes = this.recognizer.selectedStrokes(this.pad.strokes);
    await samples.add(digit, strokes.map((stroke) => stroke.map(([x, y]) => [x, y])));
    await this.retrain();
  }

  async forget() {
    await samples.clear();
    if (this.recognizer.shipped) await this.retrain();
  }

  // Taught on an earlier visit? (No IndexedDB, e.g. some private modes: nothing to restore.)
  async restore() {
    if ((await samples.all().catch(() => [])).length > 0) await this.retrain();
  }

  async download() {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(samplesFile(await samples.all()));
    link.download = 'digitpad-samples.json'; // for `make train EXTRA=digitpad-samples.json`
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  retrain() {
    this.queue = this.queue.then(() => this.fit(), () => this.fit());
    return this.queue;
  }

  // Fine-tune the shipped model on every sample kept so far (none: back to
  // the shipped model), then let the recogniser answer with it.
  async fit() {
    const { recognizer } = this;
    const list = await samples.all();
    let model = recognizer.shipped;
    if (list.length > 0) {
      const pixels = recognizer.inputs(list.map((sample) => sample.strokes));
      const labels = list.map((sample) => sample.label);
      const right = async (someModel) => (await recognizer.classify(pixels, someModel))
        .filter((digit, i) => digit === labels[i]).length;
      const before = await right(model);
      try {
        model = await teach(recognizer.shipped, pixels, labels);
        this.status.textContent = `Learned from ${list.length} of your digits: it now reads ${await right(model)} of them right `
          + `(the shipped model: ${before}). They stay on this device.`;
      } catch (error) { // e.g. a model exported without its replay set
        this.status.textContent = `Your digits are kept, but the model could not learn from them: ${error.message}`;
      }
    } else {
      this.status.textContent = 'Your corrections stay on this device.';
    }
    await recognizer.use(model);
    this.status.dataset.samples = String(list.length);
  }
}
