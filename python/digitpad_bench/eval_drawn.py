"""`make eval-drawn`: how well the page reads real drawings by writers it never saw.

Leave-writers-out: the model is trained with the given recipe on MNIST plus
the pen digits of all writers but the held-out ones, exported into a copy of
the site, served by the Flask app, and the held-out writers' digits are drawn
on the pad in headless Chromium, stroke by stroke, each at a random size and
place, and read back through the page's test hooks.

The page's verdicts are measured the same way: the share of held-out digits it calls
"not a digit" or "not sure", and the share of held-out letters (look-alikes apart) and
doodles it calls "not a digit". Leave-things-out too: the model never sees HOLDOUT_THINGS'
Quick, Draw! doodles; those are images, not strokes, so their inputs (prepared as MNIST's are)
go through the page's model in Chromium (window.digitpad.predictBatch), and "not a digit" is
that output being the largest, as the page's judge has it.

--ablation runs the steps one after another (each a separate model):
raw (the whole canvas shrunk to 28x28, as tutorial pages do), +centring (our
crop/scale/centre-of-mass pipeline), +deskew, +size normalisation (moments),
+drawn data, +augmentation.
"""

import json
import random
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from digitpad.data import LOOKALIKES, load_letters, load_pen_digits, load_quickdraw
from digitpad.doodles import doodles
from digitpad.inputs import prepare_quickdraw
from digitpad.recipe import HELDOUT_DOODLE_SEED, HOLDOUT_LETTER_WRITERS, HOLDOUT_THINGS, HOLDOUT_WRITERS, Recipe
from digitpad.train import train

NUMBERS = 250  # numbers of 2-6 held-out digits written side by side, read as one answer

ABLATION = {  # the first three train on MNIST only (pen data dropped below)
    "+centring": Recipe(deskew=False, pen_copies=0),
    "+deskew": Recipe(deskew=True, normalize_size=False, pen_copies=0),
    "+size normalisation": Recipe(deskew=True, normalize_size=True, pen_copies=0),
    "+drawn data": Recipe(pen_copies=0),
    "+augmentation": Recipe(),
}


def evaluate_in_browser(build_dir, samples, chromium, seed=0, naive=False, non_digits=None, numbers=0,
                        images=None, pictures=0):
    """Export the model in build_dir into a copy of the site and replay samples on the pad;
    non_digits: {group name: samples} also replayed, for the share called "not a digit";
    numbers: how many numbers of 2-6 of the samples to write and read as one answer;
    images: (model inputs (n, 784), names (n,)) read by the page's model, not drawn;
    pictures: how many words of non_digits' letters and pictures of its doodles and letters."""
    from . import browser
    from digitpad.export import export
    from digitpad.site import embed_model
    with tempfile.TemporaryDirectory() as tmp:
        site = browser.page_only_site(Path(tmp) / "web")
        export(build_dir, site)
        embed_model(site)
        with browser.serving(site) as url:
            page = chromium.new_page(viewport={"width": 1024, "height": 768})
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            browser.open_page(page, url)
            rng = random.Random(seed)
            rows = browser.replay(page, samples, rng, naive=naive, verdicts=True)
            number_reading = browser.read_numbers(page, samples, rng, numbers) if numbers else None
            others = {name: browser.replay(page, group, rng, verdicts=True)
                      for name, group in (non_digits or {}).items()}
            read = _read_images(page, images[0]) if images is not None else None
            picture_reading = browser.read_pictures(
                page, non_digits["letters"], non_digits["doodles"] + non_digits["letters"], rng, pictures,
            ) if pictures else None
            page.close()
    if errors:
        raise RuntimeError(f"the page threw while replaying: {errors[0]}")
    labels = np.array([r[0] for r in rows])
    verdicts = [r[-1] for r in rows]
    result = {"page": _scores(labels, [r[1] for r in rows])}
    result["page"].update(not_a_digit=_share(verdicts, "not-a-digit"), unsure=_share(verdicts, "unsure"))
    result["rejected"] = {name: _share([r[-1] for r in group], "not-a-digit") for name, group in others.items()}
    if "doodles" in others:
        kinds = [s["kind"] for s in non_digits["doodles"]]
        result["doodles_rejected_by_kind"] = {
            kind: round(_share([r[-1] for r, k in zip(others["doodles"], kinds) if k == kind], "not-a-digit"), 3)
            for kind in dict.fromkeys(kinds)}
    if number_reading:
        result["numbers"] = number_reading
    if picture_reading:
        result["pictures"] = picture_reading
    if read is not None:
        rejected = read.argmax(axis=1) == 10
        result["rejected"]["unseen things"] = float(rejected.mean())
        result["unseen_things_rejected"] = {t: round(float(rejected[images[1] == t].mean()), 3)
                                            for t in dict.fromkeys(images[1].tolist())}
    if naive:
        result["naive"] = _scores(labels, [r[2] for r in rows])
    return result


