#!/usr/bin/env node
// Reads a JSON list of drawings (each a list of strokes, each a list of [x, y])
// on stdin; writes a JSON list of 784-float lists (28x28 row-major) on stdout,
// computed by web/src/preprocess.js. Used by tests/test_parity.py.
// Optional: argv[2] = JSON options object, e.g. '{"penWidth": 2.5}'.
import { preprocessStrokes } from '../src/preprocess.js';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const drawings = JSON.parse(Buffer.concat(chunks).toString('utf8'));
if (!Array.isArray(drawings)) throw new TypeError('stdin must be a JSON list of drawings');
const options = process.argv[2] ? JSON.parse(process.argv[2]) : {};

const t0 = process.hrtime.bigint();
const outputs = drawings.map((strokes) => Array.from(preprocessStrokes(strokes, options)));
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
if (process.env.DIGITPAD_CLI_TIMING) {
  process.stderr.write(`preprocessed ${drawings.length} drawings in ${ms.toFixed(1)} ms\n`);
}
// Float32 values printed as their shortest float64 repr: exact round trip.
process.stdout.write(JSON.stringify(outputs));
process.stdout.write('\n');
