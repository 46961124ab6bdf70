"""The page in headless Chromium on localhost, against the floor and the tutorial way.

Served by the dev server (gzip, as GitHub Pages serves), from one origin:
  - the floor: an empty HTML page (floor.html), what opening any page costs here;
  - ours: the site as built (index.html: the page's script, its model's custom TF.js
    bundle with only the kernels the model uses; teaching and the panels load later);
  - tf.min.js (in full/): the same page code, but TF.js loaded the way tutorials do, as
    the full tf.min.js (here from npm, as a CDN would serve it), the model loaded with
    tf.loadLayersModel.
Each first visit opens a fresh browser context (no cache, no service worker), the three
in turns, round after round, at 1x and at 4x CPU (Chromium's Emulation.setCPUThrottlingRate);
a reload is the page reloaded in its tab once its service worker keeps the site. Times
are wall clock, from asking for the page to the empty page's load event or the page's
model being ready (body[data-model=ready], seen by a MutationObserver the bench adds to
every page, which says so on the console), medians; each is shown as a ratio to the floor
of the same run. Frames come at the display's rate, as for a visitor: uncapped (as the
stroke timings replay input), the browser's own frames competed with the page as it loaded.
Then a finished stroke's update (recognizer.update() until its answer is shown, the page's
own measure, ?measure) with 20 strokes on the pad, the JavaScript a first visit runs before
ready, and the bytes of each kind.
"""

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
import contextlib
from pathlib import Path

from . import browser
from digitpad.data import UCI, load_pen_digits
from digitpad.server import CSP
from digitpad.site import INLINED, MODEL_BLOCK, embed_model

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 10  # first visits of each page per CPU rate, in turns; the first round warms up and is dropped
RELOADS = 10  # reloads of each page with its service worker warm, after one dropped
RATES = (1, 4)  # CPU slowdowns (Emulation.setCPUThrottlingRate)
ON_PAD = 20  # strokes on the pad when a stroke's update is timed (the 20th)
STROKE_ROUNDS = 40  # timed strokes per variant and rate
SETTLE_MS = 500  # after a reload: the parts loaded after ready, teaching restored, before the next load
FLOOR_HTML = "<!doctype html>\n<html lang=\"en\"><title>floor</title></html>\n"
PAGES = {"floor": "floor.html", "ours": "", "tf.min.js": "full/"}
TARGETS = {"first visit, 1x": 1.5, "first visit, 4x": 2.0, "reload": 1.2}
JS_BUDGET = 45 * 1024  # bytes gzipped before ready (issue 32)
STROKE_P95 = {1: 2.0, 4: 8.0}  # ms, by CPU rate


def build_full_variant(site):
    """Copy of `site` whose page loads the full tf.min.js instead of our bundle."""
    subprocess.run(["node", str(Path(__file__).parent / "tfjs-full" / "build-full.mjs"), str(site / "dist")],
                   check=True, cwd=ROOT)
    shutil.copy(ROOT / "node_modules" / "@tensorflow" / "tfjs" / "dist" / "tf.min.js", site / "dist")
    html = (site / "index.html").read_text()
    # Our page holds its script (site.py): the variant loads its own, after tf.min.js.
    page_script = PAGE_SCRIPT.search(html).group(0)
    html = html.replace(page_script, '<script src="dist/tf.min.js"></script>\n  '
                        '<script type="module" src="dist/digitpad-full.js" blocking="render"></script>')
    # No model in the page: tf.loadLayersModel asks for its files itself.
    html = allow_eval(html)  # the page's own CSP (its meta tag) too
    (site / "index.html").write_text(html)
    return site


def allow_eval(policy):
    """A Content-Security-Policy (or a page carrying one) that lets scripts evaluate
    strings as code, as the full tf.min.js does; our bundle does not need it."""
    return policy.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")


