// Entry point: creates the page's pieces and connects them, one way:
// pad -> recognizer (parts, preprocess, model, verdicts) -> view, boxes, why panel.
// Only what the first answer needs loads first; teaching and the why and about panels
// load once the model is ready, in idle time, or at once when a visitor reaches for them.
import { bindControls } from './controls.js';
import { exposeHandle } from './test-handle.js';
import { Pad } from './pad.js';
import { Boxes } from './boxes.js';
import { Recognizer } from './recognizer.js';
import { nextTask } from './next-task.js';
import { View } from './view.js';
import { loading } from './loading.js'; // under way before this module's own code runs

const $ = (selector) => document.querySelector(selector);
// A script loaded later, by its place in the site: this script is in the page itself (site.py).
const part = (path) => import(new URL(path, document.baseURI).href);
const view = new View();
let why = null; // the why panel, once loaded (loadWhy)
let weights = null; // the answering model's weights, for the why panel
// The why panel's evidence for the selected digit of `answer`.
function showEvidence(answer) {
  const digit = answer.digits[answer.selected];
  why?.showEvidence(digit?.pixels, digit?.probs); // none: blank maps
}
// The selected digit's details: bars, boxes, why panel.
function showSelected(answer) {
  view.showSelected(answer);
  boxes.showSelected(answer);
  showEvidence(answer);
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
  weights: (shown) => {
    weights = shown;
    why?.showTemplates(shown);
  },
}, { inkWidth: () => pad.penWidth });
const pad = new Pad($('[data-testid=pad]'), (strokes, state) => recognizer.update(strokes, state));
pad.onFull = () => view.padFull(pad.strokes.length);
const boxes = new Boxes(pad, $('[data-testid=digit-boxes]'), (index) => recognizer.select(index));
bindControls(pad);
exposeHandle(recognizer);
// The timings tests and `make bench` read (measure.js): loaded only when the page's address
// asks for them (?measure), never for a visitor.
const measuring = new URLSearchParams(location.search).has('measure') && part('dist/measure.js');

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

// Settles with the loaded model once it answers; never, when it could not be loaded.
let answering;
const ready = new Promise((resolve) => { answering = resolve; });

// Each of the later parts loads once: `load` the first time it is asked for (again after
// a failure: the part could not be fetched, say offline before the site was kept).
const once = (load) => {
  let loaded = null;
  return () => (loaded ??= load().catch((error) => {
    loaded = null;
    throw error;
  }));
};
const quietly = (promise) => promise.catch(() => {}); // a part missing leaves the rest of the page as it is

const loadWhy = once(async () => {
  const { Why } = await part('dist/why.js');
  why = new Why();
  if (weights) why.showTemplates(weights);
  showEvidence(recognizer.answer);
});

const loadAbout = once(async () => {
  const [{ showAbout }, { model, metadata }] = await Promise.all([part('dist/about.js'), ready]);
  showAbout(metadata, { classes: model.classes, margin: recognizer.margin, maxTurns: recognizer.maxTurns });
});

// A tap on the teach panel before it has loaded loads it, and is passed on to it.
const teachSection = $('.teach');
function tappedEarly({ target }) {
  const button = target.closest('button');
  quietly(loadTeaching().then(() => button?.click()));
}
teachSection.addEventListener('click', tappedEarly);

// Resolves with the teach panel once it takes taps; restores what earlier visits taught
// once the model answers.
const loadTeaching = once(async () => {
  const [{ TeachPanel }, measure] = await Promise.all([part('dist/teach.js'), measuring]);
  const teaching = new TeachPanel(pad, recognizer);
  teachSection.removeEventListener('click', tappedEarly); // its buttons take taps from now on
  if (measure) measure.measureTeaching(teaching);
  ready.then(async ({ metadata, problems }) => {
    // Once a taught model answers, the shipped model's score is no longer what answers.
    teaching.onAnswering = (taught) => view.setStatus(taught ? taughtText(metadata) : readyText(metadata, problems));
    await teaching.restore();
  });
  return teaching;
});

// A panel opened before its part has loaded: load it now.
$('[data-testid=why]').addEventListener('toggle', () => quietly(loadWhy()));
$('[data-testid=about]').addEventListener('toggle', () => quietly(loadAbout()));

async function start() {
  view.setModelState('loading', 'Loading the model…');
  try {
    if (measuring) (await measuring).measure({ view, recognizer });
    const { model, metadata, problems } = await loading;
    const answered = recognizer.start(model, metadata);
    view.setModelState('ready', readyText(metadata, problems));
    await answered;
    answering({ model, metadata, problems });
  } catch (error) {
    // The pad stays usable; only recognition is off.
    view.setModelState('error', `The model could not be loaded, so digits cannot be recognised: ${error.message}`);
    return;
  }
  // The rest when the page is idle, each part in tasks of its own, so that no one task
  // keeps a slow phone from drawing.
  const idle = () => new Promise((resolve) => { (window.requestIdleCallback ?? setTimeout)(resolve); });
  for (const load of [loadTeaching, loadWhy, loadAbout]) {
    await idle();
    await quietly(load());
    await nextTask();
  }
}

start();

// Installable and offline: the service worker keeps the site and the model
// (sw.js). A relative URL, so it works under any sub-path. Registered once
// the page has loaded, so caching does not compete with it.
if ('serviceWorker' in navigator) {
  addEventListener('load', () => navigator.serviceWorker.register('sw.js').catch(() => {}));
}
