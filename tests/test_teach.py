"""Teach it, in the real browser: corrections kept on the device, the model
fine-tuned with TF.js, better on that writer's other digits, reset, download."""

import json
import random

import pytest

from digitpad_bench import browser as chromium

from .conftest import TEACH_WRITER as WRITER, screenshot

# WRITER: the writer whose digits the (MNIST-only) test model read worst of those tried, kept
# out of the test model's training; any writer can be tried with DIGITPAD_TEACH_WRITER.
# Measured here for w14 with the 11-output test model (MNIST and doodles): 71.0% of 210
# held-out digits before, 93.3% after 7 corrections, fitted in the worker (30 momentum
# steps; 91.0% with the 100 plain steps on the page's thread before; with the 10-output
# model it was 72.9 -> 86.7% after 8). With the test model trained on the other writers'
# pen digits too (tests/conftest.py): 85.7% before, 93.8% after 6 corrections, a gain of
# 0.081; with the Quick, Draw! doodles too (issue 31), 86.7% before and 93.8% after, 0.071;
# with tall, narrow ink widened (issue 33, preprocessing 4) it reads w14 better untaught:
# 88.1% before, 93.3% after 5 corrections, 0.052.
MIN_GAIN = 0.045


def read_all(page, samples, rng):
    """Accuracy of the page on samples, each drawn at a random size and place."""
    rows = chromium.replay(page, samples, rng)
    return sum(label == shown for label, shown in rows) / len(rows)


def test_teaching_a_writers_digits(page, live_url, pen_digits, tmp_path):
    rng = random.Random(0)
    mine = [s for s in pen_digits if s["writer"] == WRITER]
    rng.shuffle(mine)
    teach_set = [s for d in range(10) for s in [x for x in mine if x["label"] == d][:4]]
    held_out = [s for s in mine if s not in teach_set]
    chromium.open_page(page, live_url)
    before = read_all(page, held_out, random.Random(1))

    pad = page.locator("[data-testid=pad]").bounding_box()
    taught = 0
    for sample in teach_set:  # as a user would: correct it only when it is wrong
        chromium.draw(page, chromium.place(sample["strokes"], pad, rng), real_input=False)
        shown = chromium.read_prediction(page, len(sample["strokes"]))
        if shown["digit"] != str(sample["label"]):  # misread, or not read as one digit
            taught += 1
            page.click(f"[data-testid=teach-{sample['label']}]")
            page.wait_for_selector(f"[data-testid=teach-status][data-samples='{taught}']")
            # The correction is applied at once: the same drawing now reads right.
            assert page.text_content("[data-testid=prediction]") == str(sample["label"])
        chromium.clear(page)
    after = read_all(page, held_out, random.Random(1))
    print(f"\nwriter {WRITER}: {len(held_out)} other digits read {before:.3f} before, {after:.3f} after "
          f"teaching {taught} corrections")
    if WRITER == "w14":
        assert after - before >= MIN_GAIN
    assert taught > 0 and after > before

    page.set_viewport_size({"width": 1280, "height": 1000})
    pad = page.locator("[data-testid=pad]").bounding_box()
    chromium.draw(page, chromium.place(held_out[0]["strokes"], pad, rng), real_input=False)
    chromium.read_prediction(page, len(held_out[0]["strokes"]))
    screenshot(page, "teach.png", tmp_path)
    chromium.clear(page)

    # Kept on the device: still taught after a reload.
    page.reload()
    page.wait_for_selector("[data-testid=teach-status][data-samples='%d']" % taught, timeout=20_000)

    # Downloadable as the file `make train EXTRA=` reads.
    with page.expect_download() as download:
        page.click("[data-testid=teach-download]")
    path = tmp_path / "samples.json"
    download.value.save_as(path)
    rows = json.loads(path.read_text())
    assert len(rows) == taught and all(set(r) == {"label", "writer", "strokes"} for r in rows)

    # Reset: forgotten, and the model is the shipped one again.
    page.click("[data-testid=teach-reset]")
    page.wait_for_selector("[data-testid=teach-status][data-samples='0']")
    assert read_all(page, held_out, random.Random(1)) == before
    assert page.errors == []


# --- Kept, correctable, robust (issue 14) -------------------------------------------