def bench_site(folder, model_dir):
    """The floor, our site and the tf.min.js variant in one folder, one origin: our site at
    its root, the variant in full/, each with the model (in our page, as `make site` puts it)."""
    ours = browser.page_only_site(folder)
    shutil.copytree(model_dir, ours / "model")
    embed_model(ours)
    full = build_full_variant(browser.page_only_site(Path(tempfile.mkdtemp(dir=folder.parent)) / "full"))
    shutil.copytree(model_dir, full / "model")
    shutil.move(full, ours / "full")
    (ours / PAGES["floor"]).write_text(FLOOR_HTML)
    return ours


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


# Added to every page the load timings open, before its own scripts: the moment the page's
# model is ready (main.js sets body[data-model]), marked and said on the console, where the
# bench hears it without asking the page anything while it loads. (Not measure.js: the page
# would fetch it and wait for it before its model.)
READY_WATCH_JS = """new MutationObserver((_, observer) => {
    if (document.body?.dataset.model !== 'ready') return;
    performance.mark('bench-ready');
    console.debug('digitpad-ready');
    observer.disconnect();
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-model'] });"""

# The page's scripts asked for before its model was ready, as its Resource Timing saw them.
SCRIPTS_BEFORE_READY_JS = """() => {
    const ready = performance.getEntriesByName('bench-ready')[0].startTime;
    return performance.getEntriesByType('resource')
        .filter((e) => e.startTime < ready && new URL(e.name).pathname.endsWith('.js'))
        .map((e) => ({ name: new URL(e.name).pathname, bytes: e.encodedBodySize }));
}"""


class Loads:
    """Wall-clock page loads in `chromium`: each from asking for the page to its load event
    (the floor) or its model being ready (the console message measure.js writes then)."""

    def __init__(self, chromium, base):
        self.chromium, self.base = chromium, base

    def context(self, service_workers="block"):
        context = self.chromium.new_context(viewport={"width": 1024, "height": 768}, service_workers=service_workers)
        context.add_init_script(READY_WATCH_JS)
        return context

    def timed(self, page, name, navigate):
        """ms from calling `navigate` until `page` is loaded (floor) or ready (a page): the
        moment the browser's event arrives here, not a value asked of the page as it loads."""
        done = []
        event, seen = ("load", lambda _: done.append(time.perf_counter())) if name == "floor" else (
            "console", lambda m: m.text == "digitpad-ready" and done.append(time.perf_counter()))
        page.on(event, seen)
        try:
            started = time.perf_counter()
            navigate()
            deadline = time.monotonic() + browser.READY_TIMEOUT / 1000
            while not done:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} was not {'loaded' if name == 'floor' else 'ready'} in time")
                page.wait_for_timeout(2)
        finally:
            page.remove_listener(event, seen)
        return (done[0] - started) * 1000

    def first_visit(self, name, rate):
        """A first visit in a fresh context: (ms, the scripts asked for before ready)."""
        context = self.context()
        try:
            page = context.new_page()
            if rate != 1:
                context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": rate})
            url = self.base + PAGES[name]
            ms = self.timed(page, name, lambda: page.goto(url, wait_until="commit"))
            scripts = None if name == "floor" else page.evaluate(SCRIPTS_BEFORE_READY_JS)
            return ms, scripts
        finally:
            context.close()

    def warm(self, name):
        """A page in a context of its own whose service worker has installed and keeps the site;
        and how to time a reload of it."""
        context = self.context(service_workers="allow")
        page = context.new_page()
        page.goto(self.base + PAGES[name])
        if name != "floor":
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=browser.READY_TIMEOUT)
            page.wait_for_timeout(500)  # let the worker finish keeping the files

        def reload():
            ms = self.timed(page, name, lambda: page.reload(wait_until="commit"))
            page.wait_for_timeout(SETTLE_MS)  # its work after ready, before the next page's load
            return ms
        return context, reload


