"""The page in headless Chromium on localhost, ours against the tutorial way.

Two builds of the same page, served by the Flask app, measured in one run:
  - ours: web/dist/digitpad.js, a custom TF.js bundle with only the kernels
    the model uses;
  - tf.min.js: the same page code, but TF.js loaded the way tutorials do, as
    the full tf.min.js (here from npm, as a CDN would serve it), the model
    loaded with tf.loadLayersModel.
For each: time from navigation to model ready, per-stroke update latency
(pointerup to prediction shown, measured in the page with performance.now)
over replayed real pen strokes, and the bytes of each kind, raw and gzipped.
"""

import contextlib
import gzip
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import browser
from digitpad.data import UCI, load_pen_digits
from digitpad.server import CSP

ROOT = Path(__file__).resolve().parents[2]
LOADS = 12  # page loads per variant and way; the first WARMUP warm the server and are dropped
WARMUP = 2


def build_full_variant(site):
    """Copy of `site` whose page loads the full tf.min.js instead of our bundle."""
    subprocess.run(["node", str(Path(__file__).parent / "tfjs-full" / "build-full.mjs"), str(site / "dist")],
                   check=True, cwd=ROOT)
    shutil.copy(ROOT / "node_modules" / "@tensorflow" / "tfjs" / "dist" / "tf.min.js", site / "dist")
    html = (site / "index.html").read_text()
    html = html.replace('<script type="module" src="dist/digitpad.js"></script>',
                        '<script src="dist/tf.min.js"></script>\n  '
                        '<script type="module" src="dist/digitpad-full.js"></script>')
    html = re.sub(r'\s*<link rel="modulepreload"[^>]*>', "", html)  # our chunks: not in this variant
    html = allow_eval(html)  # the page's own CSP (its meta tag) too
    (site / "index.html").write_text(html)
    return site


def allow_eval(policy):
    """A Content-Security-Policy (or a page carrying one) that lets scripts evaluate
    strings as code, as the full tf.min.js does; our bundle does not need it."""
    return policy.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")


