// Tests for web/src/answer.js (run: npm test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DOT_SIZE, MAX_DIGIT_STROKES, MAX_TURNS, MINUS_BAND, MINUS_FLAT, MINUS_MIN, POINT_LOW, UNSURE_MARGIN, compose, isRow, judge,
  parseDrawing, wholePart,
} from '../../web/src/answer.js';
import { winding } from '../../web/src/preprocess.js';
import { readFileSync } from 'node:fs';

// Digits 100 units tall (y 0..100), drawn at x offset `at`; gaps of 40 between them.
const shift = (strokes, at) => strokes.map((s) => s.map(([x, y]) => [x + at, y]));
const ONE = [[[30, 0], [30, 100]]];
const THREE = [[[0, 0], [50, 10], [20, 50], [50, 90], [0, 100]]];
const SEVEN = [[[0, 5], [60, 0], [25, 100]], [[15, 50], [55, 50]]];
const FIVE = [[[10, 0], [10, 45], [50, 55], [45, 95], [5, 90]], [[12, 0], [55, 0]]];
const tap = (x, y) => [[x, y]];

const kinds = (parts) => parts.map((p) => p.kind).join(' ');

// A reading from parsed parts and one judged digit per digit part.
function read(parts, digits) {
  const judged = digits.map((digit) => ({ verdict: 'digit', digit, runnerUp: 0 }));
  return compose(parts, judged).text;
}

test('the thresholds are shares, in the ranges their comments give', () => {
  assert.ok(DOT_SIZE > 0 && DOT_SIZE < 0.5);
  assert.ok(POINT_LOW >= 0.5 && POINT_LOW < 1);
  assert.ok(MINUS_FLAT > 0 && MINUS_FLAT < 1);
  assert.ok(MINUS_MIN > 0 && MINUS_MIN < DOT_SIZE);
  assert.ok(MINUS_BAND[0] < 0.5 && MINUS_BAND[1] > 0.5);
  assert.ok(UNSURE_MARGIN > 0 && UNSURE_MARGIN < 1);
});

test('an empty pad has no parts', () => {
  assert.deepEqual(parseDrawing([]), []);
  assert.deepEqual(parseDrawing([[]]), []);
});

test('one digit is one part, with its strokes in drawing order and its newest stroke', () => {
  const parts = parseDrawing(SEVEN);
  assert.equal(kinds(parts), 'digit');
  assert.deepEqual(parts[0].strokes, SEVEN);
  assert.equal(parts[0].last, 1);
});

test('a lone tap is a digit: nothing to compare it with', () => {
  assert.equal(kinds(parseDrawing([tap(5, 5)])), 'digit');
});

test('a number reads left to right', () => {
  const parts = parseDrawing([...shift(SEVEN, 200), ...shift(ONE, 0), ...shift(THREE, 100)]);
  assert.equal(kinds(parts), 'digit digit digit');
  assert.equal(read(parts, [1, 3, 7]), '137');
  assert.deepEqual(parts.map((p) => p.last), [2, 3, 1]);
});

test('a dot on the baseline between two digits is a decimal point', () => {
  const parts = parseDrawing([...THREE, tap(75, 95), ...shift(FIVE, 100)]);
  assert.equal(kinds(parts), 'digit point digit');
  assert.equal(read(parts, [3, 5]), '3.5');
  assert.deepEqual(parts[1].strokes, [tap(75, 95)]);
});

test('a small blob counts as a dot too, a high dot between digits does not', () => {
  const blob = [[74, 90], [78, 92], [76, 96], [73, 93]];
  assert.equal(kinds(parseDrawing([...THREE, blob, ...shift(FIVE, 100)])), 'digit point digit');
  assert.equal(kinds(parseDrawing([...THREE, tap(75, 20), ...shift(FIVE, 100)])), 'digit digit');
});

test('only one decimal point', () => {
  const parts = parseDrawing([...ONE, tap(60, 95), ...shift(THREE, 100), tap(175, 95), ...shift(FIVE, 200)]);
  assert.equal(read(parts, [1, 3, 5]), '1.35');
});

test('a stray tap beside a digit, before or after it, is no digit', () => {
  for (const x of [-40, 120]) {
    const parts = parseDrawing([...SEVEN, tap(x, 60)]);
    assert.equal(kinds(parts), 'digit', `tap at ${x}`);
    assert.deepEqual(parts[0].strokes, SEVEN);
  }
});

test('a dot inside a digit stays with it', () => {
  const parts = parseDrawing([...SEVEN, tap(30, 70)]);
  assert.equal(kinds(parts), 'digit');
  assert.equal(parts[0].strokes.length, 3);
});

test('a short flat stroke at mid-height before the first digit is a minus', () => {
  const minus = [[-60, 50], [-20, 52]];
  const parts = parseDrawing([minus, ...SEVEN]);
  assert.equal(kinds(parts), 'minus digit');
  assert.equal(read(parts, [7]), '-7');
  assert.equal(read(parseDrawing([minus, ...THREE, tap(75, 95), ...shift(FIVE, 100)]), [3, 5]), '-3.5');
});

