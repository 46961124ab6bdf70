"""Shared pytest fixtures: only fixtures used by more than one test module
(or clearly reusable, like a fake web root) belong here; keep module-specific
helpers in their test module."""

import pytest

from digitpad.server import create_app


@pytest.fixture
def site_root(tmp_path):
    """A small site in tmp_path/web, plus traps that must never be served.

    tmp_path/outside.txt (content "SECRET") sits next to the root, and
    web/leak.txt is a symlink to it.
    """
    root = tmp_path / "web"
    files = {
        "index.html": '<!doctype html><body data-model="loading"></body>',
        "model/model.json": '{"format": "layers-model"}',
        "model/group1-shard1of1.bin": b"\x00\x01\x02\x03",
        "dist/app.js": "console.log('app');",
        ".secret": "SECRET",
        ".model-tmp-x/model.json": "SECRET",
    }
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    outside = tmp_path / "outside.txt"
    outside.write_text("SECRET")
    (root / "leak.txt").symlink_to(outside)
    return root


@pytest.fixture
def app(site_root):
    return create_app({"TESTING": True, "SITE_ROOT": site_root})


@pytest.fixture
def client(app):
    return app.test_client()


# --- Data, a quickly trained model, and a real browser --------------------------

import os
import tempfile
import shutil
from pathlib import Path

from digitpad_bench import browser as chromium

# Rendered training inputs are cached in a folder of this run, never the user's cache.
os.environ.setdefault("DIGITPAD_RENDER_CACHE", tempfile.mkdtemp(prefix="digitpad-renders-"))

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
# The README's screenshots are rewritten only on request (`make screenshots`), so
# a test run leaves the work tree as it found it.
SHOTS = REPO / ".github" / "screenshots" if os.environ.get("DIGITPAD_SCREENSHOTS") else None


# A test that needs any of these (a browser, or the model trained on all the data) is
# marked slow, as are (by hand) those that start TensorFlow: `make test-fast` (pytest -m
# "not slow") runs every other test.
SLOW_FIXTURES = {"browser", "page", "phone", "screen", "journeys", "trained", "site", "live_url"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def screenshot(page, name, tmp_path, **options):
    """Take a test's screenshot once the page's animations are over (a bar caught mid-slide
    showed 71% for 99%): into the README's folder on request, else tmp_path."""
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("""Promise.race([Promise.all(document.getAnimations().map((animation) => animation.finished)),
                                   new Promise((resolve) => { setTimeout(resolve, 2000); })])""")
    page.screenshot(path=str(folder / name), **options)


# Local copies when `make test DATA=... PEN=...` names them; else the product's own
# path: the user cache, downloading into it once. Offline without either, these skip.
def local_or_downloaded(variable, download):
    if os.environ.get(variable):
        return Path(os.environ[variable])
    from digitpad.data import DataError
    try:
        return download()
    except DataError as exc:
        pytest.skip(f"no ${variable} and no download: {exc}")


@pytest.fixture(scope="session")
def mnist_dir():
    from digitpad.data import resolve_dir
    return local_or_downloaded("DIGITPAD_DATA", resolve_dir)


@pytest.fixture(scope="session")
def pen_digits_path():
    """All 7,494 of UCI's training digits (30 writers): JSON or UCI's UNIPEN file."""
    from digitpad.data import uci_pen_digits
    return local_or_downloaded("DIGITPAD_PEN_DIGITS", uci_pen_digits)


@pytest.fixture(scope="session")
def pen_digits(pen_digits_path):
    from digitpad.data import load_pen_digits
    return load_pen_digits(pen_digits_path)


@pytest.fixture(scope="session")
def pen_sample():
    """300 real pen digits shipped with the tests (one of each digit by each writer)."""
    from digitpad.data import load_pen_digits
    return load_pen_digits(FIXTURES / "pendigits-sample.json")


# The pen writer test_teach teaches: the trained fixture keeps this writer's digits out,
# so teaching is measured on a writer the model has never seen.
TEACH_WRITER = os.environ.get("DIGITPAD_TEACH_WRITER", "w14")


@pytest.fixture(scope="session")
def trained(tmp_path_factory, mnist_dir, pen_digits_path):
    """The model users get, a little smaller: make train's recipe and data (MNIST, the pen
    digits, the shipped letters and doodles, and more letters when $DIGITPAD_NON_DIGITS names
    them), but one augmented copy of each pen digit, not 4, and none of TEACH_WRITER's digits."""
    from digitpad.recipe import Recipe
    from digitpad.train import train
    out = tmp_path_factory.mktemp("build")
    # One pen copy: the renders the quick training tests (pen_copies=1) then read from the cache.
    recipe = Recipe(pen_copies=1, holdout_writers=[TEACH_WRITER])
    metrics = train(mnist_dir, out, recipe, verbose=0, pen_digits=pen_digits_path,
                    non_digits=os.environ.get("DIGITPAD_NON_DIGITS") or None)
    return out, metrics


@pytest.fixture(scope="session")
def site(tmp_path_factory, trained):
    """The built page with the quickly trained model exported into it."""
    from digitpad.export import export
    from digitpad.site import embed_model
    root = chromium.page_only_site(tmp_path_factory.mktemp("site") / "site")
    export(trained[0], root)
    embed_model(root)  # as `make site` puts the model in the page
    return root


@pytest.fixture(scope="session")
def live_url(site):
    with chromium.serving(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(chromium.CHROMIUM):
        pytest.skip(f"no Chromium ({chromium.CHROMIUM}; apt-get install chromium, or set DIGITPAD_CHROMIUM)")
    with playwright_api.sync_playwright() as p:
        browser = chromium.launch(p)
        yield browser
        browser.close()


def recording_page(context):
    """A new page of `context` that records console errors, uncaught exceptions and every request."""
    page = context.new_page()
    page.errors, page.requests = [], []
    # Chromium's own /favicon.ico probe of a page without an icon link (a file opened
    # directly, as fill_store does) is the browser's doing, and can land at any time.
    probe = lambda msg: msg.location.get("url", "").endswith("/favicon.ico")
    page.on("console", lambda msg: msg.type == "error" and not probe(msg) and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("request", lambda request: page.requests.append(request.url))
    return page


@pytest.fixture
def page(browser):
    """A fresh desktop page (recording_page)."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    yield recording_page(context)
    context.close()


@pytest.fixture
def phone(browser):
    """A fresh page on a 375x667 touch screen (recording_page)."""
    context = browser.new_context(viewport={"width": 375, "height": 667}, has_touch=True, is_mobile=True)
    yield recording_page(context)
    context.close()


@pytest.fixture(scope="session")
def non_digits_path():
    """The handwritten letters by 6 writers the package ships."""
    from digitpad.data import LETTERS_FILE, NON_DIGITS_DIR
    return NON_DIGITS_DIR / LETTERS_FILE


@pytest.fixture(scope="session")
def letters_sample_path():
    """52 letters by one writer shipped with the tests (a-z, A-Z)."""
    return FIXTURES / "uji-letters-sample.json"
