// Tests for web/src/recognizer.js with a stand-in model (run: npm test); with the real
// model it is tested in Chromium (tests/test_page.py, tests/test_teach.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDrawing } from '../../web/src/answer.js';
import { preprocessStrokes } from '../../web/src/preprocess.js';
import { Recognizer } from '../../web/src/recognizer.js';
import { nextTask } from '../../web/src/next-task.js';

// A model that reads every input as `digit` (softmax outputs, 10 classes).
function modelReading(digit) {
  return {
    classes: 10,
    predicted: 0, // how many inputs it was asked to read
    async predict(pixels, n) {
      this.predicted += n;
      this.pixels = pixels;
      const probs = new Float32Array(n * 10).fill(0.01);
      for (let i = 0; i < n; i++) probs[i * 10 + digit] = 0.91;
      return probs;
    },
    async read() {
      return { kernel: new Float32Array(7840).fill(digit), bias: new Float32Array(10) };
    },
    dispose() {
      this.disposed = true;
    },
  };
}

function recorder() {
  const seen = { inputs: 0, answers: [], weights: [] };
  const show = {
    inputs: () => { seen.inputs += 1; },
    answer: (answer) => seen.answers.push(answer),
    selected: () => {},
    weights: (weights) => seen.weights.push(weights.kernel[0]),
  };
  return { seen, show };
}

const STROKE = Array.from({ length: 20 }, (_, i) => [40, 20 + 4 * i]); // a "1"

test('a new model answers for the drawing as last read, without reading it again', async () => {
  const { seen, show } = recorder();
  const recognizer = new Recognizer(show);
  const shipped = modelReading(1);
  await recognizer.start(shipped, { preprocess: { deskew: true, normalize_size: true } });
  await recognizer.update([STROKE], { drawing: false });
  assert.equal(seen.answers.at(-1).text, '1');
  let preprocessed = 0;
  const preprocess = recognizer.preprocess.bind(recognizer);
  recognizer.preprocess = (strokes) => { preprocessed += 1; return preprocess(strokes); };
  const inputs = seen.inputs;

  const taught = modelReading(7);
  await recognizer.use(taught);
  const answer = seen.answers.at(-1);
  assert.equal(answer.text, '7');
  assert.equal(answer.strokes, 1);
  assert.equal(taught.predicted, 1);
  assert.equal(preprocessed, 0, 'the unchanged drawing was preprocessed again');
  assert.equal(seen.inputs, inputs, 'the unchanged inputs were shown again');

  // Back to the shipped model: the taught one is freed, the shipped one never.
  await recognizer.use(shipped);
  assert.equal(seen.answers.at(-1).text, '1');
  assert.equal(taught.disposed, true);
  assert.equal(shipped.disposed, undefined);
});

test('the weights are shown a task after the answer, and only the answering model\'s', async () => {
  const { seen, show } = recorder();
  const recognizer = new Recognizer(show);
  await recognizer.start(modelReading(1), { preprocess: {} });
  await nextTask();
  assert.deepEqual(seen.weights, [1]);
  await recognizer.update([STROKE], { drawing: false });

  await recognizer.use(modelReading(7));
  assert.deepEqual(seen.weights, [1], 'shown in the answer\'s task');
  await recognizer.use(modelReading(3)); // replaced before its weights were shown
  await nextTask();
  await nextTask();
  assert.deepEqual(seen.weights, [1, 3]);
  assert.equal(seen.answers.at(-1).text, '3');
});

test('an empty pad has an empty answer whichever model answers', async () => {
  const { seen, show } = recorder();
  const recognizer = new Recognizer(show);
  await recognizer.start(modelReading(1), { preprocess: {} });
  await recognizer.update([STROKE], { drawing: false });
  await recognizer.update([], { drawing: false });
  await recognizer.use(modelReading(7));
  assert.equal(seen.answers.at(-1).text, '');
  assert.equal(seen.answers.at(-1).strokes, 0);
});

test('a digit drawn while the model loads is read with the model\'s preprocessing', async () => {
  const { seen, show } = recorder();
  const recognizer = new Recognizer(show);
  const slanted = STROKE.map(([x, y], i) => [x + i, y]); // deskewing changes it
  await recognizer.update([slanted], { drawing: false });
  assert.equal(seen.answers.length, 0, 'answered before the model was ready');
  const model = modelReading(4);
  await recognizer.start(model, { preprocess: { deskew: true, normalize_size: true } });
  assert.equal(seen.answers.at(-1).text, '4');
  const expected = preprocessStrokes([slanted], { deskew: true, normalizeSize: true });
  assert.deepEqual(Array.from(model.pixels), Array.from(expected));
  assert.notDeepEqual(Array.from(expected), Array.from(preprocessStrokes([slanted])));
});

