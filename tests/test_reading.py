"""Reading a whole number in real Chromium: several real pen-drawn digits side
by side are split into digits (web/src/segment.js, web/src/answer.js), each
recognised, and read left to right as the page's one answer,
`[data-testid=prediction]`, with a box around each digit."""

import random
from collections import Counter

from digitpad_bench import browser as chromium
from digitpad_bench.browser import lay_out, numbers, read_number

from .conftest import screenshot



def measure(page, url, pen_digits, count=250, seed=0):
    """Replay `count` numbers; the share read exactly, the share split into the
    right number of digits, and per written digit (label) how often it was read
    right (a number split wrongly counts all its digits as misread)."""
    rng = random.Random(seed)
    chromium.open_page(page, url)
    pad = page.locator("[data-testid=pad]").bounding_box()
    exact = segmented = 0
    right, total, verdicts = Counter(), Counter(), Counter()
    for samples in numbers(pen_digits, rng, count):
        labels = "".join(str(s["label"]) for s in samples)
        shown = read_number(page, lay_out(samples, pad, rng))
        boxes = shown["boxes"]  # one box per digit part, "?" on a part that is not a digit
        if shown["verdict"] == "not-a-digit":  # real digits: only when a part is not a digit
            assert shown["text"] == "" and "?" in boxes, shown
        else:
            assert shown["verdict"] in ("digit", "unsure") and boxes == shown["text"].replace(".", "").replace("-", "")
        verdicts[shown["verdict"]] += 1
        assert shown["cleared"] == {"text": "", "verdict": "", "boxes": 0}
        exact += shown["text"] == labels
        segmented += len(boxes) == len(labels)
        for i, label in enumerate(labels):
            total[label] += 1
            right[label] += len(boxes) == len(labels) and boxes[i] == label
    return {"numbers": count, "exact": exact / count, "segmented": segmented / count,
            "digits": sum(right.values()) / sum(total.values()),
            "per_digit": {d: right[d] / total[d] for d in sorted(total)},
            "unsure": verdicts["unsure"] / count}


# Measured here (seed 0: 250 numbers of 2-6 digits, 1,011 digits) with the test
# site's softmax trained on MNIST only: 99.6% split into the right number of
# digits (the one miss: a 5 with a stray dot far to its left, read as "65"),
# 61.6% read exactly, 87.9% of digits right (as for single digits: 87.7% in
# test_page.py; weakest 9s 53% and 1s 75%). The shipped web/model (trained on
# these pen digits too, so flattered) reads 93.6% exactly, 97.9% of digits; the
# test model, now trained on them too but with one pen copy and without
# TEACH_WRITER, 82.8% exactly, 94.9% of digits, 99.6% split right.
# The floors sit a bit below the measurement (the test model is retrained
# each session).
EXACT_FLOOR = 0.55
SEGMENTED_FLOOR = 0.98
DIGITS_FLOOR = 0.85


def test_read_numbers_of_real_pen_digits(page, live_url, pen_digits):
    result = measure(page, live_url, pen_digits)
    per_digit = "  ".join(f"{d}: {p:.2f}" for d, p in result["per_digit"].items())
    print(f"\nread {result['numbers']} numbers of 2-6 pen digits: exact {result['exact']:.3f}, "
          f"split right {result['segmented']:.3f}, digits right {result['digits']:.3f}, "
          f"verdict unsure {result['unsure']:.3f}\nper digit: {per_digit}")
    assert page.errors == []
    assert result["segmented"] >= SEGMENTED_FLOOR
    assert result["exact"] >= EXACT_FLOOR
    assert result["digits"] >= DIGITS_FLOOR


def reading(page):
    return page.evaluate("""() => {
        const r = document.querySelector('[data-testid=prediction]');
        return { text: r.textContent, verdict: r.dataset.verdict, strokes: Number(r.dataset.strokes),
                 boxes: [...document.querySelectorAll('[data-testid=digit-box]')].map((b) => {
                     const { x, y, width, height } = b.getBoundingClientRect();
                     return { digit: b.dataset.digit, x, y, width, height };
                 }) };
    }""")


def wait_reading(page, strokes):
    page.wait_for_selector(f"[data-testid=prediction][data-strokes='{strokes}']", timeout=10_000)
    return reading(page)


