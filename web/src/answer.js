// The page's one answer for what is on the pad: the strokes split into parts
// (digits, a decimal point, a leading minus), each digit judged from the
// model's probabilities, and the whole put together as one reading with one
// verdict. Pure: no DOM, no model.
import spec from '../../python/digitpad/spec.json' with { type: 'json' };
import { groupBounds, segmentStrokes, strokeBounds } from './segment.js';
import { CLASSES } from './model-io.js';

// The numbers of the verdict and of a number's parts: python/digitpad/spec.json,
// their rule: docs/verdicts.md.
//  DOT_SIZE: a stroke whose largest side is below this share of the largest side
//    of any stroke is a dot: a tap or a tiny blob, never a digit of its own. Pen
//    digits' own strokes are rarely this small, and nearly all of those lie inside
//    their digit's extent, where a dot rejoins its digit.
//  POINT_LOW: a dot between two digits is a decimal point when its centre sits in
//    the lower part of their height (below this share from the top): on the baseline.
//  MINUS_FLAT: a minus is flat: its height at most this share of its width...
//  MINUS_MIN: ...and may be short, a dot by its size, but at least this share of the
//    largest stroke wide: a quick dash before a digit is a minus, a tap there is not...
//  MINUS_BAND: ...and at mid-height: its centre within this band of the first digit's
//    height (an underscore or an overline is not a minus).
//  MAX_DIGIT_STROKES: a part of more strokes is not a digit: no pen digit by any of 30
//    writers has more than 3 (one more for a correction); a sketch or a kanji often has.
//  ROW_OVERLAP, ROW_HEIGHT: digits of a number sit on one line, each beside the next
//    with their heights overlapping by at least ROW_OVERLAP of the smaller one, none
//    shorter than ROW_HEIGHT of the tallest (isRow). Parts that do not are a picture.
export const {
  DOT_SIZE, POINT_LOW, MINUS_FLAT, MINUS_MIN, MINUS_BAND, MAX_DIGIT_STROKES, ROW_OVERLAP, ROW_HEIGHT,
} = spec.parts;
// The verdict's margin when the model's metadata gives none (verdict.unsure_margin):
// a first digit less than this far ahead of the next output is "not sure". The
// trainer's cross-validated value; a model ships its own.
export const UNSURE_MARGIN = spec.verdict.unsure_margin;
// How far a digit's strokes may wind (metadata verdict.max_turns): past it, a
// part is not a digit whatever the model says. The 784 pixels lose it (a
// scribble's loops, centred and stretched, look like an 8), and no pen digit by
// any of 30 writers winds more than 4.5 full turns (preprocess.js, winding).
export const MAX_TURNS = spec.verdict.max_turns;

// In a model with 11 outputs, the one after the digits is "not a digit".
const NOT_A_DIGIT = CLASSES;

// A model's "not a digit" probability in one input's outputs, null when it has no such output.
export const notADigitShare = (probs) => (probs.length > NOT_A_DIGIT ? probs[NOT_A_DIGIT] : null);

