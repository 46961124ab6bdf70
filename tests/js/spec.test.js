// The page reads the spec's numbers from python/digitpad/spec.json, the file the
// trainer reads (tests/test_spec.py checks the Python side and that no number is
// written again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as answer from '../../web/src/answer.js';
import * as preprocess from '../../web/src/preprocess.js';
import { Recognizer } from '../../web/src/recognizer.js';
import * as segment from '../../web/src/segment.js';
import { INPUT_SIZE, SIDE } from '../../web/src/model-io.js';

const spec = JSON.parse(readFileSync(new URL('../../python/digitpad/spec.json', import.meta.url), 'utf8'));

test('preprocess.js exports the spec\'s preprocessing numbers', () => {
  for (const [name, value] of Object.entries(spec.preprocess)) assert.equal(preprocess[name], value, name);
  assert.equal(SIDE, spec.preprocess.SIZE);
  assert.equal(INPUT_SIZE, spec.preprocess.SIZE ** 2);
});

test('segment.js and answer.js export the spec\'s numbers for parts, and the verdict\'s fallbacks', () => {
  const parts = { ...segment, ...answer };
  for (const [name, value] of Object.entries(spec.parts)) assert.deepEqual(parts[name], value, name);
  assert.equal(answer.UNSURE_MARGIN, spec.verdict.unsure_margin);
  assert.equal(answer.MAX_TURNS, spec.verdict.max_turns);
  const recognizer = new Recognizer({});
  assert.deepEqual([recognizer.margin, recognizer.maxTurns], [spec.verdict.unsure_margin, spec.verdict.max_turns]);
});

test('judge falls back on the spec\'s margin', () => {
  const margin = spec.verdict.unsure_margin;
  const probs = (gap) => {
    const p = new Float32Array(10);
    [p[3], p[5]] = [0.5 + gap / 2, 0.5 - gap / 2];
    return p;
  };
  assert.equal(answer.judge(probs(margin * 0.9)).verdict, 'unsure');
  assert.equal(answer.judge(probs(margin * 1.1)).verdict, 'digit');
});
