"""Fuzzing the pad in real Chromium: every kind of scribble, no error,
data-strokes always equal to the strokes drawn, and the answer a reading.

Each round runs a batch of random gestures inside the page (pointer events
dispatched on the pad, so thousands run in seconds), waiting after each for
the page to settle and checking the hook; between rounds the window is
resized and the device pixel ratio changed while a stroke is in progress.
"""

import random

from digitpad_bench import browser as chromium

FUZZ_JS = """async ([seed, count]) => {
    let state = seed;
    const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pad = document.querySelector('[data-testid=pad]');
    const prediction = document.querySelector('[data-testid=prediction]');
    const box = () => pad.getBoundingClientRect();
    const fire = (type, x, y, id = 1, extra = {}) => pad.dispatchEvent(new PointerEvent(type, {
        pointerId: id, pointerType: ['mouse', 'pen', 'touch'][id % 3], isPrimary: id === 1,
        clientX: x, clientY: y, button: type === 'pointermove' ? -1 : 0,
        buttons: type === 'pointerup' || type === 'pointercancel' ? 0 : 1,
        bubbles: true, cancelable: true, ...extra}));
    const point = (spread = 1) => {
        const b = box();  // sometimes well outside the pad: the stroke must survive that
        return [b.left + b.width * (0.5 + (rand() - 0.5) * spread), b.top + b.height * (0.5 + (rand() - 0.5) * spread)];
    };
    const settled = (n) => new Promise((resolve, reject) => {
        const done = () => prediction.dataset.strokes === String(n);
        if (done()) return resolve();
        const timer = setTimeout(() => reject(new Error(`data-strokes stuck at ${prediction.dataset.strokes}, expected ${n}`)), 5000);
        const watch = new MutationObserver(() => { if (done()) { watch.disconnect(); clearTimeout(timer); resolve(); } });
        watch.observe(prediction, { attributes: true, attributeFilter: ['data-strokes'] });
    });
    const stroke = (points, spread, end = 'pointerup') => {
        fire('pointerdown', ...point(0.8));
        for (let i = 0; i < points; i++) fire('pointermove', ...point(spread));
        fire(end, ...point(spread));
    };
    let strokes = Number(prediction.dataset.strokes);
    // The pad's history as the page should keep it: the stroke count before each change.
    const model = (window.fuzzHistory ??= { undone: [], redone: [] });
    const change = (next) => { model.undone.push(strokes); model.redone = []; strokes = next; };
    const kinds = {};
    for (let i = 0; i < count; i++) {
        const r = rand();
        let kind;
        if (r < 0.15) { kind = 'tap'; fire('pointerdown', ...point(0.9)); fire('pointerup', ...point(0)); change(strokes + 1); }
        else if (r < 0.22) { kind = 'scribble-5000'; stroke(5000, 1); change(strokes + 1); }
        else if (r < 0.37) { kind = 'leave-and-return'; stroke(30, 3); change(strokes + 1); }
        else if (r < 0.47) { kind = 'pointercancel'; stroke(10, 1, 'pointercancel'); change(strokes + 1); }
        else if (r < 0.57) {
            kind = 'two-pointers';  // a second finger while the first draws: ignored
            fire('pointerdown', ...point(0.8), 1);
            fire('pointerdown', ...point(0.8), 2);
            for (let k = 0; k < 10; k++) { fire('pointermove', ...point(1), 1); fire('pointermove', ...point(1), 2); }
            fire('pointerup', ...point(1), 2);
            fire('pointerup', ...point(1), 1);
            change(strokes + 1);
        }
        else if (r < 0.72) { kind = 'fast'; stroke(2, 1); change(strokes + 1); }
        else if (r < 0.77) {
            kind = 'undo';  // back one change, a clear included
            document.querySelector('[data-testid=undo]').click();
            if (model.undone.length) { model.redone.push(strokes); strokes = model.undone.pop(); }
        }
        else if (r < 0.8) {
            kind = 'redo';
            document.querySelector('[data-testid=redo]').click();
            if (model.redone.length) { model.undone.push(strokes); strokes = model.redone.pop(); }
        }
        else if (r < 0.85) { kind = 'clear'; document.querySelector('[data-testid=clear]').click(); if (strokes) change(0); }
        else if (r < 0.9) { kind = 'right-button'; fire('pointerdown', ...point(0.8), 3, { button: 2, pointerType: 'mouse' }); fire('pointerup', ...point(0.8), 3, { button: 2, pointerType: 'mouse' }); }
        else { kind = 'stroke'; stroke(5 + Math.floor(rand() * 60), 0.9); change(strokes + 1); }
        kinds[kind] = (kinds[kind] || 0) + 1;
        await settled(strokes);
        // A reading ("7", "-3.5", "5?3"), or "" exactly when the pad is empty or nothing on it is a digit.
        const { textContent: text, dataset: { verdict } } = prediction;
        const ok = strokes === 0 ? text === '' && verdict === ''
            : verdict === 'not-a-digit' ? text === '' : ['digit', 'unsure'].includes(verdict) && /^-?[0-9?]+(\\.[0-9?]+)?$/.test(text);
        if (!ok) throw new Error(`prediction "${text}" (${verdict}) with ${strokes} strokes`);
    }
    return kinds;
}"""