test('a selected digit stays selected for a new model and a resized pad, not for a new stroke', async () => {
  const { seen, show } = recorder();
  const recognizer = new Recognizer(show);
  await recognizer.start(modelReading(1), { preprocess: {} });
  const shifted = (stroke, dx) => stroke.map(([x, y]) => [x + dx, y]);
  const number = [STROKE, shifted(STROKE, 100), shifted(STROKE, 200)];
  await recognizer.update(number, { drawing: false });
  assert.equal(seen.answers.at(-1).digits.length, 3);
  assert.equal(seen.answers.at(-1).selected, 2); // the last drawn
  recognizer.select(1);

  await recognizer.use(modelReading(7));
  assert.equal(seen.answers.at(-1).text, '777');
  assert.equal(seen.answers.at(-1).selected, 1);
  const scaled = number.map((stroke) => stroke.map(([x, y]) => [x * 0.6, y * 0.6])); // the pad resized
  await recognizer.update(scaled, { drawing: false });
  assert.equal(seen.answers.at(-1).selected, 1);

  await recognizer.update([...scaled, shifted(STROKE, 300)], { drawing: false }); // a fourth digit
  assert.equal(seen.answers.at(-1).selected, 3);
});

// A digit drawn small (its height `height` px) as a mouse or finger gives it, a point
// every px, each moved by up to `shake` px at random: a shaky hand.
function smallShaky(strokes, height, shake, random) {
  const ys = strokes.flat().map(([, y]) => y);
  const xs = strokes.flat().map(([x]) => x);
  const scale = height / (Math.max(...ys) - Math.min(...ys));
  return strokes.map((stroke) => {
    const points = [];
    stroke.forEach(([x, y], k) => {
      const [px, py] = k > 0 ? stroke[k - 1] : [x, y];
      const steps = Math.max(1, Math.ceil(Math.hypot(x - px, y - py) * scale));
      for (let s = k > 0 ? 1 : 0; s <= steps; s++) {
        const f = k > 0 ? s / steps : 0;
        points.push([100 + (px + f * (x - px) - Math.min(...xs)) * scale + shake * (2 * random() - 1),
          100 + (py + f * (y - py) - Math.min(...ys)) * scale + shake * (2 * random() - 1)]);
      }
    });
    return points;
  });
}

function seeded(seed) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const PEN_DIGITS = JSON.parse(readFileSync(new URL('../fixtures/pendigits-sample.json', import.meta.url)));
const PHONE_PEN = 11.6; // pad.js's pen on a 257 px pad (a 375x667 phone)

test('issue 33: a small, shaky digit is read as a digit; a small scribble still is not', async () => {
  const random = seeded(1);
  const recognizer = new Recognizer(recorder().show, { inkWidth: () => PHONE_PEN });
  const shaky = PEN_DIGITS.map((d) => smallShaky(d.strokes, 40 + 20 * random(), 1.5, random));
  const rejected = shaky.filter((strokes) => recognizer.notADigit(parseDrawing(strokes)[0]) !== '');
  assert.ok(rejected.length <= 3, `${rejected.length} of ${shaky.length} small shaky digits rejected`);

  const { seen, show } = recorder();
  const page = new Recognizer(show, { inkWidth: () => PHONE_PEN });
  await page.start(modelReading(3), { preprocess: { deskew: true, normalize_size: true } });
  const three = PEN_DIGITS.find((d) => d.label === 3);
  await page.update(smallShaky(three.strokes, 50, 1.5, seeded(2)), { drawing: false });
  assert.equal(seen.answers.at(-1).verdict, 'digit');
  assert.equal(seen.answers.at(-1).text, '3');

  // A spiral of 6 turns, 60 px across, drawn as shakily, winds too much: not a digit, and why.
  const spiral = [Array.from({ length: 600 }, (_, i) => {
    const angle = (i / 600) * 6 * 2 * Math.PI;
    return [100 + (30 * i / 600) * Math.cos(angle) + random(), 100 + (30 * i / 600) * Math.sin(angle) + random()];
  })];
  await page.update(spiral, { drawing: false });
  assert.equal(seen.answers.at(-1).verdict, 'not-a-digit');
  assert.equal(seen.answers.at(-1).digits[0].reason, 'winding');
});

test('issue 31: parts that are not a row are read as one picture; a part of many strokes is no digit', async () => {
  const { seen, show } = recorder();
  const recognizer = new Recognizer(show);
  const model = modelReading(7);
  await recognizer.start(model, {});
  // Two "1"s side by side: a number, two parts read.
  const one = (x, y, h = 80) => [[x, y], [x, y + h]];
  await recognizer.update([one(40, 20), one(120, 20)], { drawing: false });
  assert.equal(seen.answers.at(-1).digits.length, 2);
  assert.equal(seen.answers.at(-1).text, '77');
  // The second far below the first's line: one picture, read whole, in one box.
  model.predicted = 0;
  await recognizer.update([one(40, 20), one(120, 200)], { drawing: false });
  const picture = seen.answers.at(-1);
  assert.equal(model.predicted, 1);
  assert.deepEqual([picture.digits.length, picture.text, picture.strokes], [1, '7', 2]);
  assert.deepEqual(picture.digits[0].box, { x0: 40, x1: 120, y0: 20, y1: 280 });
  // Six strokes in one part (more than MAX_DIGIT_STROKES): not a digit, whatever the model says, and why.
  const crossed = Array.from({ length: 6 }, (_, i) => [[20 + 10 * i, 20], [80 - 10 * i, 100]]);
  await recognizer.update(crossed, { drawing: false });
  assert.equal(seen.answers.at(-1).verdict, 'not-a-digit');
  assert.equal(seen.answers.at(-1).digits[0].reason, 'strokes');
});

