// Entry point: pad -> preprocess -> model -> view, one way.
import { Pad } from './pad.js';
import { createBuffers, preprocessStrokes } from './preprocess.js';
import { loadModel, predict, predictBatch } from './model.js';
import { View } from './view.js';

const view = new View();
let model = null;
let options = {}; // preprocessing as the model was trained (from its metadata)
const buffers = createBuffers(); // reused by every preprocessing call
const inputs = { last: null }; // the newest model input, for tests and the curious
let latest = 0; // number of the newest recognition request; older answers are dropped

// Recognise the drawing as it is now. `strokes` is the pad's live list, so
// copy what we need before awaiting anything.
async function recognise(strokes, { drawing }) {
  const started = performance.now();
  const request = ++latest;
  view.setDrawn(strokes.length > 0);
  // A prediction accounts for the finished strokes; one made mid-stroke also
  // shows the partial stroke but does not count it.
  const counted = drawing ? strokes.length - 1 : strokes.length;
  if (strokes.length === 0) {
    view.showInput(null);
    view.showPrediction(null, 0);
    return;
  }
  const pixels = preprocessStrokes(strokes, options, buffers);
  inputs.last = pixels;
  view.showInput(pixels);
  if (!model) return; // shown once the model is ready
  const probs = Array.from(await predict(model, pixels));
  if (request !== latest) return;
  view.showPrediction(probs, counted);
  // Stroke end to prediction shown, for `make bench`.
  if (!drawing) performance.measure('digitpad-update', { start: started });
}

const pad = new Pad(document.querySelector('[data-testid=pad]'), recognise);
document.querySelector('[data-testid=clear]').addEventListener('click', () => pad.clear());
document.querySelector('[data-testid=undo]').addEventListener('click', () => pad.undo());
document.addEventListener('keydown', (e) => {
  if (e.target.closest('input, textarea, select')) return;
  if (e.key === 'Escape' || e.key === 'Delete') {
    pad.clear();
  } else if ((e.key === 'z' && (e.ctrlKey || e.metaKey)) || e.key === 'Backspace') {
    e.preventDefault();
    pad.undo();
  }
});

async function start() {
  view.setModelState('loading', 'Loading the model…');
  try {
    const loaded = await loadModel('model/');
    model = loaded.model;
    const preprocess = loaded.metadata.preprocess ?? {};
    options = { deskew: Boolean(preprocess.deskew), normalizeSize: Boolean(preprocess.normalize_size) };
    view.showAbout(loaded.metadata);
    const accuracy = (loaded.metadata.test_accuracy * 100).toFixed(1);
    view.setModelState('ready', `Model ready: ${accuracy}% on the MNIST test set.`);
    performance.mark('digitpad-ready'); // time to ready, for benchmarks
    // A handle for tests and the curious: run the loaded model on raw inputs.
    window.digitpad = { predictBatch: (pixels, n) => predictBatch(model, pixels, n), preprocessStrokes, inputs };
    recognise(pad.strokes, { drawing: pad.current !== null });
  } catch (error) {
    // The pad stays usable; only recognition is off.
    view.setModelState('error', `The model could not be loaded, so digits cannot be recognised: ${error.message}`);
  }
}

start();
