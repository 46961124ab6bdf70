// The page's timings for the tests and `make bench` (python/digitpad_bench), as
// performance marks and measures. The page loads this module only when its address
// asks for it (?measure, main.js): the product never imports it on its own, and none
// of its classes measures anything. It wraps their methods from outside instead:
//   digitpad-ready (mark): the model is ready (View.setModelState('ready')).
//   digitpad-update (measure): Recognizer.update() called until its answer is shown,
//     for a drawing with no stroke in progress.
//   digitpad-teach-fit (mark): a fit starts in the teaching worker (FineTuner.fit()).
//   digitpad-teach (measure): a tap on a digit (TeachPanel.add()) until the model taught
//     with it answers (TeachPanel.answerWith()), or, when none does (an error), the tap is done.
//   digitpad-restored (mark): the digits of earlier visits are in use (TeachPanel.restore()).

// Replace object[name] with make(the method as it was): a method renamed fails here, loudly.
function wrap(object, name, make) {
  const method = object[name];
  if (typeof method !== 'function') throw new Error(`measure.js: no ${name}() to measure`);
  object[name] = make(method);
}

// Called by main.js with the page's pieces, before the model is ready.
export function measure({ view, recognizer }) {
  wrap(view, 'setModelState', (set) => function (state, ...rest) {
    set.call(this, state, ...rest);
    if (state === 'ready') performance.mark('digitpad-ready');
  });
  measureUpdates(recognizer);
}

// Only the newest request's answer is ever shown (recognizer.js): the start kept is the
// newest update's, and none for the model's own rereads (use(): a model starts or changes).
function measureUpdates(recognizer) {
  let started;
  wrap(recognizer, 'update', (update) => function (...args) {
    started = performance.now();
    return update.apply(this, args);
  });
  wrap(recognizer, 'use', (use) => function (...args) {
    started = undefined;
    return use.apply(this, args);
  });
  wrap(recognizer.show, 'answer', (show) => (answer) => {
    show(answer);
    if (started !== undefined && answer.finished && answer.parts.length > 0) {
      performance.measure('digitpad-update', { start: started });
    }
  });
}

// Called by main.js with the teach panel once it has loaded (after the model is ready,
// or at a visitor's first tap), before it restores what earlier visits taught.
export function measureTeaching(teaching) {
  let tapped = null; // when the tap being answered happened (a later tap replaces it)
  const answered = () => {
    if (tapped !== null) performance.measure('digitpad-teach', { start: tapped });
    tapped = null;
  };
  wrap(teaching, 'add', (add) => function (digit) {
    const start = performance.now();
    const adding = add.call(this, digit);
    if (!adding) return adding; // nothing drawn to teach: not a tap to time
    tapped = start;
    return adding.then(answered);
  });
  wrap(teaching, 'answerWith', (answerWith) => function (taught) {
    return answerWith.call(this, taught).then(answered);
  });
  wrap(teaching.tuner, 'fit', (fit) => function (...args) {
    performance.mark('digitpad-teach-fit');
    return fit.apply(this, args);
  });
  wrap(teaching, 'restore', (restore) => function () {
    return restore.call(this).then(() => { performance.mark('digitpad-restored'); });
  });
}
