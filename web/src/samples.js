// The digits the user taught, kept on this device (IndexedDB) with the model
// taught on them, and as the file `make train EXTRA=file` reads. Nothing leaves
// the browser. The list lives in memory; IndexedDB mirrors it. Where IndexedDB
// can't be used (some private modes, a store written by a newer page), the
// digits last until the page is left, and `why` says so.

import { size } from './answer.js';
import { INPUT_SIZE } from './model-io.js';
import { groupBounds } from './segment.js';

const DB = 'digitpad';
const VERSION = 2; // 1: samples only; 2: and the taught model
const SAMPLES = 'samples';
const TAUGHT = 'taught';

// Bounds on one taught digit: far above any real drawing, low enough that one
// bad record cannot stall the page.
export const LIMITS = { strokes: 40, points: 5000, coordinate: 1e6 };

// Why `record` is not a taught digit ({ label: integer 0-9, strokes: lists of
// finite [x, y] }), or '' when it is one. The same rules as data.py's for EXTRA.
export function problem(record) {
  if (record === null || typeof record !== 'object') return 'not an object';
  const { label, strokes } = record;
  if (!Number.isInteger(label) || label < 0 || label > 9) return 'its label is not a digit 0-9';
  if (!Array.isArray(strokes) || strokes.length === 0 || strokes.length > LIMITS.strokes) {
    return `its strokes are not a list of 1 to ${LIMITS.strokes} strokes`;
  }
  let points = 0;
  for (const stroke of strokes) {
    if (!Array.isArray(stroke) || stroke.length === 0) return 'a stroke is not a list of points';
    points += stroke.length;
    if (points > LIMITS.points) return `it has more than ${LIMITS.points} points`;
    for (const point of stroke) {
      if (!Array.isArray(point) || point.length !== 2
        || !point.every((v) => typeof v === 'number' && Math.abs(v) <= LIMITS.coordinate)) {
        return `a point is not [x, y] of finite numbers within ±${LIMITS.coordinate}`;
      }
    }
  }
  return '';
}

// Why a kept taught model ({ kernel, bias, classes }) cannot stand in for a shipped
// model with `classes` outputs, or '' when it can: a record written by another page,
// or damaged, must neither break the page nor answer with weights that are not numbers.
export function taughtProblem(taught, classes) {
  if (taught === null || typeof taught !== 'object') return 'not an object';
  const { kernel, bias } = taught;
  if (taught.classes !== classes) return `it has ${taught.classes} outputs, the model ${classes}`;
  const wrongSize = (values, n) => !(Array.isArray(values) || ArrayBuffer.isView(values)) || values.length !== n;
  if (wrongSize(kernel, INPUT_SIZE * classes) || wrongSize(bias, classes)) return 'its weights are not the model\'s size';
  for (const values of [kernel, bias]) {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return 'its weights are not all numbers';
  }
  return '';
}

// A drawing's shape: its points moved to its box's corner and scaled by the box's larger
// side (rounded to a millionth of it), so a drawing taught again after the pad scaled it
// (a resized window, a phone turned) is the same drawing.
function shape(strokes) {
  const box = groupBounds(strokes);
  const side = size(box) || 1;
  return JSON.stringify(strokes.map((stroke) => stroke.map(([x, y]) => [x - box.x0, y - box.y0].map((v) => Math.round(v / side * 1e6)))));
}

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openDb() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, VERSION);
    open.onupgradeneeded = () => { // from nothing, or from version 1 (samples kept)
      const db = open.result;
      if (!db.objectStoreNames.contains(SAMPLES)) db.createObjectStore(SAMPLES, { keyPath: 'id', autoIncrement: true });
      if (!db.objectStoreNames.contains(TAUGHT)) db.createObjectStore(TAUGHT);
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
    open.onblocked = () => reject(new Error('another tab holds an older copy of the store'));
  });
}

export class SampleStore {
  records = []; // the good records, oldest first: { id, label, strokes, created }
  skipped = []; // why each unreadable stored record was skipped
  why = ''; // why the digits are not kept on this device, '' when they are
  db = null;
  nextId = 1; // ids when not kept

  // Read what earlier visits kept; returns the taught model stored with it, if any.
  async load() {
    try {
      this.db = await openDb();
      const t = this.db.transaction([SAMPLES, TAUGHT]);
      const [stored, taught] = await Promise.all([request(t.objectStore(SAMPLES).getAll()),
        request(t.objectStore(TAUGHT).get('model'))]);
      for (const record of stored) {
        const wrong = problem(record);
        if (wrong) this.skipped.push(wrong);
        else this.records.push(record);
      }
      return taught ?? null;
    } catch (error) {
      this.db = null;
      this.why = `this browser does not let the page keep them (${error.message || error.name})`;
      return null;
    }
  }

  // Keep a taught digit. The same drawing taught again is kept once, with the
  // newer label. Returns how to undo it.
  async add(label, strokes) {
    const record = { label, strokes, created: Date.now() };
    const wrong = problem(record);
    if (wrong) throw new Error(`this drawing cannot be kept: ${wrong}`);
    const drawn = shape(strokes);
    const same = this.records.find((r) => shape(r.strokes) === drawn);
    if (same) {
      const old = { ...same };
      same.label = label;
      await this.write('put', [same]);
      return async () => { same.label = old.label; await this.write('put', [same]); };
    }
    record.id = this.db ? await this.write('add', [record]) : this.nextId++;
    this.records.push(record);
    return () => this.remove([record.id]);
  }

  // Forget these ids. Returns how to undo it.
  async remove(ids) {
    const gone = this.records.filter((r) => ids.includes(r.id));
    this.records = this.records.filter((r) => !ids.includes(r.id));
    if (this.db) {
      const t = this.db.transaction(SAMPLES, 'readwrite');
      for (const id of ids) t.objectStore(SAMPLES).delete(id);
      await new Promise((resolve, reject) => { t.oncomplete = resolve; t.onerror = () => reject(t.error); });
    }
    return async () => {
      await this.write('put', gone);
      this.records = [...this.records, ...gone].sort((a, b) => a.id - b.id);
    };
  }

  // Store records ('add' returns the new id of the last one).
  async write(how, records) {
    if (!this.db) return undefined;
    const t = this.db.transaction(SAMPLES, 'readwrite');
    let last = null;
    for (const r of records) last = t.objectStore(SAMPLES)[how](r);
    await new Promise((resolve, reject) => { t.oncomplete = resolve; t.onerror = () => reject(t.error); });
    return last?.result;
  }

  // Which records a taught model was fitted on: kept beside its weights.
  get signature() {
    return this.records.map((r) => `${r.id}:${r.label}`).join(',');
  }

  // Keep the taught model (weights, and what it was taught from), or none.
  async keepTaught(taught) {
    if (!this.db) return;
    const t = this.db.transaction(TAUGHT, 'readwrite');
    if (taught) t.objectStore(TAUGHT).put(taught, 'model');
    else t.objectStore(TAUGHT).delete('model');
    await new Promise((resolve, reject) => { t.oncomplete = resolve; t.onerror = () => reject(t.error); });
  }
}

// The samples as the file `make train EXTRA=...` reads (the pen digits' form).
export function samplesFile(list) {
  const rows = list.map(({ label, strokes }) => ({ label, writer: 'you', strokes }));
  return new Blob([JSON.stringify(rows)], { type: 'application/json' });
}
