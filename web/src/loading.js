// The model, loading from the moment the page's head is read: an async script of its own
// (index.html), run as soon as it arrives, while the page is still being parsed and styled.
// main.js takes the model from here once it runs (the same module, run once).
import { early } from './model-files.js'; // first: the files the page does not hold are asked for before TF.js starts
import { loadModel } from './model.js';

export const loading = loadModel('model/', early);
loading.catch(() => {}); // main.js says what failed; until it runs, a failure is not unhandled
