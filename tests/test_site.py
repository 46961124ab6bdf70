"""`make site` and the GitHub workflows: the folder Pages serves works from a sub-path."""

import base64
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from digitpad.errors import UserError
from digitpad.site import INLINED, MODEL_BLOCK, PAGE_FILES, build_site, embed_model, weight_shards
from digitpad_bench import browser as chromium

from .conftest import REPO


def test_workflows_are_valid():
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["ci.yml", "pages.yml"]
    result = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
                             "vendor.github-workflows", *map(str, workflows)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    pages = (REPO / ".github" / "workflows" / "pages.yml").read_text()
    assert "make site" in pages and "actions/deploy-pages" in pages and "path: site" in pages


# The first majors of GitHub's own actions that run on Node 24 (Node 20's runtime is retired).
NODE24_MAJORS = {"checkout": 6, "setup-python": 6, "setup-node": 6, "cache": 5,
                 "configure-pages": 6, "upload-pages-artifact": 5, "deploy-pages": 5}


def test_workflows_use_current_actions_and_node():
    engines = json.loads((REPO / "package.json").read_text())["engines"]["node"]
    oldest = int(re.fullmatch(r">=(\d+)", engines).group(1))
    for workflow in (REPO / ".github" / "workflows").glob("*.yml"):
        text = workflow.read_text()
        for action, major in re.findall(r"uses: actions/([\w-]+)@v(\d+)", text):
            assert int(major) >= NODE24_MAJORS[action], f"{workflow.name}: actions/{action}@v{major}"
        for version in re.findall(r'node-version: "(\d+)"', text):
            assert int(version) >= oldest, f"{workflow.name}: node {version}, package.json wants {engines}"
        if "make site" in text or "make test" in text:
            assert "actions/cache@" in text and "~/.cache/digitpad" in text, f"{workflow.name} downloads every run"


@pytest.fixture
def web(tmp_path, site):
    """web/ as `make bundle export` leaves it: the page and its bundle as built from the
    repository, the test model."""
    web = tmp_path / "web"
    for name in [*PAGE_FILES, *INLINED]:
        (web / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "web" / name, web / name)
    shutil.copytree(site / "model", web / "model")
    return web


def test_site_holds_exactly_the_served_files(tmp_path, web):
    """web/ mixes sources with served files; the site is only the latter."""
    for extra in ["src/main.js", "dist/digitpad.js.map", ".secret", ".model-tmp-x/model.json", "notes.txt"]:
        (web / extra).parent.mkdir(parents=True, exist_ok=True)
        (web / extra).write_text("not for the site")
    out = build_site(tmp_path / "site", web)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted(["index.html", "favicon.svg", "sw.js", "manifest.webmanifest",
                            "dist/digitpad.js.LEGAL.txt",
                            "dist/teach.js", "dist/why.js", "dist/about.js", "dist/teach-worker.js", "dist/measure.js",
                            *(f"model/{p.name}" for p in (web / "model").iterdir())])


def model_in_the_page(site):
    """The files in the page's data block, by name."""
    return json.loads(MODEL_BLOCK.search((site / "index.html").read_text()).group(1))


def test_the_page_holds_the_model_it_was_built_with(tmp_path, web):
    """A first visit asks for no model file: `make site` puts them in the page's head, as
    they are (the shards in base64), and again for another model."""
    out = build_site(tmp_path / "site", web)
    spec = json.loads((out / "model" / "model.json").read_text())
    shards = weight_shards(spec)
    assert shards and all(re.fullmatch(r"group1-shard\dof\d\.[0-9a-f]{16}\.bin", s) for s in shards)
    held = model_in_the_page(out)
    assert sorted(held) == sorted(["model.json", "metadata.json", *shards])
    assert held["model.json"] == (out / "model" / "model.json").read_text()
    assert held["metadata.json"] == (out / "model" / "metadata.json").read_text()
    assert all(base64.b64decode(held[s]) == (out / "model" / s).read_bytes() for s in shards)
    # Another model: the page holds it, once; the old one is gone.
    (out / "model" / shards[0]).rename(out / "model" / "group1-shard1of1.0123456789abcdef.bin")
    spec["weightsManifest"][0]["paths"] = ["group1-shard1of1.0123456789abcdef.bin"]
    (out / "model" / "model.json").write_text(json.dumps(spec))
    (out / "model" / "metadata.json").unlink()  # the page will ask for it, and say it is missing
    embed_model(out)
    embed_model(out)
    held = model_in_the_page(out)
    assert sorted(held) == ["group1-shard1of1.0123456789abcdef.bin", "model.json"]
    assert (out / "index.html").read_text().count('id="digitpad-model"') == 1
    # A page built without a model holds none (it then asks for the model's files).
    assert model_in_the_page(chromium.page_only_site(tmp_path / "bare")) == {}


