"""The site: exactly the files GitHub Pages and `digitpad serve` publish.

web/ holds the page's sources; `make bundle` adds web/dist and `make export`
web/model. build_site copies the served ones, named below, into one folder, and puts
the stylesheet, the page's script and the model's files in the page itself.
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

# The page and its bundle (the licences of the page's script; the parts loaded after the
# first answer, the teaching worker, the timings the page loads only when asked: ?measure);
# the sourcemaps stay out (their sources are in the repo).
PAGE_FILES = ["index.html", "favicon.svg", "manifest.webmanifest", "sw.js",
              "dist/digitpad.js.LEGAL.txt",
              "dist/teach.js", "dist/why.js", "dist/about.js", "dist/teach-worker.js", "dist/measure.js"]

# What the page holds itself, in place of the tag that names it, each allowed by its hash in
# the page's policy (its CSP meta tag): the stylesheet, and the page's script (TF.js and the
# model's code in it). A first visit then asks for nothing before its first answer.
INLINED = {  # file: (its tag in web/index.html, the opening tag of the element that holds it instead)
    "style.css": ('<link rel="stylesheet" href="style.css">', "<style>"),
    "dist/digitpad.js": ('<script type="module" src="dist/digitpad.js" blocking="render"></script>',
                         '<script type="module" blocking="render">'),
}

# The page holds its model's files (index.html's data block; group 1: its JSON): a first
# visit reads its first digit without asking for them. Written here for the model the site holds.
MODEL_BLOCK = re.compile(r'<script type="application/json" id="digitpad-model">([^<]*)</script>')


def weight_shards(spec):
    """The weight shard files a model.json (`spec`, parsed) names, in order."""
    return [path for group in spec["weightsManifest"] for path in group["paths"]]


def build_site(out="site", web="web", with_model=True):
    """(Re)create `out` with the page from `web`, and its model unless with_model is
    False (tests export their own into it); swapped in whole, like the model."""
    web, out = Path(web), Path(out)
    missing = [name for name in [*PAGE_FILES, *INLINED] if not (web / name).is_file()]
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
        html = read_text(page, "is this a checkout?")
        for name in INLINED:
            html = inline(html, name, read_text(web / name, "run `make bundle` again"), web)
        page.write_text(html, encoding="utf-8")
        if with_model:
            shutil.copytree(web / "model", tmp / "model")
            embed_model(tmp)

    try:
        replace_folder(out, fill)
    except OSError as exc:
        raise UserError(f"could not write {out}/: {exc}") from None
    return out


def inline(html, name, text, web="web"):
    """The page `html` holding `text`, the content of `name` (INLINED), in place of its tag,
    allowed by its hash in the page's policy."""
    tag, opening = INLINED[name]
    element = re.match(r"<(\w+)", opening).group(1)  # script, style: and so script-src, style-src
    directive = f"{element}-src"
    if tag not in html:
        raise UserError(f"{web}/index.html has no {tag} to put {name} in: is it the page from web/?")
    if name.endswith(".js"):  # its licence note names the file beside it, in dist/; its sourcemap is not published
        text = text.replace("please see digitpad.js.LEGAL.txt", "please see dist/digitpad.js.LEGAL.txt")
        text = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", text)
    found = re.search(rf"</{element}|<!--", text, re.IGNORECASE)  # either would end or bend the element
    if found:
        escaped = found.group(0).replace("<", "\\x3c" if name.endswith(".js") else "\\3c ", 1)  # JS, CSS escapes
        raise UserError(f"{web}/{name} holds '{found.group(0)}' at character {found.start()}, so it cannot be put "
                        f"in the page: write it as '{escaped}' in its source")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    policy = re.compile(rf"""(<meta http-equiv="Content-Security-Policy" content="[^"]*{directive} 'self')""")
    html, found = policy.subn(lambda m: f"{m.group(1)} 'sha256-{digest}'", html, count=1)
    if not found:
        raise UserError(f"{web}/index.html has no Content-Security-Policy meta tag with {directive} 'self' to allow {name} in")
    return html.replace(tag, f"{opening}{text}</{element}>", 1)


def embed_model(site):
    """Put site/model's files in site/index.html's data block: model.json and metadata.json
    as they are (the page checks them as it would fetched ones), the weight shards model.json
    names in base64."""
    site = Path(site)
    model = site / "model"
    try:
        spec_text = read_text(model / "model.json")
        spec = json.loads(spec_text)
        shards = weight_shards(spec)
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{model}/model.json names no weight shards ({exc}): run `make export` again") from None
    files = {"model.json": spec_text}
    if (model / "metadata.json").is_file():  # without it the page asks, and says what is missing
        files["metadata.json"] = read_text(model / "metadata.json")
    for shard in shards:
        try:
            files[shard] = base64.b64encode((model / shard).read_bytes()).decode("ascii")
        except FileNotFoundError:
            raise UserError(f"{model}/{shard} is missing: run `make export` again") from None
        except OSError as exc:
            raise UserError(f"{model}/{shard} could not be read ({exc.strerror}): run `make export` again") from None
    html = read_text(site / "index.html", "run `make site` again")
    if not MODEL_BLOCK.search(html):
        raise UserError(f'{site}/index.html has no <script type="application/json" id="digitpad-model"> '
                        "to hold the model: is it the page from web/?")
    # "<" escaped: no "</script>" or "<!--" can end or bend the block.
    data = json.dumps(files, separators=(",", ":")).replace("<", "\\u003c")
    block = f'<script type="application/json" id="digitpad-model">{data}</script>'
    (site / "index.html").write_text(MODEL_BLOCK.sub(lambda _: block, html, count=1), encoding="utf-8")


def read_text(path, fix="run `make export` again"):
    """A text file of the site as UTF-8 (whatever the system's locale), or a one-line error."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path} is missing: {fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} could not be read ({exc}): {fix}") from None


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
