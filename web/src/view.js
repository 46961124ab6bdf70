// The view: shows what the model thinks. It only writes to the DOM; it never
// touches the pad or the model.
import { CLASSES, INPUT_SIZE, SIDE, argmax } from './shape.js';

const $ = (selector) => document.querySelector(selector);

export class View {
  constructor() {
    this.prediction = $('[data-testid=prediction]');
    this.status = $('[data-testid=status]');
    this.preview = $('[data-testid=preview]');
    this.previewPixels = this.preview.getContext('2d').createImageData(SIDE, SIDE);
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

  // probs: 10 probabilities, or null for an empty pad. strokes: how many strokes
  // the shown prediction accounts for.
  showPrediction(probs, strokes) {
    const best = probs ? argmax(probs) : -1;
    this.prediction.textContent = best < 0 ? '' : String(best);
    this.prediction.dataset.strokes = String(strokes);
    this.bars.forEach(({ row, fill, value }, digit) => {
      const p = probs ? probs[digit] : 0;
      row.dataset.p = String(p);
      row.classList.toggle('top', digit === best);
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      value.textContent = `${Math.round(p * 100)}%`;
    });
  }

  // The 28x28 input as a picture, white ink on black like MNIST; null for an
  // empty pad (which also brings back the invitation to draw).
  showInput(pixels) {
    document.body.classList.toggle('drawn', pixels !== null);
    const data = this.previewPixels.data;
    for (let i = 0; i < INPUT_SIZE; i++) {
      const v = pixels ? Math.round(pixels[i] * 255) : 0;
      data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = v;
      data[4 * i + 3] = 255;
    }
    this.preview.getContext('2d').putImageData(this.previewPixels, 0, 0);
  }

  // "About this model": what it was trained on, how good it is, and where it
  // errs, drawn from the metadata that `make export` wrote.
  showAbout(meta) {
    const percent = (x) => `${(x * 100).toFixed(1)}%`;
    const trained = meta.trained_on ?? {};
    const parts = [`One Dense(10, softmax) layer: 7,850 weights, trained on ${(trained.mnist_train ?? 0).toLocaleString('en')} MNIST digits`];
    if (trained.pen_digits) {
      parts.push(` and ${trained.pen_digits.toLocaleString('en')} pen-drawn digits by ${trained.pen_writers.length} writers`
        + ` (${trained.pen_renderings.toLocaleString('en')} renderings with small random rotations and stretches)`);
    }
    if (meta.preprocess?.normalize_size) parts.push(', every digit sheared upright and stretched to a standard spread. ');
    else if (meta.preprocess?.deskew) parts.push(', every digit sheared upright. ');
    else parts.push('. ');
    parts.push(`MNIST test accuracy: ${percent(meta.test_accuracy)}.`);
    const drawn = meta.heldout_pen;
    if (drawn) parts.push(` Drawn digits by ${drawn.writers.length} writers it never saw: ${percent(drawn.accuracy)} of ${drawn.samples.toLocaleString('en')}.`);
    document.querySelector('[data-testid=about-summary]').textContent = parts.join('');
    drawConfusion(document.querySelector('[data-testid=confusion-mnist]'), meta.confusion_matrix);
    const drawnCanvas = document.querySelector('[data-testid=confusion-drawn]');
    drawnCanvas.closest('figure').hidden = !drawn;
    if (drawn) drawConfusion(drawnCanvas, drawn.confusion_matrix);
  }
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
  const cell = (size - margin) / CLASSES;
  const style = getComputedStyle(canvas);
  g.clearRect(0, 0, size, size);
  g.font = `${Math.round(cell * 0.6)}px system-ui, sans-serif`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillStyle = style.color;
  for (let d = 0; d < CLASSES; d++) {
    g.fillText(String(d), margin + cell * (d + 0.5), margin / 2); // predicted
    g.fillText(String(d), margin / 2, margin + cell * (d + 0.5)); // true
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
