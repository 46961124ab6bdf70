// "Why this digit?": pictures of what the model learned (the ten weight
// templates) and of why it reads the current drawing as it does (each inked
// pixel's vote for the reading and for the runner-up). The numbers come from
// explain.js; this module only writes to the elements of the why panel.
import { classMeans, contributions, maxAbs, smoothed, template, topTwo } from './explain.js';
import { parseReplay } from './finetune.js';
import { CLASSES, INPUT_SIZE, SIDE } from './model-io.js';

// The average digits over the readable templates: the replay set shipped beside the
// model (MNIST's first 20 training examples of each digit, prepared as the model reads them).
const REPLAY_URL = 'model/replay.bin';
// Their ink's strongest opacity: the digit's shape shows, the template's colours through it.
const AVERAGE_OPACITY = 0.7;

// The readable templates' blur, in input pixels: enough to hide pixel-to-pixel
// noise, little enough to keep strokes apart.
const BLUR = 1;

// "#1d4ed8" or "#15d" -> [r, g, b]; the fallback for anything else.
function parseHex(text, fallback) {
  const hex = text.trim().replace(/^#/, '');
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  if (!/^[0-9a-f]{6}$/i.test(full)) return fallback;
  return [0, 2, 4].map((k) => parseInt(full.slice(k, k + 2), 16));
}

// Signed values as colours over the canvas's own background: positive in
// `colors.for`, negative in `colors.against`, opacity |value| / scale (so the
// strongest value is solid and zero is transparent).
function paintSigned(values, scale, colors, rgba) {
  const inverse = scale > 0 ? 255 / scale : 0;
  for (let i = 0; i < INPUT_SIZE; i++) {
    const v = values[i];
    const [r, g, b] = v >= 0 ? colors.for : colors.against;
    rgba[4 * i] = r;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = b;
    rgba[4 * i + 3] = Math.abs(v) * inverse;
  }
}

export class Why {
  constructor(root = document.querySelector('[data-testid=why]')) {
    this.root = root;
    this.weights = null;
    // The templates twice: slightly blurred, to read their shapes, and exact (one click deeper);
    // their 20 canvases are made when the panel first opens, not in the loading page's task.
    this.readable = null;
    this.templates = null;
    this.maps = ['top', 'runner-up'].map((name) => {
      const canvas = root.querySelector(`[data-testid=evidence-${name}]`);
      const context = canvas.getContext('2d');
      const caption = root.querySelector(`[data-testid=evidence-${name}-caption]`);
      return {
        canvas, context, caption, empty: caption.textContent,
        image: context.createImageData(SIDE, SIDE), values: new Float32Array(INPUT_SIZE), scale: 0,
      };
    });
    this.colors = null; // read when first painted
    this.averages = null; // the average digits' canvases, once made
    this.means = null; // a promise of the ten average digits (classMeans), fetched on first open
    this.painted = false; // the templates show this.weights
    this.evidence = null; // the selected digit's { pixels, probs }, none for an empty pad
    // Painted only while the panel is open: a closed panel costs a loading
    // page and every stroke nothing.
    root.addEventListener('toggle', () => this.repaint());
    // Light and dark mode use different blues and oranges: repaint on a switch.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      this.colors = null;
      this.painted = false;
      this.repaint();
      this.means?.then((means) => means && this.paintAverages(means));
    });
  }

  // Bring the open panel up to date: templates, then both maps.
  repaint() {
    if (!this.root.open) return;
    this.colors ??= this.readColors();
    if (!this.readable) {
      this.readable = this.createTemplates(this.root.querySelector('[data-testid=readable-templates]'), 'readable', 'blurred');
      this.averages = this.readable.map((canvas, digit) => this.createAverage(canvas, digit));
      this.means = this.fetchMeans();
    }
    this.templates ??= this.createTemplates(this.root.querySelector('[data-testid=exact-templates]'), 'template', 'exact');
    if (this.weights && !this.painted) this.paintTemplates();
    this.weigh();
    for (const map of this.maps) this.paint(map);
  }

  // Ten small 28x28 canvases, one per digit, with the digit below.
  createTemplates(grid, testid, kind) {
    return Array.from({ length: CLASSES }, (_, digit) => {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = SIDE;
      canvas.dataset.testid = `${testid}-${digit}`;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `The picture the model learned for ${digit}, ${kind}`);
      const caption = document.createElement('figcaption');
      caption.textContent = digit;
      figure.append(canvas, caption);
      grid.append(figure);
      return canvas;
    });
  }

  // Over a readable template, a canvas of the average `digit` it learned from (style.css blends it in).
  createAverage(canvas, digit) {
    const average = document.createElement('canvas');
    average.width = average.height = SIDE;
    average.className = 'why-average';
    average.dataset.testid = `average-${digit}`;
    average.setAttribute('aria-hidden', 'true'); // the template's label speaks for the pair
    const stack = document.createElement('div');
    stack.className = 'why-stack';
    canvas.replaceWith(stack);
    stack.append(canvas, average);
    return average;
  }

  // The ten average digits of the replay set; none (plain templates) if it cannot be had.
  async fetchMeans() {
    try {
      const response = await fetch(new URL(REPLAY_URL, document.baseURI));
      if (!response.ok) return null;
      const means = classMeans(parseReplay(new Uint8Array(await response.arrayBuffer())));
      this.paintAverages(means);
      return means;
    } catch {
      return null;
    }
  }

  paintAverages(means) {
    const [r, g, b] = (this.colors ??= this.readColors()).average;
    means.forEach((mean, digit) => {
      const context = this.averages[digit].getContext('2d');
      const image = context.createImageData(SIDE, SIDE);
      const top = Math.max(...mean) || 1;
      for (let i = 0; i < INPUT_SIZE; i++) {
        image.data.set([r, g, b, (255 * AVERAGE_OPACITY * mean[i]) / top], 4 * i);
      }
      context.putImageData(image, 0, 0);
    });
  }

  // The colours are CSS custom properties of the panel (style.css).
  readColors() {
    const style = getComputedStyle(this.root);
    return {
      for: parseHex(style.getPropertyValue('--why-for'), [29, 78, 216]),
      against: parseHex(style.getPropertyValue('--why-against'), [194, 65, 12]),
      average: parseHex(style.getPropertyValue('--why-average'), [110, 110, 120]),
    };
  }

  // Once the model is loaded (or taught): keep its weights; the ten templates
  // are drawn, each scaled by its own largest |weight|, when the panel is open.
  showTemplates(weights) {
    this.weights = weights;
    this.painted = false;
    this.repaint();
  }

  paintTemplates() {
    const values = new Float32Array(INPUT_SIZE);
    const blurred = new Float32Array(INPUT_SIZE);
    const paint = (canvas, picture) => {
      const context = canvas.getContext('2d');
      const image = context.createImageData(SIDE, SIDE);
      paintSigned(picture, maxAbs(picture), this.colors, image.data);
      context.putImageData(image, 0, 0);
    };
    for (let digit = 0; digit < CLASSES; digit++) {
      template(this.weights, digit, values);
      paint(this.templates[digit], values);
      paint(this.readable[digit], smoothed(values, BLUR, blurred));
    }
    this.painted = true;
  }

  // For each recognition: every pixel's vote x_i * w_ij for the reading and
  // for the runner-up, on one scale so the two pictures compare. No
  // probabilities (an empty pad): blank maps. Worked out only while the panel
  // is open (repaint), like its pictures.
  showEvidence(pixels, probs) {
    this.evidence = probs ? { pixels, probs } : null;
    this.repaint();
  }

  // The maps' votes and captions for this.evidence; blank without it or the weights.
  weigh() {
    if (!this.evidence || !this.weights) {
      for (const map of this.maps) {
        map.values.fill(0);
        map.scale = 0;
        map.caption.textContent = map.empty;
      }
      return;
    }
    const { pixels, probs } = this.evidence;
    const digits = topTwo(probs);
    this.maps.forEach((map, k) => contributions(this.weights, pixels, digits[k], map.values));
    const scale = maxAbs(this.maps[0].values, this.maps[1].values);
    this.maps[0].caption.textContent = `pixels for ${digits[0]}`;
    this.maps[1].caption.textContent = `for ${digits[1]}, the runner-up`;
    for (const map of this.maps) map.scale = scale;
  }

  paint(map) {
    paintSigned(map.values, map.scale, this.colors, map.image.data);
    map.context.putImageData(map.image, 0, 0);
  }
}
