#!/usr/bin/env node
// Reads a JSON list of drawings (each a list of strokes, each a list of [x, y])
// on stdin; writes a JSON list of 784-float lists (28x28 row-major) on stdout,
// computed by web/src/preprocess.js. Used by tests/test_parity.py.
// Optional: argv[2] = JSON options object, e.g. '{"penWidth": 2.5}', '{"deskew": true}'
// or '{"deskew": true, "normalizeSize": true}'.
// Or: argv[2] = '--deskew-images': stdin is a JSON list of images (each a list
// of size * size numbers, row-major), each read into a Float32Array and
// deskewed (spec step 6) on its own. Further arguments: a number = size
// (default 28); '--normalize-size' = with size normalisation (version 3).
import { deskew, preprocessStrokes, SIZE } from '../../web/src/preprocess.js';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const inputs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
if (!Array.isArray(inputs)) throw new TypeError('stdin must be a JSON list of drawings (or images)');

let run, what;
if (process.argv[2] === '--deskew-images') {
  let size = SIZE;
  let normalizeSize = false;
  for (const arg of process.argv.slice(3)) {
    if (arg === '--normalize-size') normalizeSize = true;
    else if (/^\d+$/.test(arg)) size = Number(arg);
    else throw new Error(`unknown argument ${arg} (expected a size or --normalize-size)`);
  }
  const images = inputs.map((img) => Float32Array.from(img));
  run = () => images.map((img) => Array.from(deskew(img, size, { normalizeSize })));
  what = 'deskewed %d images';
} else {
  const options = process.argv[2] ? JSON.parse(process.argv[2]) : {};
  run = () => inputs.map((strokes) => Array.from(preprocessStrokes(strokes, options)));
  what = 'preprocessed %d drawings';
}

const t0 = process.hrtime.bigint();
const outputs = run();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
if (process.env.DIGITPAD_CLI_TIMING) {
  process.stderr.write(`${what.replace('%d', inputs.length)} in ${ms.toFixed(1)} ms\n`);
}
// Float32 values printed as their shortest float64 repr: exact round trip.
process.stdout.write(JSON.stringify(outputs));
process.stdout.write('\n');
