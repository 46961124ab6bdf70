// The recogniser: the one owner of the page's answers. It holds the model and
// the preprocessing and verdict rule its metadata asks for, splits the pad's
// strokes into parts (answer.js), reads every digit in one batch and hands the
// whole answer to `show`; an answer that a newer request has overtaken is
// dropped, never shown. It knows nothing of the DOM.
import {
  MAX_DIGIT_STROKES, MAX_TURNS, UNSURE_MARGIN, compose, isRow, judge, notADigitShare, parseDrawing, size, wholePart,
} from './answer.js';
import { preprocessStrokes, winding } from './preprocess.js';
import { CLASSES, INPUT_SIZE, argmax, row } from './model-io.js';
import { nextTask } from './next-task.js';

// Requests numbered in order; an answer counts only while its request is the newest.
class Requests {
  latest = 0;

  start() {
    const request = ++this.latest;
    return () => request === this.latest;
  }
}

// The answer shown has the same digits: as many, each with the same newest stroke, none added.
function sameDigits(shown, digits, counted) {
  return shown.strokes === counted && shown.digits.length === digits.length
    && digits.every((digit, i) => digit.last === shown.digits[i].last);
}

// The inputs kept from the last reading (Recognizer.inputsOf), of a row of digits and of a
// drawing read whole, each by first stroke: none.
const nothingKept = () => ({ row: new Map(), picture: new Map() });

const EMPTY = { text: '', verdict: '', alternative: '', parts: [], digits: [], selected: -1 };

export class Recognizer {
  // show: {
  //   inputs(digits): the drawing's digits, each { pixels } (the model's input), before they are read,
  //   answer(answer): the reading of the whole pad (below), once the model has read it,
  //   selected(answer): another digit of the shown answer was selected,
  //   weights(weights): the model's weights (model.read()), whenever the model changes,
  // }. An answer is compose()'s { text, verdict, alternative } and
  //   parts: parseDrawing()'s parts, left to right,
  //   digits: the digit parts, each also with pixels, probs (its 10 digit probabilities) and judge()'s fields,
  //   selected: the index in `digits` whose probabilities the page shows (-1: none),
  //   strokes: how many of the pad's strokes the answer accounts for,
  //   finished: no stroke was in progress (the answer to announce).
  // inkWidth(): how wide the pen draws, in the strokes' units: a part no larger is a
  // blob of ink (a tap), not a digit, however the model reads it once stretched to size.
  constructor(show, { inkWidth = () => 0 } = {}) {
    this.show = show;
    this.inkWidth = inkWidth;
    this.shipped = null; // the model as loaded
    this.model = null; // the one answering: the shipped one or one taught on this device
    this.options = {}; // preprocessing as the model was trained (from its metadata)
    this.margin = UNSURE_MARGIN; // the verdict's "not sure" margin (from its metadata)
    this.maxTurns = MAX_TURNS; // the most a digit may wind (from its metadata)
    // The pad as last read: its strokes, their parts, each digit's model input, how many
    // strokes it counts, and whether no stroke was in progress.
    this.reading = { strokes: [], parts: [], digitParts: [], inputs: [], counted: 0, finished: true };
    this.input = null; // the whole drawing's input, once asked for (`lastInput`)
    // The digits' inputs as last read, each with its strokes and their lengths, by its first
    // stroke: a new stroke changes one digit, and preprocessing all of them again made most
    // of a stroke's update. A drawing read whole (a picture) keeps its input apart: the next
    // stroke often makes it a row again (a 7's first bar is short), whose digits are as they were.
    this.kept = nothingKept();
    this.known = new WeakMap(); // each kept input's probabilities by the answering model
    this.turns = new WeakMap(); // each kept input's strokes' winding, at a pen width
    this.answer = { ...EMPTY, strokes: 0, finished: true }; // the one shown
    this.requests = new Requests();
  }