START_STROKE_JS = """() => {
    const pad = document.querySelector('[data-testid=pad]');
    const model = (window.fuzzHistory ??= { undone: [], redone: [] });  // a stroke: a change
    model.undone.push(Number(document.querySelector('[data-testid=prediction]').dataset.strokes));
    model.redone = [];
    const b = pad.getBoundingClientRect();
    pad.dispatchEvent(new PointerEvent('pointerdown', {pointerId: 9, pointerType: 'touch', isPrimary: true,
        clientX: b.left + 20, clientY: b.top + 20, buttons: 1, bubbles: true}));
    pad.dispatchEvent(new PointerEvent('pointermove', {pointerId: 9, pointerType: 'touch', isPrimary: true,
        clientX: b.left + 60, clientY: b.top + 80, buttons: 1, bubbles: true}));
}"""

END_STROKE_JS = """() => {
    const pad = document.querySelector('[data-testid=pad]');
    const b = pad.getBoundingClientRect();
    pad.dispatchEvent(new PointerEvent('pointermove', {pointerId: 9, pointerType: 'touch', isPrimary: true,
        clientX: b.left + b.width / 2, clientY: b.top + b.height / 2, buttons: 1, bubbles: true}));
    pad.dispatchEvent(new PointerEvent('pointerup', {pointerId: 9, pointerType: 'touch', isPrimary: true,
        clientX: b.left + b.width / 2, clientY: b.top + b.height / 2, buttons: 0, bubbles: true}));
}"""


def test_fuzz_the_pad(page, live_url):
    chromium.open_page(page, live_url)
    cdp = page.context.new_cdp_session(page)
    rng = random.Random(7)
    total = {}
    for round_ in range(6):
        kinds = page.evaluate(FUZZ_JS, [round_ + 1, 100])
        for kind, n in kinds.items():
            total[kind] = total.get(kind, 0) + n
        # Mid-stroke: a new window size and device pixel ratio, then finish the stroke.
        before = int(page.get_attribute("[data-testid=prediction]", "data-strokes"))
        page.evaluate(START_STROKE_JS)
        width, height, ratio = rng.choice([(375, 667, 3), (768, 1024, 2), (1440, 900, 1), (1024, 768, 1.5)])
        cdp.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": ratio, "mobile": width < 500})
        page.wait_for_timeout(50)
        page.evaluate(END_STROKE_JS)
        page.wait_for_selector(f"[data-testid=prediction][data-strokes='{before + 1}']")
        size = page.evaluate("(() => { const c = document.querySelector('[data-testid=pad]'); "
                             "return [c.width, Math.round(c.clientWidth * devicePixelRatio)]; })()")
        assert abs(size[0] - size[1]) <= 1  # the canvas follows the new size and ratio
    print(f"\nfuzzed {sum(total.values())} gestures: {total}")
    assert sum(total.values()) >= 500
    assert page.errors == []