test('a row that is read as a picture for a stroke keeps its digits\' inputs for when it is a row again', async () => {
  const { seen, show } = recorder();
  const recognizer = new Recognizer(show);
  await recognizer.start(modelReading(1), { preprocess: {} });
  const preprocessed = [];
  const preprocess = recognizer.preprocess.bind(recognizer);
  recognizer.preprocess = (strokes) => { preprocessed.push(strokes.length); return preprocess(strokes); };
  const one = (x, h = 80) => [[x, 20], [x, 20 + h]];
  const ones = [one(40), one(140), one(240), one(340)];
  await recognizer.update(ones, { drawing: false });
  assert.equal(seen.answers.at(-1).digits.length, 4);
  // A short stroke beside them (a 7's bar as it starts) makes the drawing a picture, read whole...
  const bar = [[420, 20], [460, 20]];
  await recognizer.update([...ones, bar], { drawing: false });
  assert.equal(seen.answers.at(-1).digits.length, 1);
  assert.deepEqual(preprocessed, [1, 1, 1, 1, 5]);
  // ...and its down stroke makes it a row again: only the new digit is preprocessed.
  await recognizer.update([...ones, bar, [[460, 20], [430, 100]]], { drawing: false });
  assert.equal(seen.answers.at(-1).digits.length, 5);
  assert.deepEqual(preprocessed.slice(5), [2]);
});

test('a stroke preprocesses and reads only the digit it changes; the others keep their inputs', async () => {
  const { seen, show } = recorder();
  const recognizer = new Recognizer(show);
  const model = modelReading(1);
  await recognizer.start(model, { preprocess: { deskew: true, normalize_size: true } });
  const preprocessed = [];
  const preprocess = recognizer.preprocess.bind(recognizer);
  recognizer.preprocess = (strokes) => { preprocessed.push(strokes.length); return preprocess(strokes); };
  const at = (x) => STROKE.map(([, y]) => [x, y]); // a "1" at x
  const bar = [[30, 20], [60, 20]]; // a bar over the first "1": the same digit
  const ones = [at(40), at(140), at(240)];
  await recognizer.update(ones, { drawing: false });
  assert.equal(preprocessed.length, 3);
  assert.equal(model.predicted, 3);
  const first = seen.answers.at(-1);

  const fourth = at(340);
  await recognizer.update([...ones, fourth], { drawing: false });
  assert.deepEqual(preprocessed.slice(3), [1], 'only the new digit');
  await recognizer.update([...ones, fourth, bar], { drawing: false });
  assert.deepEqual(preprocessed.slice(4), [2], 'only the digit the bar joined');
  assert.equal(model.predicted, 5, 'the model read only the new and the changed digit');
  assert.deepEqual(Array.from(model.pixels), Array.from(preprocessStrokes([ones[0], bar], { deskew: true, normalizeSize: true })));
  const answer = seen.answers.at(-1);
  assert.equal(answer.text, '1111');
  // The same inputs as preprocessing every digit afresh gives.
  answer.digits.forEach((digit) => {
    const fresh = preprocessStrokes(digit.strokes, { deskew: true, normalizeSize: true });
    assert.deepEqual(Array.from(digit.pixels), Array.from(fresh));
  });
  assert.equal(answer.digits[1].pixels, first.digits[1].pixels, 'an unchanged digit keeps its input');
  // A taught model reads every digit again.
  const taught = modelReading(7);
  await recognizer.use(taught);
  assert.equal(taught.predicted, 4);
  assert.equal(seen.answers.at(-1).text, '7777');
  await recognizer.use(model);

  // A stroke in progress grows in place: its digit is preprocessed again as it grows.
  const growing = at(440).slice(0, 10);
  const strokes = [...ones, fourth, bar, growing];
  await recognizer.update(strokes, { drawing: true });
  growing.push(...at(440).slice(10));
  await recognizer.update(strokes, { drawing: false });
  assert.deepEqual(preprocessed.slice(5), [1, 1]);
  assert.equal(seen.answers.at(-1).strokes, 6);

  // Another model with another preprocessing: every digit again.
  await recognizer.start(modelReading(1), { preprocess: { deskew: false, normalize_size: false } });
  assert.equal(preprocessed.length, 7 + 5);
});