def _read_images(page, x, batch=500):
    """The page's model's probabilities for model inputs x, (n, 784) -> (n, outputs)."""
    rows = []
    for start in range(0, len(x), batch):
        chunk = x[start:start + batch]
        probs = page.evaluate("async ([flat, n]) => Array.from(await window.digitpad.predictBatch("
                              "Float32Array.from(flat), n))", [chunk.ravel().tolist(), len(chunk)])
        rows.append(np.array(probs, np.float32).reshape(len(chunk), -1))
    return np.concatenate(rows)


def unseen_things(recipe):
    """HOLDOUT_THINGS' Quick, Draw! doodles as model inputs, and the thing each one is."""
    prepared = prepare_quickdraw(*load_quickdraw(), recipe)  # as training prepared them (cached)
    unseen = np.isin(prepared["quickdraw_things"], HOLDOUT_THINGS)
    return prepared["quickdraw_x"][unseen], prepared["quickdraw_things"][unseen]


def _share(verdicts, verdict):
    return sum(v == verdict for v in verdicts) / max(len(verdicts), 1)


def held_out_non_digits(letters_path, limit=None):
    """The drawn non-digits no model here trains on: the held-out writers' letters (digit
    look-alikes apart) and a held-out set of generated doodles."""
    groups = {"doodles": [{"strokes": strokes, "kind": kind}
                          for strokes, kind in doodles(HELDOUT_DOODLE_SEED, limit or 1000)]}
    letters = [s for s in load_letters(letters_path) if s["writer"] in HOLDOUT_LETTER_WRITERS]
    groups["letters"] = [s for s in letters if s["char"] not in LOOKALIKES]
    groups["look-alike letters"] = [s for s in letters if s["char"] in LOOKALIKES]
    return groups


