// The view: shows what the model thinks. It only writes to the DOM; it never
// touches the pad or the model.
import { CLASSES, INPUT_SIZE, SIDE } from './model-io.js';
import { lineCount } from './segment.js';

const $ = (selector) => document.querySelector(selector);

const NOT_A_DIGIT = "That doesn't look like a digit.";
// Why a part the model reads as a digit is not one (answer.js, judge's reason): the bars do not show it.
const REASONS = {
  winding: 'Its strokes go round and round too much to be a digit.',
  dot: 'It is too small to be a digit: a dot.',
  strokes: 'It has too many strokes to be a digit: a drawing?',
};
const PAD_FULL = 'The pad is full: Undo or Clear to draw more.';
// Digits written on two lines are read as one line of tall shapes, never right: say so.
const ONE_LINE = 'The pad reads one line of digits at a time: write them side by side.';
const lines = (answer) => lineCount(answer.parts.flatMap((part) => part.strokes));
const ordinal = (i, n) => `digit ${i + 1} of ${n}`;

// How often "not a digit" is said of what the model never saw (metadata verdict.heldout), in words.
function rejectedWords(heldout) {
  const rates = heldout?.rates ?? {};
  const said = [];
  const percent = (x) => `${x < 0.1 ? (x * 100).toFixed(1) : Math.round(x * 100)}%`;
  if (rates.unseen_things_rejected !== undefined) {
    said.push(`${percent(rates.unseen_things_rejected)} of drawings of things it was never shown (${heldout.things.join(' and ')}s by people)`);
  }
  if (rates.letters_rejected !== undefined) said.push(`${percent(rates.letters_rejected)} of letters by people it never saw`);
  if (rates.digits_not_a_digit !== undefined) said.push(`${percent(rates.digits_not_a_digit)} of real digits`);
  return said.length ? ` Measured before it shipped, it calls “not a digit” ${said.join(', ')}.` : '';
}

// The answer in words, as a screen reader should hear it once it is settled.
function spoken(answer) {
  if (answer.verdict === '') return 'The pad is empty.';
  if (answer.verdict === 'not-a-digit') return notADigit(answer);
  const unsure = answer.verdict === 'unsure' ? `Not sure: ${answer.text} or ${answer.alternative}?` : answer.text;
  return answer.text.includes('?') ? `${unsure} (a question mark: a part that is not a digit)` : unsure;
}

// "Not a digit" in words: why, when a rule overruled the model (the selected digit's
// reason first), else the plain message.
function notADigit(answer) {
  if (lines(answer) > 1) return ONE_LINE;
  const rejected = [answer.digits[answer.selected], ...answer.digits].filter((d) => d?.reason);
  return rejected.length > 0 ? REASONS[rejected[0].reason] ?? NOT_A_DIGIT : NOT_A_DIGIT;
}

// The "?" in the reading, explained (and why, when a rule overruled the model).
function questionMark(answer) {
  const why = notADigit(answer);
  return `?: a part that does not look like a digit${why === NOT_A_DIGIT ? '' : `. ${why}`}`;
}

export class View {
  constructor() {
    this.prediction = $('[data-testid=prediction]');
    this.alternative = $('[data-testid=alternative]');
    this.message = $('[data-testid=verdict-message]');
    this.announcer = $('[data-testid=announce]');
    this.status = $('[data-testid=status]');
    this.previews = $('[data-testid=preview]');
    this.barsCaption = $('[data-testid=probs-caption]');
    // The rows are in the page's HTML: building them here would lengthen the loading page's first task.
    this.bars = [...$('[data-testid=probs]').children].map((row) => (
      { row, fill: row.querySelector('.fill'), value: row.querySelector('.value') }));
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
    prediction.textContent = answer.text;
    prediction.dataset.strokes = String(answer.strokes);
    prediction.dataset.verdict = answer.verdict;
    prediction.closest('.answer').dataset.verdict = answer.verdict;
    const length = answer.text.length + (unsure ? answer.alternative.length : 0);
    prediction.classList.toggle('long', length > 3);
    prediction.classList.toggle('longer', length > 9);
    this.showAlternative(unsure ? answer.alternative : '', answer.text);
    this.message.textContent = answer.strokes === this.full ? PAD_FULL
      : lines(answer) > 1 ? ONE_LINE
        : answer.verdict === 'not-a-digit' ? notADigit(answer)
        : answer.text.includes('?') ? questionMark(answer) : '';
  }

