// The model's files and code, asked for the moment the page's head is read: an async script
// of its own (index.html), so the model loads while the page is still being parsed and
// styled. main.js takes the model from here once it runs (the same module, run once).
// model.js (and TF.js with it) is a script of its own, run in a task of its own. The
// weight shards are asked for by the names the page's head gives (site.py; without them
// model.js asks once it has read model.json).
const shards = document.querySelector('meta[name=digitpad-weights]')?.content.split(' ').filter(Boolean) ?? [];
const early = Object.fromEntries(['model.json', 'metadata.json', ...shards].map((name) => [name, fetch(`model/${name}`)]));
export const loading = import('./model.js').then(({ loadModel }) => loadModel('model/', early));
loading.catch(() => {}); // main.js says what failed; until it runs, a failure is not unhandled
