// The recogniser: the one owner of the page's answers. It holds the model and
// the preprocessing its metadata asks for, turns the pad's strokes into the
// model's input and hands each answer to `show`; an answer that a newer
// request has overtaken is dropped, never shown. It knows nothing of the DOM.
import { predictBatch, readWeights } from './model.js';
import { preprocessStrokes } from './preprocess.js';
import { segmentStrokes } from './segment.js';
import { INPUT_SIZE, argmax, row } from './shape.js';

// Requests numbered in order; an answer counts only while its request is the newest.
class Requests {
  latest = 0;

  start() {
    const request = ++this.latest;
    return () => request === this.latest;
  }
}

export class Recognizer {
  // show: {
  //   input(pixels): the model's input for the drawing (null: empty pad),
  //   digit({ probs, pixels, strokes }): the whole drawing read as one digit,
  //   number({ groups, digits, strokes }): the drawing read as a number, digit by digit,
  //   weights(weights): the model's weights (readWeights), whenever the model changes,
  // } where `strokes` is how many of the pad's strokes the answer accounts for.
  constructor(show) {
    this.show = show;
    this.shipped = null; // the model as loaded
    this.model = null; // the one answering: the shipped one or one taught on this device
    this.options = {}; // preprocessing as the model was trained (from its metadata)
    this.lastInput = null; // the newest input of the whole drawing, for tests and the curious
    this.latest = { strokes: [], drawing: false }; // the pad as last reported
    // One count each: a prediction made mid-stroke must not drop the reading of the finished strokes.
    this.digitRequests = new Requests();
    this.numberRequests = new Requests();
  }

  // The loaded model starts answering at once; resolves once its weights are
  // shown and the drawing is read again.
  start(model, metadata) {
    const preprocess = metadata.preprocess ?? {};
    this.options = { deskew: Boolean(preprocess.deskew), normalizeSize: Boolean(preprocess.normalize_size) };
    this.shipped = model;
    return this.use(model);
  }

  // Answer with `model` from now on (a taught one, or the shipped one), freeing
  // a taught model it replaces.
  async use(model) {
    if (this.model && this.model !== this.shipped && this.model !== model) this.model.dispose();
    this.model = model;
    this.show.weights(await readWeights(model));
    await this.update(this.latest.strokes, this.latest);
  }

  // The pad changed. `strokes` is its live list: everything needed from it is
  // read before the first await. Resolves once the digit's answer is shown or dropped.
  update(strokes, { drawing }) {
    this.latest = { strokes, drawing };
    // Mid-stroke the answer also shows the partial stroke but does not count it.
    const answer = this.readDigit(strokes, drawing ? strokes.length - 1 : strokes.length, !drawing);
    if (!drawing) this.readNumber(strokes); // after the digit's, so its prediction runs first
    return answer;
  }

  async readDigit(strokes, counted, finished) {
    const started = performance.now();
    const current = this.digitRequests.start();
    if (strokes.length === 0) {
      this.show.input(null);
      this.show.digit({ probs: null, pixels: null, strokes: 0 });
      return;
    }
    const pixels = this.preprocess(strokes);
    this.lastInput = pixels;
    this.show.input(pixels);
    if (!this.model) return; // answered once the model is ready
    const probs = await predictBatch(this.model, pixels, 1);
    if (!current()) return;
    this.show.digit({ probs: Array.from(probs), pixels, strokes: counted });
    // Stroke end to prediction shown, for `make bench`.
    if (finished) performance.measure('digitpad-update', { start: started });
  }

  // Split the drawing into digits (segment.js) and read them in one batch.
  async readNumber(strokes) {
    const current = this.numberRequests.start();
    const groups = segmentStrokes(strokes);
    const counted = strokes.length;
    if (groups.length === 0) return this.show.number({ groups, digits: [], strokes: 0 });
    if (!this.model) return; // read once the model is ready
    const digits = await this.classify(this.inputs(groups));
    if (current()) this.show.number({ groups, digits, strokes: counted });
  }

  preprocess(strokes) {
    return preprocessStrokes(strokes, this.options);
  }

  // Several drawings (each a list of strokes) as one batch of model inputs.
  inputs(drawings) {
    const pixels = new Float32Array(drawings.length * INPUT_SIZE);
    drawings.forEach((strokes, i) => pixels.set(this.preprocess(strokes), i * INPUT_SIZE));
    return pixels;
  }

  // The digit read for each input of a batch, by `model` (the answering one by default).
  async classify(pixels, model = this.model) {
    const n = pixels.length / INPUT_SIZE;
    const probs = await predictBatch(model, pixels, n);
    return Array.from({ length: n }, (_, i) => argmax(row(probs, i)));
  }

  // Probabilities for n raw inputs (n x 10, row-major), by the answering model.
  predictBatch(pixels, n) {
    return predictBatch(this.model, pixels, n);
  }
}
