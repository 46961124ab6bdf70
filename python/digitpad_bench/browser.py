"""Drive the real page in headless Chromium: serve a site, replay pen strokes.

Used by the browser tests and by `make eval-drawn`: real digits drawn on the
pad as pointer input, stroke by stroke, read back through the page's test hooks
(`[data-testid=prediction]`, its `data-strokes`, `prob-0..9`'s `data-p`).
"""

import contextlib
import logging
import os
import shutil
import threading
from pathlib import Path


from digitpad.server import create_app, make_server
from digitpad.site import build_site
from digitpad.spec import PREPROCESS

# Playwright cannot download a browser everywhere, so it drives an installed one.
CHROMIUM = (os.environ.get("DIGITPAD_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser") or shutil.which("google-chrome") or "chromium")
# Headless Chromium on a closed network: no background calls home; an uncapped
# frame rate makes replayed pointer input several times faster. No omnibox popup pages:
# Chromium builds two WebUI pages of its own for each new window (a browser context here),
# which took more CPU than the page being loaded, beside it; a visitor's window has them.
UNCAPPED_FRAMES = ["--disable-gpu-vsync", "--disable-frame-rate-limit"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup", *UNCAPPED_FRAMES]


WEB = Path(__file__).resolve().parents[2] / "web"
# Appended to the page's address: the page then loads web/src/measure.js, its timings as
# performance marks and measures (digitpad-ready, -update, -teach, -teach-fit, -restored).
MEASURE = "?measure"


def page_only_site(destination):
    """The bundled page without a model, in `destination`: tests and benchmarks export their own."""
    return build_site(destination, WEB, with_model=False)


@contextlib.contextmanager
def serving(site_root, csp=None):
    """The Flask app serving site_root on a free loopback port; yields its URL.
    csp: another Content-Security-Policy (the benchmark's tf.min.js needs eval)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    config = {"SITE_ROOT": site_root, **({"CSP": csp} if csp else {})}
    server = make_server("127.0.0.1", 0, create_app(config))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()


def launch(playwright, capped_frames=False):
    """Debian's Chromium, headless. capped_frames: frames at the display's rate, as on a
    phone, not as fast as the page changes (the compositor then competes for the cores)."""
    args = [a for a in CHROMIUM_ARGS if not (capped_frames and a in UNCAPPED_FRAMES)]
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)


# How long a page may take to load TF.js and the model (30 s, Playwright's own default: the
# machine running the tests may be busy).
READY_TIMEOUT = 30_000


def wait_model(page, state="ready", timeout=READY_TIMEOUT):
    """Wait until the page says its model is `state` (body[data-model]: loading, ready or error)."""
    page.wait_for_selector(f"body[data-model={state}]", timeout=timeout)


def open_page(page, url, state="ready", timeout=READY_TIMEOUT):
    """Open url in page and wait until its model is `state` (wait_model)."""
    page.goto(url)
    wait_model(page, state, timeout)


def wait_about(page, timeout=READY_TIMEOUT):
    """Wait until "About this model" is filled in: its part loads once the model is ready
    (in idle time, main.js), or when the panel is opened."""
    page.wait_for_function("() => document.querySelector('[data-testid=about-details]').textContent !== ''",
                           timeout=timeout)


def place(strokes, pad, rng, size=(0.35, 0.75)):
    """Scale and move a digit's strokes to a random size and spot inside the pad,
    as a visitor would draw it: height a random share of the pad's height."""
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    target = rng.uniform(*size) * pad["height"]
    scale = target / max(height, 1)
    scale = min(scale, 0.9 * pad["width"] / max(width, 1))
    left = rng.uniform(0.03, 0.97 - width * scale / pad["width"]) * pad["width"]
    top = rng.uniform(0.03, 0.97 - height * scale / pad["height"]) * pad["height"]
    return [[(pad["x"] + left + (x - min(xs)) * scale, pad["y"] + top + (y - min(ys)) * scale)
             for x, y in stroke] for stroke in strokes]


# Pointer events dispatched inside the page, through the pad's own handlers.
# Chromium aligns real mouse moves to animation frames (~17 ms each even
# headless), so thousands of digits are replayed this way; the functional tests
# draw with the real mouse and touch input.
DISPATCH_JS = """(strokes) => {
    const pad = document.querySelector('[data-testid=pad]');
    const fire = (type, [x, y], buttons) => pad.dispatchEvent(new PointerEvent(type, {
        pointerId: 7, pointerType: 'pen', isPrimary: true, clientX: x, clientY: y,
        button: type === 'pointermove' ? -1 : 0, buttons, bubbles: true, cancelable: true}));
    for (const stroke of strokes) {
        fire('pointerdown', stroke[0], 1);
        for (const point of stroke.slice(1)) fire('pointermove', point, 1);
        fire('pointerup', stroke[stroke.length - 1], 0);
    }
}"""


def draw(page, strokes, real_input=True):
    """Draw strokes (page coordinates), one pointer stroke each: with the real
    mouse, or (real_input=False) as pointer events dispatched on the pad."""
    if not real_input:
        page.evaluate(DISPATCH_JS, [[list(p) for p in stroke] for stroke in strokes])
        return
    for stroke in strokes:
        page.mouse.move(*stroke[0])
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*point)
        page.mouse.up()


