// Entry point: wires the model to the page.
import { loadModel, predictBatch } from './model.js';

async function start() {
  document.body.dataset.model = 'loading';
  try {
    const { model } = await loadModel('model/');
    // A handle for tests and the curious: run the loaded model on raw inputs.
    window.digitpad = { predictBatch: (pixels, n) => predictBatch(model, pixels, n) };
    document.body.dataset.model = 'ready';
  } catch (error) {
    document.body.dataset.model = 'error';
    document.querySelector('[data-testid=status]').textContent = `Could not load the model: ${error.message}`;
  }
}

start();
