// Tests for web/src/teach.js's words (run: npm test); the panel itself is tested in Chromium (tests/test_teach.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learnedText } from '../../web/src/teach.js';

test('one digit: learned only when the taught model reads it as taught', () => {
  assert.equal(learnedText({ count: 1, after: 1, before: 0 }), 'Learned: it now reads your digit as you taught it.');
  const not = learnedText({ count: 1, after: 0, before: 0 });
  assert.match(not, /^Not learned yet: it still reads your digit otherwise\. Teach it a few more/);
  assert.doesNotMatch(not, /Learned:|right/);
});

test('several digits: all of them, or how many, against the shipped model', () => {
  assert.equal(learnedText({ count: 5, after: 5, before: 2 }),
    'Learned: it now reads all 5 of your digits as you taught them (the shipped model: 2).');
  assert.equal(learnedText({ count: 5, after: 3, before: 1 }),
    'It now reads 3 of your 5 digits as you taught them (the shipped model: 1). Teach it a few more like the others.');
});
