"""The "Why this digit?" panel in real Chromium: the ten learned templates are
the model's weights as pictures, and the evidence maps show each inked pixel's
vote x_i * w_ij for the reading and the runner-up, live with the drawing."""

import random

import numpy as np
import pytest

from digitpad_bench import browser as chromium

from .conftest import screenshot

# The panel's colours (web/style.css: --why-for / --why-against).
COLOURS = {"light": {1: (0x1D, 0x4E, 0xD8), -1: (0xC2, 0x41, 0x0C)},
           "dark": {1: (0x84, 0xBE, 0xFF), -1: (0xFF, 0xA9, 0x4D)}}

# A 28x28 canvas's pixels, as a flat RGBA list.
CANVAS_JS = """(testid) => {
    const c = document.querySelector(`[data-testid=${testid}]`);
    return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
}"""


@pytest.fixture(scope="module")
def weights(site):
    """The page's model as Python's tensorflowjs loader reads it: kernel (784, k), bias (k,), for
    k = 10 digits or 11 (the digits, then "not a digit")."""
    from digitpad.tfjs_import import import_tensorflowjs
    tensorflowjs = import_tensorflowjs()
    model = tensorflowjs.converters.load_keras_model(str(site / "model" / "model.json"))
    kernel, bias = model.get_weights()
    assert kernel.shape in ((784, 10), (784, 11))
    return kernel, bias


def rgba(page, testid):
    return np.asarray(page.evaluate(CANVAS_JS, testid), dtype=np.float64).reshape(784, 4)


def signed(pixels):
    """A painted canvas back to values in [-1, 1]: opacity, signed by colour (blue +, orange -)."""
    sign = np.where(pixels[:, 2] >= pixels[:, 0], 1.0, -1.0)
    return sign * pixels[:, 3] / 255


def check_painted(pixels, expected):
    """The canvas shows `expected` (in [-1, 1]): opacity |value|, blue where
    positive, red where negative. Colours are checked where opaque enough to
    keep them (the canvas stores colours premultiplied by opacity)."""
    assert np.abs(pixels[:, 3] / 255 - np.abs(expected)).max() <= 1.5 / 255
    solid = pixels[:, 3] >= 40
    assert solid.sum() > 0
    assert (np.sign(signed(pixels)[solid]) == np.sign(expected[solid])).all()


def runner_up(probs):
    return sorted(range(10), key=lambda d: (-probs[d], d))[1]


PAINTED_JS = """(testid) => {
    const c = document.querySelector(`[data-testid=${testid}]`);
    return !!c && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0);
}"""


def open_panel(page):
    """Open the panel and wait for its templates: they are painted only while it is open."""
    page.click("[data-testid=why] summary")
    page.wait_for_function(f"() => ({PAINTED_JS})('template-9')")


def test_templates_are_the_models_weights(page, live_url, weights):
    kernel, _ = weights
    chromium.open_page(page, live_url)
    # A closed panel costs the loading page nothing: no template made or painted yet.
    assert page.locator("canvas[data-testid^=template-], canvas[data-testid^=readable-]").count() == 0
    open_panel(page)
    for digit in range(10):
        pixels = rgba(page, f"template-{digit}")
        assert (pixels[:, 3] > 0).sum() > 200, f"template-{digit} is blank"
        column = kernel[:, digit]
        check_painted(pixels, column / np.abs(column).max())
        # The strongest weights for and against, by sign: blue and orange.
        for i in np.argsort(column)[-20:]:
            assert pixels[i, 2] > pixels[i, 0] and pixels[i, 3] > 0, (digit, i)
        for i in np.argsort(column)[:5]:
            assert pixels[i, 0] > pixels[i, 2] and pixels[i, 3] > 0, (digit, i)
        assert np.corrcoef(signed(pixels), column)[0, 1] > 0.99
    # The panel sits after the probability bars and before About.
    order = page.evaluate("""() => {
        const [probs, why, about] = ['probs', 'why', 'about'].map(t => document.querySelector(`[data-testid=${t}]`));
        return [probs.compareDocumentPosition(why), why.compareDocumentPosition(about)];
    }""")
    assert all(position & 4 for position in order)  # DOCUMENT_POSITION_FOLLOWING
    assert page.errors == []


