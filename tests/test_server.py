"""The dev server: static serving, path safety, headers, and serve() guards."""

import gzip
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug.debug import DebuggedApplication

from digitpad.errors import UserError
from digitpad import server as server_module
from digitpad.server import CSP, serve

PYTHON_DIR = Path(__file__).resolve().parents[1] / "python"


def test_index_served_as_html(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    assert b'<body data-model="loading">' in resp.data


def test_relative_web_root(site_root, monkeypatch):
    """`digitpad serve --site site`: a root relative to the working directory."""
    from digitpad.server import create_app
    monkeypatch.chdir(site_root.parent)
    client = create_app({"TESTING": True, "SITE_ROOT": Path(site_root.name)}).test_client()
    assert client.get("/").status_code == 200
    assert client.get("/model/model.json").get_json() == {"format": "layers-model"}
    assert client.get("/leak.txt").status_code == 404  # the symlink out is still refused


def test_nested_file_served(client):
    resp = client.get("/model/model.json")
    assert resp.status_code == 200
    assert resp.get_json() == {"format": "layers-model"}


def test_directory_index(client, site_root):
    (site_root / "sub").mkdir()
    (site_root / "sub" / "index.html").write_text("<p>sub</p>")
    assert client.get("/sub/").data == b"<p>sub</p>"
    resp = client.get("/sub")
    assert resp.status_code == 308
    assert resp.headers["Location"].endswith("/sub/")


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("model/model.json", "application/json"),
        ("model/group1-shard1of1.bin", "application/octet-stream"),
        ("dist/app.js", "text/javascript"),
        ("dist/mod.mjs", "text/javascript"),
        ("dist/tfjs-backend-wasm.wasm", "application/wasm"),
        ("style.css", "text/css"),
        ("icon.png", "image/png"),
        ("icon.svg", "image/svg+xml"),
        ("app.webmanifest", "application/manifest+json"),
    ],
)
def test_content_types(client, site_root, name, content_type):
    path = site_root / name
    if not path.exists():
        path.write_bytes(b"x")
    resp = client.get("/" + name)
    assert resp.status_code == 200
    assert resp.mimetype == content_type


@pytest.mark.parametrize(
    "url",
    [
        "/../outside.txt",
        "/dist/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/..%2foutside.txt",
        "/%2e%2e%2foutside.txt",
        "/model/..%2f..%2foutside.txt",
        "/%252e%252e/outside.txt",
        "/%252e%252e%252foutside.txt",
        "/..\\outside.txt",
        "/..%5coutside.txt",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/%2Fetc%2Fpasswd",
        "/etc/passwd",
        "/index.html%00",
        "/%00../outside.txt",
        "/leak.txt",
    ],
)
def test_traversal_refused(client, url):
    resp = client.get(url)
    assert resp.status_code in (400, 404, 421)  # //etc/... names a host, which is refused too
    assert b"SECRET" not in resp.data
    assert b"root:" not in resp.data


@pytest.mark.parametrize(
    "path_info", ["//etc/passwd", "/../outside.txt", "/dist/../../outside.txt"]
)
def test_raw_path_info_refused(client, site_root, path_info):
    # The test client parses "//x" as a host; real servers pass PATH_INFO raw.
    for p in (path_info, "/" + str(site_root.parent / "outside.txt")):
        resp = client.get("/", environ_overrides={"PATH_INFO": p})
        assert resp.status_code in (400, 404)
        assert b"SECRET" not in resp.data and b"root:" not in resp.data


def test_symlink_inside_root_is_served(client, site_root):
    (site_root / "alias.html").symlink_to(site_root / "index.html")
    assert client.get("/alias.html").status_code == 200


@pytest.mark.parametrize(
    "url", ["/.secret", "/.model-tmp-x/model.json", "/%2esecret", "/model/.hidden"]
)
def test_dotfiles_hidden(client, site_root, url):
    (site_root / "model" / ".hidden").write_text("SECRET")
    resp = client.get(url)
    assert resp.status_code == 404
    assert b"SECRET" not in resp.data


def test_symlink_to_dotdir_hidden(client, site_root):
    (site_root / "tmpmodel").symlink_to(site_root / ".model-tmp-x")
    assert client.get("/tmpmodel/model.json").status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("url", ["/", "/index.html", "/missing"])