def read_prediction(page, strokes, timeout=10_000):
    """Wait until the shown prediction accounts for `strokes` strokes; its text (`digit`),
    verdict and probabilities."""
    page.wait_for_selector(f"[data-testid=prediction][data-strokes='{strokes}']", timeout=timeout)
    return page.evaluate("""() => ({
        digit: document.querySelector('[data-testid=prediction]').textContent,
        verdict: document.querySelector('[data-testid=prediction]').dataset.verdict ?? null,
        probs: [...Array(10).keys()].map(d =>
            Number(document.querySelector(`[data-testid=prob-${d}]`).dataset.p)),
    })""")


def clear(page):
    page.click("[data-testid=clear]")
    page.wait_for_selector("[data-testid=prediction][data-strokes='0']")


# The naive pipeline of typical tutorial pages, for comparison only: shrink the
# whole pad canvas to the model's 28x28 and feed that to the same model.
NAIVE_JS = """async () => {
    const side = """ + str(PREPROCESS["SIZE"]) + """;
    const pad = document.querySelector('[data-testid=pad]');
    const small = document.createElement('canvas');
    small.width = small.height = side;
    const g = small.getContext('2d');
    g.drawImage(pad, 0, 0, side, side);
    const rgba = g.getImageData(0, 0, side, side).data;
    const pixels = new Float32Array(side * side);
    for (let i = 0; i < side * side; i++) pixels[i] = rgba[4 * i + 3] / 255;  // ink = opacity
    const probs = await window.digitpad.predictBatch(pixels, 1);
    return probs.indexOf(Math.max(...probs));
}"""


# One digit in one round trip: dispatch its strokes on the pad, wait (without
# polling) until the prediction accounts for all of them, read the hooks, then
# press Clear and wait for the empty state.
# Resolves once `element`'s data-strokes is n: a MutationObserver, not polling.
SETTLED_JS = """(element, n) => new Promise((resolve) => {
    if (element.dataset.strokes === String(n)) return resolve();
    const watch = new MutationObserver(() => {
        if (element.dataset.strokes === String(n)) { watch.disconnect(); resolve(); }
    });
    watch.observe(element, { attributes: true, attributeFilter: ['data-strokes'] });
})"""

REPLAY_JS = """async ([strokes, naive]) => {
    const prediction = document.querySelector('[data-testid=prediction]');
    const settled = (n) => (""" + SETTLED_JS + """)(prediction, n);
    (""" + DISPATCH_JS + """)(strokes);
    await settled(strokes.length);
    const shown = {
        digit: prediction.textContent,
        verdict: prediction.dataset.verdict ?? null,
        probs: [...Array(10).keys()].map(d =>
            Number(document.querySelector(`[data-testid=prob-${d}]`).dataset.p)),
        naive: naive ? await (""" + NAIVE_JS + """)() : null,
    };
    document.querySelector('[data-testid=clear]').click();
    await settled(0);
    return shown;
}"""


def replay(page, samples, rng, naive=False, real_input=False, verdicts=False):
    """Draw each sample on the pad at a random size and place; list of
    (label, digit read or None[, naive prediction][, verdict]) per sample. None: the
    answer was not one digit (not a digit, or read as several parts)."""
    pad = page.locator("[data-testid=pad]").bounding_box()
    results = []
    for sample in samples:
        strokes = place(sample["strokes"], pad, rng)
        if real_input:
            draw(page, strokes)
            shown = read_prediction(page, len(strokes))
            shown["naive"] = page.evaluate(NAIVE_JS) if naive else None
            clear(page)
        else:
            shown = page.evaluate(REPLAY_JS, [[[list(p) for p in s] for s in strokes], naive])
        text = shown["digit"]
        row = [sample.get("label"), int(text) if len(text) == 1 and text.isdigit() else None]
        if naive:
            row.append(shown["naive"])
        if verdicts:
            row.append(shown["verdict"])
        results.append(tuple(row))
    return results


# --- Numbers: several real digits written side by side -------------------------