def _scores(labels, predicted):
    """Accuracy and confusion matrix (rows: true digit; columns: the digit read, then a last
    column for answers that were not one digit, which count as wrong)."""
    read = np.array([10 if p is None else p for p in predicted])
    confusion = np.zeros((10, 11), dtype=np.int64)
    np.add.at(confusion, (labels, read), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    return {"accuracy": float((read == labels).mean()), "not_one_digit": float((read == 10).mean()),
            "per_class_accuracy": [round(float(a), 4) for a in per_class], "confusion_matrix": confusion.tolist()}


def run(data_dir, pen_path, recipe, holdout, samples, work, chromium, naive=False, with_pen=True,
        letters_path=None, non_digits=None, numbers=0, pictures=0):
    """Train without the held-out writers and things, then replay their digits (and non-digits)
    in the browser."""
    recipe = replace(recipe, holdout_writers=holdout, holdout_letter_writers=HOLDOUT_LETTER_WRITERS,
                     holdout_things=HOLDOUT_THINGS)
    metrics = train(data_dir, work, recipe, verbose=0, pen_digits=pen_path if with_pen else None,
                    non_digits=letters_path)
    result = evaluate_in_browser(work, samples, chromium, naive=naive, non_digits=non_digits, numbers=numbers,
                                 images=unseen_things(recipe) if non_digits else None, pictures=pictures)
    result["mnist_test_accuracy"] = metrics["test_accuracy"]
    return result


def eval_drawn(data_dir, pen_path, holdout=HOLDOUT_WRITERS, limit=None, ablation=False, out="build",
               recipe=None, chromium=None, letters_path=None):
    """Print and write (out/eval-drawn.json) the leave-writers-out report. Uses
    the given Playwright browser, or launches Debian's Chromium."""
    if chromium is None:
        from playwright.sync_api import sync_playwright

        from .browser import launch
        with sync_playwright() as p:
            browser = launch(p)
            try:
                return eval_drawn(data_dir, pen_path, holdout, limit, ablation, out, recipe, browser, letters_path)
            finally:
                browser.close()
    samples = [s for s in load_pen_digits(pen_path) if s["writer"] in holdout]
    if limit:
        samples = random.Random(0).sample(samples, min(limit, len(samples)))
    print(f"held-out writers {', '.join(holdout)}: {len(samples)} digits, replayed in Chromium")
    report = {"holdout_writers": holdout, "samples": len(samples)}
    with tempfile.TemporaryDirectory() as tmp:
        if ablation:
            steps = {}
            for name, recipe in ABLATION.items():
                with_pen = name in ("+drawn data", "+augmentation")
                result = run(data_dir, pen_path, recipe, holdout, samples, Path(tmp) / name, chromium,
                             naive=name == "+centring", with_pen=with_pen)
                if name == "+centring":
                    # The same MNIST-only model, fed the whole canvas shrunk to 28x28.
                    steps["raw"] = {"page": result["naive"], "mnist_test_accuracy": result["mnist_test_accuracy"]}
                steps[name] = result
                print(f"  {name:14s} drawn {result['page']['accuracy']:.4f}  MNIST {result['mnist_test_accuracy']:.4f}",
                      flush=True)
            report["ablation"] = steps
            shipped = steps["+augmentation"]
        else:
            shipped = run(data_dir, pen_path, recipe or Recipe(), holdout, samples, Path(tmp) / "model", chromium,
                          letters_path=letters_path, non_digits=held_out_non_digits(letters_path, limit),
                          numbers=min(NUMBERS, len(samples)), pictures=min(NUMBERS, len(samples)))
    report.update(drawn=shipped["page"], rejected=shipped.get("rejected", {}), numbers=shipped.get("numbers"),
                  pictures=shipped.get("pictures"),
                  doodles_rejected_by_kind=shipped.get("doodles_rejected_by_kind", {}),
                  unseen_things_rejected=shipped.get("unseen_things_rejected", {}),
                  mnist_test_accuracy=shipped["mnist_test_accuracy"])
    print_report(report)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "eval-drawn.json").write_text(json.dumps(report, indent=1))
    return report


def print_report(report):
    drawn = report["drawn"]
    print(f"drawn digits by unseen writers: {drawn['accuracy']:.4f} "
          f"({report['samples']} digits, writers {', '.join(report['holdout_writers'])})")
    print("  per digit: " + "  ".join(f"{d}: {a:.3f}" for d, a in enumerate(drawn["per_class_accuracy"])))
    if "not_a_digit" in drawn:
        print(f"  called not a digit: {drawn['not_a_digit']:.4f}   not sure: {drawn['unsure']:.4f}")
    for name, share in report.get("rejected", {}).items():
        print(f"held-out {name} called not a digit: {share:.4f}")
    if report.get("doodles_rejected_by_kind"):
        print("  doodles by kind: " + ", ".join(f"{k} {v:.0%}" for k, v in report["doodles_rejected_by_kind"].items()))
    if report.get("unseen_things_rejected"):
        print("  unseen things by thing: " + ", ".join(f"{k} {v:.0%}" for k, v in report["unseen_things_rejected"].items()))
    if report.get("numbers"):
        n = report["numbers"]
        print(f"numbers of 2-6 held-out digits read exactly: {n['exact']:.4f} ({n['numbers']} numbers; "
              f"{n['unsure']:.4f} called not sure, {n['not_a_digit']:.4f} not a digit)")
    for kind, p in (report.get("pictures") or {}).items():
        print(f"{kind} of held-out non-digits ({p['count']}): {p['not_a_digit']:.4f} called not a digit, "
              f"{p['read_as_digits']:.4f} read as digits")
    print(f"MNIST test accuracy of the same model: {report['mnist_test_accuracy']:.4f}")
    if "ablation" in report:
        print("\n| step | drawn, unseen writers | MNIST test |\n| --- | --- | --- |")
        for name, step in report["ablation"].items():
            print(f"| {name} | {step['page']['accuracy']:.4f} | {step['mnist_test_accuracy']:.4f} |")
