"""The drawing page in real Chromium: states, mouse and touch drawing, undo and
clear, model failures, and real pen-drawn digits replayed stroke by stroke."""

import json
import math
import random
import shutil
from urllib.parse import urlparse

import pytest

from digitpad.errors import UserError
from digitpad.site import MODEL_BLOCK, embed_model, weight_shards
from digitpad.spec import VERDICT
from digitpad_bench import browser as chromium
from digitpad_bench.page_bench import READY_WATCH_JS

from .conftest import screenshot

STROKE_A = [(0.3, 0.2), (0.6, 0.2), (0.5, 0.5), (0.45, 0.8)]  # a 7, in pad fractions
STROKE_B = [(0.35, 0.5), (0.6, 0.5)]  # its cross bar


def pad_points(page, stroke):
    box = page.locator("[data-testid=pad]").bounding_box()
    points = []
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        points += [(box["x"] + box["width"] * (x0 + (x1 - x0) * t / 8),
                    box["y"] + box["height"] * (y0 + (y1 - y0) * t / 8)) for t in range(8)]
    return points + [(box["x"] + box["width"] * stroke[-1][0], box["y"] + box["height"] * stroke[-1][1])]


def strokes_attr(page):
    return page.get_attribute("[data-testid=prediction]", "data-strokes")


def test_ready_without_errors_or_other_origins(page, live_url):
    chromium.open_page(page, live_url)
    assert page.errors == []
    assert page.text_content("[data-testid=prediction]") == ""
    assert strokes_attr(page) == "0"
    assert all(page.get_attribute(f"[data-testid=prob-{d}]", "data-p") == "0" for d in range(10))
    origin = urlparse(live_url).netloc
    assert {urlparse(u).netloc for u in page.requests} == {origin}


def test_mouse_strokes_undo_clear(page, live_url):
    chromium.open_page(page, live_url)
    chromium.draw(page, [pad_points(page, STROKE_A)])
    first = chromium.read_prediction(page, 1)
    # The ten digits' probabilities: all of it, less "not a digit"'s share with an 11th output.
    assert first["digit"] in "0123456789" and 0 < sum(first["probs"]) < 1 + 1e-4
    chromium.draw(page, [pad_points(page, STROKE_B)])
    chromium.read_prediction(page, 2)

    page.click("[data-testid=undo]")
    assert chromium.read_prediction(page, 1) == first  # back to the one-stroke drawing
    page.keyboard.press("Control+z")
    chromium.read_prediction(page, 0)
    assert page.text_content("[data-testid=prediction]") == ""

    chromium.draw(page, [pad_points(page, STROKE_A)])
    chromium.read_prediction(page, 1)
    page.keyboard.press("Escape")
    chromium.read_prediction(page, 0)
    assert page.text_content("[data-testid=prediction]") == ""
    assert page.get_attribute("[data-testid=prob-7]", "data-p") == "0"
    assert page.errors == []


# The pad's ink at these page points: the canvas's alpha there (0 blank, 255 solid).
INK_JS = """(points) => {
    const pad = document.querySelector('[data-testid=pad]');
    const box = pad.getBoundingClientRect();
    const scale = pad.width / box.width;
    const g = pad.getContext('2d');
    return points.map(([x, y]) => g.getImageData(Math.round((x - box.left) * scale), Math.round((y - box.top) * scale), 1, 1).data[3]);
}"""


def test_the_pad_shows_every_stroke_and_tap(page, live_url):
    """A new stroke draws itself on the pad, and leaves the strokes before it as they were."""
    chromium.open_page(page, live_url)
    a, b = pad_points(page, STROKE_A), pad_points(page, STROKE_B)
    tap = pad_points(page, [(0.8, 0.8)])
    chromium.draw(page, [a, b, tap])
    chromium.read_prediction(page, 3)
    inked = page.evaluate(INK_JS, [a[4], a[12], b[4], tap[0]])
    assert all(alpha > 200 for alpha in inked), inked
    assert page.evaluate(INK_JS, [pad_points(page, [(0.1, 0.9)])[0]]) == [0]
    page.click("[data-testid=undo]")
    chromium.read_prediction(page, 2)
    assert page.evaluate(INK_JS, [tap[0], a[4]])[0] == 0  # undone: gone, the rest stays
    assert page.evaluate(INK_JS, [a[4]])[0] > 200
    assert page.errors == []


