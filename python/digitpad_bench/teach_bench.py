"""Teaching in headless Chromium with the CPU slowed 4x (a mid-range phone).

For 1, 10 and 50 taught digits: tap to updated answer (the page's own measure,
from the tap until the taught model answers) and the longest main-thread task
during each tap (PerformanceObserver longtask: tasks over 50 ms). With 0 and 50
taught digits: time to ready and to the first answer for a digit drawn at once,
and the longest task at load, with the longest single run of the page's own
scripts in it (long animation frames), apart from the browser's parsing and layout.
The two are loaded in turns, each from its own origin (its own IndexedDB), so that
a slow spell of the machine falls on both. Frames come at the display's rate, as on
a phone: uncapped (as the drawing benchmarks replay input), the compositor's frames
compete with the page for the two cores and stretch its tasks at load.
"""

import contextlib
import json
import random
import shutil
import tempfile
from pathlib import Path

from . import browser
from .page_bench import percentile, serving_process
from digitpad.data import load_pen_digits
from digitpad.site import embed_model

THROTTLE = 4  # Chromium's Emulation.setCPUThrottlingRate
TAPS = 12  # measured taps per count of taught digits
LOADS = 17  # page loads per count, the first dropped (a long task at load is rare: count them)

# One tap on teach-<label>: its duration and the longest task over 50 ms meanwhile.
TAP_JS = """async (label) => {
    const tasks = [];
    const observer = new PerformanceObserver((list) => tasks.push(...list.getEntries()));
    observer.observe({ type: 'longtask' });
    performance.clearMeasures('digitpad-teach');
    document.querySelector(`[data-testid=teach-${label}]`).click();
    while (!performance.getEntriesByName('digitpad-teach').length) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 100));  // let the observer report
    observer.disconnect();
    return { ms: performance.getEntriesByName('digitpad-teach')[0].duration,
             longest: Math.max(0, ...tasks.map((t) => t.duration)) };
}"""

# Long tasks from the document's start (longtask entries are not buffered): an
# observer registered once the load is under way would miss parsing and the first scripts.
EARLY_JS = """window.__longTasks = [];
new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries())).observe({ type: 'longtask' });"""

# One page load, driven over CDP alone: Playwright's own scripts (evaluated in the
# page on first use, ~100 ms at 4x) would otherwise be timed as the page's tasks.
# From navigation: ready, and once teaching has restored, the longest task over
# 50 ms so far. With strokes, also the first answer for them, drawn as soon as the
# pad takes them; without (a quiet load), no input competes with the page's own tasks.
LOAD_JS = """(async (strokes) => {
    const tasks = window.__longTasks;
    const until = async (done) => { while (!done()) await new Promise((r) => setTimeout(r, 2)); };
    let answered = null;
    if (strokes) {
        // The page's script has run (modules run before DOMContentLoaded): the pad takes strokes.
        await until(() => performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd > 0);
        (""" + browser.DISPATCH_JS + """)(strokes);
        const prediction = document.querySelector('[data-testid=prediction]');
        await until(() => prediction.dataset.strokes === String(strokes.length));
        answered = performance.now();
    }
    await until(() => performance.getEntriesByName('digitpad-ready').length);
    await until(() => performance.getEntriesByName('digitpad-restored').length);
    await new Promise((r) => setTimeout(r, 300));  // let the observer report
    // Long animation frames name the scripts a frame ran: the page's own share of a long task.
    const scripts = performance.getEntriesByType('long-animation-frame').flatMap((f) => f.scripts);
    return { ready: performance.getEntriesByName('digitpad-ready')[0].startTime, answer: answered,
             longest: Math.max(0, ...tasks.map((t) => t.duration)),
             script: Math.max(0, ...scripts.map((s) => s.duration)) };
})"""


