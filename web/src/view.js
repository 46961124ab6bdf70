// The view: shows what the model thinks. It only writes to the DOM; it never
// touches the pad or the model.
import { CLASSES, INPUT_SIZE, SIDE } from './model-io.js';
import { lineCount } from './segment.js';

const $ = (selector) => document.querySelector(selector);

const NOT_A_DIGIT = "That doesn't look like a digit.";
// Some parts of a row read as digits and some not (a word, or a number with a scrawl):
// which ones, by place, as their boxes are named (the boxes mark them "?").
const and = (items) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : `${items[0]}`);
const notANumber = (places, n) => (places.length === 1
  ? `Not a number: part ${places[0]} of ${n} doesn't look like a digit.`
  : `Not a number: parts ${and(places)} of ${n} don't look like digits.`);
// Why a part the model reads as a digit is not one (answer.js, judge's reason): the bars do not show it.
const REASONS = {
  winding: 'Its strokes go round and round too much to be a digit.',
  dot: 'It is too small to be a digit: a dot.',
  strokes: 'It has too many strokes to be a digit: a drawing?',
};
const PAD_FULL = 'The pad is full: Undo or Clear to draw more.';
// Characters past which a message is set smaller (style.css, .verdict-message.long).
const LONG_MESSAGE = 40;
// Digits written on two lines are read as one line of tall shapes, never right: say so.
const ONE_LINE = 'The pad reads one line of digits at a time: write them side by side.';
// The lines the answer's parts are written on (strokes left out of every part, a stray
// dot, do not count).
function lines({ parts }) {
  const strokes = [];
  for (let i = 0; i < parts.length; i++) {
    for (let k = 0; k < parts[i].strokes.length; k++) strokes.push(parts[i].strokes[k]);
  }
  return lineCount(strokes);
}
const ordinal = (i, n) => `digit ${i + 1} of ${n}`;

// The answer in words, as a screen reader should hear it once it is settled.
function spoken(answer) {
  if (answer.verdict === '') return 'The pad is empty.';
  if (answer.verdict === 'not-a-digit') return notADigit(answer);
  return answer.verdict === 'unsure' ? `Not sure: ${answer.text} or ${answer.alternative}?` : answer.text;
}

// "Not a digit" in words: why, when a rule overruled the model (the selected digit's
// reason first), else the plain message; for a row of parts, which part spoilt it.
function notADigit(answer) {
  if (lines(answer) > 1) return ONE_LINE;
  const rejected = [answer.digits[answer.selected], ...answer.digits].filter((d) => d?.reason);
  const why = rejected.length > 0 ? REASONS[rejected[0].reason] ?? NOT_A_DIGIT : NOT_A_DIGIT;
  const places = answer.digits.flatMap((d, i) => (d.verdict === 'not-a-digit' ? [i + 1] : []));
  if (places.length === answer.digits.length) return why;
  return `${notANumber(places, answer.digits.length)}${why === NOT_A_DIGIT ? '' : ` ${why}`}`;
}

// Each write restyles its element and is a change to observers (a live region speaks
// it): only a change is written.
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function setData(element, key, value) {
  if (element.dataset[key] !== value) element.dataset[key] = value;
}

// For the elements an answer rewrites many of (bars, previews, boxes), what each last showed
// is kept in JS, not read back from the page: whether `value` differs from `shown[key]`,
// which then keeps it.
export function changed(shown, key, value) {
  if (shown[key] === value) return false;
  shown[key] = value;
  return true;
}

// One bar: its value (data-p, exact), length and percentage, and whether it is the top one.
// Only what changed is written: each write restyles its bar, and most bars stay at 0%.
function showBar(bar, p, top) {
  if (changed(bar, 'top', top)) bar.row.classList.toggle('top', top);
  const value = String(p);
  if (changed(bar, 'p', value)) bar.row.dataset.p = value;
  const width = `${(p * 100).toFixed(1)}%`;
  if (changed(bar, 'width', width)) bar.fill.style.width = width;
  const text = `${Math.round(p * 100)}%`;
  if (changed(bar, 'text', text)) bar.value.textContent = text;
}

export class View {
  constructor() {
    this.prediction = $('[data-testid=prediction]');
    this.answerBox = this.prediction.closest('.answer');
    this.alternative = $('[data-testid=alternative]');
    this.message = $('[data-testid=verdict-message]');
    this.announcer = $('[data-testid=announce]');
    this.status = $('[data-testid=status]');
    this.previews = $('[data-testid=preview]');
    this.canvases = []; // the previews shown, in order: each { element, pixels it shows, image, selected }
    this.spare = []; // previews not shown now
    this.barsCaption = $('[data-testid=probs-caption]');
    // The rows are in the page's HTML: building them here would lengthen the loading page's first task.
    const bar = (row) => ({ row, fill: row.querySelector('.fill'), value: row.querySelector('.value'), p: '', top: false, width: '', text: '' });
    this.bars = [...$('[data-testid=probs]').querySelectorAll('li:not(.other)')].map(bar);
    this.otherBar = { ...bar($('[data-testid=prob-not-a-digit]')), hidden: false }; // a model's 11th output
  }

  setModelState(state, message) {
    document.body.dataset.model = state;
    this.setStatus(message);
  }

  setStatus(message) {
    this.status.textContent = message;
  }

