// The model, loading from the moment the page's script runs (it is in the page itself, with
// the model's files: site.py). main.js takes the model from here.
import { early } from './model-files.js'; // first: the files the page does not hold are asked for before TF.js starts
import { loadModel } from './model.js';

export const loading = loadModel('model/', early);
loading.catch(() => {}); // main.js says what failed; until it runs, a failure is not unhandled
