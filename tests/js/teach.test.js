// Tests for web/src/teach.js's words (run: npm test); the panel itself is tested in Chromium (tests/test_teach.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learnedText, reportText } from '../../web/src/teach.js';

test('one digit: learned only when the taught model reads it as taught', () => {
  assert.equal(learnedText({ count: 1, after: 1, before: 0 }), 'Learned: it now reads your digit as you taught it.');
  const not = learnedText({ count: 1, after: 0, before: 0 });
  assert.match(not, /^Not learned yet: it still reads your digit otherwise\. Teach it a few more/);
  assert.doesNotMatch(not, /Learned:|right/);
});

test('several digits: all of them, or how many, against the model as shipped', () => {
  assert.equal(learnedText({ count: 5, after: 5, before: 2 }),
    'Learned: it now reads all 5 of your digits as you taught them; before teaching, it read 2 of them that way.');
  assert.equal(learnedText({ count: 2, after: 2, before: 0 }),
    'Learned: it now reads both of your digits as you taught them; before teaching, it read none of them that way.');
  assert.equal(learnedText({ count: 5, after: 3, before: 1 }),
    'It now reads 3 of your 5 digits as you taught them; before teaching, it read 1 of them that way. '
    + 'Teach it a few more like the ones it misreads.');
});

test('the status line: one digit or several, kept or not, and what was skipped', () => {
  const one = { count: 1, after: 1, before: 0 };
  assert.equal(reportText({ taught: one, count: 1 }),
    'Learned: it now reads your digit as you taught it. Your digit stays on this device.');
  assert.equal(reportText({ taught: { count: 3, after: 3, before: 1 }, count: 3, why: 'private mode' }),
    'Learned: it now reads all 3 of your digits as you taught them; before teaching, it read 1 of them that way. '
    + 'Your digits last until you leave: private mode.');
  assert.equal(reportText({ taught: one, count: 1, why: 'private mode' }).split('. ').at(-1),
    'Your digit lasts until you leave: private mode.');
  assert.equal(reportText({ message: 'Forgot your digit: Undo brings it back.', count: 0, why: 'private mode' }),
    'Forgot your digit: Undo brings it back.');
  assert.equal(reportText({ count: 0, skipped: ['a label of 99', 'NaN'] }),
    'Your corrections stay on this device. 2 kept digits could not be read and were skipped (a label of 99).');
});
