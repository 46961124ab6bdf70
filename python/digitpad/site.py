"""The site: exactly the files GitHub Pages and `digitpad serve` publish.

web/ holds the page's sources; `make bundle` adds web/dist and `make export`
web/model. build_site copies the served ones, named below, into one folder.
"""

import base64
import ctypes
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from .files import remove_leftovers
from .errors import UserError

# The page and its bundle (the licences of the page's script, which is put in the page
# itself; the parts loaded after the first answer, the teaching worker, the timings the page
# loads only when asked: ?measure); the sourcemaps stay out (their sources are in the repo).
PAGE_FILES = ["index.html", "style.css", "favicon.svg", "manifest.webmanifest", "sw.js",
              "dist/digitpad.js.LEGAL.txt",
              "dist/teach.js", "dist/why.js", "dist/about.js", "dist/teach-worker.js", "dist/measure.js"]

# The page's script (TF.js and the model's code in it), put in the page itself in place of
# its tag, so a first visit asks for no script before its first answer; the page's policy
# (its CSP meta tag) then allows that one inline script by its hash.
PAGE_SCRIPT = "dist/digitpad.js"
SCRIPT_TAG = '<script type="module" src="dist/digitpad.js" blocking="render"></script>'
SCRIPT_POLICY = re.compile(r"""(<meta http-equiv="Content-Security-Policy" content="[^"]*script-src 'self')""")

# The page holds its model's files (index.html's data block): a first visit reads its first
# digit without asking for them. Written here for the model the site holds.
MODEL_BLOCK = re.compile(r'<script type="application/json" id="digitpad-model">[^<]*</script>')


def build_site(out="site", web="web", with_model=True):
    """(Re)create `out` with the page from `web`, and its model unless with_model is
    False (tests export their own into it); swapped in whole, like the model."""
    web, out = Path(web), Path(out)
    missing = [name for name in [*PAGE_FILES, PAGE_SCRIPT] if not (web / name).is_file()]
    if missing:
        hint = "run `make bundle` first" if any(m.startswith("dist/") for m in missing) else "is this a checkout?"
        raise UserError(f"{web}/{missing[0]} is missing: {hint}")
    if with_model and not (web / "model" / "model.json").is_file():
        raise UserError(f"{web}/model/model.json is missing: run `make train export` first")

    def fill(tmp):
        for name in PAGE_FILES:
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(web / name, tmp / name)
        page = tmp / "index.html"
        page.write_text(inline_script(page.read_text(), (web / PAGE_SCRIPT).read_text(), web / PAGE_SCRIPT))
        if with_model:
            shutil.copytree(web / "model", tmp / "model")
            embed_model(tmp)

    try:
        replace_folder(out, fill)
    except OSError as exc:
        raise UserError(f"could not write {out}/: {exc}") from None
    return out


def inline_script(html, script, name=PAGE_SCRIPT):
    """The page `html` with `script` (the text of `name`) in place of its tag, allowed by its
    hash in the page's policy."""
    if SCRIPT_TAG not in html:
        raise UserError(f"index.html has no {SCRIPT_TAG} to put the page's script in: is it the page from web/?")
    # Its licence note names the file beside it, in dist/; its sourcemap is not published.
    script = script.replace("please see digitpad.js.LEGAL.txt", "please see dist/digitpad.js.LEGAL.txt")
    script = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", script)
    if re.search(r"</script|<!--", script, re.IGNORECASE):  # either would end or bend the <script> element
        raise UserError(f"{name} holds '</script' or '<!--', so it cannot be put in the page: run `make bundle` again")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode("ascii")
    html, found = SCRIPT_POLICY.subn(lambda m: f"{m.group(1)} 'sha256-{digest}'", html, count=1)
    if not found:
        raise UserError("index.html has no Content-Security-Policy meta tag with script-src 'self' to allow its script in")
    return html.replace(SCRIPT_TAG, f'<script type="module" blocking="render">{script}</script>', 1)


def embed_model(site):
    """Put site/model's files in site/index.html's data block: model.json and metadata.json
    as they are (the page checks them as it would fetched ones), the weight shards model.json
    names in base64."""
    site = Path(site)
    model = site / "model"
    try:
        spec_text = (model / "model.json").read_text()
        spec = json.loads(spec_text)
        shards = [path for group in spec["weightsManifest"] for path in group["paths"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{model}/model.json names no weight shards ({exc}): run `make export` again") from None
    files = {"model.json": spec_text}
    if (model / "metadata.json").is_file():  # without it the page asks, and says what is missing
        files["metadata.json"] = (model / "metadata.json").read_text()
    for shard in shards:
        try:
            files[shard] = base64.b64encode((model / shard).read_bytes()).decode("ascii")
        except OSError:
            raise UserError(f"{model}/{shard} is missing: run `make export` again") from None
    html = (site / "index.html").read_text()
    if not MODEL_BLOCK.search(html):
        raise UserError(f'{site}/index.html has no <script type="application/json" id="digitpad-model"> '
                        "to hold the model: is it the page from web/?")
    # "<" escaped: no "</script>" or "<!--" can end or bend the block.
    data = json.dumps(files, separators=(",", ":")).replace("<", "\\u003c")
    block = f'<script type="application/json" id="digitpad-model">{data}</script>'
    (site / "index.html").write_text(MODEL_BLOCK.sub(lambda _: block, html, count=1))


def replace_folder(target, fill):
    """Fill a new folder beside `target`, flush it, then swap it in with one rename:
    a failed or killed build leaves the previous `target` as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target.parent, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-tmp-{os.getpid()}-", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; a site must be readable
        fill(tmp)
        for path in tmp.rglob("*"):
            if path.is_file():
                with open(path, "rb") as f:
                    os.fsync(f.fileno())
        _swap_in(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # after a swap: the previous content


def _swap_in(new, target):
    """Make `new` the content of `target`; the old content ends up in `new`."""
    if target.exists() and _rename_exchange(new, target):
        return
    # No atomic exchange here (non-Linux, or an old kernel): two renames. A kill
    # in the microseconds between them leaves the old folder in .NAME-old-*.
    if target.exists():
        old = new.with_name(new.name.replace("-tmp-", "-old-"))
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(new, target)
    _fsync_folder(target.parent)  # the renames themselves survive a power cut


def _fsync_folder(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _rename_exchange(a, b):
    """Linux renameat2(RENAME_EXCHANGE): swap two paths in one atomic step."""
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    return renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0
