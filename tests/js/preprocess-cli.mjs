#!/usr/bin/env node
// web/src/preprocess.js as a filter, for tests/test_parity.py. stdin: a JSON list of
// drawings (each a list of strokes of [x, y]); stdout: a JSON list of 784-value lists.
// argv[2]: a JSON options object (e.g. '{"deskew": true, "normalizeSize": true}'), or
// '--shifts': one [dx, dy] centring shift per drawing instead, or '--winding' [pen width]:
// one number of turns per drawing, or
// '--deskew-images' [--normalize-size]: stdin is a list of 784-value images to deskew.
import { centeringShift, deskew, preprocessStrokes, renderStrokes, winding } from '../../web/src/preprocess.js';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const inputs = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const [mode, flag] = process.argv.slice(2);
let outputs;
if (mode === '--winding') {
  outputs = inputs.map((strokes) => winding(strokes, Number(flag ?? 0)));
} else if (mode === '--shifts') {
  outputs = inputs.map((strokes) => centeringShift(renderStrokes(strokes)));
} else if (mode === '--deskew-images') {
  const normalizeSize = flag === '--normalize-size';
  outputs = inputs.map((image) => Array.from(deskew(Float32Array.from(image), { normalizeSize })));
} else {
  const options = mode ? JSON.parse(mode) : {};
  outputs = inputs.map((strokes) => Array.from(preprocessStrokes(strokes, options)));
}
// Float32 values printed as their shortest float64 repr: an exact round trip.
process.stdout.write(`${JSON.stringify(outputs)}\n`);