STORED_JS = """() => new Promise((resolve) => {
    indexedDB.open('digitpad').onsuccess = (e) => {
        e.target.result.transaction('samples').objectStore('samples').getAll().onsuccess = (r) => resolve(r.target.result);
    };
})"""
FITS_JS = "performance.getEntriesByName('digitpad-teach-fit').length"
# How many digits the kept taught model learned from (0: none kept). It is written
# just after it answers, so a test reloads only once it is there.
KEPT_JS = """() => new Promise((resolve) => {
    indexedDB.open('digitpad').onsuccess = (e) => {
        e.target.result.transaction('taught').objectStore('taught').get('model').onsuccess =
            (r) => resolve(r.target.result?.count ?? 0);
    };
})"""


def teach(page, sample, label, pad, rng, expect):
    """Draw sample, tap teach-label, wait until `expect` digits are kept and answering."""
    chromium.draw(page, chromium.place(sample["strokes"], pad, rng), real_input=False)
    chromium.read_prediction(page, len(sample["strokes"]))
    page.click(f"[data-testid=teach-{label}]")
    page.wait_for_selector(f"[data-testid=teach-status][data-samples='{expect}']", timeout=20_000)


def test_taught_model_is_kept_not_refitted(page, live_url, pen_digits):
    """After a reload the taught model answers at once, from the store: no fit runs."""
    chromium.open_page(page, live_url + chromium.MEASURE)
    pad = page.locator("[data-testid=pad]").bounding_box()
    rng = random.Random(2)
    samples = [s for s in pen_digits if s["writer"] == WRITER][:2]
    for n, sample in enumerate(samples, 1):
        teach(page, sample, (sample["label"] + 1) % 10, pad, rng, n)  # taught wrong on purpose: visible
        chromium.clear(page)
    assert page.evaluate(FITS_JS) == 2
    assert any(url.endswith("dist/teach-worker.js") for url in page.requests)  # fitted off the page's thread
    strokes = chromium.place(samples[0]["strokes"], pad, rng)
    chromium.draw(page, strokes, real_input=False)
    taught_reading = chromium.read_prediction(page, len(strokes))
    page.wait_for_function(f"async () => (await ({KEPT_JS})()) === 2")
    page.reload()
    page.wait_for_selector("[data-testid=teach-status][data-samples='2']", timeout=20_000)
    assert page.evaluate(FITS_JS) == 0
    assert "now reads" in page.text_content("[data-testid=teach-status]")
    chromium.draw(page, strokes, real_input=False)
    assert chromium.read_prediction(page, len(strokes))["probs"] == taught_reading["probs"]
    assert page.errors == []


def test_a_digit_taught_the_moment_the_model_is_ready_is_kept(page, live_url, pen_digits):
    """Taught before the page has read what earlier visits kept (it reads them just after the
    model is ready): kept on the device all the same, so still taught after a reload."""
    page.goto(live_url)
    sample = [s for s in pen_digits if s["writer"] == WRITER][0]
    strokes = chromium.place(sample["strokes"], page.locator("[data-testid=pad]").bounding_box(), random.Random(4))
    page.reload(wait_until="commit")  # the same pad, and the page's script not yet run
    page.evaluate("""async ([strokes, label]) => {
        while (document.body.dataset.model !== 'ready') await new Promise((r) => setTimeout(r, 1));
        (""" + chromium.DISPATCH_JS + """)(strokes);
        document.querySelector(`[data-testid=teach-${label}]`).click();
    }""", [[[list(p) for p in stroke] for stroke in strokes], sample["label"]])
    page.wait_for_selector("[data-testid=teach-status][data-samples='1']", timeout=20_000)
    page.wait_for_function(f"async () => (await ({KEPT_JS})()) === 1")
    page.reload()
    page.wait_for_selector("[data-testid=teach-status][data-samples='1']", timeout=20_000)
    assert len(page.evaluate(STORED_JS)) == 1 and page.errors == []