def test_only_get_and_head(client, method, url):
    resp = client.open(url, method=method)
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_head(client):
    get = client.get("/dist/app.js")
    head = client.head("/dist/app.js")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


@pytest.mark.parametrize("url", ["/", "/model/model.json", "/missing", "/../x"])
def test_security_headers(client, url):
    h = client.get(url).headers
    assert h["Content-Security-Policy"] == CSP
    assert "default-src 'self'" in CSP and "frame-ancestors 'none'" in CSP
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"


def test_security_headers_on_405(client):
    assert client.post("/").headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "url, cache_control",
    [
        ("/", "no-cache"),
        ("/index.html", "no-cache"),
        ("/model/model.json", "no-cache"),
        ("/model/group1-shard1of1.bin", "no-cache"),
        ("/model/group1-shard1of1.0123456789abcdef.bin", "public, max-age=31536000, immutable"),
        ("/dist/app.js", "no-cache"),
    ],
)
def test_cache_headers(client, site_root, url, cache_control):
    (site_root / "model" / "group1-shard1of1.0123456789abcdef.bin").write_bytes(b"\x00")
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == cache_control


def test_revalidation_gives_304(client):
    etag = client.get("/model/model.json").headers["ETag"]
    resp = client.get("/model/model.json", headers={"If-None-Match": etag})
    assert resp.status_code == 304


GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.mark.parametrize("url, name", [("/", "index.html"), ("/dist/app.js", "dist/app.js"),
                                       ("/model/model.json", "model/model.json")])
def test_text_is_gzipped_when_the_client_accepts_it(client, site_root, url, name):
    """As GitHub Pages serves it: what `make serve` measures is what a visitor downloads."""
    resp = client.get(url, headers=GZIP)
    assert resp.status_code == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers["Vary"]
    assert gzip.decompress(resp.data) == (site_root / name).read_bytes()
    assert int(resp.headers["Content-Length"]) == len(resp.data)
    assert "Accept-Ranges" not in resp.headers


@pytest.mark.parametrize("headers", [{}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0"},
                                     {**GZIP, "Range": "bytes=0-3"}])
def test_text_is_sent_as_is_to_a_client_that_does_not_accept_gzip(client, site_root, headers):
    resp = client.get("/dist/app.js", headers=headers)
    assert "Content-Encoding" not in resp.headers
    assert "Accept-Encoding" in resp.headers["Vary"]
    whole = (site_root / "dist" / "app.js").read_bytes()
    assert resp.data == (whole[:4] if "Range" in headers else whole)


def test_binary_files_are_sent_as_they_are(client, site_root):
    resp = client.get("/model/group1-shard1of1.bin", headers=GZIP)
    assert "Content-Encoding" not in resp.headers
    assert resp.data == (site_root / "model" / "group1-shard1of1.bin").read_bytes()


def test_gzipped_and_plain_bodies_revalidate_each_their_own(client):
    packed = client.get("/model/model.json", headers=GZIP).headers["ETag"]
    plain = client.get("/model/model.json").headers["ETag"]
    assert packed != plain
    assert client.get("/model/model.json", headers={**GZIP, "If-None-Match": packed}).status_code == 304
    assert client.get("/model/model.json", headers={"If-None-Match": plain}).status_code == 304
    # A plain copy's ETag never confirms the gzipped bytes, nor the other way round.
    assert client.get("/model/model.json", headers={**GZIP, "If-None-Match": plain}).status_code == 200
    assert client.get("/model/model.json", headers={"If-None-Match": packed}).status_code == 200


def test_head_of_a_gzipped_file(client):
    get = client.get("/dist/app.js", headers=GZIP)
    head = client.head("/dist/app.js", headers=GZIP)
    assert head.headers["Content-Encoding"] == "gzip" and head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


@pytest.fixture
def no_run(monkeypatch):
    """Record the servers serve() makes instead of binding and running them."""
    calls = []

    class Server:
        def serve_forever(self):
            pass

    def fake_make_server(host, port, app, fd=None):
        calls.append({"host": host, "port": port, "debug": isinstance(app, DebuggedApplication)})
        return Server()

    monkeypatch.setattr(server_module, "make_server", fake_make_server)
    return calls


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.com", ""])
def test_serve_refuses_remote_without_flag(no_run, site_root, host):
    with pytest.raises(UserError, match="--allow-remote"):
        serve(host=host, site_root=site_root)
    assert no_run == []


