// The reading of a whole number: the digits read left to right, and a box
// around each digit on the pad. Like view.js it only writes to the DOM.
import { groupBounds } from './segment.js';

export class Reading {
  // pad: the Pad (its canvas and pen width place the boxes); output: the
  // [data-testid=reading] element; layer: an element laid over the pad's canvas
  // (same border box, pointer-events: none) that holds the boxes.
  constructor(pad, output, layer) {
    this.pad = pad;
    this.output = output;
    this.layer = layer;
  }

  // groups: the digits' strokes (segment.js), left to right; digits: what was
  // read for each; strokes: how many strokes on the pad this reading accounts for.
  show(groups, digits, strokes) {
    this.output.textContent = digits.join('');
    this.output.dataset.strokes = String(strokes);
    this.layer.replaceChildren(...groups.map((group, i) => this.box(group, digits[i])));
  }

  // A box around one digit's ink, labelled with the digit read. Boxes are in
  // the strokes' own units (CSS px from the canvas's corner), which do not
  // change when the pad is resized, so the boxes stay on the ink without
  // redrawing. The canvas paints inside its border: offset by it, as the ink is.
  box(group, digit) {
    const { x0, x1, y0, y1 } = groupBounds(group);
    const canvas = this.pad.canvas;
    const margin = this.pad.penWidth / 2 + 2; // just around the ink, so neighbours' boxes do not overlap
    const box = document.createElement('div');
    box.className = 'digit-box';
    box.dataset.testid = 'digit-box';
    box.dataset.digit = String(digit);
    const top = y0 - margin + canvas.clientTop;
    Object.assign(box.style, {
      left: `${x0 - margin + canvas.clientLeft}px`,
      top: `${top}px`,
      width: `${x1 - x0 + 2 * margin}px`,
      height: `${y1 - y0 + 2 * margin}px`,
    });
    const label = document.createElement('span');
    label.textContent = String(digit);
    box.classList.toggle('label-inside', top < 24); // no room above: label inside the box
    box.append(label);
    return box;
  }
}
