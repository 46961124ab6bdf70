// The model's files, for loadModel (each used once): from the page itself when `make site`
// put them in its head (site.py: model.json and metadata.json as written, the weight shards
// in base64), so a first visit waits for no request; otherwise (the page
// as it is in the repository, or a block that does not parse) model.json and metadata.json
// are asked for first thing, before TF.js starts, and the shards once model.json is read.
const inPage = (() => {
  try {
    const files = JSON.parse(document.getElementById('digitpad-model')?.textContent || '{}');
    return files && typeof files === 'object' && !Array.isArray(files) ? files : {};
  } catch {
    return {};
  }
})();

// base64 -> bytes: natively where the browser can (~3.5 ms less of a first visit at 1x than
// the loop, which runs once, uncompiled); else a loop (Uint8Array.from(text, mapping) was slower).
function decode(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// What loadModel reads of a fetch Response. Not a Response: reading a Response's body waits
// for tasks behind the page's parsing (~10 ms of a first visit here, issue 32).
const file = (text) => Promise.resolve({
  ok: true,
  status: 200,
  json: async () => JSON.parse(text),
  arrayBuffer: async () => decode(text).buffer,
});

export const early = Object.fromEntries([
  ...Object.entries(inPage).filter(([, text]) => typeof text === 'string').map(([name, text]) => [name, file(text)]),
  ...['model.json', 'metadata.json'].filter((name) => typeof inPage[name] !== 'string').map((name) => [name, fetch(`model/${name}`)]),
]);