def teach_bench(pen_digits, model_dir, counts=(1, 10, 50), taps=TAPS, loads=LOADS, chromium=None):
    """The teaching measurements in `chromium` (a Playwright browser), or in Debian's Chromium."""
    if chromium is None:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            chromium = browser.launch(p, capped_frames=True)
            try:
                return teach_bench(pen_digits, model_dir, counts, taps, loads, chromium)
            finally:
                chromium.close()
    digits = random.Random(2).sample(load_pen_digits(pen_digits), max(counts) + 1)
    results = {"throttle": THROTTLE, "taps": {}, "loads": {}}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        site = browser.page_only_site(Path(tmp) / "web")
        shutil.copytree(model_dir, site / "model")
        embed_model(site)
        pages = []  # (page, cdp, url): one never taught, one taught; two origins, two stores
        for url in (stack.enter_context(serving_process(site)) + browser.MEASURE for _ in range(2)):
            context = chromium.new_context(viewport={"width": 1024, "height": 768}, service_workers="block")
            stack.callback(context.close)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Page.enable")
            cdp.send("Page.addScriptToEvaluateOnNewDocument", {"source": EARLY_JS})
            pages.append((page, cdp, url))
            for _ in range(3):  # as a returning visitor: the page's code compiled and cached
                page.goto(url)
                page.wait_for_function("() => performance.getEntriesByName('digitpad-restored').length > 0")
        pad_digit = digits[-1]
        page, cdp, url = pages[1]  # the one taught
        pad = page.locator("[data-testid=pad]").bounding_box()
        rng = random.Random(3)
        taught = 0
        for count in counts:
            while taught < count - 1:  # taught at full speed, one tap each
                _draw(page, digits[taught], pad, rng)
                page.evaluate(TAP_JS, digits[taught]["label"])
                taught += 1
            # The count-th digit, tapped again and again with other labels: each tap refits
            # on `count` digits (the same drawing is kept once, with the newer label).
            _draw(page, digits[count - 1], pad, rng)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
            tapped = [page.evaluate(TAP_JS, (digits[count - 1]["label"] + i) % 10) for i in range(taps)]
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            taught = count
            ms = [t["ms"] for t in tapped]
            results["taps"][count] = {"p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
                                      "longest_task_ms": max(t["longest"] for t in tapped), "taps": len(tapped)}
        results["loads"] = dict(zip((0, taught), _loads(pages, pad_digit, loads)))
    longest = max([t["longest_task_ms"] for t in results["taps"].values()]
                  + [results["loads"][max(counts)]["longest_task_ms"]])
    first = results["loads"]
    results["targets"] = {
        f"tap to updated answer p95 <= 150 ms at {THROTTLE}x CPU, up to {max(counts)} taught":
            all(t["p95_ms"] <= 150 for t in results["taps"].values()),
        f"no main-thread task over 50 ms during a tap or at load with {max(counts)} taught": longest <= 50,
        f"first answer with {max(counts)} taught <= 1.2x with none":
            first[max(counts)]["answer_ms"] <= 1.2 * first[0]["answer_ms"],
    }
    return results


def _draw(page, sample, pad, rng):
    strokes = browser.place(sample["strokes"], pad, rng)
    browser.clear(page)
    browser.draw(page, strokes, real_input=False)
    browser.read_prediction(page, len(strokes))


def _loads(pages, sample, loads):
    """For each (page, cdp, url), over `loads` pairs of loads at THROTTLE (the first pair
    dropped), the pages taking turns: median ready and longest task of the quiet loads,
    median first answer of the drawing ones."""
    pad = pages[0][0].locator("[data-testid=pad]").bounding_box()  # the same at every load
    seen = [{"ready": [], "answer": [], "longest": [], "script": []} for _ in pages]
    for load in range(loads):
        strokes = [[list(p) for p in s] for s in browser.place(sample["strokes"], pad, random.Random(load))]
        for (page, cdp, url), got in zip(pages, seen):
            quiet, drawn = (_load(page, cdp, url, each) for each in (None, strokes))
            if load:  # the first loads compile the page's code: dropped
                for key in ("ready", "longest", "script"):
                    got[key].append(quiet[key])
                got["answer"].append(drawn["answer"])
    return [{"ready_ms": percentile(g["ready"], 50), "answer_ms": percentile(g["answer"], 50),
             "longest_task_ms": max(g["longest"]), "longest_task_median_ms": percentile(g["longest"], 50),
             "loads_with_long_task": sum(t > 50 for t in g["longest"]), "quiet_loads": len(g["longest"]),
             "longest_script_ms": max(g["script"])} for g in seen]


def _load(page, cdp, url, strokes):
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.goto(url, wait_until="commit")
    result = cdp.send("Runtime.evaluate", {"expression": f"{LOAD_JS}({json.dumps(strokes)})",
                                           "awaitPromise": True, "returnByValue": True})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    if "exceptionDetails" in result:
        raise RuntimeError(f"page load failed: {result['exceptionDetails']}")
    return result["result"]["value"]


def teach_table(results):
    lines = [f"| teaching, CPU slowed {results['throttle']}x | p50 | p95 | longest task during a tap |",
             "| --- | --- | --- | --- |"]
    for count, t in results["taps"].items():
        lines.append(f"| tap to updated answer, {count} taught | {t['p50_ms']:.0f} ms | {t['p95_ms']:.0f} ms | "
                     f"{t['longest_task_ms']:.0f} ms |")
    lines += ["", "| page load, CPU slowed 4x (median) | ready | first answer | "
              "longest task: worst load / median load (loads with one over 50 ms) | longest run of the page's scripts |",
              "| --- | --- | --- | --- | --- |"]
    for count, t in results["loads"].items():
        lines.append(f"| {count} taught digits | {t['ready_ms']:.0f} ms | {t['answer_ms']:.0f} ms | "
                     f"{t['longest_task_ms']:.0f} / {t['longest_task_median_ms']:.0f} ms "
                     f"({t['loads_with_long_task']} of {t['quiet_loads']}) | {t['longest_script_ms']:.0f} ms |")
    return "\n".join(lines)