EMPTY = {"text": "", "verdict": "", "strokes": 0, "boxes": []}

# The model's probabilities for one digit's strokes, preprocessed as the page does.
DIGIT_PROBS_JS = """async (strokes) => {
    const { preprocess: p } = await (await fetch('model/metadata.json')).json();
    const pixels = window.digitpad.preprocessStrokes(strokes, { deskew: p.deskew, normalizeSize: p.normalize_size });
    return Array.from(await window.digitpad.predictBatch(pixels, 1)).slice(0, 10);
}"""


def test_number_is_the_answer_undo_clear(page, live_url, pen_digits):
    """The prediction is the whole reading, with the same stroke counting as
    before; the bars show the last digit drawn; the boxes sit on the digits'
    ink, and undo and clear update it all. Drawn with the real mouse."""
    chromium.open_page(page, live_url)
    assert wait_reading(page, 0) == EMPTY
    rng = random.Random(3)
    four = next(s for s in pen_digits if s["label"] == 4 and len(s["strokes"]) == 2)
    pad = page.locator("[data-testid=pad]").bounding_box()
    chromium.draw(page, lay_out([four], pad, rng)[0])
    single = chromium.read_prediction(page, 2)
    shown = wait_reading(page, 2)
    assert single["digit"] in "0123456789" and len(shown["boxes"]) == 1  # a two-stroke 4 is one digit
    assert shown["verdict"] in ("digit", "unsure")
    chromium.clear(page)
    assert wait_reading(page, 0) == EMPTY

    samples = [four, *rng.sample([s for s in pen_digits if len(s["strokes"]) == 1], 2)]
    digits = lay_out(samples, pad, rng)
    chromium.draw(page, [stroke for digit in digits for stroke in digit])
    whole = chromium.read_prediction(page, 4)
    shown = wait_reading(page, 4)
    assert len(whole["digit"]) == 3 and [b["digit"] for b in shown["boxes"]] == list(whole["digit"])
    # The bars: the last digit drawn (the rightmost here), not the whole pad squeezed into one image.
    last = page.evaluate(DIGIT_PROBS_JS, [[list(p) for p in stroke] for stroke in digits[2]])
    assert max(abs(a - b) for a, b in zip(whole["probs"], last)) < 1e-3
    assert 0 < sum(whole["probs"]) < 1 + 1e-4  # less "not a digit"'s share, with 11 outputs
    for digit, box in zip(digits, shown["boxes"]):  # each box around its digit's points, snugly
        xs = [x for stroke in digit for x, _ in stroke]
        ys = [y for stroke in digit for _, y in stroke]
        assert box["x"] < min(xs) and box["x"] + box["width"] > max(xs)
        assert box["y"] < min(ys) and box["y"] + box["height"] > max(ys)
        assert box["width"] - (max(xs) - min(xs)) < 40 and box["height"] - (max(ys) - min(ys)) < 40

    page.click("[data-testid=undo]")  # the last digit's only stroke
    shown = wait_reading(page, 3)
    assert len(shown["text"]) == 2 and len(shown["boxes"]) == 2
    page.keyboard.press("Escape")
    assert wait_reading(page, 0) == EMPTY
    assert page.errors == []


def test_screenshot_of_a_number(page, live_url, pen_digits, tmp_path):
    """A picture for the README: 50419 written in real pen digits, read."""
    chromium.open_page(page, live_url)
    pad = page.locator("[data-testid=pad]").bounding_box()
    by_label = {d: [s for s in pen_digits if s["label"] == d and len(s["strokes"]) <= 2] for d in range(10)}
    rng = random.Random(5)
    for _ in range(20):  # the first of a few tries that this model reads right
        samples = [rng.choice(by_label[int(d)]) for d in "50419"]
        shown = read_number(page, lay_out(samples, pad, rng, height=(0.45, 0.45), gap=(0.45, 0.45),
                                            margin=0.07, centre=True), keep=True)
        if shown["text"] == "50419":
            break
        chromium.clear(page)
    assert shown["text"] == "50419"
    screenshot(page, "reading.png", tmp_path)
    assert page.errors == []