test('a quick dash, short enough to count as a dot, before the first digit is a minus too', () => {
  const dash = [[-40, 50], [-22, 51]]; // 18 wide: under DOT_SIZE of the digit's 100, over MINUS_MIN
  assert.ok(18 < DOT_SIZE * 100 && 18 >= MINUS_MIN * 100);
  assert.equal(kinds(parseDrawing([dash, ...THREE])), 'minus digit');
  assert.equal(read(parseDrawing([dash, ...THREE, tap(75, 95), ...shift(FIVE, 100)]), [3, 5]), '-3.5');
  // Not a tap, nor a dash narrower than MINUS_MIN, nor one on the baseline: those are left out.
  assert.equal(kinds(parseDrawing([[[-40, 50], [-35, 50]], ...THREE])), 'digit');
  assert.equal(kinds(parseDrawing([[[-40, 98], [-22, 98]], ...THREE])), 'digit');
});

test('not a minus: an underscore, a slanted stroke, a flat stroke after a digit, or alone', () => {
  const low = [[-60, 98], [-20, 98]];
  const slanted = [[-60, 20], [-20, 60]];
  assert.equal(kinds(parseDrawing([low, ...SEVEN])), 'digit digit');
  assert.equal(kinds(parseDrawing([slanted, ...SEVEN])), 'digit digit');
  assert.equal(kinds(parseDrawing([...SEVEN, [[100, 50], [140, 50]]])), 'digit digit');
  assert.equal(kinds(parseDrawing([[[0, 50], [40, 50]]])), 'digit');
});

// Probabilities: `top` for one digit, `second` for another, the rest spread evenly.
function probs(top, second, rest = 0, classes = 10) {
  const p = new Array(classes).fill((1 - top[1] - second[1] - rest) / (classes - 2));
  p[top[0]] = top[1];
  p[second[0]] = second[1];
  if (classes > 10) p[10] = rest;
  return p;
}

test('judge: a clear winner is a digit, a close race is unsure', () => {
  assert.deepEqual(judge(probs([6, 0.9], [0, 0.05])), { verdict: 'digit', digit: 6, runnerUp: 0 });
  assert.deepEqual(judge(probs([6, 0.5], [0, 0.4])), { verdict: 'unsure', digit: 6, runnerUp: 0 });
  assert.equal(judge(probs([6, 0.5], [0, 0.4]), 0.05).verdict, 'digit'); // the margin from the metadata
  assert.equal(judge(probs([6, 0.5], [0, 0.5 - UNSURE_MARGIN])).verdict, 'digit');
});

test('judge: ties go to the lower digit, as the page always read them', () => {
  const p = new Array(10).fill(0.1);
  assert.deepEqual(judge(p), { verdict: 'unsure', digit: 0, runnerUp: 1 });
});

test('judge: with 11 outputs, "not a digit" wins only when its class is the most probable', () => {
  assert.equal(judge(probs([4, 0.3], [1, 0.1], 0.55, 11)).verdict, 'not-a-digit');
  assert.equal(judge(probs([4, 0.7], [1, 0.05], 0.2, 11)).verdict, 'digit');
  assert.equal(judge(probs([4, 0.35], [1, 0.25], 0.3, 11)).verdict, 'unsure');
  assert.equal(judge(probs([4, 0.45], [1, 0.05], 0.45, 11), 0).verdict, 'digit'); // a tie goes to the digit
  // "Not a digit" close behind the first digit is as uncertain as a close second digit.
  assert.deepEqual(judge(probs([4, 0.5], [1, 0.05], 0.4, 11)), { verdict: 'unsure', digit: 4, runnerUp: 1 });
});

test('judge: strokes that wind too far are not a digit, however sure the model is', () => {
  assert.equal(judge(probs([8, 0.99], [0, 0.01]), UNSURE_MARGIN, 'winding').verdict, 'not-a-digit');
  assert.equal(judge(probs([8, 0.99], [0, 0.01]), UNSURE_MARGIN, '').verdict, 'digit');
});

test('judge: a rule that overrules the model says why; a part the model rejects itself needs no reason', () => {
  assert.deepEqual(judge(probs([3, 0.99], [0, 0.01]), UNSURE_MARGIN, 'winding'),
    { verdict: 'not-a-digit', digit: 3, runnerUp: 0, reason: 'winding' });
  assert.equal(judge(probs([3, 0.5], [0, 0.4]), UNSURE_MARGIN, 'dot').reason, 'dot'); // "not sure" overruled too
  assert.deepEqual(judge(probs([4, 0.3], [1, 0.1], 0.55, 11), UNSURE_MARGIN, 'winding'),
    { verdict: 'not-a-digit', digit: 4, runnerUp: 1 });
});