def test_my_digits_can_be_corrected(page, live_url, pen_digits):
    """The same drawing is kept once; remove one, undo, forget all and undo that."""
    chromium.open_page(page, live_url + chromium.MEASURE)
    assert page.is_disabled("[data-testid=teach-download]") and page.is_disabled("[data-testid=teach-undo]")
    pad = page.locator("[data-testid=pad]").bounding_box()
    rng = random.Random(3)
    first, second = [s for s in pen_digits if s["writer"] == WRITER][:2]
    teach(page, first, first["label"], pad, rng, 1)
    page.click(f"[data-testid=teach-{(first['label'] + 3) % 10}]")  # a second tap on the same drawing
    page.wait_for_function("() => performance.getEntriesByName('digitpad-teach').length === 2")  # that tap answered
    page.wait_for_selector("[data-testid=teach-status][data-samples='1']")
    stored = page.evaluate(STORED_JS)
    assert len(stored) == 1 and stored[0]["label"] == (first["label"] + 3) % 10  # kept once, the newer label
    chromium.clear(page)
    teach(page, second, second["label"], pad, rng, 2)
    assert page.text_content("[data-testid=teach-count]") == "2"
    assert page.locator("[data-testid=taught]").count() == 2
    assert page.is_enabled("[data-testid=teach-download]")

    page.click("summary:has-text('My digits')")
    page.locator("[data-testid=taught-remove]").first.click()
    page.wait_for_selector("[data-testid=teach-status][data-samples='1']")
    assert [r["label"] for r in page.evaluate(STORED_JS)] == [second["label"]]
    page.click("[data-testid=teach-undo]")
    page.wait_for_selector("[data-testid=teach-status][data-samples='2']")
    assert len(page.evaluate(STORED_JS)) == 2

    page.click("[data-testid=teach-reset]")
    page.wait_for_selector("[data-testid=teach-status][data-samples='0']")
    assert "Undo brings them back" in page.text_content("[data-testid=teach-status]")
    assert page.evaluate(STORED_JS) == [] and page.is_disabled("[data-testid=teach-download]")
    page.click("[data-testid=teach-undo]")
    page.wait_for_selector("[data-testid=teach-status][data-samples='2']")
    assert len(page.evaluate(STORED_JS)) == 2
    assert page.errors == []


def fill_store(page, url, version, records):
    """Before the page runs: the site's origin holds a store of `version` with these records."""
    page.goto(url + "favicon.svg")
    page.evaluate("""([version, records]) => new Promise((resolve, reject) => {
        const open = indexedDB.open('digitpad', version);
        open.onupgradeneeded = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains('samples')) db.createObjectStore('samples', { keyPath: 'id', autoIncrement: true });
        };
        open.onsuccess = () => {
            const t = open.result.transaction('samples', 'readwrite');
            for (const r of records) t.objectStore('samples').add(r);
            t.oncomplete = () => { open.result.close(); resolve(); };
            t.onerror = () => reject(t.error);
        };
        open.onerror = () => reject(open.error);
    })""", [version, records])
    page.errors.clear()  # the browser's own /favicon.ico probe of that page


def test_bad_records_are_skipped_and_reported(page, live_url, pen_digits):
    """A store from the first page version with good and malformed records: the good
    ones teach the model, the bad are named, and teaching goes on."""
    good = [{"label": s["label"], "strokes": s["strokes"]} for s in pen_digits[:2]]
    bad = [{"label": 99, "strokes": good[0]["strokes"]}, {"label": -5, "strokes": good[0]["strokes"]},
           {"label": 3, "strokes": "abc"}, {"label": 4, "strokes": [[[float("nan"), 1]]]}, {"strokes": []}]
    fill_store(page, live_url, 1, good[:1] + bad + good[1:])
    page.goto(live_url)
    page.wait_for_selector("[data-testid=teach-status][data-samples='2']", timeout=20_000)
    assert page.get_attribute("body", "data-model") == "ready"
    status = page.text_content("[data-testid=teach-status]")
    assert "5 kept digits could not be read and were skipped" in status
    pad = page.locator("[data-testid=pad]").bounding_box()
    teach(page, pen_digits[5], pen_digits[5]["label"], pad, random.Random(4), 3)
    assert page.errors == []


def test_a_store_from_a_newer_page_does_not_break_teaching(page, live_url, pen_digits):
    fill_store(page, live_url, 7, [])
    chromium.open_page(page, live_url)
    pad = page.locator("[data-testid=pad]").bounding_box()
    teach(page, pen_digits[0], pen_digits[0]["label"], pad, random.Random(5), 1)
    assert "Your digit lasts until you leave" in page.text_content("[data-testid=teach-status]")
    assert page.errors == []


def test_teaching_targets_are_44px_on_touch_screens(phone, live_url):
    chromium.open_page(phone, live_url)
    targets = [f"[data-testid=teach-{d}]" for d in range(10)] + [
        "[data-testid=teach-undo]", "[data-testid=teach-download]", "[data-testid=teach-reset]"]
    for target in targets:
        box = phone.locator(target).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (target, box)


