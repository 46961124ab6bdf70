// The model's input and output, for every module that handles them: a 28x28
// image in (row-major, flattened), ten digit probabilities out (and, from a
// model with 11 outputs, the probability of "not a digit" after them). Pure: no DOM.
import spec from '../../python/digitpad/spec.json' with { type: 'json' };

export const SIDE = spec.preprocess.SIZE;
export const INPUT_SIZE = SIDE * SIDE;
export const CLASSES = 10; // the digits
export const OUTPUTS = [CLASSES, CLASSES + 1]; // the models the page runs: digits, or digits + "not a digit"

// Row i of a batch of probabilities (n x width, row-major).
export const row = (probs, i, width = CLASSES) => probs.subarray(i * width, (i + 1) * width);

// The index of the largest value; on a tie the lowest (the page's reading).
export function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
