// Split a drawing of several digits side by side (a number, such as 504192)
// into one group of strokes per digit, left to right. Pure: no DOM.
import spec from '../../python/digitpad/spec.json' with { type: 'json' };

// The rule: two groups of strokes belong to the same digit when their
// horizontal extents overlap, or are apart by less than GAP_TOLERANCE times
// the height of the taller of the two (gap < 0.15 h). Groups start as single
// strokes and are merged until no pair qualifies any more: merging widens a
// group's extent and can make it taller, so one merge can enable another.
//
// Why a tolerance, not a strict overlap (nor an overlap after shrinking each
// extent, which would separate neighbours whose extents just touch): people
// write a 4 as an "L" and a separate down stroke, and that stroke often sits
// entirely to the right of the "L". Measured on the 1,930 multi-stroke digits
// of the pen digits (30 writers): requiring overlap splits 43 of them (35
// fours); a gap tolerance of 0.05 h splits 15, 0.10 h 9, 0.15 h 3 (one 4, and
// a 0 and a 5 with a stray dot far from the digit), 0.20 h 2. The bars of
// 5s and 7s always overlap their body. So 0.15 h keeps real digits whole, and
// any two digits written with a gap of more than about a sixth of their height
// (normal spacing is wider) stay apart. Digits whose extents overlap (a 7's bar
// reaching over the next digit) are read as one: leave a little space.
//
// Why the height of the groups, not of the whole drawing: a number written on
// a slant, or with one digit larger, makes the drawing taller than any of its
// digits, which would make the tolerance too lenient.
export const { GAP_TOLERANCE } = spec.parts; // python/digitpad/spec.json

// Each stroke's bounding box (as groupBounds), kept while the stroke has as many points:
// every update reads every stroke's box several times (parts, lines, the digit's fit), and a
// stroke is never changed but by adding points (the pad's one being drawn). Shared: never
// written to.
const boxes = new WeakMap();

export function strokeBounds(stroke) {
  const kept = boxes.get(stroke);
  if (kept?.points === stroke.length) return kept.box;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let k = 0; k < stroke.length; k++) {
    const x = stroke[k][0];
    const y = stroke[k][1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  const box = { x0, x1, y0, y1 };
  boxes.set(stroke, { points: stroke.length, box });
  return box;
}

// The bounding box { x0, x1, y0, y1 } of a group of strokes (for drawing it, too): a new object.
export function groupBounds(strokes) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const stroke of strokes) {
    const box = strokeBounds(stroke);
    if (box.x0 < x0) x0 = box.x0;
    if (box.x1 > x1) x1 = box.x1;
    if (box.y0 < y0) y0 = box.y0;
    if (box.y1 > y1) y1 = box.y1;
  }
  return { x0, x1, y0, y1 };
}

function sameDigit(a, b) {
  const gap = Math.max(a.x0, b.x0) - Math.min(a.x1, b.x1); // < 0: the extents overlap
  return gap <= GAP_TOLERANCE * Math.max(a.y1 - a.y0, b.y1 - b.y0);
}

// strokes: list of strokes, each a list of [x, y] points (any unit, y down).
// Returns the groups (each a list of the original stroke arrays, in drawing
// order), ordered left to right by their leftmost point. Empty strokes are
// ignored; no strokes -> [].
export function segmentStrokes(strokes) {
  let groups = strokes
    .map((stroke, order) => ({ strokes: [stroke], orders: [order], box: strokeBounds(stroke) }))
    .filter((group) => group.strokes[0].length > 0);
  // Merge one pair at a time until stable (a handful of strokes: cheap).
  for (let merged = true; merged;) {
    merged = false;
    search: for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        if (!sameDigit(groups[i].box, groups[j].box)) continue;
        const both = [...groups[i].orders, ...groups[j].orders].sort((a, b) => a - b);
        const members = both.map((order) => strokes[order]);
        groups[i] = { strokes: members, orders: both, box: groupBounds(members) };
        groups.splice(j, 1);
        merged = true;
        break search;
      }
    }
  }
  groups = groups.sort((a, b) => a.box.x0 - b.box.x0 || a.orders[0] - b.orders[0]);
  return groups.map((group) => group.strokes);
}


// How many lines the strokes are written on: runs of ink one above another, apart by
// more than GAP_TOLERANCE times the tallest stroke's height. The pad reads one line.
// Plain loops: it runs once per answer, too seldom to be optimised, and array helpers
// then cost most of it.
export function lineCount(strokes) {
  const spans = [];
  let tallest = 0;
  for (let i = 0; i < strokes.length; i++) {
    if (strokes[i].length === 0) continue;
    const box = strokeBounds(strokes[i]);
    spans.push(box);
    if (box.y1 - box.y0 > tallest) tallest = box.y1 - box.y0;
  }
  if (spans.length === 0) return 0;
  spans.sort((a, b) => a.y0 - b.y0);
  const gap = GAP_TOLERANCE * tallest;
  let lines = 1;
  let bottom = spans[0].y1;
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].y0 > bottom + gap) lines++;
    if (spans[i].y1 > bottom) bottom = spans[i].y1;
  }
  return lines;
}
