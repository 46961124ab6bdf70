"""Local dev server for the digitpad web page.

Serves the static site in WEB_ROOT (default: the repo's web/ folder): the page,
its bundled JS in dist/ and the exported TF.js model in model/. Recognition runs
in the browser, so this is a plain file server with strict headers. It imports
only stdlib + Flask so it starts instantly (no TensorFlow, no numpy).
"""

import ipaddress
import re
import sys
from pathlib import Path

from flask import Flask, abort, redirect, request, send_from_directory
from werkzeug.security import safe_join

DEFAULT_WEB_ROOT = Path(__file__).resolve().parents[2] / "web"

# Explicit, because mimetypes reads the OS registry / /etc/mime.types and
# maps .js to text/plain or application/x-javascript on some systems, which
# browsers refuse for modules under nosniff.
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".bin": "application/octet-stream",
    ".wasm": "application/wasm",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}

# Our own origin only. The page's custom TF.js build runs on the CPU backend:
# no eval, no WebAssembly, no inline script or style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# Folders of web/ that hold the page's sources, tests and tools, not the site.
NOT_SITE = {"src", "test", "tools", "bench"}

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# A content hash in the name means the URL changes whenever the bytes do,
# so such files may be cached forever; everything else must revalidate.
HASHED_NAME = re.compile(r"[-.][0-9a-f]{8,}\.")
IMMUTABLE = "public, max-age=31536000, immutable"


def create_app(test_config=None):
    """Flask app factory; test_config overrides the defaults (e.g. WEB_ROOT)."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(WEB_ROOT=DEFAULT_WEB_ROOT, CSP=CSP)
    if test_config is not None:
        app.config.from_mapping(test_config)
    # Keep "//etc/passwd" a plain 404 instead of a redirect to "/etc/passwd".
    app.url_map.merge_slashes = False

    # GET only (Flask adds HEAD); no automatic OPTIONS, so anything else is 405.
    @app.route("/", defaults={"filename": ""}, provide_automatic_options=False)
    @app.route("/<path:filename>", provide_automatic_options=False)
    def static_file(filename):
        # Absolute: send_from_directory would read a relative root from the package folder.
        root = Path(app.config["WEB_ROOT"]).absolute()
        # Reject before touching the filesystem: dot segments cover "..", dotfiles
        # and the exporter's web/.model-tmp-* folders; NUL would crash os calls.
        parts = filename.split("/")
        if "\x00" in filename or "\\" in filename or any(p.startswith(".") for p in parts):
            abort(404)
        if parts[0] in NOT_SITE:  # web/'s sources and tests are not part of the site
            abort(404)
        if filename == "" or filename.endswith("/"):
            filename += "index.html"
        joined = safe_join(str(root), filename)
        if joined is None:
            abort(404)
        # Symlinks may point anywhere: the real target must be inside the real
        # root and must not be a dotfile either.
        try:
            rel = Path(joined).resolve().relative_to(root.resolve())
        except ValueError:
            abort(404)
        if any(p.startswith(".") for p in rel.parts):
            abort(404)
        if Path(joined).is_dir():
            return redirect(request.path + "/", 308)

        resp = send_from_directory(
            root, filename, mimetype=CONTENT_TYPES.get(Path(filename).suffix.lower())
        )
        hashed = filename.startswith("dist/") and HASHED_NAME.search(Path(filename).name)
        resp.headers["Cache-Control"] = IMMUTABLE if hashed else "no-cache"
        return resp

    @app.after_request
    def add_headers(resp):
        resp.headers.update(SECURITY_HEADERS)
        resp.headers["Content-Security-Policy"] = app.config["CSP"]
        resp.headers.setdefault("Cache-Control", "no-cache")
        return resp

    return app


def _is_loopback(host):
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other hostname may resolve to a public interface


def serve(host="127.0.0.1", port=8000, debug=False, allow_remote=False, web_root=None):
    """Run the dev server (blocking). Validates everything before binding."""
    if not _is_loopback(host):
        # Werkzeug's debugger executes arbitrary Python: never expose it.
        if debug:
            raise ValueError(
                f"refusing --debug on non-loopback address {host}: "
                "the debugger allows remote code execution"
            )
        if not allow_remote:
            raise ValueError(
                f"refusing to bind to non-loopback address {host}; "
                "pass --allow-remote to expose the server"
            )
        print(f"digitpad: warning: serving on {host}, reachable from the network", file=sys.stderr)

    app = create_app({"WEB_ROOT": Path(web_root)} if web_root is not None else None)
    root = Path(app.config["WEB_ROOT"])
    if not root.is_dir():
        raise FileNotFoundError(f"web root {root} does not exist; build the site first")

    url_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    print(f"digitpad: serving {root} at http://{url_host}:{port}/")
    # No reloader: there is no app code to reload (files are read per request)
    # and it would re-exec the process; .env loading would surprise users.
    app.run(host=host, port=port, debug=debug, use_reloader=False, load_dotenv=False)
