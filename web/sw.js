// Service worker: after one visit, digitpad opens and recognises offline.
//
// Network first, cache as fallback: online, every file (and so a newly
// deployed page, which holds its style, script and model: site.py) comes fresh from
// the server and refreshes the cache; offline, the last good copy is served.
// The cache name carries a version: a new sw.js (bump VERSION when the list of
// files changes) drops the old caches.
const VERSION = 'digitpad-v7';
const FILES = [
  './', 'index.html', 'favicon.svg', 'manifest.webmanifest',
  'dist/teach.js', 'dist/why.js', 'dist/about.js', 'dist/teach-worker.js', 'dist/measure.js',
  'model/replay.bin',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    // One missing optional file (e.g. replay.bin) must not stop the install.
    await Promise.all(FILES.map((file) => cache.add(file).catch(() => {})));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== VERSION) await caches.delete(name);
    await self.clients.claim();
  })());
});

// Keep `response` unless the cache holds the same file already (the same ETag): a reload
// then writes nothing, and leaves the cores to the page.
async function keep(cache, request, response) {
  const etag = response.headers.get('ETag');
  const kept = etag && await cache.match(request);
  if (!kept || kept.headers.get('ETag') !== etag) await cache.put(request, response);
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    try {
      const response = await fetch(event.request, { cache: 'no-cache' });
      // Kept while the page already has it: writing the cache first delayed every response.
      if (response.ok) event.waitUntil(keep(cache, event.request, response.clone()));
      return response;
    } catch (error) {
      const cached = await cache.match(event.request, { ignoreSearch: true });
      if (cached) return cached;
      throw error;
    }
  })());
});
