"""Ship it: offline after one visit, accessible (axe-core), and laid out right
on phone, tablet and desktop, light and dark (screenshots for the README)."""

import json
import shutil

import pytest

from digitpad.site import embed_model
from digitpad_bench import browser as chromium

from .conftest import REPO, screenshot

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
STROKE = [(0.3, 0.2), (0.6, 0.2), (0.5, 0.5), (0.45, 0.8)]


def draw_seven(page):
    box = page.locator("[data-testid=pad]").bounding_box()
    points = [(box["x"] + box["width"] * x, box["y"] + box["height"] * y) for x, y in STROKE]
    chromium.draw(page, [points], real_input=False)
    return chromium.read_prediction(page, 1)


def test_opens_and_recognises_offline_after_one_visit(browser, site, tmp_path):
    root = tmp_path / "web"
    shutil.copytree(site, root)
    context = browser.new_context()
    page = context.new_page()
    try:
        with chromium.serving(root) as url:
            chromium.open_page(page, url)
            # Installed (it caches the site and model as it installs) and in control.
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.reload()
            chromium.wait_model(page)
            assert page.evaluate("navigator.serviceWorker.controller !== null")
            # A new model deployed: online, the page picks it up at once.
            meta = json.loads((root / "model" / "metadata.json").read_text())
            (root / "model" / "metadata.json").write_text(json.dumps({**meta, "test_accuracy": 0.5}))
            embed_model(root)  # as `make site` deploys it: in the page
            page.reload()
            chromium.wait_model(page)
            assert "50.0%" in page.text_content("[data-testid=status]")
        # The server is gone: nothing answers on that port any more.
        page.reload()
        chromium.wait_model(page)
        assert draw_seven(page)["digit"] in "0123456789"
    finally:
        context.close()