def load_times(chromium, base, rounds=ROUNDS, reloads=RELOADS, rates=RATES):
    """First visits at each CPU rate (the floor, ours and tf.min.js in turns), then reloads
    with the service worker warm: medians, ratios to the floor, and the scripts ours asked
    for before ready."""
    loads = Loads(chromium, base)
    results = {"first_visit": {}, "reload": {}}
    scripts = None
    for rate in rates:
        times = {name: [] for name in PAGES}
        for r in range(rounds):
            for name in PAGES:
                ms, asked = loads.first_visit(name, rate)
                if r:  # the first round warms the browser and the server up
                    times[name].append(ms)
                if name == "ours" and rate == 1:
                    scripts = asked
        results["first_visit"][rate] = summary(times)
    warm = {name: loads.warm(name) for name in PAGES}
    try:
        times = {name: [] for name in PAGES}
        for r in range(reloads + 1):
            for name, (_, reload) in warm.items():
                ms = reload()
                if r:
                    times[name].append(ms)
        results["reload"] = summary(times)
    finally:
        for context, _ in warm.values():
            context.close()
    # The floor of every ratio is the empty page's first visit (results["reload"]["floor"]:
    # the empty page reloaded in its tab, for comparison).
    floor = results["first_visit"][rates[0]]["floor"]["median_ms"]
    for name in ("ours", "tf.min.js"):
        results["reload"][name]["ratio"] = results["reload"][name]["median_ms"] / floor
    results["scripts_before_ready"] = scripts
    return results


def summary(times):
    floor = statistics.median(times["floor"])
    return {name: {"median_ms": statistics.median(ms), "ratio": statistics.median(ms) / floor, "all_ms": ms}
            for name, ms in times.items()}


SETTLED_JS = """(n) => (""" + browser.SETTLED_JS + """)(document.querySelector('[data-testid=prediction]'), n)"""


def strokes_on_pad(page, pen_digits, rounds=STROKE_ROUNDS, on_pad=ON_PAD, seed=4):
    """The page's update time for the on_pad-th stroke, with on_pad - 1 strokes of real pen
    digits already on the pad (written as a number left to right), `rounds` times."""
    pad = page.locator("[data-testid=pad]").bounding_box()
    rng = random.Random(seed)
    times = []
    for _ in range(rounds):
        digits, count = [], 0
        while count < on_pad:
            digits.append(rng.choice(pen_digits))
            count += len(digits[-1]["strokes"])
        strokes = [stroke for digit in browser.lay_out(digits, pad, rng) for stroke in digit][:on_pad]
        browser.clear(page)
        browser.draw(page, strokes[:-1], real_input=False)
        page.evaluate(SETTLED_JS, on_pad - 1)
        page.evaluate("performance.clearMeasures('digitpad-update')")
        browser.draw(page, strokes[-1:], real_input=False)
        page.evaluate(SETTLED_JS, on_pad)
        times.append(page.evaluate("performance.getEntriesByName('digitpad-update').at(-1).duration"))
    browser.clear(page)
    return times


def stroke_times(chromium, base, pen_digits, rates=RATES, rounds=STROKE_ROUNDS):
    """For ours and tf.min.js, at each CPU rate: p50 and p95 of a stroke's update with
    ON_PAD strokes on the pad; for ours also the update of a digit drawn on an empty pad
    (160 digits) and one more stroke with many on the pad (stroke_cost)."""
    results = {}
    for name in ("ours", "tf.min.js"):
        context = chromium.new_context(viewport={"width": 1024, "height": 768}, service_workers="block")
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        browser.open_page(page, base + PAGES[name] + browser.MEASURE)
        page.wait_for_timeout(500)  # the parts loaded after ready
        results[name] = {}
        for rate in rates:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            ms = strokes_on_pad(page, pen_digits, rounds)
            results[name][rate] = {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "strokes": len(ms)}
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        results[name]["one digit"] = replay_strokes(page, random.Random(1).sample(pen_digits, 160))
        if name == "ours":
            results[name]["many strokes"] = stroke_cost(page)
        context.close()
    return results