def test_touch_stroke(phone, live_url):
    chromium.open_page(phone, live_url)
    cdp = phone.context.new_cdp_session(phone)
    points = pad_points(phone, STROKE_A)
    scroll_before = phone.evaluate("window.scrollY")
    for kind, (x, y) in [("touchStart", points[0])] + [("touchMove", p) for p in points[1:]]:
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    shown = chromium.read_prediction(phone, 1)
    assert shown["digit"] in "0123456789"
    assert phone.evaluate("window.scrollY") == scroll_before  # the page did not scroll
    # The whole pad fits a phone screen.
    box = phone.locator("[data-testid=pad]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667


def broken_sites(base):
    """Sites whose model is missing, malformed, truncated or the wrong shape."""
    def missing(model):
        shutil.rmtree(model)

    def malformed(model):
        (model / "model.json").write_text('{"modelTopology": ')

    def truncated(model):
        [shard] = model.glob("group1-shard1of1.*.bin")
        shard.write_bytes(shard.read_bytes()[:1000])

    def wrong_shape(model):
        spec = json.loads((model / "model.json").read_text())
        text = json.dumps(spec).replace("784", "783")
        (model / "model.json").write_text(text)
    return {f.__name__: f for f in (missing, malformed, truncated, wrong_shape)}


def without_model_in_page(root):
    """root's page as web/index.html is: no model in it, so it asks for the model's files."""
    html = (root / "index.html").read_text()
    (root / "index.html").write_text(MODEL_BLOCK.sub('<script type="application/json" id="digitpad-model">{}</script>', html))


@pytest.mark.parametrize("breakage", list(broken_sites(None)))
def test_model_failure_is_shown_and_pad_stays_usable(page, site, tmp_path, breakage):
    root = tmp_path / "web"
    shutil.copytree(site, root)
    broken_sites(root)[breakage](root / "model")
    if breakage in ("missing", "malformed"):  # `make site` refuses these: the page asks for the files
        with pytest.raises(UserError):
            embed_model(root)
        without_model_in_page(root)
    else:  # the page holds them, as `make site` builds it
        embed_model(root)
    with chromium.serving(root) as url:
        chromium.open_page(page, url, "error")
        status = page.text_content("[data-testid=status]")
        assert "could not be loaded" in status and len(status) > 60, status
        chromium.draw(page, [pad_points(page, STROKE_A)])
        page.wait_for_selector("body.drawn")  # the drawing is on the pad
        assert strokes_attr(page) == "0" and page.text_content("[data-testid=prediction]") == ""
        assert not [e for e in page.errors if "Uncaught" in e]


# Measured here: 87.7% on these 300 digits (seed 0) with the softmax trained on
# MNIST only (deskewed, size-normalised); 81.7% before deskewing, with real
# mouse input giving the same. The naive whole-canvas pipeline gets 8.7%
# with this model (17.3% with one trained on raw pixels). The test model now
# trains on these pen digits too (every writer but TEACH_WRITER, so flattered):
# 97.3%, naive 7.7%.
REPLAY_FLOOR = 0.85


def test_replay_real_pen_digits(page, live_url, pen_digits, tmp_path):
    rng = random.Random(0)
    samples = rng.sample(pen_digits, 300)
    chromium.open_page(page, live_url)
    results = chromium.replay(page, samples, rng, naive=True)
    accuracy = sum(label == shown for label, shown, _ in results) / len(results)
    naive = sum(label == shown for label, _, shown in results) / len(results)
    print(f"\nreplayed {len(results)} pen digits: accuracy {accuracy:.3f} (naive whole-canvas downscale {naive:.3f})")
    chromium.draw(page, chromium.place(samples[0]["strokes"], page.locator("[data-testid=pad]").bounding_box(),
                                       random.Random(1), size=(0.6, 0.6)))
    chromium.read_prediction(page, len(samples[0]["strokes"]))
    screenshot(page, "page.png", tmp_path)
    assert page.errors == []
    assert accuracy >= REPLAY_FLOOR


def test_about_panel_shows_the_metadata(page, live_url, site):
    """Plain words first, the exact terms one click deeper, the confusion matrices as tables of numbers."""
    meta = json.loads((site / "model" / "metadata.json").read_text())
    chromium.open_page(page, live_url)
    assert page.locator("[data-testid=confusion-mnist] td").count() == 0  # filled when first opened
    page.click("[data-testid=about] summary")
    chromium.wait_about(page)  # its part loads once the model is ready: it may still be on its way
    summary = page.text_content("[data-testid=about-summary]")
    assert f"{meta['test_accuracy'] * 100:.1f}%" in summary
    assert f"{meta['trained_on']['mnist_train']:,}" in summary
    margin = meta.get("verdict", {}).get("unsure_margin", VERDICT["unsure_margin"])
    assert f"less than {round(margin * 100)} percentage points apart" in summary  # not "points": of what?
    # Issue 31: the model a default build ships learnt "not a digit" from the repository's data,
    # and the metadata says so; how often it says "not a digit" of what it never saw, in words.
    assert meta["trained_on"]["non_digit_data"][:2] == ["digitpad/nondigits/uji-letters.json.gz",
                                                        "digitpad/nondigits/quickdraw.u4.gz"]
    rates = meta["verdict"]["heldout"]["rates"]
    assert f"calls “not a digit” {rates['digits_not_a_digit'] * 100:.1f}% of real digits" in summary
    # For a curious 12-year-old: none of the jargon, which waits under "The exact terms".
    for term in ("Dense", "softmax", "logit", "sheared", "renderings", "weights"):
        assert term not in summary, term
    assert not page.is_visible("[data-testid=about-details]")
    page.click("[data-testid=about-exact] summary")
    exact = page.text_content("[data-testid=about-details]")
    units = len(meta["classes"]) if isinstance(meta["classes"], list) else meta["classes"]
    assert f"Dense({units}, softmax)" in exact and "deskew" in exact
    pen = meta["trained_on"].get("pen_renderings")
    assert (pen is not None and f"{pen:,} renderings" in exact) or (pen is None and "pen" not in exact)
    # Each cell: the percent of its row (blank for none, "<1" for a few); the count in its title.
    drawn = meta.get("heldout_pen", {}).get("confusion_matrix")
    assert page.is_visible("[data-testid=confusion-drawn]") == bool(drawn)
    for testid, matrix in [("confusion-mnist", meta["confusion_matrix"]), ("confusion-drawn", drawn or [])]:
        cells = page.evaluate(f"""() => [...document.querySelectorAll('[data-testid={testid}] tr')].slice(1)
            .map((tr) => [...tr.querySelectorAll('td')].map((td) => [td.textContent, td.title]))""")
        assert len(cells) == len(matrix)
        for row, shown in zip(matrix, cells):
            for count, (text, title) in zip(row, shown):
                share = count / sum(row)
                # As the page's Math.round: a half rounds up (Python's round(12.5) is 12).
                assert text == ("" if count == 0 else "<1" if share < 0.005 else str(math.floor(share * 100 + 0.5)))
                assert title.startswith(f"{count:,} of {sum(row):,}")
    assert page.errors == []


@pytest.mark.parametrize("name, change, says", [
    ("missing", None, "metadata.json could not be loaded"),
    ("null", "null", "metadata.json holds no fields"),
    ("string accuracy", {"test_accuracy": "96.4"}, "test_accuracy is not valid"),
    ("no samples count", {"heldout_pen": {"writers": ["w01"], "accuracy": 0.97, "samples": None}},
     "heldout_pen is not valid"),
    ("no preprocessing", {"preprocess": None}, "preprocess is not valid"),
])
def test_partial_metadata_keeps_a_good_model(page, site, tmp_path, name, change, says):
    """A good model with missing or partly wrong metadata answers, and says what is missing."""
    root = tmp_path / "web"
    shutil.copytree(site, root)
    meta_path = root / "model" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    if change is None:
        meta_path.unlink()
    elif isinstance(change, str):
        meta_path.write_text(change)
    else:
        meta_path.write_text(json.dumps({**meta, **change}))
    embed_model(root)  # as `make site` builds it
    with chromium.serving(root) as url:
        chromium.open_page(page, url)
        status = page.text_content("[data-testid=status]")
        assert status.startswith("Model ready") and says in status and "NaN" not in status, status
        chromium.draw(page, [pad_points(page, STROKE_A)])
        assert chromium.read_prediction(page, 1)["verdict"] in ("digit", "unsure", "not-a-digit")
        chromium.wait_about(page)
        about = page.text_content("[data-testid=about-summary]")
        assert "NaN" not in about and "undefined" not in about
    # The page's own 404 for metadata.json is the only console error allowed, and only when it is missing.
    assert [e for e in page.errors if "404" not in e] == []


def test_undo_brings_back_a_cleared_drawing_and_redo_replays(page, live_url):
    """Issue 16: Clear is a change like any other; Redo by button, Ctrl+Shift+Z and Ctrl+Y."""
    chromium.open_page(page, live_url)
    chromium.draw(page, [pad_points(page, STROKE_A)])
    chromium.draw(page, [pad_points(page, STROKE_B)])
    two = chromium.read_prediction(page, 2)
    page.keyboard.press("Escape")
    chromium.read_prediction(page, 0)
    page.click("[data-testid=undo]")
    assert chromium.read_prediction(page, 2) == two  # the whole drawing is back
    page.keyboard.press("Control+z")
    one = chromium.read_prediction(page, 1)
    page.click("[data-testid=redo]")
    assert chromium.read_prediction(page, 2) == two
    page.keyboard.press("Control+z")
    chromium.read_prediction(page, 1)
    page.keyboard.press("Control+Shift+Z")
    chromium.read_prediction(page, 2)
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+Z")  # "Z" without Shift: Caps Lock on, still undo
    chromium.read_prediction(page, 0)
    page.keyboard.press("Control+y")
    assert chromium.read_prediction(page, 1) == one
    chromium.draw(page, [pad_points(page, STROKE_B)])  # a new stroke: nothing left to redo
    chromium.read_prediction(page, 2)
    page.keyboard.press("Control+y")
    page.wait_for_timeout(200)
    assert page.get_attribute("[data-testid=prediction]", "data-strokes") == "2"
    assert page.is_visible("[data-testid=clear] kbd")  # a mouse: keyboard hints shown
    assert page.errors == []


def test_no_keyboard_hints_on_touch_screens(phone, live_url):
    chromium.open_page(phone, live_url)
    assert phone.locator("kbd").count() >= 3 and not any(k.is_visible() for k in phone.locator("kbd").all())


def test_what_a_screen_reader_hears_of_the_pad_and_its_buttons(page, live_url):
    """The pad was missing from the accessibility tree (a canvas with a label but no role);
    the buttons' names carried their key hints ("Redo ⇧⌃Z"); two buttons were "Undo"."""
    chromium.open_page(page, live_url)
    assert page.get_by_role("img", name="Drawing pad").get_attribute("data-testid") == "pad"
    for name in ("Undo", "Redo", "Clear"):
        button = page.get_by_role("button", name=name, exact=True)
        assert button.count() == 1, name  # one button with that name, and without its key hint
        assert button.get_attribute("aria-keyshortcuts")
    assert page.get_by_role("button", name="Undo teaching: the last change to my digits").get_attribute("data-testid") == "teach-undo"
    assert page.errors == []


TAMPERED_JS = """([x, y]) => {
    const pad = document.querySelector('[data-testid=pad]');
    const box = pad.getBoundingClientRect();
    const event = (type, cx, cy) => {
        const e = new PointerEvent(type, { pointerId: 9, pointerType: 'mouse', button: 0, buttons: 1,
                                           bubbles: true, cancelable: true, clientX: box.left + 5, clientY: box.top + 5 });
        Object.defineProperty(e, 'clientX', { value: cx });  // what no browser sends: a tampered event
        Object.defineProperty(e, 'clientY', { value: cy });
        pad.dispatchEvent(e);
    };
    event('pointerdown', NaN, box.top + 10);  // a stroke that starts nowhere: ignored
    event('pointerup', NaN, box.top + 10);
    event('pointerdown', box.left + x, box.top + y);  // a stroke with one point that is not finite
    event('pointermove', Infinity, box.top + y);
    event('pointermove', box.left + x + 30, box.top + y + 40);
    event('pointerup', box.left + x + 30, box.top + y + 40);
}"""


def test_points_that_are_not_finite_are_dropped_at_the_pad(page, live_url):
    """Issue 33: a tampered event's NaN threw uncaught and stayed in the undo history."""
    chromium.open_page(page, live_url)
    page.evaluate(TAMPERED_JS, [60, 60])
    shown = chromium.read_prediction(page, 1)  # one stroke: the one that started on the pad
    assert shown["digit"] != "" and all(0 <= p <= 1 for p in shown["probs"])
    page.click("[data-testid=undo]")
    chromium.read_prediction(page, 0)  # and nothing else in the history
    page.click("[data-testid=undo]")
    assert page.get_attribute("[data-testid=prediction]", "data-strokes") == "0"
    assert page.errors == []


def test_the_pad_holds_a_bounded_number_of_strokes_and_says_when_full(page, live_url):
    """Issue 33: each stroke cost more the more strokes there were (128 ms at 2,000; 5,000 in
    a burst never finished). The pad holds MAX_STROKES (pad.js) and says when it is full."""
    from digitpad_bench.page_bench import MAX_STROKES as limit  # read from pad.js
    chromium.open_page(page, live_url)
    box = page.locator("[data-testid=pad]").bounding_box()
    rng = random.Random(3)
    strokes = [[(box["x"] + x, box["y"] + y), (box["x"] + x + 6, box["y"] + y + 9)]
               for x, y in ((rng.uniform(20, box["width"] - 30), rng.uniform(20, box["height"] - 30))
                            for _ in range(limit + 5))]
    chromium.draw(page, strokes, real_input=False)
    chromium.read_prediction(page, limit, timeout=60_000)
    assert "The pad is full" in page.text_content("[data-testid=verdict-message]")
    page.click("[data-testid=undo]")
    chromium.read_prediction(page, limit - 1)
    chromium.draw(page, strokes[:1], real_input=False)
    chromium.read_prediction(page, limit)
    assert page.errors == []


# --- The first visit: what the first answer needs first, the rest after (issue 32) -----

LATER = ("dist/teach.js", "dist/why.js", "dist/about.js")


def held(page, pattern):
    """Hold every request matching `pattern` until the returned function lets them go."""
    waiting, released = [], []

    def hold(route):
        if released:
            route.continue_()
        else:
            waiting.append(route)
    page.route(pattern, hold)

    def release():
        released.append(True)
        for route in waiting:
            route.continue_()
    return release


@pytest.fixture(scope="module")
def bare_url(site, tmp_path_factory):
    """The site with no model in its page (as web/index.html is): the page asks for the
    model's files, and a test can hold them."""
    root = tmp_path_factory.mktemp("bare") / "site"
    shutil.copytree(site, root)
    without_model_in_page(root)
    with chromium.serving(root) as url:
        yield url


def test_a_stroke_drawn_before_the_model_is_ready_is_answered_when_it_is(page, bare_url):
    """The pad takes strokes from the start; what is on it is read the moment the model loads
    (its files held here)."""
    release = held(page, "**/model/model.json")
    page.goto(bare_url)
    page.wait_for_selector("body[data-model=loading]")
    chromium.draw(page, [pad_points(page, STROKE_A), pad_points(page, STROKE_B)])
    page.wait_for_selector("[data-testid=preview] canvas")  # drawn: its model input is shown already
    assert page.get_attribute("body", "data-model") == "loading"
    assert strokes_attr(page) == "0"  # nothing read yet: no model
    release()
    chromium.wait_model(page)
    shown = chromium.read_prediction(page, 2)
    assert shown["digit"] == "7" and shown["verdict"] in ("digit", "unsure")
    assert page.errors == []


def test_later_parts_load_after_the_model_and_work(page, bare_url):
    """Teaching, "Why this digit?" and "About this model" are not asked for before the model
    is ready (its files held here); then they load on their own, and are there when opened."""
    release = held(page, "**/model/model.json")
    page.goto(bare_url)
    page.wait_for_selector("body[data-model=loading]")
    page.wait_for_timeout(300)
    asked = [urlparse(u).path.lstrip("/") for u in page.requests]
    assert "model/model.json" in asked and not set(LATER) & set(asked), asked
    release()
    chromium.wait_model(page)
    page.wait_for_function("(names) => names.every((name) => performance.getEntriesByType('resource')"
                           ".some((e) => e.name.endsWith(name)))", arg=list(LATER))
    chromium.wait_about(page)
    page.click("[data-testid=why] summary")
    page.wait_for_selector("[data-testid=readable-templates] canvas")
    assert page.locator("[data-testid=readable-templates] canvas[data-testid^=readable-]").count() == 10
    chromium.draw(page, [pad_points(page, STROKE_A)])
    chromium.read_prediction(page, 1)
    page.wait_for_function("() => document.querySelector('[data-testid=evidence-top-caption]').textContent.startsWith('pixels for')")
    page.click("[data-testid=teach-7]")
    page.wait_for_selector("[data-testid=teach-status][data-samples='1']", timeout=20_000)
    downloads = page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
    twice = {name for name in downloads if downloads.count(name) > 1}
    assert twice == set(), twice
    assert page.errors == []


def test_a_tap_before_teaching_has_loaded_is_taught(page, live_url):
    """Teaching loads after the model: a tap that comes first loads it and is passed on."""
    release = held(page, "**/dist/teach.js")
    chromium.open_page(page, live_url)
    chromium.draw(page, [pad_points(page, STROKE_A)])
    chromium.read_prediction(page, 1)
    page.click("[data-testid=teach-1]")
    assert page.get_attribute("[data-testid=teach-status]", "data-samples") == "0"
    release()
    page.wait_for_selector("[data-testid=teach-status][data-samples='1']", timeout=20_000)
    page.wait_for_timeout(300)
    assert page.get_attribute("[data-testid=teach-status]", "data-samples") == "1"  # taught once
    assert page.errors == []


def model_files(site):
    spec = json.loads((site / "model" / "model.json").read_text())
    return ["model/model.json", "model/metadata.json", *(f"model/{p}" for p in weight_shards(spec))]


def test_the_page_holds_its_model(page, live_url, site):
    """A first visit asks for none of the model's files, nor for a script before it is ready:
    the page holds its script and its model (`make site`)."""
    page.add_init_script(READY_WATCH_JS)  # marks the moment the model is ready: bench-ready
    chromium.open_page(page, live_url)
    before_ready = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter((e) => e.startTime < performance.getEntriesByName('bench-ready')[0].startTime)
        .map((e) => new URL(e.name).pathname)""")
    chromium.draw(page, [pad_points(page, STROKE_A)])
    chromium.read_prediction(page, 1)
    asked = [urlparse(u).path.lstrip("/") for u in page.requests]
    assert not [name for name in before_ready if name.endswith(".js")], before_ready
    assert not set(model_files(site)) & set(asked), asked
    assert page.errors == []


def test_the_model_in_the_page_reads_the_same_in_browsers_without_native_base64(browser, live_url):
    """The shard in the page is decoded natively (Uint8Array.fromBase64) where the browser
    can, else by a loop: the same weights, so the same probabilities."""
    probs = {}
    for native in (True, False):
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        if not native:
            page.add_init_script("delete Uint8Array.fromBase64")
        try:
            chromium.open_page(page, live_url)
            assert page.evaluate("typeof Uint8Array.fromBase64") == ("function" if native else "undefined")
            chromium.draw(page, [pad_points(page, STROKE_A)], real_input=False)
            probs[native] = chromium.read_prediction(page, 1)["probs"]
        finally:
            context.close()
    assert probs[True] == probs[False] and max(probs[True]) > 0.5, probs


def test_a_page_without_its_model_asks_for_the_files_at_once(page, bare_url, site):
    """model.json and metadata.json are asked for together, by the page's first script, before
    the model's script has read either; the weight shards once model.json is read; each once."""
    chromium.open_page(page, bare_url)
    asked = [urlparse(u).path.lstrip("/") for u in page.requests]
    files = model_files(site)
    assert all(asked.count(name) == 1 for name in files), asked
    starts = page.evaluate("""(names) => names.map((name) => performance.getEntriesByType('resource')
        .find((e) => e.name.endsWith(name)).toJSON())""", files)
    assert starts[1]["startTime"] < starts[0]["responseEnd"], starts
