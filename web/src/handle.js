// window.digitpad: a handle for tests and the curious. predictBatch(pixels, n)
// runs the answering model on raw inputs (n x 784 -> n x 10), preprocessStrokes
// is the page's preprocessing, inputs.last the newest input of the whole drawing.
import { preprocessStrokes } from './preprocess.js';

export function exposeHandle(recognizer) {
  window.digitpad = {
    predictBatch: (pixels, n) => recognizer.predictBatch(pixels, n),
    preprocessStrokes,
    inputs: { get last() { return recognizer.lastInput; } },
  };
}