def lay_out(samples, pad, rng, height=(0.4, 0.6), gap=(0.25, 0.45), margin=0.03, centre=False):
    """The samples' strokes as a number written left to right on the pad (page
    coordinates): every digit scaled to the same height (a random share of the
    pad's), a random gap between neighbours (a share of that height), each
    digit a little up or down. Scaled down when the number would not fit the
    pad's width (within `margin`). centre: in the middle of the pad, not
    anywhere. One list of strokes per digit."""
    boxes = []
    for sample in samples:
        xs = [x for stroke in sample["strokes"] for x, _ in stroke]
        ys = [y for stroke in sample["strokes"] for _, y in stroke]
        boxes.append((min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
    target = rng.uniform(*height) * pad["height"]
    gaps = [rng.uniform(*gap) for _ in samples[1:]]
    units = sum(w / max(h, 1) for _, _, w, h in boxes) + sum(gaps)  # the width, in digit heights
    size = min(target, (1 - 2 * margin) * pad["width"] / units)
    left = pad["x"] + rng.uniform(margin * pad["width"], pad["width"] * (1 - margin) - units * size)
    top = pad["y"] + rng.uniform(margin * pad["height"], pad["height"] * (1 - margin) - 1.1 * size)
    if centre:
        left, top = pad["x"] + (pad["width"] - units * size) / 2, pad["y"] + (pad["height"] - 1.1 * size) / 2
    digits = []
    for i, (sample, (x0, y0, w, h)) in enumerate(zip(samples, boxes)):
        scale = size / max(h, 1)
        dy = rng.uniform(0, 0.1) * size
        digits.append([[(left + (x - x0) * scale, top + dy + (y - y0) * scale) for x, y in stroke]
                       for stroke in sample["strokes"]])
        left += w * scale + (gaps[i] * size if i < len(gaps) else 0)
    return digits


# One number in one round trip: dispatch every stroke on the pad, wait (without
# polling) until the reading accounts for all of them, read it and its boxes,
# then press Clear and wait for the empty reading.
READ_JS = """async ([strokes, keep]) => {
    const reading = document.querySelector('[data-testid=prediction]');
    const settled = (n) => (""" + SETTLED_JS + """)(reading, n);
    (""" + DISPATCH_JS + """)(strokes);
    await settled(strokes.length);
    const boxes = [...document.querySelectorAll('[data-testid=digit-box]')].map((b) => b.dataset.digit).join('');
    const shown = { text: reading.textContent, verdict: reading.dataset.verdict, boxes };
    if (!keep) {
        document.querySelector('[data-testid=clear]').click();
        await settled(0);
        shown.cleared = { text: reading.textContent, verdict: reading.dataset.verdict,
                          boxes: document.querySelectorAll('[data-testid=digit-box]').length };
    }
    return shown;
}"""


def read_number(page, digits, keep=False):
    strokes = [[list(p) for p in stroke] for digit in digits for stroke in digit]
    return page.evaluate(READ_JS, [strokes, keep])


def numbers(pen_digits, rng, count, lengths=(2, 6)):
    """`count` random numbers of 2-6 real pen digits each."""
    return [rng.sample(pen_digits, rng.randint(*lengths)) for _ in range(count)]


def read_numbers(page, samples, rng, count, lengths=(2, 6)):
    """Write `count` random numbers of 2-6 of the samples on the pad; the share read exactly
    (the main answer's text equal to the digits written) and the shares called unsure and
    not a digit."""
    pad = page.locator("[data-testid=pad]").bounding_box()
    exact = unsure = rejected = 0
    for digits in numbers(samples, rng, count, lengths):
        shown = read_number(page, lay_out(digits, pad, rng))
        exact += shown["text"] == "".join(str(s["label"]) for s in digits)
        unsure += shown["verdict"] == "unsure"
        rejected += shown["verdict"] == "not-a-digit"
    return {"numbers": count, "exact": exact / count, "unsure": unsure / count, "not_a_digit": rejected / count}


# --- Pictures: drawings of several parts that are not a number ------------------

def scatter(samples, pad, rng, size=(0.2, 0.45)):
    """The samples' strokes as one picture's parts: each at a random size and spot on the pad,
    wherever it falls (above, below or beside the others), as the parts of a face or a house."""
    return [place(sample["strokes"], pad, rng, size) for sample in samples]


def read_pictures(page, words_from, parts_from, rng, count, lengths=(2, 6)):
    """Write `count` words of 2-6 of `words_from` (letters, laid out as a number is) and
    `count` pictures of 2-4 of `parts_from` (scattered); for each kind the share of the
    whole pad called "not a digit" and the share read as digits (a number made of parts)."""
    pad = page.locator("[data-testid=pad]").bounding_box()
    drawings = {"words": [lay_out(rng.sample(words_from, rng.randint(*lengths)), pad, rng) for _ in range(count)],
                "pictures": [scatter(rng.sample(parts_from, rng.randint(2, 4)), pad, rng) for _ in range(count)]}
    result = {}
    for kind, group in drawings.items():
        shown = [read_number(page, parts) for parts in group]
        result[kind] = {"count": count,
                        "not_a_digit": sum(s["verdict"] == "not-a-digit" for s in shown) / count,
                        "read_as_digits": sum(any(c.isdigit() for c in s["text"]) for s in shown) / count}
    return result
