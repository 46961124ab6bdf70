// The model's files, asked for first thing (loading.js imports this before model.js, so
// the requests go out before TF.js is set up): model.json, metadata.json and the weight
// shards, by the names the page's head gives (site.py; without them model.js asks for
// the shards once it has read model.json). By file name, for loadModel (each used once).
const shards = document.querySelector('meta[name=digitpad-weights]')?.content.split(' ').filter(Boolean) ?? [];
export const early = Object.fromEntries(['model.json', 'metadata.json', ...shards].map((name) => [name, fetch(`model/${name}`)]));