def replay_strokes(page, digits):
    """Draw real pen digits stroke by stroke on an empty pad; the page's own update timings."""
    pad = page.locator("[data-testid=pad]").bounding_box()
    rng = random.Random(0)
    page.evaluate("performance.clearMeasures('digitpad-update')")
    for digit in digits:
        browser.draw(page, browser.place(digit["strokes"], pad, rng), real_input=False)
        browser.read_prediction(page, len(digit["strokes"]))
        browser.clear(page)
    ms = page.evaluate("performance.getEntriesByName('digitpad-update').map(e => e.duration)")
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "strokes": len(ms)}


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


# The page's own script, as site.py puts it in the page (group 1: its text).
PAGE_SCRIPT = re.compile(re.escape(INLINED["dist/digitpad.js"][1]) + r"(.*?)</script>", re.S)


def sizes(site, before_ready):
    """Bytes of each kind a first visit of ours loads (raw, gzipped each on its own): the
    page holds its style, script and model (site.py), counted by kind; and the JavaScript it
    runs before ready (the page's own, and any script it asks for)."""
    html = (site / "index.html").read_text()
    script, model = PAGE_SCRIPT.search(html).group(1), MODEL_BLOCK.search(html).group(1)
    texts = {"js": [script], "model": [model], "html/css": [html.replace(script, "").replace(model, "")],
             "other": [(site / "favicon.svg").read_text()]}
    texts["js"] += [(site / s["name"].lstrip("/")).read_text() for s in before_ready]
    packed = lambda text: len(gzip.compress(text.encode(), 9))  # noqa: E731
    by_kind = {k: {"raw": sum(len(t.encode()) for t in ts), "gzip": sum(packed(t) for t in ts)} for k, ts in texts.items()}
    later = [f"dist/{name}" for name in ("teach.js", "why.js", "about.js", "teach-worker.js")]
    return {"by_kind": dict(sorted(by_kind.items())),
            "js_before_ready": {"scripts": ["index.html (its script)"] + [s["name"] for s in before_ready],
                                "served_gzip": packed(script) + sum(s["bytes"] for s in before_ready),
                                "gzip9": by_kind["js"]["gzip"]},
            "js_later_gzip9": sum(len(gzip.compress((site / p).read_bytes(), 9)) for p in later)}


def page_bench(pen_digits=UCI, model_dir=ROOT / "web" / "model", rounds=ROUNDS, reloads=RELOADS,
               stroke_rounds=STROKE_ROUNDS):
    """The whole page section of `make bench`, in Debian's Chromium: loads with frames at
    the display's rate, strokes with frames uncapped (browser.launch)."""
    from playwright.sync_api import sync_playwright
    digits = load_pen_digits(pen_digits)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        site = bench_site(Path(tmp) / "site", model_dir)
        # The full tf.min.js evaluates strings as code, which our CSP forbids (our bundle
        # does not need it): served with 'unsafe-eval', which changes nothing for ours.
        with serving_process(site, allow_eval(CSP)) as base:
            chromium = browser.launch(p, capped_frames=True)
            try:
                results = {"loads": load_times(chromium, base, rounds, reloads)}
            finally:
                chromium.close()
            chromium = browser.launch(p)
            try:
                results["strokes"] = stroke_times(chromium, base, digits, rounds=stroke_rounds)
            finally:
                chromium.close()
        results["bytes"] = sizes(site, results["loads"]["scripts_before_ready"])
    results["targets"] = page_targets(results)
    return results


