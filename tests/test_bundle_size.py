"""The page's JavaScript stays small: what a first visit runs before the model is ready,
gzipped, within its budget, and everything the page may ever load within what it was
before the first visit was cut (`make bench` reports the sizes against the full tf.min.js)."""

import gzip
import re
from html.parser import HTMLParser

from .conftest import REPO

WEB = REPO / "web"
DIST = WEB / "dist"
FIRST_VISIT_BUDGET = 45 * 1024  # bytes, gzipped: before ready (issue 32; 61.4 KB before it)
EVER_BUDGET = 65_890  # bytes, gzipped: every script of the page at b69c722, which loaded all of them at once


class PageScripts(HTMLParser):
    """The scripts index.html loads itself: <script src> and <link rel=modulepreload>."""

    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.sources.append(attrs["src"])
        if tag == "link" and attrs.get("rel") == "modulepreload":
            self.sources.append(attrs["href"])


def page_scripts():
    parser = PageScripts()
    parser.feed((WEB / "index.html").read_text())
    return [WEB / src for src in parser.sources]


def imports(script, dynamic):
    """The scripts `script` imports by name: statically, or (dynamic) by import() or as a worker."""
    text = script.read_text()
    static = set(re.findall(r'from\s*"\./([\w-]+\.js)"', text)) | set(re.findall(r'import\s*"\./([\w-]+\.js)"', text))
    # Later: by import(), or by their place in the site (the page's script is in the page), or as a worker.
    later = (set(re.findall(r'import\(\s*"\./([\w-]+\.js)"\s*\)', text)) | set(re.findall(r'"dist/([\w-]+\.js)"', text))
             | set(re.findall(r'new URL\(\s*"([\w-]+\.js)"', text)))
    return {DIST / name for name in (static | later if dynamic else static)}


def closure(scripts, dynamic):
    """`scripts` and every script they import, and those import..."""
    seen, unread = set(), set(scripts)
    while unread:
        script = unread.pop()
        assert script.is_file(), f"{script} is missing: run `make bundle` first"
        seen.add(script)
        unread |= imports(script, dynamic) - seen
    return seen


def gzipped(scripts):
    return sum(len(gzip.compress(script.read_bytes(), compresslevel=9)) for script in scripts)


def test_first_visit_javascript_fits_the_budget():
    """Before ready: the page's script (TF.js and the model's code in it) and what it imports:
    not the parts loaded once the model is ready."""
    scripts = closure(page_scripts(), dynamic=False)
    names = {script.name for script in scripts}
    assert names == {"digitpad.js"}, names
    assert not names & {"teach.js", "why.js", "about.js", "teach-worker.js", "measure.js"}, names
    size = gzipped(scripts)
    assert size <= FIRST_VISIT_BUDGET, f"a first visit runs {size:,} bytes of JavaScript gzipped, over {FIRST_VISIT_BUDGET:,}"


def test_everything_the_page_loads_fits_what_it_loaded_before():
    """The parts loaded later, and the teaching worker, included (the timings of ?measure not)."""
    scripts = closure(page_scripts(), dynamic=True) - {DIST / "measure.js"}
    assert {"teach.js", "why.js", "about.js", "teach-worker.js"} <= {script.name for script in scripts}
    size = gzipped(scripts)
    assert size <= EVER_BUDGET, f"the page's scripts are {size:,} bytes gzipped, over {EVER_BUDGET:,}"
