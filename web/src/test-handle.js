// window.digitpad: a handle for tests and the curious. predictBatch(pixels, n)
// runs the answering model on raw inputs (n x 784 -> n x 10), preprocessStrokes
// is the page's preprocessing, inputs.last the newest input of the whole drawing,
// problems what went wrong since the page started (uncaught errors, refused
// promises, Content-Security-Policy violations), in words: every engine's tests read it.
import { preprocessStrokes } from './preprocess.js';

export function exposeHandle(recognizer) {
  const problems = [];
  addEventListener('error', (e) => problems.push(`error: ${e.message}`));
  addEventListener('unhandledrejection', (e) => problems.push(`unhandled rejection: ${e.reason}`));
  document.addEventListener('securitypolicyviolation', (e) => problems.push(
    `CSP: ${e.effectiveDirective} refused ${e.blockedURI || 'inline code'} (${e.sourceFile}:${e.lineNumber})`));
  window.digitpad = {
    problems,
    predictBatch: (pixels, n) => recognizer.predictBatch(pixels, n),
    preprocessStrokes,
    inputs: { get last() { return recognizer.lastInput; } },
  };
}