  // The reading of the whole pad (recognizer.js's answer): the most likely
  // reading in big type, "or ...?" beside it when unsure, a plain message when
  // it is not a digit; then the selected digit's details.
  showAnswer(answer) {
    const { prediction } = this;
    const unsure = answer.verdict === 'unsure';
    setText(prediction, answer.text);
    setData(prediction, 'strokes', String(answer.strokes));
    setData(prediction, 'verdict', answer.verdict);
    setData(this.answerBox, 'verdict', answer.verdict);
    const length = answer.text.length + (unsure ? answer.alternative.length : 0);
    prediction.classList.toggle('long', length > 3);
    prediction.classList.toggle('longer', length > 9);
    this.showAlternative(unsure ? answer.alternative : '', answer.text);
    // notADigit says ONE_LINE itself for two lines: the lines are counted once.
    const message = answer.strokes === this.full ? PAD_FULL
      : answer.verdict === 'not-a-digit' ? notADigit(answer)
        : lines(answer) > 1 ? ONE_LINE : '';
    setText(this.message, message);
    // A long message in smaller type, so that it stays within the answer's place on a phone.
    this.message.classList.toggle('long', message.length > LONG_MESSAGE);
  }

  // " or 18414?" beside the reading 18419: the characters where the two differ marked.
  showAlternative(alternative, text) {
    if (!alternative) {
      setText(this.alternative, '');
      return;
    }
    const marked = [...alternative].map((c, i) => {
      if (c === text[i]) return document.createTextNode(c);
      const mark = document.createElement('mark');
      mark.textContent = c;
      return mark;
    });
    this.alternative.replaceChildren(' or ', ...marked, '?');
  }

  // A stroke refused because the pad holds as many as it can (pad.js, MAX_STROKES).
  // strokes: how many it holds; the words stay while an answer is for that many.
  padFull(strokes) {
    this.full = strokes;
    this.message.textContent = this.announcer.textContent = PAD_FULL;
  }

  // Said once per settled answer (stroke end, undo, clear), never mid-stroke;
  // the same words twice in a row are not repeated.
  announce(answer) {
    setText(this.announcer, spoken(answer));
  }

  // The bars: the 10 digit probabilities of the selected digit (all 0 for none), and its
  // "not a digit" share while the answering model has that output. The shipped model has it,
  // so its row is in the page from the start: nothing below it moves as the model loads.
  // The top bar is what the model reads: the digit, or "not a digit" when that wins.
  showSelected(answer) {
    const digit = answer.digits[answer.selected];
    const n = answer.digits.length;
    const caption = n > 1 ? `Probabilities of ${ordinal(answer.selected, n)} (select another box on the pad):` : '';
    setText(this.barsCaption, caption);
    const otherTop = digit?.verdict === 'not-a-digit' && !digit.reason; // the model's own verdict (judge)
    for (let d = 0; d < this.bars.length; d++) {
      showBar(this.bars[d], digit ? digit.probs[d] : 0, digit?.digit === d && !otherTop);
    }
    const { otherBar } = this;
    const hidden = answer.classes === CLASSES; // 0 before a model answers: as the page has it
    if (changed(otherBar, 'hidden', hidden)) otherBar.row.hidden = hidden;
    showBar(otherBar, digit?.otherProb ?? 0, otherTop);
    this.canvases.forEach((canvas, i) => {
      const selected = n > 1 && i === answer.selected;
      if (changed(canvas, 'selected', selected)) canvas.element.classList.toggle('selected', selected);
    });
  }

  // Each digit's 28x28 input as a picture, white ink on black like MNIST; none
  // for an empty pad (which also brings back the invitation to draw).
  // A picture already showing its digit's input (the recognizer keeps an unchanged digit's)
  // is left as it is, and pictures taken away are kept for later: a stroke then paints one
  // picture, on a canvas whose context is made already. What each shows is kept here, not
  // read back from the page: a stroke's update touches only what changed.
  showInputs(digits) {
    document.body.classList.toggle('drawn', digits.length > 0);
    const { canvases } = this;
    while (canvases.length > digits.length) {
      const canvas = canvases.pop();
      canvas.element.remove();
      this.spare.push(canvas);
    }
    while (canvases.length < digits.length) {
      const canvas = this.spare.pop() ?? newPreview();
      // Its place only: how many there are, the page says once (boxes.js), not in every label.
      canvas.element.setAttribute('aria-label', `The 28 by 28 image the model sees for digit ${canvases.length + 1}`);
      this.previews.append(canvas.element);
      canvases.push(canvas);
    }
    digits.forEach(({ pixels }, i) => {
      const canvas = canvases[i];
      if (canvas.pixels !== pixels) paintInput(canvas, pixels);
      canvas.pixels = pixels;
    });
  }
}

// A preview: its canvas, the input it shows and the picture of it.
function newPreview() {
  const element = Object.assign(document.createElement('canvas'), { width: SIDE, height: SIDE, className: 'preview' });
  element.setAttribute('role', 'img');
  return { element, pixels: null, image: null, selected: false };
}

// A model input (784 values in [0, 1]) on a preview's 28x28 canvas, grey levels.
function paintInput(canvas, pixels) {
  const context = canvas.element.getContext('2d');
  canvas.image ??= context.createImageData(SIDE, SIDE);
  const { data } = canvas.image;
  for (let i = 0; i < INPUT_SIZE; i++) {
    const v = Math.round(pixels[i] * 255);
    data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = v;
    data[4 * i + 3] = 255;
  }
  context.putImageData(canvas.image, 0, 0);
}
