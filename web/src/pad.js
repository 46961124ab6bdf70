// The drawing pad: a canvas that records pen strokes from mouse, touch and pen.
//
// It knows nothing of the model. It keeps the drawing as vector strokes (lists
// of [x, y] points in CSS pixels) and tells its listener when they change; the
// canvas is only a picture of those strokes, redrawn crisply at any size or
// device pixel ratio.

// How far (CSS px) a pointer may move and still be a tap, not a stroke.
const TAP_SLOP = 8;
// The most strokes the pad holds: far more than any number or sketch needs, and few enough
// that reading the pad after a stroke stays quick (splitting the drawing grows faster than
// its strokes: 2,000 took 128 ms a stroke). A stroke past it is refused, and onFull() says so.
export const MAX_STROKES = 200;

export class Pad {
  // onChange(strokes, { drawing }) is called after every change; `drawing` is
  // true while a stroke is still in progress (then at most once per frame).
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.graphics = null; // the canvas's 2D context, made when first drawn on (context)
    this.onChange = onChange;
    this.strokes = [];
    this.undone = []; // the pad before each change (a stroke or a clear), newest last
    this.redone = []; // the pad before each undo, for redo
    this.current = null; // the stroke being drawn, also the last item of strokes
    this.pointerId = null; // one pen at a time: a second finger is ignored
    this.tap = null; // a pointer down on an overlay, not yet moved: { first, onTap }
    this.onFull = null; // called when a stroke is refused: the pad holds MAX_STROKES
    this.frame = 0;
    this.listen();
    // Sized when first laid out (a ResizeObserver reports every element once):
    // reading the size now would force the page's first layout into this script's task.
    new ResizeObserver(() => this.resize()).observe(canvas);
    // A change of device pixel ratio (zoom, moving to another screen) does not
    // resize the element, so watch it separately.
    this.watchPixelRatio();
  }

  listen() {
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => this.start(e));
    c.addEventListener('pointermove', (e) => this.move(e));
    c.addEventListener('pointerup', (e) => this.end(e));
    c.addEventListener('pointercancel', (e) => this.end(e));
    c.addEventListener('lostpointercapture', (e) => this.end(e));
    // No context menu on long press, no scrolling or zooming gestures on the pad
    // (touch-action: none in CSS does the rest).
    c.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  // The event's point on the pad, or null when it is not a finite one (a tampered
  // or broken event): such a point would poison every later reading and the undo history.
  point(e) {
    const r = this.canvas.getBoundingClientRect();
    const p = [e.clientX - r.left, e.clientY - r.top];
    return Number.isFinite(p[0]) && Number.isFinite(p[1]) ? p : null;
  }

  // A pointer down on the pad, or on something laid over it (onTap: what a tap there
  // does). Drawing wins: it is a stroke once it moves, and only a tap is the overlay's.
  start(e, onTap = null) {
    if (this.pointerId !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    const first = this.point(e);
    if (!first) return;
    if (!onTap && this.strokes.length >= MAX_STROKES) {
      this.onFull?.();
      return;
    }
    this.pointerId = e.pointerId;
    // Capture keeps the stroke going when the pointer leaves the pad and comes back.
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic events have no active pointer to capture; drawing still works.
    }
    if (onTap) this.tap = { first, onTap };
    else this.begin(first);
  }

  begin(first) {
    this.current = [first];
    this.remember();
    this.strokes = [...this.strokes, this.current];
    drawStroke(this.prepare(), this.current, this.penWidth); // the others are drawn already
    this.changed(true);
  }

  move(e) {
    if (e.pointerId !== this.pointerId) return;
    e.preventDefault();
    if (this.tap) {
      const p = this.point(e);
      const { first } = this.tap;
      if (!p || Math.hypot(p[0] - first[0], p[1] - first[1]) <= TAP_SLOP) return;
      this.tap = null;
      if (this.strokes.length >= MAX_STROKES) {
        this.onFull?.();
        this.abandonStroke();
        return;
      }
      this.begin(first);
    }
    // Coalesced events: the points the browser merged into this one event, so
    // fast strokes stay smooth.
    const events = e.getCoalescedEvents?.() ?? [];
    const from = this.current.length - 1;
    for (const ev of events.length ? events : [e]) {
      const p = this.point(ev);
      if (p) this.current.push(p);
    }
    this.drawTail(from); // only the new segments: long strokes stay cheap
    this.changed(true);
  }

  end(e) {
    if (e.pointerId !== this.pointerId) return;
    this.pointerId = null;
    if (this.tap) {
      const { onTap } = this.tap;
      this.tap = null;
      if (e.type === 'pointerup') onTap();
      return;
    }
    this.current = null;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.changed(false);
  }

  // While drawing, report at most once per animation frame.
  changed(drawing) {
    if (!drawing) {
      this.onChange(this.strokes, { drawing: false });
    } else if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        if (this.current) this.onChange(this.strokes, { drawing: true });
      });
    }
  }

  // Keep the pad as it is before a change, for undo; a change forgets what was undone.
  remember() {
    this.undone.push(this.strokes);
    this.redone = [];
  }

  // Clear is undoable too: Undo brings the drawing back.
  clear() {
    this.abandonStroke();
    if (this.strokes.length) {
      this.remember();
      this.strokes = [];
    }
    this.draw();
    this.changed(false);
  }

  undo() {
    this.step(this.undone, this.redone);
  }

  redo() {
    this.step(this.redone, this.undone);
  }

  // Back (or forth) one change: the pad takes the state on top of `from`, its
  // present state goes on `to`.
  step(from, to) {
    this.abandonStroke();
    if (from.length) {
      to.push(this.strokes);
      this.strokes = from.pop();
    }
    this.draw();
    this.changed(false);
  }

  abandonStroke() {
    if (this.pointerId !== null && this.canvas.hasPointerCapture?.(this.pointerId)) {
      this.canvas.releasePointerCapture(this.pointerId);
    }
    this.pointerId = null;
    this.current = null;
    this.tap = null;
  }

  get isEmpty() {
    return this.strokes.length === 0;
  }

  // Pen width scales with the pad, so the picture looks the same on a phone
  // and a desktop (the model's input does not depend on it).
  get penWidth() {
    return Math.max(6, this.width * 0.045);
  }

  // The pad's width in CSS px, as resize() last read it: reading the element again
  // after the canvas was resized would force a layout. (Before the first resize: read it.)
  get width() {
    return this.cssWidth ?? this.canvas.clientWidth;
  }

  // The canvas's border widths in CSS px ({ left, top }), as resize() last read them.
  get border() {
    return this.borders ?? { left: this.canvas.clientLeft, top: this.canvas.clientTop };
  }

  resize() {
    // A rotated phone or a resized window: the drawing scales with the pad, whole.
    const scale = this.cssWidth ? this.canvas.clientWidth / this.cssWidth : 1;
    this.cssWidth = this.canvas.clientWidth;
    this.borders = { left: this.canvas.clientLeft, top: this.canvas.clientTop };
    if (scale !== 1 && scale > 0) {
      const scaled = (strokes) => strokes.map((stroke) => stroke.map(([x, y]) => [x * scale, y * scale]));
      this.strokes = scaled(this.strokes);
      if (this.current) this.current = this.strokes[this.strokes.length - 1]; // a stroke in progress goes on
      this.undone = this.undone.map(scaled);
      this.redone = this.redone.map(scaled);
      if (this.strokes.length) queueMicrotask(() => this.changed(Boolean(this.current)));
    }
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(this.cssWidth * ratio);
    const height = Math.round(this.canvas.clientHeight * ratio);
    if (width !== this.canvas.width || height !== this.canvas.height) {
      this.canvas.width = width;
      this.canvas.height = height;
      // Resizing cleared the canvas. An empty pad (as at load) then needs no
      // drawing, which keeps the canvas's first use out of the page's first frame.
      if (!this.strokes.length) return;
    }
    this.draw();
  }

  watchPixelRatio() {
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    query.addEventListener('change', () => {
      this.resize();
      this.watchPixelRatio();
    }, { once: true });
  }

  // Made at the first stroke, not while the page loads: making a canvas's first 2D
  // context took ~2 ms of the loading page's own time.
  get context() {
    return (this.graphics ??= this.canvas.getContext('2d'));
  }

  // Pen settings for the canvas at its current size and pixel ratio.
  prepare() {
    const { context: g, canvas } = this;
    const ratio = canvas.width / (this.width || 1);
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.lineWidth = this.penWidth;
    g.strokeStyle = g.fillStyle = getComputedStyle(canvas).color;
    return g;
  }

  // Add the current stroke's segments from point `from` on.
  drawTail(from) {
    const g = this.context;
    g.beginPath();
    const stroke = this.current;
    g.moveTo(stroke[from][0], stroke[from][1]);
    for (let k = from + 1; k < stroke.length; k++) g.lineTo(stroke[k][0], stroke[k][1]);
    g.stroke();
  }

  // Redraw everything (after a resize, undo or clear).
  draw() {
    const g = this.prepare();
    g.clearRect(0, 0, this.canvas.width, this.canvas.height); // more than enough: the transform scales down
    for (const stroke of this.strokes) drawStroke(g, stroke, this.penWidth);
  }
}

// One stroke on the prepared context g.
function drawStroke(g, stroke, penWidth) {
  g.beginPath();
  g.moveTo(stroke[0][0], stroke[0][1]);
  // A tap is a dot: a zero-length line with round caps draws nothing everywhere.
  if (stroke.length === 1) g.arc(stroke[0][0], stroke[0][1], penWidth / 2, 0, 2 * Math.PI);
  for (let k = 1; k < stroke.length; k++) g.lineTo(stroke[k][0], stroke[k][1]);
  if (stroke.length === 1) g.fill();
  else g.stroke();
}
