// Entry point: creates the page's pieces and connects them, one way:
// pad -> recognizer (parts, preprocess, model, verdicts) -> view, boxes, why panel.
import { bindControls } from './controls.js';
import { exposeHandle } from './test-handle.js';
import { Pad } from './pad.js';
import { Boxes } from './boxes.js';
import { Recognizer } from './recognizer.js';
import { nextTask } from './next-task.js';
import { TeachPanel } from './teach.js';
import { View } from './view.js';
import { Why } from './why.js';

const $ = (selector) => document.querySelector(selector);
const view = new View();
let why = null; // made in the page's second task (start, below)
// The selected digit's details: bars, boxes, why panel.
function showSelected(answer) {
  view.showSelected(answer);
  boxes.showSelected(answer);
  const digit = answer.digits[answer.selected];
  if (digit) why?.showEvidence(digit.pixels, digit.probs);
  else why?.clearEvidence();
}
const recognizer = new Recognizer({
  inputs: (digits) => view.showInputs(digits),
  answer: (answer) => {
    view.showAnswer(answer);
    boxes.show(answer);
    showSelected(answer);
    if (answer.finished) view.announce(answer);
  },
  selected: showSelected,
  weights: (weights) => why.showTemplates(weights),
}, { inkWidth: () => pad.penWidth });
const pad = new Pad($('[data-testid=pad]'), (strokes, state) => recognizer.update(strokes, state));
pad.onFull = () => view.padFull(pad.strokes.length);
const boxes = new Boxes(pad, $('[data-testid=digit-boxes]'), (index) => recognizer.select(index));
bindControls(pad);
exposeHandle(recognizer);
// The timings tests and `make bench` read (measure.js): loaded only when the page's address
// asks for them (?measure), never for a visitor.
const measuring = new URLSearchParams(location.search).has('measure') && import('./measure.js');

// The shipped model's MNIST score in words, '' when its metadata has none.
const score = (metadata) => (metadata.test_accuracy === undefined ? ''
  : `${(metadata.test_accuracy * 100).toFixed(1)}% on the MNIST test set`);

// "Model ready", with its accuracy when known, and what its metadata lacks.
function readyText(metadata, problems) {
  const lacking = problems.length ? ` (${problems.join('; ')}: the page uses what is there)` : '';
  return `Model ready${score(metadata) && `: ${score(metadata)}`}.${lacking}`;
}

function taughtText(metadata) {
  return `Your taught model answers${score(metadata) && ` (as shipped: ${score(metadata)})`}.`;
}

// The pad draws from the page's first task; the rest starts in the next, so no one task
// keeps a slow phone from drawing while the page loads.
async function start() {
  view.setModelState('loading', 'Loading the model…');
  await nextTask();
  try {
    // The model's files are fetched first, while model.js (and TF.js with it) loads: a script
    // of its own, run in a task of its own. (Fetched here rather than by <link rel=preload>:
    // WebKit would download them twice.)
    const early = Object.fromEntries(['model.json', 'metadata.json'].map((name) => [name, fetch(`model/${name}`)]));
    const loading = import('./model.js').then(({ loadModel }) => loadModel('model/', early));
    why = new Why();
    const teaching = new TeachPanel(pad, recognizer);
    if (measuring) (await measuring).measure({ view, recognizer, teaching });
    const { model, metadata, problems } = await loading;
    const answering = recognizer.start(model, metadata);
    view.setModelState('ready', readyText(metadata, problems));
    // Once a taught model answers, the shipped model's score is no longer what answers.
    teaching.onAnswering = (taught) => view.setStatus(taught ? taughtText(metadata) : readyText(metadata, problems));
    await answering;
    // The rest in tasks of their own, so no one task keeps a slow phone from drawing.
    await nextTask();
    view.showAbout(metadata, { classes: model.classes, margin: recognizer.margin, maxTurns: recognizer.maxTurns });
    await nextTask();
    await teaching.restore();
  } catch (error) {
    // The pad stays usable; only recognition is off.
    view.setModelState('error', `The model could not be loaded, so digits cannot be recognised: ${error.message}`);
  }
}

start();

// Installable and offline: the service worker keeps the site and the model
// (sw.js). A relative URL, so it works under any sub-path. Registered once
// the page has loaded, so caching does not compete with it.
if ('serviceWorker' in navigator) {
  addEventListener('load', () => navigator.serviceWorker.register('sw.js').catch(() => {}));
}