# WCAG's contrast ratio of an element's text colour against the first opaque
# background behind it (its own or an ancestor's).
CONTRAST_JS = """(selector) => {
    const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => [r, g, b].map((c) => {
        c /= 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    let el = document.querySelector(selector);
    const fg = rgb(getComputedStyle(el).color);
    let bg = null;
    for (; el && !bg; el = el.parentElement) {
        const c = rgb(getComputedStyle(el).backgroundColor);
        if (c.length === 3 || c[3] === 1) bg = c;
    }
    const [a, b] = [luminance(fg), luminance(bg ?? [255, 255, 255])].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""


def check_accessibility(page, label):
    """axe-core's WCAG 2 A/AA rules (contrast included) on the page as it is now; what
    axe cannot judge (e.g. the ⌫ symbol: "only non-text characters") measured here:
    text colour against the nearest opaque background."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("""async () => {
        const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
        const list = (items) => items.map((v) => [v.id, v.nodes.map((n) => n.target.join(' '))]);
        return { violations: list(r.violations), incomplete: list(r.incomplete) };
    }""")
    assert results["violations"] == [], f"{label}: {results['violations']}"
    unsure = [(rule, node) for rule, nodes in results["incomplete"] for node in nodes]
    assert all(rule == "color-contrast" for rule, _ in unsure), unsure
    for _, node in unsure:
        ratio = page.evaluate(CONTRAST_JS, node)
        assert ratio >= 4.5, f"{label}: {node} has contrast {ratio:.2f}"


def test_no_accessibility_violations(browser, live_url):
    """With the About panel open (its tables of mix-ups), light and dark."""
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)  # to inject axe
        page = context.new_page()
        try:
            chromium.open_page(page, live_url)
            draw_seven(page)
            page.click("[data-testid=about] summary")
            page.click("[data-testid=about-exact] summary")
            page.wait_for_selector("[data-testid=confusion-mnist] td")
            check_accessibility(page, scheme)
        finally:
            context.close()


def test_keyboard_only(page, live_url):
    chromium.open_page(page, live_url)
    draw_seven(page)
    page.keyboard.press("Backspace")  # undo
    chromium.read_prediction(page, 0)
    draw_seven(page)
    page.keyboard.press("Escape")  # clear
    chromium.read_prediction(page, 0)
    # Every control is reachable with Tab and has a name.
    names = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        names.add(page.evaluate("document.activeElement.dataset.testid || document.activeElement.tagName"))
    assert {"undo", "clear", "teach-7"} <= names
    # With nothing taught there is nothing to download, forget or undo: those wait, disabled.
    assert not names & {"teach-download", "teach-reset", "teach-undo"}
    assert all(page.is_disabled(f"[data-testid={n}]") for n in ("teach-download", "teach-reset", "teach-undo"))
    # Teaching by keyboard: Tab to "7", Enter; then "Forget my digits", Enter.
    draw_seven(page)
    for target, samples in [("teach-7", "1"), ("teach-reset", "0")]:
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.dataset.testid") == target:
                break
        page.keyboard.press("Enter")
        page.wait_for_selector(f"[data-testid=teach-status][data-samples='{samples}']", timeout=20_000)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name, width, height", [("phone", 375, 667), ("phone-tall", 390, 844),
                                                 ("phone-landscape", 667, 375), ("phone-wide", 844, 390),
                                                 ("tablet", 768, 1024), ("tablet-landscape", 1024, 768),
                                                 ("desktop", 1440, 900)])
def test_layout(browser, live_url, name, width, height, scheme, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme,
                                  has_touch=name != "desktop", is_mobile=name.startswith("phone"),
                                  bypass_csp=True)  # to inject axe
    page = context.new_page()
    try:
        chromium.open_page(page, live_url)
        draw_seven(page)
        box = page.locator("[data-testid=pad]").bounding_box()
        # The whole pad is on screen without scrolling, and nothing scrolls sideways.
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Nothing covers the pad: what is hit at points across it is the pad.
        hits = page.evaluate("""([x, y, w, h]) => {
            const pad = document.querySelector('[data-testid=pad]');
            const out = [];
            for (const fx of [0.05, 0.5, 0.95]) for (const fy of [0.05, 0.5, 0.95]) {
                const el = document.elementFromPoint(x + w * fx, y + h * fy);
                out.push(el === pad);
            }
            return out;
        }""", [box["x"], box["y"], box["width"], box["height"]])
        assert all(hits)
        # The answer and the way to correct it are on the first screen too (issue 16).
        for target in ["[data-testid=prediction]", "[data-testid=teach-0]", "[data-testid=teach-9]"]:
            shown = page.locator(target).bounding_box()
            assert shown["y"] >= 0 and shown["y"] + shown["height"] <= height, (target, shown)
        if name in ("phone", "phone-wide", "tablet", "desktop"):  # the README's pictures
            screenshot(page, f"{name}-{scheme}.png", tmp_path)
        check_accessibility(page, f"{name} {scheme}")
    finally:
        context.close()


def test_rotating_keeps_the_whole_drawing_and_the_answer(browser, live_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        chromium.open_page(page, live_url)
        before = draw_seven(page)
        page.set_viewport_size({"width": 844, "height": 390})  # turned to landscape: a smaller pad
        page.wait_for_timeout(300)
        after = chromium.read_prediction(page, 1)
        assert after["digit"] == before["digit"]
        assert max(abs(a - b) for a, b in zip(after["probs"], before["probs"])) < 0.02
        # Every drawn pixel is inside the pad: its corners hold no ink cut off at the edge.
        ink_at_edges = page.evaluate("""() => {
            const pad = document.querySelector('[data-testid=pad]');
            const g = pad.getContext('2d');
            const { width, height } = pad;
            const edge = (x, y, w, h) => g.getImageData(x, y, w, h).data.some((v, i) => i % 4 === 3 && v > 0);
            return [edge(0, 0, width, 2), edge(0, height - 2, width, 2), edge(0, 0, 2, height), edge(width - 2, 0, 2, height)];
        }""")
        assert not any(ink_at_edges)
    finally:
        context.close()


def test_reduced_motion(browser, live_url):
    """prefers-reduced-motion: reduce: nothing on the page animates, not even
    the probability bars, which otherwise slide to their new length."""
    durations = {}
    for motion in ("no-preference", "reduce"):
        context = browser.new_context(reduced_motion=motion)
        page = context.new_page()
        try:
            chromium.open_page(page, live_url)
            durations[motion] = page.evaluate(
                "getComputedStyle(document.querySelector('.probs .fill')).transitionDuration")
            if motion == "reduce":
                draw_seven(page)
                assert page.evaluate("document.getAnimations().length") == 0
        finally:
            context.close()
    assert durations == {"no-preference": "0.08s", "reduce": "0s"}


def test_installable(browser, site, tmp_path):
    """Chromium's own installability check (the one behind its Install button):
    no errors for the site; a copy without the manifest link does get one, so
    the check is real. It needs a normal (not incognito) profile."""
    bare = tmp_path / "no-manifest"
    shutil.copytree(site, bare)
    html = (bare / "index.html").read_text()
    (bare / "index.html").write_text(html.replace('<link rel="manifest" href="manifest.webmanifest">', ""))
    errors = {}
    context = browser.browser_type.launch_persistent_context(  # a second Chromium, with a profile
        tmp_path / "profile", executable_path=chromium.CHROMIUM, headless=True, args=chromium.CHROMIUM_ARGS)
    try:
        for name, root in [("site", site), ("no manifest", bare)]:
            with chromium.serving(root) as url:
                page = context.new_page()
                chromium.open_page(page, url)
                page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                cdp = context.new_cdp_session(page)
                errors[name] = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
                errors[name] += cdp.send("Page.getAppManifest")["errors"]
                page.close()
    finally:
        context.close()
    assert errors["site"] == []
    assert errors["no manifest"] != []
