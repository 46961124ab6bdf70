"""Shared pytest fixtures: only fixtures used by more than one test module
(or clearly reusable, like a fake web root) belong here; keep module-specific
helpers in their test module."""

import pytest

from digitpad.server import create_app


@pytest.fixture
def web_root(tmp_path):
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
        "dist/app-0123abcd45.js": "console.log('hashed');",
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
def app(web_root):
    return create_app({"TESTING": True, "WEB_ROOT": web_root})


@pytest.fixture
def client(app):
    return app.test_client()


# --- Data, a quickly trained model, and a real browser --------------------------

import os
from pathlib import Path

from digitpad import browser as chromium

# tensorflowjs imports TF Decision Forests, whose banner needs IPython off a terminal.
os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
MNIST_DIR = Path(os.environ.get("DIGITPAD_DATA") or SHARED / "mnist")
PEN_DIGITS = Path(os.environ.get("DIGITPAD_PEN_DIGITS") or SHARED / "pen-digits" / "pendigits-train-writers.json")


# Where neither is given nor beside the clone (GitHub's runners), the real
# download path fetches them into the user cache once; offline, their tests skip.
def local_or_downloaded(local, is_there, download, hint):
    if is_there(local):
        return local
    from digitpad.data import DataError
    try:
        return download()
    except DataError as exc:
        pytest.skip(f"nothing at {local} ({hint}) and no download: {exc}")


@pytest.fixture(scope="session")
def mnist_dir():
    from digitpad.data import resolve_dir
    return local_or_downloaded(MNIST_DIR, Path.is_dir, resolve_dir, "set DIGITPAD_DATA")


@pytest.fixture(scope="session")
def pen_digits_path():
    from digitpad.data import uci_pen_digits
    return local_or_downloaded(PEN_DIGITS, Path.is_file, uci_pen_digits, "set DIGITPAD_PEN_DIGITS")


@pytest.fixture(scope="session")
def pen_digits(pen_digits_path):
    from digitpad.data import load_pen_digits
    return load_pen_digits(pen_digits_path)


@pytest.fixture(scope="session")
def trained(tmp_path_factory, mnist_dir):
    """The shipped recipe on all of MNIST (~12 s here): the model users get."""
    from digitpad.train import train
    out = tmp_path_factory.mktemp("build")
    metrics = train(mnist_dir, out, verbose=0)
    return out, metrics


@pytest.fixture(scope="session")
def site(tmp_path_factory, trained):
    """The built page with the quickly trained model exported into it."""
    from digitpad.export import export
    root = chromium.copy_site(tmp_path_factory.mktemp("site") / "web")
    export(trained[0], root)
    return root


@pytest.fixture(scope="session")
def live_url(site):
    with chromium.serving(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(chromium.CHROMIUM).exists():
        pytest.skip(f"no Chromium at {chromium.CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = chromium.launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors, uncaught exceptions and every request."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.errors, page.requests = [], []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()