def test_readable_templates_are_the_weights_blurred(page, live_url, weights):
    """Shown first: each template blurred by a Gaussian of BLUR px (display only), as
    scipy computes it; the exact ones wait under "The exact terms"."""
    from scipy.ndimage import gaussian_filter
    kernel, _ = weights
    chromium.open_page(page, live_url)
    open_panel(page)
    assert page.is_visible("[data-testid=readable-0]") and not page.is_visible("[data-testid=template-0]")
    for digit in range(10):
        blurred = gaussian_filter(kernel[:, digit].reshape(28, 28).astype(np.float64), 1.0,
                                  mode="constant", truncate=3.0).ravel()
        check_painted(rgba(page, f"readable-{digit}"), blurred / np.abs(blurred).max())
    # Less speckle: neighbouring pixels differ less than in the exact weights (measured 0.60-0.71 as much).
    roughness = lambda t: np.abs(np.diff(t.reshape(28, 28), axis=1)).mean() / np.abs(t).mean()
    ratios = [roughness(signed(rgba(page, f"readable-{d}"))) / roughness(kernel[:, d]) for d in range(10)]
    assert max(ratios) < 0.8, ratios
    page.click("[data-testid=why-exact] summary")
    assert page.is_visible("[data-testid=template-0]")
    assert page.errors == []


def test_each_template_shows_over_its_average_digit(page, live_url, site):
    """Issue 33: the templates alone were blotches to a non-expert. Each readable one has the
    average of its digit's examples over it in grey (the replay set the page ships), so a
    0 looks like a 0 with the model's colours through it."""
    raw = np.frombuffer((site / "model" / "replay.bin").read_bytes(), np.uint8).reshape(-1, 785)
    chromium.open_page(page, live_url)
    open_panel(page)
    page.wait_for_function(f"() => ({PAINTED_JS})('average-9')")
    for digit in range(10):
        mean = raw[raw[:, 784] == digit, :784].mean(axis=0)
        alpha = rgba(page, f"average-{digit}")[:, 3] / 255
        assert np.abs(alpha - 0.7 * mean / mean.max()).max() <= 1.5 / 255, digit
        # Over the template, the same size, and not in the way of a click.
        boxes = [page.locator(f"[data-testid={name}-{digit}]").bounding_box() for name in ("readable", "average")]
        assert boxes[0] == boxes[1]
    # The average 0 has its hole and the average 1 is a bar: ink in the middle of a 1, not of a 0.
    means = {d: raw[raw[:, 784] == d, :784].mean(axis=0).reshape(28, 28) for d in (0, 1)}
    assert means[1][14, 14] > 4 * means[0][14, 14]
    assert page.errors == []


def test_evidence_follows_the_drawing(page, live_url, weights, pen_digits):
    kernel, _ = weights
    rng = random.Random(3)
    chromium.open_page(page, live_url)
    page.click("[data-testid=why] summary")
    page.wait_for_selector("[data-testid=readable-templates] canvas")  # its part loads after ready
    pad = page.locator("[data-testid=pad]").bounding_box()
    for sample in rng.sample(pen_digits, 3):
        strokes = chromium.place(sample["strokes"], pad, rng, size=(0.5, 0.7))
        chromium.draw(page, strokes)
        shown = chromium.read_prediction(page, len(strokes))
        best, second = int(shown["digit"]), runner_up(shown["probs"])
        assert page.text_content("[data-testid=evidence-top-caption]") == f"pixels for {best}"
        assert page.text_content("[data-testid=evidence-runner-up-caption]") == f"for {second}, the runner-up"

        # Each pixel's vote x_i * w_ij, both maps on one scale.
        x = np.asarray(page.evaluate("() => Array.from(window.digitpad.inputs.last)"))
        votes = [x * kernel[:, best], x * kernel[:, second]]
        scale = max(np.abs(v).max() for v in votes)
        top, runner = rgba(page, "evidence-top"), rgba(page, "evidence-runner-up")
        assert (top[:, 3] > 0).sum() > 20, "evidence-top is blank"
        assert (top[x == 0, 3] == 0).all()  # blank pixels do not vote
        check_painted(top, votes[0] / scale)
        check_painted(runner, votes[1] / scale)
        # The reading wins: its votes (plus bias) beat the runner-up's.
        assert votes[0].sum() + weights[1][best] >= votes[1].sum() + weights[1][second]
        chromium.clear(page)
        for testid in ("evidence-top", "evidence-runner-up"):
            assert (rgba(page, testid)[:, 3] == 0).all(), f"{testid} not blank after Clear"
        assert page.text_content("[data-testid=evidence-top-caption]") == "pixels for the reading"
    assert page.errors == []