  // The loaded model starts answering at once; resolves once the drawing is read
  // again.
  start(model, metadata) {
    const preprocess = metadata.preprocess ?? {};
    this.options = { deskew: Boolean(preprocess.deskew), normalizeSize: Boolean(preprocess.normalize_size) };
    const margin = metadata.verdict?.unsure_margin;
    if (typeof margin === 'number') this.margin = margin;
    const maxTurns = metadata.verdict?.max_turns;
    if (typeof maxTurns === 'number') this.maxTurns = maxTurns;
    this.shipped = model;
    // A drawing made while the model loaded was read without its preprocessing: read it again.
    this.kept = nothingKept();
    this.readPad(this.reading.strokes, !this.reading.finished);
    return this.use(model);
  }

  // Answer with `model` from now on (a taught one, or the shipped one), freeing
  // a taught model it replaces. Resolves once the drawing is read again; the
  // weights are shown in the next task, so each task stays short on a slow phone.
  async use(model) {
    if (this.model && this.model !== this.shipped && this.model !== model) this.model.dispose();
    if (this.model !== model) this.known = new WeakMap();
    this.model = model;
    const weights = model.read(); // read now: a later use() may free this model
    await this.answerReading();
    nextTask().then(async () => {
      if (this.model === model) this.show.weights(await weights);
    });
  }

  // The pad changed. `strokes` is its live list: everything needed from it is
  // read before the first await. Mid-stroke the answer also shows the partial
  // stroke but does not count it. Resolves once the answer is shown or dropped.
  update(strokes, { drawing }) {
    this.readPad(strokes, drawing);
    return this.answerReading();
  }

  // Split the drawing into parts and preprocess its digits: the pad as last read.
  // (The pad replaces its list of strokes on a change, never edits it: `strokes` stays
  // the list read.)
  readPad(strokes, drawing) {
    this.input = null;
    let parts = parseDrawing(strokes);
    // Parts that are not a row of digits are one picture: read whole, one verdict.
    const picture = parts.length > 1 && !isRow(parts);
    if (picture) parts = [wholePart(strokes)];
    const digitParts = parts.filter((part) => part.kind === 'digit');
    const groups = digitParts.map((part) => part.strokes);
    const kind = picture ? 'picture' : 'row';
    const [inputs, kept] = this.inputsOf(groups, this.kept[kind]);
    this.kept[kind] = kept;
    this.show.inputs(inputs.map((input) => ({ pixels: input })));
    this.reading = { strokes, parts, digitParts, inputs, counted: drawing ? strokes.length - 1 : strokes.length,
      finished: !drawing };
  }

  // Answer for the pad as last read (its parts and model inputs), by the answering
  // model: a new model reads the same drawing without splitting or preprocessing it again.
  async answerReading() {
    const current = this.requests.start();
    const { parts, digitParts, inputs, counted, finished } = this.reading;
    // classes: how many outputs the answering model has (10, or 11 with "not a digit"), 0 for none.
    const classes = this.model?.classes ?? 0;
    let answer = { ...EMPTY, strokes: 0, finished, classes };
    if (parts.length > 0) {
      if (!this.model) return; // answered once the model is ready
      const rows = await this.probabilities(inputs);
      if (!current()) return;
      const judged = rows.map((p, i) => judge(p, this.margin, this.notADigit(digitParts[i], inputs[i])));
      const digits = digitParts.map((part, i) => ({
        ...part, ...judged[i], pixels: inputs[i], probs: Array.from(rows[i].subarray(0, CLASSES)),
        otherProb: notADigitShare(rows[i]), // null: the model has no "not a digit" output
      }));
      // The last digit drawn is the one the bars show first, or in a row that is not a
      // number the first part that is not a digit (why it is not); a digit the user
      // selected stays selected while the digits are the same (a taught model, a resized pad).
      const reading = compose(parts, judged, rows);
      const spoiler = reading.verdict === 'not-a-digit' ? judged.findIndex((j) => j.verdict === 'not-a-digit') : -1;
      const selected = sameDigits(this.answer, digits, counted) ? this.answer.selected
        : spoiler >= 0 ? spoiler : argmax(digits.map((digit) => digit.last));
      answer = { ...reading, parts, digits, selected, strokes: counted, finished, classes };
    }
    this.answer = answer;
    this.show.answer(answer);
  }

