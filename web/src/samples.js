// The digits the user taught, kept on this device (IndexedDB), and as the file
// that `make train EXTRA=file` adds to training. Nothing leaves the browser.

const DB = 'digitpad';
const STORE = 'samples';

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request?.result);
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export const samples = {
  add: (label, strokes) => withStore('readwrite', (s) => s.add({ label, strokes, created: Date.now() })),
  all: () => withStore('readonly', (s) => s.getAll()),
  clear: () => withStore('readwrite', (s) => s.clear()),
};

// The samples as the file `make train EXTRA=...` reads (the pen digits' form).
export function samplesFile(list) {
  const rows = list.map(({ label, strokes }) => ({ label, writer: 'you', strokes }));
  return new Blob([JSON.stringify(rows)], { type: 'application/json' });
}