test('no real digit of the fixture winds past MAX_TURNS; a scribbled spiral does', () => {
  const digits = JSON.parse(readFileSync(new URL('../fixtures/pendigits-sample.json', import.meta.url)));
  const most = Math.max(...digits.map((d) => winding(d.strokes)));
  assert.ok(most < MAX_TURNS && most > 1, `most winding digit: ${most}`);
  const spiral = [[...Array(400).keys()].map((i) => [i * Math.cos(i / 10), i * Math.sin(i / 10)])];
  assert.ok(winding(spiral) > MAX_TURNS);
});

test('no real digit of the fixture has more than MAX_DIGIT_STROKES strokes, nor one part of it', () => {
  const digits = JSON.parse(readFileSync(new URL('../fixtures/pendigits-sample.json', import.meta.url)));
  const most = Math.max(...digits.map((d) => Math.max(...parseDrawing(d.strokes).map((p) => p.strokes.length))));
  assert.ok(most < MAX_DIGIT_STROKES && most >= 2, `most strokes in a digit: ${most}`);
});

const digit = (d, runnerUp = 0) => ({ verdict: 'digit', digit: d, runnerUp });
const unsure = (d, runnerUp) => ({ verdict: 'unsure', digit: d, runnerUp });
const notDigit = { verdict: 'not-a-digit', digit: 1, runnerUp: 7 };
const parts = (...kindList) => kindList.map((kind) => ({ kind }));

test('compose: the empty pad', () => {
  assert.deepEqual(compose([], []), { text: '', verdict: '', alternative: '' });
});

test('compose: digits, sure', () => {
  assert.deepEqual(compose(parts('digit'), [digit(7)]), { text: '7', verdict: 'digit', alternative: '' });
  assert.deepEqual(compose(parts('minus', 'digit', 'point', 'digit'), [digit(3), digit(5)]),
    { text: '-3.5', verdict: 'digit', alternative: '' });
});

test('compose: unsure says the most likely reading and the next one', () => {
  assert.deepEqual(compose(parts('digit'), [unsure(6, 0)]), { text: '6', verdict: 'unsure', alternative: '0' });
  // Of two unsure digits, the closer race is the one swapped.
  const p = [probs([5, 0.5], [3, 0.4]), probs([0, 0.9], [6, 0.05]), probs([4, 0.45], [9, 0.44])];
  assert.deepEqual(compose(parts('digit', 'digit', 'digit'), [unsure(5, 3), digit(0), unsure(4, 9)], p),
    { text: '504', verdict: 'unsure', alternative: '509' });
});

test('compose: a row with any part that is not a digit (a word, "?8?") is not a number at all', () => {
  const none = { text: '', verdict: 'not-a-digit', alternative: '' };
  assert.deepEqual(compose(parts('digit', 'digit', 'digit'), [digit(5), notDigit, digit(3)]), none);
  assert.deepEqual(compose(parts('digit', 'digit', 'digit'), [digit(5), notDigit, unsure(3, 8)]), none);
  assert.deepEqual(compose(parts('digit', 'digit', 'digit'), [notDigit, digit(8), notDigit]), none);
  assert.deepEqual(compose(parts('digit'), [notDigit]), none);
  assert.deepEqual(compose(parts('minus', 'digit', 'point', 'digit'), [notDigit, notDigit]), none);
  assert.deepEqual(compose(parts('digit', 'digit'), [digit(5), digit(3)]), { text: '53', verdict: 'digit', alternative: '' });
});

test('isRow: digits side by side on a line are a row, even a little up or down or on a slant', () => {
  assert.ok(isRow(parseDrawing([...ONE, ...shift(THREE, 80), ...shift(SEVEN, 170)])));
  const slant = [...ONE, ...shift(THREE, 80).map((s) => s.map(([x, y]) => [x, y + 30]))];
  assert.ok(isRow(parseDrawing(slant)));
  assert.ok(isRow(parseDrawing(THREE)));
});

test('isRow: parts one above the other, far off the line or of very different heights are not', () => {
  const below = (strokes, dy) => strokes.map((s) => s.map(([x, y]) => [x, y + dy]));
  // A part wholly below the other, or sharing less than half the smaller one's height.
  assert.equal(isRow(parseDrawing([...ONE, ...shift(below(THREE, 150), 80)])), false);
  assert.equal(isRow(parseDrawing([...ONE, ...shift(below(THREE, 60), 80)])), false);
  // A face: a big round head beside two small eyes? Eyes inside the head are one part; a
  // small mark beside a tall one is not a digit of the same number.
  const tiny = [[[0, 0], [20, 0], [20, 30], [0, 30]]];
  assert.equal(isRow(parseDrawing([...ONE, ...shift(tiny, 80)])), false);
});

test("wholePart: every stroke as one digit part, its newest stroke the pad's last", () => {
  const strokes = [...ONE, [], ...shift(THREE, 80)];
  const whole = wholePart(strokes);
  assert.equal(whole.kind, 'digit');
  assert.equal(whole.strokes.length, 2);
  assert.equal(whole.last, 2);
  assert.deepEqual(whole.box, { x0: 30, x1: 130, y0: 0, y1: 100 });
});
