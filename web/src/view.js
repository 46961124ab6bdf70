// The view: shows what the model thinks. It only writes to the DOM; it never
// touches the pad or the model.

const $ = (selector) => document.querySelector(selector);

export class View {
  constructor() {
    this.prediction = $('[data-testid=prediction]');
    this.status = $('[data-testid=status]');
    this.preview = $('[data-testid=preview]');
    this.previewPixels = this.preview.getContext('2d').createImageData(28, 28);
    this.bars = this.createBars($('[data-testid=probs]'));
  }

  // One row per digit: label, bar, percentage. data-p holds the exact value.
  createBars(list) {
    return Array.from({ length: 10 }, (_, digit) => {
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
    let best = -1;
    if (probs) best = probs.indexOf(Math.max(...probs));
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

  // The 28x28 input as a picture, white ink on black like MNIST.
  showInput(pixels) {
    const data = this.previewPixels.data;
    for (let i = 0; i < 784; i++) {
      const v = pixels ? Math.round(pixels[i] * 255) : 0;
      data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = v;
      data[4 * i + 3] = 255;
    }
    this.preview.getContext('2d').putImageData(this.previewPixels, 0, 0);
  }

  setDrawn(drawn) {
    document.body.classList.toggle('drawn', drawn);
  }
}
