// The view: shows what the model thinks. It only writes to the DOM; it never
// touches the pad or the model.
import { CLASSES, INPUT_SIZE, SIDE } from './shape.js';

const $ = (selector) => document.querySelector(selector);

const NOT_A_DIGIT = "That doesn't look like a digit.";
const ordinal = (i, n) => `digit ${i + 1} of ${n}`;

// The answer in words, as a screen reader should hear it once it is settled.
export function spoken(answer) {
  if (answer.verdict === '') return 'The pad is empty.';
  if (answer.verdict === 'not-a-digit') return NOT_A_DIGIT;
  const unsure = answer.verdict === 'unsure' ? `Not sure: ${answer.text} or ${answer.alternative}?` : answer.text;
  return answer.text.includes('?') ? `${unsure} (a question mark: a part that is not a digit)` : unsure;
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
    this.bars = this.createBars($('[data-testid=probs]'));
  }

  // One row per digit: label, bar, percentage. data-p holds the exact value.
  createBars(list) {
    return Array.from({ length: CLASSES }, (_, digit) => {
      const row = document.createElement('li');
      row.dataset.testid = `prob-${digit}`;
      row.dataset.p = '0';
      row.innerHTML = '<span class="digit"></span><span class="track"><span class="fill"></span></span><span class="value">0%</span>';
      row.querySelector('.digit').textContent = digit;
      list.append(row);
      return { row, fill: row.querySelector('.fill'), value: row.querySelector('.value') };
    });
  }

  setModelState(state, message) {
    document.body.dataset.model = state;
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
    prediction.classList.toggle('long', answer.text.length + (unsure ? answer.alternative.length : 0) > 3);
    this.alternative.textContent = unsure ? ` or ${answer.alternative}?` : '';
    this.message.textContent = answer.verdict === 'not-a-digit' ? NOT_A_DIGIT
      : answer.text.includes('?') ? '?: a part that does not look like a digit' : '';
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

  // "About this model": what it was trained on, how good it is, and where it
  // errs, drawn from the metadata that `make export` wrote; and when it says
  // "not sure" (margin) or "not a digit" (a model with 11 outputs, or strokes
  // winding more than maxTurns).
  showAbout(meta, { classes, margin, maxTurns }) {
    const percent = (x) => `${(x * 100).toFixed(1)}%`;
    const trained = meta.trained_on ?? {};
    const weights = (classes * 785).toLocaleString('en');
    const parts = [`One Dense(${classes}, softmax) layer: ${weights} weights, trained on ${(trained.mnist_train ?? 0).toLocaleString('en')} MNIST digits`];
    if (trained.pen_digits) {
      parts.push(` and ${trained.pen_digits.toLocaleString('en')} pen-drawn digits by ${trained.pen_writers.length} writers`
        + ` (${trained.pen_renderings.toLocaleString('en')} renderings with small random rotations and stretches)`);
    }
    if (meta.preprocess?.normalize_size) parts.push(', every digit sheared upright and stretched to a standard spread. ');
    else if (meta.preprocess?.deskew) parts.push(', every digit sheared upright. ');
    else parts.push('. ');
    if (meta.test_accuracy !== undefined) parts.push(`MNIST test accuracy: ${percent(meta.test_accuracy)}.`);
    const drawn = meta.heldout_pen;
    if (drawn) parts.push(` Drawn digits by ${drawn.writers.length} writers it never saw: ${percent(drawn.accuracy)} of ${drawn.samples.toLocaleString('en')}.`);
    parts.push(` It says "not sure" when its first digit is less than ${Math.round(margin * 100)} points ahead of the second`);
    parts.push(classes > CLASSES ? ', and "not a digit" when its 11th output, trained on letters and doodles, wins' : '');
    parts.push(` or when the strokes wind round more than ${maxTurns} full turns (no real digit does; scribbles do).`);
    document.querySelector('[data-testid=about-summary]').textContent = parts.join('');
    const matrices = [['confusion-mnist', meta.confusion_matrix], ['confusion-drawn', drawn?.confusion_matrix]];
    for (const [testid, matrix] of matrices) $(`[data-testid=${testid}]`).closest('figure').hidden = !matrix;
    // Drawn when the panel is open, at the size it then has (closed, it has none).
    const about = $('[data-testid=about]');
    const draw = () => {
      if (!about.open) return;
      for (const [testid, matrix] of matrices) if (matrix) drawConfusion($(`[data-testid=${testid}]`), matrix);
      about.removeEventListener('toggle', draw);
    };
    about.addEventListener('toggle', draw);
    draw();
  }
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

// A confusion matrix as a picture: row = true digit, column = predicted, each
// cell shaded by the share of that row (blue: right, red: mix-ups).
function drawConfusion(canvas, matrix) {
  if (!matrix) return;
  const size = canvas.clientWidth || 200;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = canvas.height = Math.round(size * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  const margin = 16;
  const n = matrix.length; // 10 digits, or 11 with "not a digit" (drawn as ?)
  const cell = (size - margin) / n;
  const style = getComputedStyle(canvas);
  g.clearRect(0, 0, size, size);
  g.font = `${Math.round(cell * 0.6)}px system-ui, sans-serif`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillStyle = style.color;
  for (let d = 0; d < n; d++) {
    const label = d < CLASSES ? String(d) : '?';
    g.fillText(label, margin + cell * (d + 0.5), margin / 2); // predicted
    g.fillText(label, margin / 2, margin + cell * (d + 0.5)); // true
  }
  matrix.forEach((row, truth) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, guess) => {
      const share = count / total;
      // Mix-ups are rare; a square root makes a 1% confusion visible.
      const alpha = truth === guess ? share : Math.min(1, Math.sqrt(share) * 1.5);
      g.fillStyle = truth === guess ? `rgba(29, 78, 216, ${alpha})` : `rgba(220, 38, 38, ${alpha})`;
      g.fillRect(margin + guess * cell, margin + truth * cell, cell - 1, cell - 1);
    });
  });
}
