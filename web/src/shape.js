// The model's input and output, for every module that handles them: a 28x28
// image in (row-major, flattened), ten digit probabilities out. Pure: no DOM.

export const SIDE = 28;
export const INPUT_SIZE = SIDE * SIDE;
export const CLASSES = 10;

// Row i of a batch of probabilities (n x CLASSES, row-major).
export const row = (probs, i) => probs.subarray(i * CLASSES, (i + 1) * CLASSES);

// The index of the largest value; on a tie the lowest (the page's reading).
export function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