const width = (box) => box.x1 - box.x0;
const height = (box) => box.y1 - box.y0;
// A part's size: its bounding box's larger side.
export const size = (box) => Math.max(width(box), height(box));
const centre = (box) => [(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2];

function part(kind, items) {
  const sorted = items.sort((a, b) => a.order - b.order);
  const strokes = sorted.map((item) => item.stroke);
  return { kind, strokes, box: groupBounds(strokes), last: sorted[sorted.length - 1].order };
}

// Is `item` (the leftmost of the strokes that are not dots) a minus before the rest?
function isMinus(item, others) {
  const { box } = item;
  if (others.length === 0 || height(box) > MINUS_FLAT * width(box)) return false;
  return others.every((other) => box.x1 < other.box.x0);
}

function inBand(box, digit, [low, high]) {
  const y = centre(box)[1];
  return y >= digit.y0 + low * height(digit) && y <= digit.y0 + high * height(digit);
}

// strokes: the pad's strokes (lists of [x, y], y down). Returns the parts left
// to right, each { kind: 'digit' | 'point' | 'minus', strokes (in drawing
// order), box, last (index of its newest stroke) }. Dots that are neither a
// decimal point nor inside a digit are left out (a tap beside a 7 is no digit).
export function parseDrawing(strokes) {
  const items = strokes
    .map((stroke, order) => ({ stroke, order, box: strokeBounds(stroke) }))
    .filter((item) => item.stroke.length > 0);
  if (items.length === 0) return [];
  // The largest stroke is never a dot, so there is always a digit.
  const largest = Math.max(...items.map((item) => size(item.box)));
  const isDot = (item) => size(item.box) < DOT_SIZE * largest;
  const dots = items.filter(isDot);
  const rest = items.filter((item) => !isDot(item));

  const dashes = dots.filter((item) => width(item.box) >= MINUS_MIN * largest);
  const leftmost = [...rest, ...dashes].reduce((a, b) => (b.box.x0 < a.box.x0 ? b : a));
  const others = rest.filter((item) => item !== leftmost);
  let minus = isMinus(leftmost, others) ? leftmost : null;
  let groups = groupItems(minus ? others : rest);
  if (minus && !inBand(minus.box, groups[0].box, MINUS_BAND)) {
    minus = null;
    groups = groupItems(rest);
  }

  // Each dot joins the digit it lies in, or is the decimal point between two digits.
  let point = null;
  for (const dot of dots) {
    if (dot === minus) continue;
    const [x] = centre(dot.box);
    const home = groups.find(({ box }) => box.x0 <= x && x <= box.x1);
    if (home) {
      home.items.push(dot);
      continue;
    }
    const after = groups.findIndex(({ box }, i) => i + 1 < groups.length && box.x1 < x && x < groups[i + 1].box.x0);
    if (point || after < 0) continue;
    const [left, right] = [groups[after].box, groups[after + 1].box];
    const around = { y0: (left.y0 + right.y0) / 2, y1: (left.y1 + right.y1) / 2 };
    if (inBand(dot.box, around, [POINT_LOW, Infinity])) point = { after, dot };
  }

  const parts = minus ? [part('minus', [minus])] : [];
  groups.forEach((group, i) => {
    parts.push(part('digit', group.items));
    if (point?.after === i) parts.push(part('point', [point.dot]));
  });
  return parts;
}

// Do the digit parts sit as a number's digits do: on one line, each beside the next,
// of similar height? A face, an animal or two lines of digits do not: the page then
// reads the drawing as one picture (the recognizer), not as digits each on its own.
export function isRow(parts) {
  const boxes = parts.filter((p) => p.kind === 'digit').map((p) => p.box);
  const tallest = Math.max(...boxes.map(height));
  return boxes.every((box, i) => {
    if (height(box) < ROW_HEIGHT * tallest) return false;
    if (i === 0) return true;
    const before = boxes[i - 1];
    const shared = Math.min(before.y1, box.y1) - Math.max(before.y0, box.y0);
    return shared >= ROW_OVERLAP * Math.min(height(before), height(box));
  });
}

// The whole drawing as one part: how a picture is read.
export function wholePart(strokes) {
  return part('digit', strokes.map((stroke, order) => ({ stroke, order })).filter((item) => item.stroke.length > 0));
}

// segment.js's digits, each as { items, box }.
function groupItems(items) {
  const byStroke = new Map(items.map((item) => [item.stroke, item]));
  return segmentStrokes(items.map((item) => item.stroke)).map((strokes) => ({
    items: strokes.map((stroke) => byStroke.get(stroke)),
    box: groupBounds(strokes),
  }));
}

// One digit's verdict from the model's probabilities (10 digits, or 10 + "not
// a digit"): { verdict: 'digit' | 'unsure' | 'not-a-digit', digit, runnerUp }.
// digit and runnerUp are the two most probable digits (ties: the lower first).
// The rule the trainer measures (metadata verdict.rule): not a digit when that
// output is the largest; else not sure when the top two of all outputs are
// closer than the margin. rule: why the part is not a digit whatever the model
// says ('winding': it winds more than MAX_TURNS; 'dot': a tap), or '' if it may be
// one; when it overrules the model's own verdict it is the answer's `reason`, for
// the page to say why (the bars do not show it).
export function judge(probs, margin = UNSURE_MARGIN, rule = '') {
  let digit = probs[1] > probs[0] ? 1 : 0;
  let runnerUp = 1 - digit;
  for (let d = 2; d < CLASSES; d++) {
    if (probs[d] > probs[digit]) {
      runnerUp = digit;
      digit = d;
    } else if (probs[d] > probs[runnerUp]) {
      runnerUp = d;
    }
  }
  const other = notADigitShare(probs) ?? 0;
  let verdict = 'digit';
  if (other > probs[digit]) verdict = 'not-a-digit';
  else if (probs[digit] - Math.max(probs[runnerUp], other) < margin) verdict = 'unsure';
  if (rule && verdict !== 'not-a-digit') return { verdict: 'not-a-digit', digit, runnerUp, reason: rule };
  return { verdict, digit, runnerUp };
}

// The reading of parsed parts, the digits' judged in order ({ verdict, digit,
// runnerUp } each, from judge): { text, verdict, alternative }. text: the most
// likely reading ("" when it is not a number); alternative: when unsure, the
// reading with the least certain digit swapped for its runner-up ("6" -> "0"), else "".
// A row with any part that is not a digit (a word, "?8?") is not a number: one
// verdict for the whole pad, not a digit (the boxes still show which part it was).
export function compose(parts, judged, probs = []) {
  if (judged.length === 0 || judged.some((j) => j.verdict === 'not-a-digit')) {
    return { text: '', verdict: judged.length ? 'not-a-digit' : '', alternative: '' };
  }
  const symbols = [];
  const digitAt = []; // index in `symbols` of each digit part
  let k = 0;
  for (const { kind } of parts) {
    if (kind === 'minus') symbols.push('-');
    else if (kind === 'point') symbols.push('.');
    else {
      digitAt.push(symbols.length);
      symbols.push(String(judged[k++].digit));
    }
  }
  const unsure = judged.map((j, i) => [j, i]).filter(([j]) => j.verdict === 'unsure');
  if (unsure.length === 0) return { text: symbols.join(''), verdict: 'digit', alternative: '' };
  const gap = ([j, i]) => (probs[i] ? probs[i][j.digit] - probs[i][j.runnerUp] : 0);
  const [weakest, i] = unsure.reduce((a, b) => (gap(b) < gap(a) ? b : a));
  const swapped = [...symbols];
  swapped[digitAt[i]] = String(weakest.runnerUp);
  return { text: symbols.join(''), verdict: 'unsure', alternative: swapped.join('') };
}
