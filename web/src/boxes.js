// A box around each digit read on the pad, labelled with what was read; the
// label is a button that selects the digit (its probabilities in the bars).
// Like view.js it only writes to the DOM.
import { changed } from './view.js';

export class Boxes {
  // pad: the Pad (its canvas and pen width place the boxes); layer: an element
  // laid over the pad's canvas (same border box, pointer-events: none, so
  // drawing goes through; the labels take clicks); select(i): digit i chosen.
  constructor(pad, layer, select) {
    this.pad = pad;
    this.layer = layer;
    this.select = select;
    // A stroke may start on a label (a 5's flag above its body): the pad draws it, and
    // only a tap selects. Enter and Space still click. One listener for all labels.
    const index = (e) => this.shown.findIndex((box) => box.button === e.target.closest('button'));
    layer.addEventListener('pointerdown', (e) => {
      const i = index(e);
      if (i >= 0) pad.start(e, () => this.select(i));
    });
    layer.addEventListener('click', (e) => {
      const i = index(e);
      if (i >= 0 && e.detail === 0) this.select(i);
    });
    this.shown = []; // the boxes shown, left to right: each { element, button, key, selected, marked (outlined) }
  }

  // answer: recognizer.js's answer. One box per digit part, left to right. A box that
  // would be made again as it is (the same place, reading and rank) is kept: a stroke
  // then remakes one box, not all of them.
  // What each box shows is kept with it (this.shown), not read back from the page.
  show(answer) {
    const { digits } = answer;
    const before = this.shown;
    this.shown = digits.map((digit, i) => {
      const key = boxKey(digit, this.pad);
      return sameKey(before[i]?.key, key) ? before[i] : this.box(digit, i, key);
    });
    // How many there are is said once, by the group (index.html), not by each label: a new
    // digit then rewrites one label, not every box's.
    if (digits.length !== before.length) {
      this.layer.setAttribute('aria-label', `${digits.length} ${digits.length === 1 ? 'digit' : 'digits'} read on the pad`);
    }
    // Only the boxes that changed move in the page: re-inserting all of them restyled them all.
    // A kept box keeps its place (it was compared with the box there); each new one goes before the next.
    before.forEach((box, i) => { if (this.shown[i] !== box) box.element.remove(); });
    for (let i = this.shown.length - 1; i >= 0; i--) {
      if (this.shown[i] !== before[i]) this.layer.insertBefore(this.shown[i].element, this.shown[i + 1]?.element ?? null);
    }
    this.showSelected(answer);
  }

  showSelected(answer) {
    this.shown.forEach((box, i) => {
      const selected = i === answer.selected;
      const marked = selected && answer.digits.length > 1;
      if (changed(box, 'marked', marked)) box.element.classList.toggle('selected', marked);
      if (changed(box, 'selected', selected)) box.button.setAttribute('aria-pressed', String(selected));
    });
  }

  // A box around one digit's ink. Boxes are in the strokes' own units (CSS px
  // from the canvas's corner), which do not change when the pad is resized, so
  // the boxes stay on the ink without redrawing. The canvas paints inside its
  // border: offset by it, as the ink is.
  // index: its place, left to right; key: boxKey's, kept with the box.
  box(digit, index, key) {
    const { x0, x1, y0, y1 } = digit.box;
    const border = this.pad.border; // as last laid out: reading the canvas now would force a layout
    const margin = this.pad.penWidth / 2 + 2; // just around the ink, so neighbours' boxes do not overlap
    const symbol = digit.verdict === 'not-a-digit' ? '?' : String(digit.digit);
    const top = y0 - margin + border.top;
    const box = document.createElement('div');
    box.className = top < 24 ? 'digit-box label-inside' : 'digit-box'; // no room above: label inside the box
    box.dataset.testid = 'digit-box';
    box.dataset.digit = symbol;
    // One write for the four (the CSSOM, which the page's CSP allows, unlike a style attribute).
    box.style.cssText = `left: ${x0 - margin + border.left}px; top: ${top}px; `
      + `width: ${x1 - x0 + 2 * margin}px; height: ${y1 - y0 + 2 * margin}px`;
    const label = document.createElement('button');
    label.type = 'button';
    label.textContent = symbol;
    label.setAttribute('aria-label', `Digit ${index + 1}, ${symbol === '?' ? 'not a digit' : `read as ${symbol}`}: show its probabilities`);
    box.append(label);
    return { element: box, button: label, key, selected: undefined, marked: false };
  }
}

// What a box is made from: its digit's box and reading, and the pad's pen and border
// (its rank is its place in the list). Compared as they are: joined into a string, the
// numbers' conversions cost more than the rest of a box's update.
function boxKey(digit, pad) {
  const { x0, x1, y0, y1 } = digit.box;
  const { left, top } = pad.border;
  return [x0, x1, y0, y1, digit.verdict === 'not-a-digit' ? '?' : digit.digit, pad.penWidth, left, top];
}

const sameKey = (a, b) => a !== undefined && a.every((value, i) => value === b[i]);