def test_the_model_in_the_page_cannot_end_its_block(tmp_path, web):
    """Metadata holding "</script>" stays data: "<" is written escaped."""
    out = build_site(tmp_path / "site", web)
    meta = json.loads((out / "model" / "metadata.json").read_text())
    (out / "model" / "metadata.json").write_text(json.dumps({**meta, "note": "</script><script>alert(1)</script><!--"}))
    embed_model(out)
    html = (out / "index.html").read_text()
    block = html[html.index('id="digitpad-model">'):]
    assert "<" not in block[:block.index("</script>")]
    assert json.loads(model_in_the_page(out)["metadata.json"])["note"] == "</script><script>alert(1)</script><!--"


def test_putting_the_model_in_the_page_needs_a_model_and_a_page_with_the_place_for_it(tmp_path, web):
    out = build_site(tmp_path / "site", web)
    (out / "model" / "model.json").write_text("{}")
    with pytest.raises(UserError, match="names no weight shards"):
        embed_model(out)
    shutil.copyfile(web / "model" / "model.json", out / "model" / "model.json")
    [shard] = (out / "model").glob("group1-shard*.bin")
    shard.unlink()
    with pytest.raises(UserError, match=f"{shard.name} is missing: run `make export` again"):
        embed_model(out)
    shutil.copyfile(web / "model" / shard.name, shard)
    (out / "index.html").write_text("<!doctype html><title>no block</title>")
    with pytest.raises(UserError, match="digitpad-model"):
        embed_model(out)


def test_every_script_the_page_loads_is_published_and_kept_offline():
    """The page's script (in the page) loads the later parts by their place in the site, and
    those import others by name: each must be in the site and in the service worker's list,
    or a page breaks on Pages or offline."""
    dist = REPO / "web" / "dist"
    sw = (REPO / "web" / "sw.js").read_text()
    page = (dist / "digitpad.js").read_text()
    imported, unread = set(), set(re.findall(r'"dist/([\w-]+\.js)"', page)) | {"teach-worker.js"}
    while unread:  # what each script imports, and what those import
        script = unread.pop()
        imported.add(script)
        unread |= set(re.findall(r'"\./([\w-]+\.js)"', (dist / script).read_text())) - imported
    assert {"teach.js", "why.js", "about.js", "measure.js"} <= imported
    for name in imported:
        assert f"dist/{name}" in PAGE_FILES, name
        assert f"'dist/{name}'" in sw, f"sw.js does not keep dist/{name} for offline use"


def test_site_is_rebuilt_whole_and_needs_its_parts(tmp_path, web):
    out = build_site(tmp_path / "site", web)
    (out / "stale.txt").write_text("from an old build")
    build_site(out, web)
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporaries left
    (tmp_path / "nomodel").mkdir()
    shutil.copytree(web, tmp_path / "nomodel" / "web", ignore=shutil.ignore_patterns("model"))
    with pytest.raises(UserError, match="make train export"):
        build_site(tmp_path / "other", tmp_path / "nomodel" / "web")
    assert not (tmp_path / "other").exists()


def test_site_works_under_a_sub_path_with_a_plain_static_server(page, site, tmp_path):
    """As on https://user.github.io/digitpad/: all URLs relative, no other origin."""
    root = tmp_path / "pages"
    shutil.copytree(site, root / "digitpad")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/digitpad/"
        chromium.open_page(page, url)
        box = page.locator("[data-testid=pad]").bounding_box()
        stroke = [(box["x"] + box["width"] * f, box["y"] + box["height"] * (0.2 + 0.6 * f)) for f in (0.4, 0.45, 0.5)]
        chromium.draw(page, [stroke])
        assert chromium.read_prediction(page, 1)["digit"] in "0123456789"
        assert all(urlparse(u).path.startswith("/digitpad/") for u in page.requests), page.requests
        assert page.errors == []
        # No CSP header here, yet the page's own policy holds: an injected inline script does not run.
        ran = page.evaluate("""() => new Promise((resolve) => {
            document.addEventListener('securitypolicyviolation', () => resolve(window.injected ?? 'blocked'));
            const script = document.createElement('script');
            script.textContent = 'window.injected = "ran"';
            document.head.append(script);
            setTimeout(() => resolve(window.injected ?? 'silent'), 2000);
        })""")
        assert ran == "blocked"
    finally:
        server.shutdown()