def test_light_and_dark_colours(page, live_url, weights):
    kernel = weights[0][:, :10]  # the ten digit templates the page draws
    # Each template's strongest weight is solid, in the scheme's blue or red.
    strongest = np.abs(kernel).argmax(0)
    sign = np.sign(kernel[strongest, range(10)])

    def check(scheme):
        for digit in range(10):
            pixel = rgba(page, f"template-{digit}")[strongest[digit]]
            assert tuple(pixel) == (*COLOURS[scheme][sign[digit]], 255), (scheme, digit)

    page.emulate_media(color_scheme="light")
    chromium.open_page(page, live_url)
    open_panel(page)
    check("light")
    page.emulate_media(color_scheme="dark")  # repainted when the scheme changes
    i = int(strongest[0])
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=template-0]').getContext('2d')"
        f".getImageData({i % 28}, {i // 28}, 1, 1).data[0] === {COLOURS['dark'][sign[0]][0]}")
    check("dark")
    assert page.errors == []


def contrast(a, b):
    """WCAG's contrast ratio of two sRGB colours (0-255)."""
    def luminance(rgb):
        c = np.asarray(rgb, dtype=np.float64) / 255
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return c @ [0.2126, 0.7152, 0.0722]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


RGB_JS = """(selector) => Array.from(document.querySelectorAll(selector),
    (e) => getComputedStyle(e).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number))"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_legend_and_contrast(page, live_url, scheme):
    """A legend in words names both colours, shown in the pictures' own colours; each colour
    stands out from the card at least 3:1, and on the dark card (where faint colour sinks
    into the background) so does every template pixel of half strength or more."""
    page.emulate_media(color_scheme=scheme)
    chromium.open_page(page, live_url)
    open_panel(page)
    legend = page.locator("[data-testid=why-legend]")
    assert legend.is_visible()
    assert [t.strip() for t in legend.locator(":scope > span").all_inner_texts()] == [
        "blue: ink here counts for the digit", "orange: ink here counts against it",
        "grey: the average digit it learned from"]
    swatches = [tuple(rgb) for rgb in page.evaluate(RGB_JS, "[data-testid=why-legend] .swatch")][:2]
    assert swatches == [COLOURS[scheme][1], COLOURS[scheme][-1]]
    card = page.evaluate(RGB_JS, "[data-testid=template-0]")[0]
    for colour in swatches:
        assert contrast(colour, card) >= 3, (scheme, colour, card)
    for digit in range(10):
        pixels = rgba(page, f"readable-{digit}")
        alpha = pixels[:, 3:] / 255
        shown = pixels[:, :3] * alpha + np.asarray(card) * (1 - alpha)  # as composited over the card
        strong = alpha[:, 0] >= (0.5 if scheme == "dark" else 1.0)
        assert strong.sum() > 0
        assert min(contrast(c, card) for c in shown[strong]) >= 3, (scheme, digit)
    assert page.errors == []


def test_screenshot(page, live_url, pen_digits, tmp_path):
    chromium.open_page(page, live_url)
    page.set_viewport_size({"width": 1024, "height": 1200})
    page.click("[data-testid=why] summary")
    page.wait_for_selector("[data-testid=readable-templates] canvas")  # its part loads after ready
    pad = page.locator("[data-testid=pad]").bounding_box()
    for sample in (s for s in pen_digits if s["label"] == 7):  # the first 7 read as 7
        strokes = chromium.place(sample["strokes"], pad, random.Random(1), size=(0.6, 0.6))
        chromium.draw(page, strokes)
        if chromium.read_prediction(page, len(strokes))["digit"] == "7":
            break
        chromium.clear(page)
    screenshot(page, "why.png", tmp_path, full_page=True)
    assert page.errors == []
