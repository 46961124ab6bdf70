// "My digits": the list of taught digits, each its drawing, its label and a
// button to remove it, with their count. Like view.js it only writes to the DOM.
import { size } from './answer.js';
import { groupBounds } from './segment.js';

const $ = (selector) => document.querySelector(selector);
const THUMB = 40; // css px of a listed drawing

export class TaughtList {
  // store: the SampleStore whose records are listed; remove(id): record id's
  // remove button was pressed.
  constructor(store, remove) {
    this.store = store;
    this.list = $('[data-testid=teach-list]');
    this.details = this.list.closest('details');
    this.count = $('[data-testid=teach-count]');
    this.items = new Map(); // the list's items, by record id and label
    this.list.addEventListener('click', (event) => {
      const id = event.target.closest('[data-id]')?.dataset.id;
      if (id !== undefined) remove(Number(id));
    });
  }

  // The list as the store's records are now.
  render() {
    const { records } = this.store;
    this.count.textContent = String(records.length);
    // One list item per record, made once and reused; its picture drawn once the
    // list is open: neither a tap nor a page load with many digits draws them all.
    const items = records.map((record) => {
      const key = `${record.id} ${record.label}`;
      if (!this.items.has(key)) this.items.set(key, listItem(record));
      return this.items.get(key);
    });
    if (this.details.open) {
      const ink = getComputedStyle(this.list).color;
      for (const item of items) {
        if (item.strokes) drawThumbnail(item.querySelector('canvas'), item.strokes, ink);
        item.strokes = null;
      }
    }
    const shown = new Set(items);
    for (const [key, item] of this.items) if (!shown.has(item)) this.items.delete(key);
    if (items.length !== this.list.children.length || items.some((item, i) => this.list.children[i] !== item)) {
      this.list.replaceChildren(...items);
    }
  }
}

// A taught digit in the list: its drawing, its label, a button to remove it.
function listItem(record) {
  const item = document.createElement('li');
  item.dataset.testid = 'taught';
  item.strokes = record.strokes; // still to draw
  const picture = document.createElement('canvas');
  picture.width = picture.height = THUMB * devicePixelRatio;
  picture.setAttribute('aria-hidden', 'true');
  const label = document.createElement('span');
  label.textContent = String(record.label);
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.dataset.id = String(record.id);
  remove.dataset.testid = 'taught-remove';
  remove.setAttribute('aria-label', `Remove this ${record.label}`);
  remove.textContent = '×';
  item.append(picture, label, remove);
  return item;
}

// A drawing fitted into a small square canvas.
function drawThumbnail(canvas, strokes, ink) {
  const g = canvas.getContext('2d');
  const box = groupBounds(strokes);
  const pen = canvas.width / 12;
  const scale = (canvas.width - 2 * pen) / Math.max(size(box), 1);
  const dx = (canvas.width - (box.x1 - box.x0) * scale) / 2;
  const dy = (canvas.height - (box.y1 - box.y0) * scale) / 2;
  const at = ([x, y]) => [(x - box.x0) * scale + dx, (y - box.y0) * scale + dy];
  g.strokeStyle = g.fillStyle = ink;
  g.lineWidth = pen;
  g.lineCap = g.lineJoin = 'round';
  for (const stroke of strokes) {
    g.beginPath();
    stroke.forEach((point, i) => g[i ? 'lineTo' : 'moveTo'](...at(point)));
    if (stroke.length === 1) g.arc(...at(stroke[0]), pen / 2, 0, 2 * Math.PI);
    g.stroke();
  }
}
