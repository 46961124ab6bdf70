// Entry point: pad -> preprocess -> model -> view, one way.
import { Pad } from './pad.js';
import { createBuffers, preprocessStrokes } from './preprocess.js';
import { loadModel, predict, predictBatch } from './model.js';
import { View } from './view.js';
import { readWeights } from './model.js'; // "Why this digit?" panel
import { Why } from './why.js';
import { segmentStrokes } from './segment.js'; // reading a whole number
import { Reading } from './reading.js';
import { samples, samplesFile, teach } from './teach.js'; // teach it your handwriting

// Fetch and decode the model first: the preloaded files are read while the
// rest of the page is set up, instead of after it.
const loading = loadModel('model/');

const view = new View();
const why = new Why(); // the "Why this digit?" panel
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
  if (!drawing) readNumber(strokes); // the whole number, digit by digit, alongside
  if (strokes.length === 0) {
    view.showInput(null);
    view.showPrediction(null, 0);
    why.clearEvidence();
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
  why.showEvidence(pixels, probs); // each pixel's vote for the reading and the runner-up
}

const pad = new Pad(document.querySelector('[data-testid=pad]'), recognise);

// Read the drawing as a number: split it into digits (segment.js), recognise
// them in one batch, show the digits read and a box around each. Run for
// finished strokes only (stroke end, undo, clear), with its own request
// numbers so a prediction made mid-stroke does not drop it; like the
// prediction, it counts the strokes it accounts for.
const reading = new Reading(pad, document.querySelector('[data-testid=reading]'),
  document.querySelector('[data-testid=digit-boxes]'));
const readingBuffers = createBuffers(); // its own, so inputs.last stays the whole drawing's
let latestReading = 0;
async function readNumber(strokes) {
  const request = ++latestReading;
  const groups = segmentStrokes(strokes); // now: the pad's list is live
  const counted = strokes.length;
  if (groups.length === 0) return reading.show([], [], 0);
  if (!model) return; // read once the model is ready
  await null; // the single digit's prediction goes first
  const pixels = new Float32Array(groups.length * 784);
  groups.forEach((group, i) => pixels.set(preprocessStrokes(group, options, readingBuffers), i * 784));
  const probs = await predictBatch(model, pixels, groups.length);
  if (request !== latestReading) return;
  const digits = groups.map((_, i) => {
    const row = Array.from(probs.subarray(i * 10, i * 10 + 10));
    return row.indexOf(Math.max(...row));
  });
  reading.show(groups, digits, counted);
}

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

// Teach it: the right digit for the drawing on the pad is kept on this device,
// and the shipped model is fine-tuned (in TF.js) on all corrections so far,
// mixed with a few MNIST digits so it does not forget the rest.
let shippedModel = null;
const teachStatus = document.querySelector('[data-testid=teach-status]');

async function countRight(someModel, pixels, labels) {
  const probs = await predictBatch(someModel, pixels, labels.length);
  return labels.filter((label, i) => {
    const row = Array.from(probs.subarray(i * 10, i * 10 + 10));
    return row.indexOf(Math.max(...row)) === label;
  }).length;
}

async function retrain() {
  const list = await samples.all();
  if (model !== shippedModel) model.dispose();
  model = shippedModel;
  if (list.length > 0) {
    const pixels = new Float32Array(list.length * 784);
    list.forEach((sample, i) => pixels.set(preprocessStrokes(sample.strokes, options), i * 784));
    const labels = list.map((sample) => sample.label);
    const before = await countRight(shippedModel, pixels, labels);
    try {
      model = await teach(shippedModel, pixels, labels);
      const after = await countRight(model, pixels, labels);
      teachStatus.textContent = `Learned from ${list.length} of your digits: it now reads ${after} of them right `
        + `(the shipped model: ${before}). They stay on this device.`;
    } catch (error) { // e.g. a model exported without its replay set
      teachStatus.textContent = `Your digits are kept, but the model could not learn from them: ${error.message}`;
    }
  } else {
    teachStatus.textContent = 'Your corrections stay on this device.';
  }
  why.showTemplates(await readWeights(model));
  await recognise(pad.strokes, { drawing: false });
  teachStatus.dataset.samples = String(list.length);
}

for (let digit = 0; digit < 10; digit++) {
  document.querySelector(`[data-testid=teach-${digit}]`).addEventListener('click', async () => {
    if (!shippedModel || pad.isEmpty) {
      teachStatus.textContent = 'Draw a digit first, then tap what it should be.';
      return;
    }
    await samples.add(digit, pad.strokes.map((stroke) => stroke.map(([x, y]) => [x, y])));
    await retrain();
  });
}
document.querySelector('[data-testid=teach-reset]').addEventListener('click', async () => {
  await samples.clear();
  if (shippedModel) await retrain();
});
document.querySelector('[data-testid=teach-download]').addEventListener('click', async () => {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(samplesFile(await samples.all()));
  link.download = 'digitpad-samples.json'; // for `make train EXTRA=digitpad-samples.json`
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
});

async function start() {
  view.setModelState('loading', 'Loading the model…');
  try {
    const loaded = await loading;
    model = loaded.model;
    const preprocess = loaded.metadata.preprocess ?? {};
    options = { deskew: Boolean(preprocess.deskew), normalizeSize: Boolean(preprocess.normalize_size) };
    shippedModel = model;
    const accuracy = (loaded.metadata.test_accuracy * 100).toFixed(1);
    view.setModelState('ready', `Model ready: ${accuracy}% on the MNIST test set.`);
    performance.mark('digitpad-ready'); // time to ready, for benchmarks
    // The panels can wait until the model is usable.
    view.showAbout(loaded.metadata);
    why.showTemplates(await readWeights(model)); // what the model learned, as pictures
    // A handle for tests and the curious: run the loaded model on raw inputs.
    window.digitpad = { predictBatch: (pixels, n) => predictBatch(model, pixels, n), preprocessStrokes, inputs };
    recognise(pad.strokes, { drawing: pad.current !== null });
    // Taught on an earlier visit? (No IndexedDB, e.g. some private modes: nothing to restore.)
    if ((await samples.all().catch(() => [])).length > 0) await retrain();
  } catch (error) {
    // The pad stays usable; only recognition is off.
    view.setModelState('error', `The model could not be loaded, so digits cannot be recognised: ${error.message}`);
  }
}

start();

// Installable and offline: the service worker keeps the site and the model
// (sw.js). A relative URL, so it works under any sub-path.
// Registered once the page has loaded, so caching does not compete with it.
if ('serviceWorker' in navigator) {
  addEventListener('load', () => navigator.serviceWorker.register('sw.js').catch(() => {}));
}
