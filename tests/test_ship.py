"""Ship it: offline after one visit, accessible (axe-core), and laid out right
on phone, tablet and desktop, light and dark (screenshots for the README)."""

import json
import shutil

import pytest

from digitpad import browser as chromium

from .conftest import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO / ".github" / "screenshots"
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
            page.goto(url)
            page.wait_for_selector("body[data-model=ready]", timeout=20_000)
            # Installed (it caches the site and model as it installs) and in control.
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.reload()
            page.wait_for_selector("body[data-model=ready]")
            assert page.evaluate("navigator.serviceWorker.controller !== null")
            # A new model deployed: online, the page picks it up at once.
            meta = json.loads((root / "model" / "metadata.json").read_text())
            (root / "model" / "metadata.json").write_text(json.dumps({**meta, "test_accuracy": 0.5}))
            page.reload()
            page.wait_for_selector("body[data-model=ready]")
            assert "50.0%" in page.text_content("[data-testid=status]")
        # The server is gone: nothing answers on that port any more.
        page.reload()
        page.wait_for_selector("body[data-model=ready]", timeout=20_000)
        assert draw_seven(page)["digit"] in "0123456789"
    finally:
        context.close()


def test_no_accessibility_violations(browser, live_url):
    """axe-core's WCAG 2 A/AA rules (contrast included), light and dark."""
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)  # to inject axe
        page = context.new_page()
        try:
            page.goto(live_url)
            page.wait_for_selector("body[data-model=ready]", timeout=20_000)
            draw_seven(page)
            page.click("[data-testid=about] summary")
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate("""async () => (await axe.run(document,
                { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })).violations
                .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)""")
            assert violations == [], f"{scheme}: {violations}"
        finally:
            context.close()


def test_keyboard_only(page, live_url):
    page.goto(live_url)
    page.wait_for_selector("body[data-model=ready]", timeout=20_000)
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
    assert {"undo", "clear", "teach-7", "teach-download", "teach-reset"} <= names


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name, width, height", [("phone", 375, 667), ("tablet", 768, 1024),
                                                 ("desktop", 1440, 900)])
def test_layout(browser, live_url, name, width, height, scheme):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme,
                                  has_touch=name != "desktop", is_mobile=name == "phone")
    page = context.new_page()
    try:
        page.goto(live_url)
        page.wait_for_selector("body[data-model=ready]", timeout=20_000)
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
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"))
    finally:
        context.close()