@contextlib.contextmanager
def serving_process(site, csp=None):
    """The dev server in its own process, as `make serve` runs it (a server
    thread beside Playwright in this process would compete for the GIL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = ("import sys; from digitpad.server import create_app; "
            "config = {'SITE_ROOT': sys.argv[1]}; config.update({'CSP': sys.argv[3]} if len(sys.argv) > 3 else {}); "
            "create_app(config).run('127.0.0.1', int(sys.argv[2]), threaded=True, use_reloader=False)")
    server = subprocess.Popen([sys.executable, "-c", code, str(site), str(port), *([csp] if csp else [])],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the dev server did not start")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait()


def kind(url, content_type):
    if "/model/" in url:
        return "model"
    if "javascript" in content_type:
        return "js"
    if "html" in content_type or "css" in content_type:
        return "html/css"
    return "other"


def measure(chromium, url, strokes, cost=False):
    """Ready times over LOADS loads in each way, bytes by kind, and update latencies.

    All loads happen in one tab of a running browser, with the HTTP cache off
    and no service worker, so every load fetches every file:
      - first visit: arriving from a link on another site (here: localhost vs
        127.0.0.1), so Chromium starts a fresh renderer process, as for a
        first visitor;
      - reload: the page loaded again in its own tab, renderer already running.
    (A new browser context per load would also time Chromium building a
    window: its own UI pages, ~300 chrome:// requests on the same 2 cores.)"""
    context = chromium.new_context(viewport={"width": 1024, "height": 768}, service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    elsewhere = url.replace("127.0.0.1", "localhost") + "favicon.svg"  # another site
    ready = {"first visit": [], "reload": []}
    bodies = {}  # the responses of the latest load, by URL
    page.on("response", lambda r: bodies.__setitem__(r.url, (r.headers.get("content-type", ""), r)))
    for load in range(LOADS):
        for way, times in ready.items():
            if way == "first visit":
                page.goto(elsewhere)
            bodies.clear()
            browser.open_page(page, url + browser.MEASURE)
            if load >= WARMUP:
                times.append(page.evaluate("performance.getEntriesByName('digitpad-ready')[0].startTime"))
            page.wait_for_timeout(300)  # let the page finish its after-ready work before leaving
    sizes = {}
    for response_url, (content_type, response) in bodies.items():
        if response_url.endswith("/dist/measure.js"):
            continue  # the timings read here (browser.MEASURE): not the page a visitor loads
        body = response.body()
        raw, packed = sizes.get(kind(response_url, content_type), (0, 0))
        sizes[kind(response_url, content_type)] = (raw + len(body), packed + len(gzip.compress(body, 9)))
    latencies = replay_strokes(page, strokes)
    many = stroke_cost(page) if cost else None
    context.close()
    return {"ready_ms": {way: statistics.median(times) for way, times in ready.items()},
            "ready_ms_all": ready,
            "bytes": {k: {"raw": raw, "gzip": packed} for k, (raw, packed) in sorted(sizes.items())},
            "update_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                          "strokes": len(latencies)},
            **({"many_strokes": many} if many else {})}


def replay_strokes(page, digits):
    """Draw real pen digits stroke by stroke; the page's own update timings."""
    pad = page.locator("[data-testid=pad]").bounding_box()
    rng = random.Random(0)
    page.evaluate("performance.clearMeasures('digitpad-update')")
    for digit in digits:
        browser.draw(page, browser.place(digit["strokes"], pad, rng), real_input=False)
        browser.read_prediction(page, len(digit["strokes"]))
        browser.clear(page)
    return page.evaluate("performance.getEntriesByName('digitpad-update').map(e => e.duration)")


STROKE_COUNTS = (20, 200, 500, 2000)  # strokes on the pad when one more is drawn
MAX_STROKES = int(re.search(r"MAX_STROKES = (\d+)", (ROOT / "web" / "src" / "pad.js").read_text()).group(1))


def stroke_cost(page, counts=STROKE_COUNTS):
    """The page's update time for one more stroke with n - 1 strokes on the pad, for each n:
    {n: ms, or None when the pad refused the stroke (full: pad.js MAX_STROKES)}, and how many
    strokes it held. The n - 1 go in one burst, settled before the timed one."""
    box = page.locator("[data-testid=pad]").bounding_box()
    rng = random.Random(2)

    def strokes(k):
        spots = [(rng.uniform(20, box["width"] - 40), rng.uniform(20, box["height"] - 40)) for _ in range(k)]
        return [[(box["x"] + x, box["y"] + y), (box["x"] + x + 8, box["y"] + y + 12)] for x, y in spots]

    cost, held = {}, {}
    for n in counts:
        browser.clear(page)
        browser.draw(page, strokes(n - 1), real_input=False)
        page.wait_for_function("(n) => Number(document.querySelector('[data-testid=prediction]')"
                               ".dataset.strokes) === n", arg=min(n - 1, MAX_STROKES), timeout=600_000)
        page.evaluate("performance.clearMeasures('digitpad-update')")
        before = page.evaluate("document.querySelector('[data-testid=prediction]').dataset.strokes")
        browser.draw(page, strokes(1), real_input=False)
        page.wait_for_timeout(200)  # a refused stroke changes nothing to wait for
        after = page.evaluate("document.querySelector('[data-testid=prediction]').dataset.strokes")
        timed = page.evaluate("performance.getEntriesByName('digitpad-update').map(e => e.duration)")
        cost[n] = timed[-1] if after != before and timed else None
        held[n] = int(after)
    browser.clear(page)
    return {"update_ms": cost, "strokes_held": held}


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def page_bench(pen_digits=UCI, model_dir=ROOT / "web" / "model", n_digits=160):
    from playwright.sync_api import sync_playwright
    digits = random.Random(1).sample(load_pen_digits(pen_digits), n_digits)
    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        chromium = browser.launch(p)
        ours = browser.page_only_site(Path(tmp) / "ours")
        shutil.copytree(model_dir, ours / "model")
        full = build_full_variant(browser.page_only_site(Path(tmp) / "full"))
        shutil.copytree(model_dir, full / "model")
        # The full tf.min.js evaluates strings as code, which our CSP forbids
        # (our bundle does not need it); serve that variant with 'unsafe-eval'.
        lax = allow_eval(CSP)
        for name, site, csp in [("ours", ours, None), ("tf.min.js", full, lax)]:
            with serving_process(site, csp) as url:
                results[name] = measure(chromium, url, digits, cost=name == "ours")
        chromium.close()
    ours = results["ours"]
    js_gzip = ours["bytes"]["js"]["gzip"]
    results["targets"] = {
        "JS <= 60 KB gzipped": js_gzip <= 60 * 1024,
        "ready <= 150 ms, reload": ours["ready_ms"]["reload"] <= 150,
        "ready <= 150 ms, first visit": ours["ready_ms"]["first visit"] <= 150,
        "update p95 <= 5 ms": ours["update_ms"]["p95"] <= 5,
    }
    return results


def page_table(results):
    lines = ["| page (headless Chromium, localhost) | ours | full tf.min.js |", "| --- | --- | --- |"]
    ours, full = results["ours"], results["tf.min.js"]
    for way in ours["ready_ms"]:
        lines.append(f"| time to ready, {way} (median of {LOADS - WARMUP}) | "
                     f"{ours['ready_ms'][way]:.0f} ms | {full['ready_ms'][way]:.0f} ms |")
    for q in ("p50", "p95"):
        lines.append(f"| stroke update {q} ({ours['update_ms']['strokes']} strokes) | "
                     f"{ours['update_ms'][q]:.2f} ms | {full['update_ms'][q]:.2f} ms |")
    for n, ms in ours.get("many_strokes", {}).get("update_ms", {}).items():
        held = ours["many_strokes"]["strokes_held"][n]
        lines.append(f"| one more stroke with {int(n) - 1} on the pad | "
                     + (f"{ms:.2f} ms ({held} held)" if ms is not None else f"refused: pad full ({held} held)") + " | - |")
    for kind_ in sorted(set(ours["bytes"]) | set(full["bytes"])):
        a, b = ours["bytes"].get(kind_), full["bytes"].get(kind_)
        cell = lambda s: f"{s['raw'] / 1024:.1f} KB ({s['gzip'] / 1024:.1f} KB gz)" if s else "-"
        lines.append(f"| {kind_} bytes | {cell(a)} | {cell(b)} |")
    return "\n".join(lines)
