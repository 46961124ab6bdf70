"""The page's JavaScript stays small: every script index.html loads, gzipped,
within the budget (`make bench` reports the size against the full tf.min.js)."""

import gzip
from html.parser import HTMLParser

from .conftest import REPO

WEB = REPO / "web"
BUDGET = 100_000  # bytes, gzipped (the "Performance" issue)


class ScriptSources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src")
        if tag == "script" and src:
            self.sources.append(src)


def page_scripts():
    parser = ScriptSources()
    parser.feed((WEB / "index.html").read_text())
    return [WEB / src for src in parser.sources]


def test_page_javascript_fits_the_budget():
    scripts = page_scripts()
    assert scripts, "index.html loads no script"
    for script in scripts:
        assert script.is_file(), f"{script} is missing: run `make bundle` first"
    gzipped = sum(len(gzip.compress(script.read_bytes(), compresslevel=9)) for script in scripts)
    assert gzipped <= BUDGET, f"the page's JavaScript is {gzipped:,} bytes gzipped, over {BUDGET:,}"