@pytest.mark.parametrize("allow_remote", [False, True])
def test_serve_refuses_debug_on_remote(no_run, site_root, allow_remote):
    with pytest.raises(UserError, match="debug"):
        serve(host="0.0.0.0", debug=True, allow_remote=allow_remote, site_root=site_root)
    assert no_run == []


def test_serve_missing_site_root(no_run, tmp_path):
    with pytest.raises(UserError, match="make site"):
        serve(site_root=tmp_path / "nope")
    assert no_run == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "localhost", "::1"])
def test_serve_loopback_runs(no_run, site_root, capsys, host):
    serve(host=host, port=8123, debug=True, site_root=site_root)
    assert no_run == [{"host": host, "port": 8123, "debug": True}]
    out = capsys.readouterr().out
    assert str(site_root) in out and ":8123/" in out


def test_serve_remote_with_flag_warns(no_run, site_root, capsys):
    serve(host="0.0.0.0", allow_remote=True, site_root=site_root)
    assert len(no_run) == 1
    err = capsys.readouterr().err
    assert "warning" in err and err.count("\n") == 1


def test_import_is_light():
    code = (
        "import sys, digitpad.server\n"
        "heavy = {'tensorflow', 'numpy', 'tensorflowjs'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_serve_on_a_busy_port_is_one_line(site_root):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match=f"cannot serve on 127.0.0.1:{port}.*--port"):
            serve(port=port, site_root=site_root)


# --- Edges (issue 15) ------------------------------------------------------------


def test_names_the_file_system_cannot_hold_are_404(client, site_root):
    (site_root / "loop").symlink_to(site_root / "loop")  # a symlink loop
    (site_root / "a").symlink_to(site_root / "b")
    (site_root / "b").symlink_to(site_root / "a")
    for path in ["/" + "a" * 256, "/model/" + "x" * 300 + ".json", "/loop", "/a", "/loop/index.html"]:
        assert client.get(path).status_code == 404, path


def test_source_maps_are_json(client, site_root):
    (site_root / "dist" / "app.js.map").write_text("{}")
    assert client.get("/dist/app.js.map").mimetype == "application/json"


def test_the_app_leaves_the_date_to_the_http_server(client):
    assert "Date" not in client.get("/").headers


@pytest.mark.parametrize("host, status", [("localhost", 200), ("localhost:8000", 200), ("127.0.0.1:8000", 200),
                                          ("[::1]:8000", 200), ("127.1.2.3", 200), ("evil.example", 421),
                                          ("evil.example:8000", 421), ("192.168.1.5:8000", 421), ("", 421)])
def test_only_loopback_names_are_answered(site_root, host, status):
    from digitpad.server import create_app
    client = create_app({"TESTING": True, "SITE_ROOT": site_root}).test_client()
    assert client.get("/", headers={"Host": host}).status_code == status
    remote = create_app({"TESTING": True, "SITE_ROOT": site_root, "ALLOW_REMOTE": True}).test_client()
    assert remote.get("/", headers={"Host": "evil.example"}).status_code == 200


def test_a_page_sends_its_own_policy_stated_before_any_script():
    """The header a page gets is the policy its head states (with frame-ancestors); the same
    words inside a script, or a page stating none, leave the server's own."""
    from digitpad.server import page_policy
    meta = b'<meta http-equiv="Content-Security-Policy" content="default-src &#39;self&#39;; script-src \'self\' \'sha256-x\'">'
    assert page_policy(b"<html><head>" + meta + b"<script>1</script></head>", CSP) == (
        "default-src 'self'; script-src 'self' 'sha256-x'; frame-ancestors 'none'")
    assert page_policy(b"<html><head><script>var s = '" + meta + b"';</script></head>", CSP) == CSP
    assert page_policy(b"<html><head><style></style>" + meta + b"</head>", CSP) == CSP  # after a style: not the page's
    assert page_policy(b"<html><head></head><body>" + meta + b"</body>", CSP) == CSP