  // Each input's probabilities (all the model's outputs) by the answering model. It reads,
  // in one batch, only the inputs it has not read yet: a stroke changes one digit, and the
  // others' inputs are kept (inputsOf), so their probabilities are too.
  async probabilities(inputs) {
    const { model, known } = this;
    const unread = inputs.filter((input) => !known.has(input));
    if (unread.length > 0) {
      const pixels = new Float32Array(unread.length * INPUT_SIZE);
      unread.forEach((input, i) => pixels.set(input, i * INPUT_SIZE));
      const probs = await model.predict(pixels, unread.length);
      const outputs = probs.length / unread.length;
      unread.forEach((input, i) => known.set(input, row(probs, i, outputs)));
    }
    return inputs.map((input) => known.get(input));
  }

  // Why a part is not a digit whatever the model says ('' when it may be one): a
  // dot (no larger than the ink's width), too many strokes (a sketch), or a scrawl that
  // winds too much (wiggles within the pen's width do not count: a small, shaky digit
  // is still a digit).
  // input: the part's kept model input, if any, by which its winding is kept (the same strokes).
  notADigit({ strokes, box }, input) {
    const pen = this.inkWidth();
    if (size(box) <= pen) return 'dot';
    if (strokes.length > MAX_DIGIT_STROKES) return 'strokes';
    let turns = input && this.turns.get(input);
    if (turns?.pen !== pen) {
      turns = { pen, winding: winding(strokes, pen) };
      if (input) this.turns.set(input, turns);
    }
    return turns.winding > this.maxTurns ? 'winding' : '';
  }

  // Show digit `index` of the shown answer in detail.
  select(index) {
    if (index < 0 || index >= this.answer.digits.length) return;
    this.answer.selected = index;
    this.show.selected(this.answer);
  }

  // The strokes of the selected digit if the shown answer is for everything on
  // the pad, else all of them: what the user is correcting.
  selectedStrokes(strokes) {
    const { answer } = this;
    const digit = answer.digits[answer.selected];
    return digit && answer.finished && answer.strokes === strokes.length ? digit.strokes : strokes;
  }

  // The model's input for the whole drawing last read (computed when asked),
  // for tests and the curious.
  get lastInput() {
    const { strokes } = this.reading;
    if (!this.input && strokes.length > 0) this.input = this.preprocess(strokes);
    return this.input;
  }

  preprocess(strokes) {
    return preprocessStrokes(strokes, this.options);
  }

  // Each group's model input (a list of strokes each): the one in `kept` (the last reading's,
  // by first stroke) when its strokes are the same (the pad replaces a stroke it changes,
  // except the one being drawn, which only grows), else preprocessed now. Returns the inputs
  // and what to keep for the next reading. Kept inputs are never written to.
  inputsOf(groups, kept) {
    const next = new Map();
    const inputs = groups.map((strokes) => {
      const lengths = strokes.map((stroke) => stroke.length);
      const last = kept.get(strokes[0]);
      const same = last?.strokes.length === strokes.length
        && last.strokes.every((stroke, i) => stroke === strokes[i] && last.lengths[i] === lengths[i]);
      const input = same ? last.input : this.preprocess(strokes);
      next.set(strokes[0], { strokes, lengths, input });
      return input;
    });
    return [inputs, next];
  }

  // Probabilities for n raw inputs (n x outputs, row-major), by the answering model.
  predictBatch(pixels, n) {
    return this.model.predict(pixels, n);
  }
}
