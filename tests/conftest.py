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
import shutil
import threading
from pathlib import Path

from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = Path(os.environ.get("DIGITPAD_DATA", REPO.parent / "shared" / "data" / "mnist"))
CHROMIUM = os.environ.get("DIGITPAD_CHROMIUM", "/usr/bin/chromium")
# Headless Chromium for a closed network: no background calls home, and
# uncapped frame rate so replayed pointer input runs fast.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-gpu-vsync", "--disable-frame-rate-limit"]


@pytest.fixture(scope="session")
def mnist_dir():
    if not MNIST_DIR.is_dir():
        pytest.skip(f"no MNIST folder at {MNIST_DIR} (set DIGITPAD_DATA)")
    return MNIST_DIR


@pytest.fixture(scope="session")
def trained(tmp_path_factory, mnist_dir):
    """A model trained on a 6,000-image slice for 3 epochs: quick, but a real model."""
    from digitpad.train import Recipe, train
    out = tmp_path_factory.mktemp("build")
    metrics = train(mnist_dir, out, Recipe(epochs=3), limit=6000, verbose=0)
    return out, metrics


@pytest.fixture(scope="session")
def site(tmp_path_factory, trained):
    """A copy of the built page (web/index.html, web/dist) with the trained model exported into it."""
    from digitpad.export import export
    dist = REPO / "web" / "dist" / "digitpad.js"
    if not dist.is_file():
        pytest.fail("web/dist/digitpad.js is missing: run `make bundle` (make test does)")
    root = tmp_path_factory.mktemp("site") / "web"
    shutil.copytree(REPO / "web", root, ignore=shutil.ignore_patterns("model", ".model*", "src", "test", "tools"))
    export(trained[0], root)
    return root


@pytest.fixture(scope="session")
def live_url(site):
    """The Flask app serving `site` on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, create_app({"WEB_ROOT": site}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and uncaught exceptions."""
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()