def test_the_worker_starts_once_a_digit_is_drawn_not_at_the_first_tap(page, live_url, pen_digits):
    """Started at the first tap, it made that tap ~50 ms slower at 4x (its start on the
    page's thread); nor is it started for visitors who only load the page."""
    page.goto(live_url + chromium.MEASURE)
    page.wait_for_function("() => performance.getEntriesByName('digitpad-restored').length > 0")
    page.wait_for_timeout(500)
    assert page.workers == []
    pad = page.locator("[data-testid=pad]").bounding_box()
    strokes = chromium.place(pen_digits[0]["strokes"], pad, random.Random(1))
    with page.expect_worker(timeout=5_000) as started:  # fails if no worker starts meanwhile
        chromium.draw(page, strokes, real_input=False)
        chromium.read_prediction(page, len(strokes))
    assert started.value.url.endswith("dist/teach-worker.js")
    assert page.errors == []


# Damage the kept taught model in place, keeping what makes it current (model, samples).
DAMAGE_JS = """(how) => new Promise((resolve, reject) => {
    indexedDB.open('digitpad').onsuccess = (e) => {
        const db = e.target.result;
        const store = db.transaction('taught', 'readwrite').objectStore('taught');
        store.get('model').onsuccess = (r) => {
            const taught = r.target.result;
            if (how === 'short') taught.kernel = new Float32Array(10);
            else taught.kernel[1234] = NaN;
            const put = db.transaction('taught', 'readwrite').objectStore('taught').put(taught, 'model');
            put.onsuccess = () => { db.close(); resolve(); };
            put.onerror = () => reject(put.error);
        };
    };
})"""


@pytest.mark.parametrize("how", ["short", "nan"])
def test_a_damaged_taught_model_is_set_aside(page, live_url, pen_digits, how):
    """Issue 33: a taught model of the wrong size broke the page on every reload
    (data-model=error, taught digits hidden); one with NaN weights answered silently."""
    page.goto(live_url)
    page.wait_for_selector("body[data-model=ready]", timeout=20_000)
    pad = page.locator("[data-testid=pad]").bounding_box()
    rng = random.Random(6)
    sample = pen_digits[7]
    teach(page, sample, sample["label"], pad, rng, 1)
    page.wait_for_function(f"async () => (await ({KEPT_JS})()) === 1")
    page.evaluate(DAMAGE_JS, how)
    page.reload()
    page.wait_for_selector("[data-testid=teach-status][data-samples='1']", timeout=20_000)
    page.wait_for_function("document.querySelector('[data-testid=teach-status]').textContent.includes('set aside')")
    assert page.get_attribute("body", "data-model") == "ready"
    strokes = chromium.place(sample["strokes"], pad, rng)
    chromium.draw(page, strokes, real_input=False)
    probs = chromium.read_prediction(page, len(strokes))["probs"]
    assert all(0 <= p <= 1 for p in probs) and sum(probs) <= 1.001, probs  # NaN fails both
    assert page.errors == []


def test_teaching_words_a_non_digit_and_the_status_after(page, live_url):
    """Issue 33: a drawing that is no digit was taught without a word; after teaching, the
    status still quoted the shipped model's MNIST score; two buttons both read "Undo"."""
    import math
    chromium.open_page(page, live_url)
    box = page.locator("[data-testid=pad]").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    spiral = [(cx + r * math.cos(r / 3), cy + r * math.sin(r / 3)) for r in range(4, 90)]  # ~4.5 turns
    spiral += [(cx + r * math.cos(r / 3), cy + r * math.sin(r / 3)) for r in range(89, 3, -1)]  # and back
    chromium.draw(page, [spiral], real_input=False)
    assert chromium.read_prediction(page, 1)["verdict"] == "not-a-digit"
    assert "MNIST" in page.text_content("[data-testid=status]")
    page.click("[data-testid=teach-8]")
    page.wait_for_selector("[data-testid=teach-status][data-samples='1']", timeout=20_000)
    assert "did not look like a digit, but it is kept as an 8" in page.text_content("[data-testid=teach-status]")
    assert page.text_content("[data-testid=status]").startswith("Your taught model answers")
    assert page.text_content("[data-testid=teach-undo]").strip() == "Undo teaching"
    page.click("[data-testid=teach-undo]")
    page.wait_for_selector("[data-testid=teach-status][data-samples='0']", timeout=20_000)
    assert page.text_content("[data-testid=status]").startswith("Model ready")
    assert page.errors == []