def test_the_page_carries_the_servers_policy():
    from digitpad.server import CSP
    html = (REPO / "web" / "index.html").read_text()
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
    header_only = {"frame-ancestors 'none'"}  # ignored in a meta tag
    assert sorted(meta.split("; ")) == sorted(set(CSP.split("; ")) - header_only)
    policy = html.index('http-equiv="Content-Security-Policy"')
    assert policy < html.index("<script") and policy < html.index("<link")


def sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_page_holds_its_style_and_script_and_its_policy_allows_only_those(tmp_path, web):
    """`make site` puts the stylesheet and the page's script in the page: its policy names
    their hashes, and the server sends that policy (with frame-ancestors, which only a header
    can carry)."""
    from digitpad.server import CSP, create_app
    out = build_site(tmp_path / "site", web)
    html = (out / "index.html").read_text()
    script = re.search(r'<script type="module" blocking="render">(.*?)</script>', html, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert style == (web / "style.css").read_text()
    source = (REPO / "web" / "index.html").read_text()
    policy = r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">'
    meta = re.search(policy, html).group(1)
    allowed = (re.search(policy, source).group(1).replace("script-src 'self'", f"script-src 'self' {sha256(script)}")
               .replace("style-src 'self'", f"style-src 'self' {sha256(style)}"))
    assert meta == allowed
    assert 'src="dist/digitpad.js"' not in html and 'href="style.css"' not in html and "sourceMappingURL" not in script
    assert "see dist/digitpad.js.LEGAL.txt" in script and (out / "dist" / "digitpad.js.LEGAL.txt").is_file()
    header = create_app({"SITE_ROOT": out}).test_client().get("/").headers["Content-Security-Policy"]
    assert header == f"{meta}; frame-ancestors 'none'"
    assert sorted(header.split("; ")) == sorted((CSP.replace("script-src 'self'", f"script-src 'self' {sha256(script)}")
                                                 .replace("style-src 'self'", f"style-src 'self' {sha256(style)}")).split("; "))


@pytest.mark.parametrize("name, text, held", [
    ("dist/digitpad.js", 'console.log("</script><script>alert(1)//");', "</script"),
    ("dist/digitpad.js", 'console.log("</SCRIPT >");', "</SCRIPT"),
    ("dist/digitpad.js", 'console.log("<!--");', "<!--"),
    ("style.css", "p::after { content: '</style><script>alert(1)</script>'; }", "</style"),
    ("style.css", "/* <!-- */", "<!--"),
])
def test_what_would_end_its_element_is_not_put_in_the_page(tmp_path, web, name, text, held):
    (web / name).write_text(text)
    escape = "\\x3c" if name.endswith(".js") else "\\3c "  # as JS and CSS write "<"
    said = f"{name} holds '{held}' at character {text.index(held)}, so it cannot be put in the page: write it as '{escape}{held[1:]}'"
    with pytest.raises(UserError, match=re.escape(said)):
        build_site(tmp_path / "out", web)
    assert not (tmp_path / "out").exists()


def test_a_page_without_the_places_for_its_style_and_script_is_refused(tmp_path, web):
    (web / "style.css").write_text("p { color: red; }")
    (web / "index.html").write_text((web / "index.html").read_text().replace(" blocking=\"render\"", ""))
    with pytest.raises(UserError, match="to put dist/digitpad.js in"):
        build_site(tmp_path / "out", web)
    assert not (tmp_path / "out").exists()


def test_building_the_site_imports_no_numpy():
    """`digitpad site` only copies files: its import (and the atomic-file helpers it uses)
    must not pull in numpy, let alone TensorFlow."""
    code = "import sys, digitpad.site; print(sorted({'numpy', 'tensorflow'} & set(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(REPO / "python")}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
