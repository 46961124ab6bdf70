"""Local dev server: serves the site folder (`make site`) with strict headers.

Recognition runs in the browser, so this is a plain file server; it imports
only the stdlib and Flask, so it starts at once.
"""

import functools
import gzip
import html
import io
import ipaddress
import os
import re
import socket
import sys
import threading
import time
import zlib
from http import HTTPStatus
from pathlib import Path

from flask import Flask, abort, redirect, request, send_file
from werkzeug.debug import DebuggedApplication
from werkzeug.security import safe_join
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .errors import UserError

DEFAULT_ROOT = Path("site")  # what `digitpad site` writes

# Explicit, because mimetypes reads the OS registry / /etc/mime.types and
# maps .js to text/plain or application/x-javascript on some systems, which
# browsers refuse for modules under nosniff.
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".bin": "application/octet-stream",
    ".wasm": "application/wasm",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}

# Our own origin only. The page's custom TF.js build runs on the CPU backend: no eval,
# no WebAssembly; no inline script or style but the page's own, by their hashes (site.py).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

# Compressed on the way out when the client accepts gzip, as GitHub Pages does for text:
# what a developer measures locally is what a visitor gets. Binary files (the weight
# shards, replay.bin) go as they are there too.
COMPRESSED_TYPES = {"text/html", "text/css", "text/javascript", "application/json", "image/svg+xml",
                    "application/manifest+json"}

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# A page states its own policy in its head (index.html's meta tag: GitHub Pages sends no
# header), with the hashes of the style and script it holds (site.py); the same policy goes
# out as its header, with what only a header can say (frame-ancestors) from the server's.
PAGE_POLICY = re.compile(rb'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
FIRST_CODE = re.compile(rb"<script|<style|</head>", re.IGNORECASE)


def page_policy(body, policy):
    """The policy to send with the HTML `body`: its own, plus `policy`'s frame-ancestors;
    `policy` when the page states none. Its own: a meta tag before any script or style
    (after one it would not cover them; text inside one is not a tag)."""
    first_code = FIRST_CODE.search(body)
    stated = PAGE_POLICY.search(body[:first_code.start() if first_code else len(body)])
    if not stated:
        return policy
    header_only = [d for d in policy.split("; ") if d.startswith("frame-ancestors ")]
    return "; ".join([html.unescape(stated.group(1).decode("utf-8", "replace")), *header_only])


def create_app(test_config=None):
    """Flask app factory; test_config overrides the defaults (e.g. SITE_ROOT)."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(SITE_ROOT=DEFAULT_ROOT, CSP=CSP, ALLOW_REMOTE=False)
    if test_config is not None:
        app.config.from_mapping(test_config)
    # Keep "//etc/passwd" a plain 404 instead of a redirect to "/etc/passwd".
    app.url_map.merge_slashes = False

    @app.before_request
    def local_names_only():
        # A page on another site can point its own name at 127.0.0.1 (DNS rebinding) and
        # read what we serve: answer only to loopback names unless told otherwise.
        if not app.config["ALLOW_REMOTE"] and not _is_loopback(_host_name(request.host)):
            abort(421)

    # GET only (Flask adds HEAD); no automatic OPTIONS, so anything else is 405.
    @app.route("/", defaults={"filename": ""}, provide_automatic_options=False)
    @app.route("/<path:filename>", provide_automatic_options=False)
    def static_file(filename):
        # Absolute: send_from_directory would read a relative root from the package folder.
        root = Path(app.config["SITE_ROOT"]).absolute()
        # Reject before touching the filesystem: dot segments cover "..", dotfiles
        # and half-built .site-tmp-* / .model-tmp-* folders; NUL would crash os calls.
        parts = filename.split("/")
        if "\x00" in filename or "\\" in filename or any(p.startswith(".") for p in parts):
            abort(404)
        if filename == "" or filename.endswith("/"):
            filename += "index.html"
        joined = safe_join(str(root), filename)
        if joined is None:
            abort(404)
        # Symlinks may point anywhere: the real target must be inside the real
        # root and must not be a dotfile either. A name too long for the file
        # system or a symlink loop is simply not there.
        try:
            rel = Path(joined).resolve().relative_to(root.resolve())
            if any(p.startswith(".") for p in rel.parts) or not Path(joined).exists():
                abort(404)
            if Path(joined).is_dir():
                return redirect(request.path + "/", 308)
            # One open, then everything from that file: an export swapping the model folder
            # between a stat and an open sent one file's length with the other's bytes.
            with open(joined, "rb") as f:
                stat = os.fstat(f.fileno())
                body = f.read()
            mimetype = CONTENT_TYPES.get(Path(filename).suffix.lower())
            compressible = mimetype in COMPRESSED_TYPES
            # Ranges and revalidation refer to the bytes sent: the gzipped body is another
            # representation, with its own ETag (a 304 for one never confirms the other).
            packed = compressible and request.accept_encodings["gzip"] > 0 and "Range" not in request.headers
            etag = f"{stat.st_mtime}-{stat.st_size}-{zlib.adler32(joined.encode()) & 0xFFFFFFFF}"
            resp = send_file(
                io.BytesIO(_gzipped(body) if packed else body), mimetype=mimetype,
                download_name=Path(filename).name, conditional=True, last_modified=stat.st_mtime,
                etag=f"{etag}-gzip" if packed else etag,
            )
        except (ValueError, OSError, RuntimeError):
            abort(404)
        if compressible:
            resp.vary.add("Accept-Encoding")
        if packed:
            resp.headers["Content-Encoding"] = "gzip"
            del resp.headers["Accept-Ranges"]  # ranges of the gzipped bytes: none offered
        # A shard's name carries its hash (export.py): that URL never changes content.
        immutable = re.fullmatch(r"model/[\w-]+\.[0-9a-f]{16}\.bin", filename)
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        if mimetype == "text/html":
            resp.headers["Content-Security-Policy"] = page_policy(body, app.config["CSP"])
        return resp

    @app.after_request
    def add_headers(resp):
        page = resp.headers.get("Content-Security-Policy")  # a page's own (page_policy)
        resp.headers.update(SECURITY_HEADERS)
        resp.headers["Content-Security-Policy"] = page or app.config["CSP"]
        resp.headers.setdefault("Cache-Control", "no-cache")
        del resp.headers["Date"]  # the HTTP server writes its own
        return resp

    return app


@functools.lru_cache(maxsize=64)
def _gzipped(body):
    """`body` gzipped, kept by its bytes for the next request (a page load asks for a dozen
    files, and compressing model.js took ~5 ms each time); a changed file is other bytes."""
    return gzip.compress(body, mtime=0)


class _HeadDeadline(socket.SocketIO):
    """A socket's reads, each allowed only what is left of `deadline` (time.monotonic())
    while one is set: a client trickling a byte every few seconds never trips a per-read
    timeout, but does run out of this."""
    deadline = None

    def readinto(self, buffer):
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("request head not complete in time")
            self._sock.settimeout(min(left, Handler.timeout))
        return super().readinto(buffer)


class Handler(WSGIRequestHandler):
    timeout = 5  # seconds a connection may sit idle or send slowly before it is closed
    head_timeout = 10  # seconds from accepting a connection to its whole request head

    def setup(self):
        super().setup()
        self.head = _HeadDeadline(self.connection, "rb")
        self.head.deadline = time.monotonic() + self.head_timeout
        self.rfile = io.BufferedReader(self.head)

    def parse_request(self):
        if not super().parse_request():
            return False
        self.head.deadline = None  # the head is complete; reading a body has the plain timeout
        self.connection.settimeout(self.timeout)
        if self.request_version == "HTTP/0.9":  # an answer without headers would carry no CSP
            self.request_version = "HTTP/1.0"
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP/0.9 is not supported")
            return False
        return True

    def send_error(self, code, message=None, explain=None):
        # Errors the HTTP layer answers itself (414, 431, 400...) never reach the app's headers.
        self.error_headers = True
        super().send_error(code, message, explain)

    def end_headers(self):
        if getattr(self, "error_headers", False):
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
        super().end_headers()


class BoundedServer(ThreadedWSGIServer):
    """Werkzeug's threaded server with at most MAX_THREADS connections at once: slow or
    idle ones cannot pile up threads without end (1,000 held 1,002 before); beyond the
    cap they wait in the listen queue until an idle one times out."""
    MAX_THREADS = 256

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = threading.BoundedSemaphore(self.MAX_THREADS)

    def process_request(self, request, client_address):
        self.slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def make_server(host, port, app, fd=None):
    """The dev server as `serve` runs it (tests and benchmarks too)."""
    return BoundedServer(host, port, app, handler=Handler, fd=fd)


def _host_name(host):
    """The name in a Host header: "[::1]:8000" -> "::1", "localhost:8000" -> "localhost"."""
    if host.startswith("["):
        return host[1:host.find("]")]
    return host.rsplit(":", 1)[0] if ":" in host else host


def _is_loopback(host):
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other hostname may resolve to a public interface


def serve(host="127.0.0.1", port=8000, debug=False, allow_remote=False, site_root=None):
    """Run the dev server (blocking). Validates everything before binding."""
    if not _is_loopback(host):
        # Werkzeug's debugger executes arbitrary Python: never expose it.
        if debug:
            raise UserError(
                f"refusing --debug on non-loopback address {host}: "
                "the debugger allows remote code execution"
            )
        if not allow_remote:
            raise UserError(
                f"refusing to bind to non-loopback address {host}; "
                "pass --allow-remote to expose the server"
            )
        print(f"digitpad: warning: serving on {host}, reachable from the network", file=sys.stderr)

    app = create_app({**({"SITE_ROOT": Path(site_root)} if site_root is not None else {}),
                      "ALLOW_REMOTE": allow_remote})
    root = Path(app.config["SITE_ROOT"])
    if not root.is_dir():
        raise UserError(f"{root}/ does not exist: run `make site` first (or pass --site FOLDER)")

    url_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    print(f"digitpad: serving {root} at http://{url_host}:{port}/")
    # Werkzeug's server without app.run: no reloader (files are read per request),
    # no .env loading, and a taken port is our one-line error, not its exit.
    wsgi = DebuggedApplication(app, evalex=True) if debug else app
    bare = host.strip("[]")
    try:  # bound here: Werkzeug would print its own message and exit
        family = socket.AF_INET6 if ":" in bare else socket.AF_INET
        listening = socket.create_server((bare, port), family=family)
    except OSError as exc:
        raise UserError(f"cannot serve on {url_host}:{port}: {exc.strerror or exc}; "
                        "choose another with --port (make serve PORT=...)") from None
    with listening:
        server = make_server(bare, port, wsgi, fd=listening.fileno())
    server.serve_forever()