  // " or 18414?" beside the reading 18419: the characters where the two differ marked.
  showAlternative(alternative, text) {
    if (!alternative) {
      this.alternative.textContent = '';
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
    const words = spoken(answer);
    if (this.announcer.textContent !== words) this.announcer.textContent = words;
  }

  // The bars: the 10 digit probabilities of the selected digit (all 0 for none).
  showSelected(answer) {
    const digit = answer.digits[answer.selected];
    const n = answer.digits.length;
    this.barsCaption.textContent = n > 1 ? `Probabilities of ${ordinal(answer.selected, n)} (select another box on the pad):` : '';
    this.bars.forEach(({ row, fill, value }, d) => {
      const p = digit ? digit.probs[d] : 0;
      row.dataset.p = String(p);
      row.classList.toggle('top', digit?.digit === d);
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      value.textContent = `${Math.round(p * 100)}%`;
    });
    [...this.previews.children].forEach((canvas, i) => canvas.classList.toggle('selected', n > 1 && i === answer.selected));
  }

  // Each digit's 28x28 input as a picture, white ink on black like MNIST; none
  // for an empty pad (which also brings back the invitation to draw).
  showInputs(digits) {
    document.body.classList.toggle('drawn', digits.length > 0);
    const canvases = [...this.previews.children];
    for (let i = canvases.length; i < digits.length; i++) {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = SIDE;
      canvas.className = 'preview';
      canvases.push(canvas);
    }
    canvases.forEach((canvas, i) => {
      if (i >= digits.length) return canvas.remove();
      canvas.setAttribute('aria-label', `The 28 by 28 image the model sees for ${ordinal(i, digits.length)}`);
      this.previews.append(canvas);
      paintInput(canvas, digits[i].pixels);
    });
  }

  // "About this model", from the metadata `make export` wrote: in plain words
  // first, the exact terms one click deeper; and the two tables of mix-ups.
  showAbout(meta, { classes, margin, maxTurns }) {
    const percent = (x) => `${(x * 100).toFixed(1)}%`;
    const number = (x) => x.toLocaleString('en');
    const trained = meta.trained_on ?? {};
    const drawn = meta.heldout_pen;
    const pen = trained.pen_digits ? ` and ${number(trained.pen_digits)} digits drawn with a pen by ${trained.pen_writers.length} people` : '';
    const plain = [`It learned from ${number(trained.mnist_train ?? 0)} handwritten digits (the MNIST collection)${pen}.`];
    if (meta.preprocess?.deskew || meta.preprocess?.normalize_size) {
      plain.push(' Before reading your drawing, the page straightens it and scales it to a standard size, the way its examples were prepared.');
    }
    if (meta.test_accuracy !== undefined) plain.push(` It reads ${percent(meta.test_accuracy)} of MNIST's test digits right (digits it never learned from)`);
    if (drawn) plain.push(`${meta.test_accuracy !== undefined ? ', and' : ' It reads'} ${percent(drawn.accuracy)} of ${number(drawn.samples)} digits drawn by ${drawn.writers.length} people it never saw`);
    if (meta.test_accuracy !== undefined || drawn) plain.push('.');
    plain.push(` It says “not sure” when its two best guesses are less than ${Math.round(margin * 100)} percentage points apart`);
    plain.push(classes > CLASSES ? ', and “not a digit” when the drawing looks more like the letters and drawings it was shown than like any digit' : '');
    plain.push(` or when the strokes wind round more than ${maxTurns} full turns (no real digit does; scribbles do).`);
    if (classes > CLASSES) plain.push(rejectedWords(meta.verdict?.heldout));
    $('[data-testid=about-summary]').textContent = plain.join('');

    const exact = [`Softmax regression: one Dense(${classes}, softmax) layer, ${number(classes * 785)} weights`
      + ` (${classes} templates of 784 and ${classes} biases), trained with TensorFlow on ${number(trained.mnist_train ?? 0)} MNIST digits`];
    if (trained.pen_digits) {
      exact.push(` and ${number(trained.pen_renderings)} renderings of ${number(trained.pen_digits)} pen-drawn digits`
        + ` by ${trained.pen_writers.length} writers (small random rotations and stretches)`);
    }
    if (classes > CLASSES) {
      const things = trained.quickdraw ? `, ${number(trained.quickdraw)} Quick, Draw! doodles by people` : '';
      exact.push(`; the 11th output, “not a digit”, learned from handwritten letters${things} and generated doodles`);
    }
    exact.push('. Preprocessing: ');
    exact.push(meta.preprocess?.deskew ? 'sheared upright by the ink\'s second moments (deskew), ' : '');
    exact.push(meta.preprocess?.normalize_size ? 'scaled to a standard spread of ink, ' : '');
    exact.push('centred by its centre of mass in 28×28, as MNIST was. ');
    exact.push(`“Not sure”: the top probability minus the second is below ${margin}. `);
    exact.push(`“Not a digit”${classes > CLASSES ? ': the 11th output wins, or' : ':'} the strokes turn through more than ${maxTurns} × 360°.`);
    $('[data-testid=about-details]').textContent = exact.join('');

    const tables = [['confusion-mnist', meta.confusion_matrix], ['confusion-drawn', drawn?.confusion_matrix]];
    for (const [testid, matrix] of tables) $(`[data-testid=${testid}]`).closest('figure').hidden = !matrix;
    // Filled when the panel first opens: a closed panel costs the loading page nothing.
    const about = $('[data-testid=about]');
    const fill = () => {
      if (!about.open) return;
      for (const [testid, matrix] of tables) if (matrix) fillConfusion($(`[data-testid=${testid}]`), matrix);
      about.removeEventListener('toggle', fill);
    };
    about.addEventListener('toggle', fill);
    fill();
  }
}

// A confusion matrix as a table: row = the true digit, column = the reading,
// each cell the percent of its row (blank for none, "<1" for a few), tinted by
// that share (blue: right, red: mix-ups; style.css picks the tints per theme).
// The exact count is in each cell's title.
function fillConfusion(table, matrix) {
  const label = (d) => (d < CLASSES ? String(d) : '?');
  const cell = (tag, text, scope) => {
    const element = document.createElement(tag);
    element.textContent = text;
    if (scope) element.scope = scope;
    return element;
  };
  const head = document.createElement('tr');
  head.append(cell('th', 'meant ↓ read →', 'col'), ...matrix.map((_, d) => cell('th', label(d), 'col')));
  const rows = matrix.map((row, truth) => {
    const tr = document.createElement('tr');
    const total = row.reduce((a, b) => a + b, 0);
    tr.append(cell('th', label(truth), 'row'), ...row.map((count, guess) => {
      const share = total ? count / total : 0;
      const td = cell('td', count === 0 ? '' : share < 0.005 ? '<1' : String(Math.round(share * 100)));
      td.title = `${count.toLocaleString('en')} of ${total.toLocaleString('en')} ${label(truth)}s read as ${label(guess)}`;
      if (count) {
        td.className = truth === guess ? 'right' : 'mixup';
        // Mix-ups are rare: a square root makes a 1% one visible.
        td.style.setProperty('--share', String(truth === guess ? share : Math.min(1, Math.sqrt(share) * 1.5)));
      }
      return td;
    }));
    return tr;
  });
  table.replaceChildren(head, ...rows);
}

// A model input (784 values in [0, 1]) on a 28x28 canvas, grey levels.
function paintInput(canvas, pixels) {
  const context = canvas.getContext('2d');
  const image = context.createImageData(SIDE, SIDE);
  for (let i = 0; i < INPUT_SIZE; i++) {
    const v = Math.round(pixels[i] * 255);
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}