def page_targets(results):
    loads, strokes = results["loads"], results["strokes"]["ours"]
    js = results["bytes"]["js_before_ready"]["gzip9"]
    return {
        f"first visit ready <= {TARGETS['first visit, 1x']}x the floor at 1x CPU":
            loads["first_visit"][1]["ours"]["ratio"] <= TARGETS["first visit, 1x"],
        f"first visit ready <= {TARGETS['first visit, 4x']}x the floor at 4x CPU":
            loads["first_visit"][4]["ours"]["ratio"] <= TARGETS["first visit, 4x"],
        f"reload (service worker warm) ready <= {TARGETS['reload']}x the floor":
            loads["reload"]["ours"]["ratio"] <= TARGETS["reload"],
        f"JS before ready <= {JS_BUDGET // 1024} KB gzipped": js <= JS_BUDGET,
        **{f"stroke update p95 <= {ms:g} ms at {rate}x CPU, {ON_PAD} strokes on the pad": strokes[rate]["p95"] <= ms
           for rate, ms in STROKE_P95.items()},
    }


def page_table(results):
    loads, strokes = results["loads"], results["strokes"]
    first, reload = loads["first_visit"], loads["reload"]
    n = len(first[RATES[0]]["floor"]["all_ms"])
    lines = ["| page (headless Chromium, localhost, gzip) | the floor: an empty page | ours | full tf.min.js |",
             "| --- | --- | --- | --- |"]
    cell = lambda t: f"{t['median_ms']:.0f} ms ({t['ratio']:.2f}x)"  # noqa: E731
    for rate, t in first.items():
        lines.append(f"| first visit to ready, {rate}x CPU (fresh context, median of {n}) | "
                     f"{t['floor']['median_ms']:.0f} ms | {cell(t['ours'])} | {cell(t['tf.min.js'])} |")
    lines.append(f"| reload to ready, service worker warm (median of {len(reload['ours']['all_ms'])}; "
                 f"x: of the 1x first-visit floor) | {reload['floor']['median_ms']:.0f} ms (reloaded) | "
                 f"{cell(reload['ours'])} | {cell(reload['tf.min.js'])} |")
    for rate in RATES:
        a, b = strokes["ours"][rate], strokes["tf.min.js"][rate]
        lines.append(f"| stroke update p50 / p95, {rate}x CPU, {ON_PAD} strokes on the pad ({a['strokes']} strokes) | - | "
                     f"{a['p50']:.2f} / {a['p95']:.2f} ms | {b['p50']:.2f} / {b['p95']:.2f} ms |")
    a, b = strokes["ours"]["one digit"], strokes["tf.min.js"]["one digit"]
    lines.append(f"| stroke update p50 / p95, 1x, one digit on the pad ({a['strokes']} strokes) | - | "
                 f"{a['p50']:.2f} / {a['p95']:.2f} ms | {b['p50']:.2f} / {b['p95']:.2f} ms |")
    for count, ms in strokes["ours"].get("many strokes", {}).get("update_ms", {}).items():
        held = strokes["ours"]["many strokes"]["strokes_held"][count]
        lines.append(f"| one more stroke with {int(count) - 1} on the pad, 1x | - | "
                     + (f"{ms:.2f} ms ({held} held)" if ms is not None else f"refused: pad full ({held} held)") + " | - |")
    js = results["bytes"]["js_before_ready"]
    lines.append(f"| JS before ready, gzipped ({', '.join(s.rsplit('/', 1)[-1] for s in js['scripts'])}) | - | "
                 f"{js['gzip9'] / 1024:.1f} KB ({js['served_gzip'] / 1024:.1f} KB as served) | - |")
    lines.append(f"| JS loaded after ready (teaching, panels, worker), gzipped | - | "
                 f"{results['bytes']['js_later_gzip9'] / 1024:.1f} KB | - |")
    for kind_, s in results["bytes"]["by_kind"].items():
        lines.append(f"| {kind_} bytes, first visit | - | {s['raw'] / 1024:.1f} KB ({s['gzip'] / 1024:.1f} KB gz) | - |")
    return "\n".join(lines)
