// Tests for web/src/measure.js (run: npm test): which calls of the page's pieces make
// its marks and measures. The pieces here are stand-ins with the methods it wraps; the
// page itself is measured in Chromium (tests/test_teach.py, make bench).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure, measureTeaching } from '../../web/src/measure.js';

const count = (name) => performance.getEntriesByName(name).length;

// Stand-ins: answers are shown when the test says so (show(i): request i's answer).
function pieces() {
  const shown = [];
  const recognizer = {
    show: { answer: (answer) => shown.push(answer) },
    update() { return Promise.resolve(); },
    use() { return Promise.resolve(); },
  };
  const teaching = {
    drawn: true, // whether the pad holds a drawing to teach
    adding: null, // resolves the tap under way
    add() {
      if (!this.drawn) return undefined;
      return new Promise((resolve) => { this.adding = resolve; });
    },
    answerWith() { return Promise.resolve(); },
    restore() { return Promise.resolve(); },
    tuner: { fit() { return Promise.resolve({}); } },
  };
  const view = { states: [], setModelState(state) { this.states.push(state); } };
  measure({ view, recognizer });
  measureTeaching(teaching); // the teach panel loads later (main.js)
  return { view, recognizer, teaching, shown };
}

test('ready: marked when the model is ready, not while loading or on an error', () => {
  performance.clearMarks();
  const { view } = pieces();
  view.setModelState('loading', '');
  view.setModelState('error', '');
  assert.equal(count('digitpad-ready'), 0);
  view.setModelState('ready', '');
  assert.deepEqual(view.states, ['loading', 'error', 'ready']);
  assert.equal(count('digitpad-ready'), 1);
});

test('update: from update() to its answer, for a finished drawing with parts only', () => {
  performance.clearMeasures();
  const { recognizer } = pieces();
  const finished = { finished: true, parts: [{}] };
  recognizer.update([], { drawing: false });
  recognizer.show.answer({ finished: false, parts: [{}] }); // mid-stroke
  recognizer.show.answer({ finished: true, parts: [] }); // the pad cleared
  assert.equal(count('digitpad-update'), 0);
  recognizer.show.answer(finished);
  assert.equal(count('digitpad-update'), 1);
  recognizer.use({});
  recognizer.show.answer(finished); // the model's own reread (a taught model): not an update
  assert.equal(count('digitpad-update'), 1);
  recognizer.update([], { drawing: false });
  recognizer.show.answer(finished);
  assert.equal(count('digitpad-update'), 2);
});

test('teach: a tap until the taught model answers, once; a tap with nothing drawn is not timed', async () => {
  performance.clearMeasures();
  const { teaching } = pieces();
  teaching.drawn = false;
  assert.equal(teaching.add(3), undefined);
  teaching.drawn = true;
  const tap = teaching.add(3);
  await teaching.answerWith({});
  assert.equal(count('digitpad-teach'), 1);
  teaching.adding();
  await tap;
  assert.equal(count('digitpad-teach'), 1); // the tap was timed when the model answered
  const failed = teaching.add(4); // no taught model answers (an error): timed when the tap is done
  assert.equal(count('digitpad-teach'), 1);
  teaching.adding();
  await failed;
  assert.equal(count('digitpad-teach'), 2);
});

test('teach-fit and restored: marked per fit started and once restored', async () => {
  performance.clearMarks();
  const { teaching } = pieces();
  await teaching.tuner.fit();
  await teaching.tuner.fit();
  assert.equal(count('digitpad-teach-fit'), 2);
  assert.equal(count('digitpad-restored'), 0);
  await teaching.restore();
  assert.equal(count('digitpad-restored'), 1);
});

test('a piece without a method it wraps fails at once', () => {
  assert.throws(() => measure({ view: {}, recognizer: {} }), /no setModelState\(\) to measure/);
  assert.throws(() => measureTeaching({}), /no add\(\) to measure/);
});
