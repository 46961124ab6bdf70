"""make bench's moving parts that can break without a benchmark run."""

import subprocess
import sys

from digitpad_bench import bench
from digitpad_bench.bench import quantization_targets, trainer_targets
from digitpad_bench.page_bench import build_full_variant
from digitpad_bench import browser as chromium

from .conftest import FIXTURES


def test_full_tfjs_variant_builds(tmp_path):
    site = build_full_variant(chromium.page_only_site(tmp_path / "full"))
    assert (site / "dist" / "digitpad-full.js").stat().st_size > 10_000
    assert (site / "dist" / "tf.min.js").stat().st_size > 1_000_000
    html = (site / "index.html").read_text()
    assert 'src="dist/tf.min.js"' in html and 'src="dist/digitpad-full.js" blocking="render"' in html
    # None of our bundle's scripts: the variant's page script holds all the page's code.
    assert "modulepreload" not in html and 'src="dist/digitpad.js"' not in html and '<script type="module" blocking="render">' not in html


def fake_page_results(ours_1x=150.0, ours_4x=300.0, reload=110.0, js=40_000, p95=(1.5, 6.0)):
    """page_bench's results, made up: a floor of 100 ms at 1x and 200 ms at 4x."""
    def timing(ms, floor):
        return {"median_ms": ms, "ratio": ms / floor, "all_ms": [ms] * 9}
    first = {1: {"floor": timing(100, 100), "ours": timing(ours_1x, 100), "tf.min.js": timing(400, 100)},
             4: {"floor": timing(200, 200), "ours": timing(ours_4x, 200), "tf.min.js": timing(900, 200)}}
    strokes = {name: {1: {"p50": 1.0, "p95": p95[0], "strokes": 40}, 4: {"p50": 4.0, "p95": p95[1], "strokes": 40},
                      "one digit": {"p50": 0.9, "p95": 1.9, "strokes": 160}} for name in ("ours", "tf.min.js")}
    return {"loads": {"first_visit": first, "reload": {"floor": timing(60, 100), "ours": timing(reload, 100),
                                                      "tf.min.js": timing(300, 100)}},
            "strokes": strokes,
            "bytes": {"by_kind": {"js": {"raw": 100_000, "gzip": js}},
                      "js_before_ready": {"scripts": ["index.html (its script)"], "served_gzip": js, "gzip9": js},
                      "js_later_gzip9": 12_000}}


def test_page_targets_are_ratios_to_the_floor_of_the_same_run():
    from digitpad_bench.page_bench import page_table, page_targets
    met = fake_page_results()
    assert all(page_targets(met).values())
    assert "(1.50x)" in page_table(met) and "(1.10x)" in page_table(met)  # each time beside its ratio
    missed = page_targets(fake_page_results(ours_1x=151, ours_4x=401, reload=121, js=46_081, p95=(2.1, 8.1)))
    assert not any(missed.values()), missed


def test_target_rules():
    ours = {"accuracy": 0.975, "fit_seconds": 3.0}
    rows = [ours, ours, {"accuracy": 0.904, "fit_seconds": 5.0}, {"accuracy": 0.926, "fit_seconds": 16.0}]
    assert all(trainer_targets(rows).values())
    rows[3] = {"accuracy": 0.926, "fit_seconds": 10.0}
    assert not trainer_targets(rows)["ours fits in <= 0.2x scikit-learn's time"]
    quantized = [{"weights": "float32", "bytes": 4, "mnist": 0.97, "pen": 0.97},
                 {"weights": "float16", "bytes": 2, "mnist": 0.97, "pen": 0.9696},
                 {"weights": "uint8", "bytes": 1, "mnist": 0.968, "pen": 0.97}]
    assert quantization_targets(quantized) == "float16"  # uint8 loses 0.2 points on MNIST


def test_trainers_take_turns_and_keep_the_median(monkeypatch):
    calls = []
    def fake(name, seconds):
        def run(*args, **kwargs):
            calls.append(name)
            return {"name": name, "accuracy": 0.9, "fit_seconds": seconds.pop(0)}
        return run
    monkeypatch.setattr(bench, "bench_ours", lambda mnist, name, recipe: fake("ours", ours)())
    monkeypatch.setattr(bench, "bench_tutorial", fake("tutorial", [5.0, 9.0, 4.0]))
    monkeypatch.setattr(bench, "bench_sklearn", fake("sklearn", [16.0, 17.0, 30.0]))
    ours = [3.0, 2.0, 9.0, 2.5, 2.2, 2.4]  # the two recipes of ours, round by round
    rows = bench.bench_trainers(mnist=None, rounds=3)
    assert calls == ["ours", "ours", "tutorial", "sklearn"] * 3  # in turn, not one trainer's rounds back to back
    assert [r["fit_seconds"] for r in rows] == [3.0, 2.4, 5.0, 17.0]
    assert rows[2]["fit_seconds_all"] == [5.0, 9.0, 4.0]


def test_teaching_bench_reports_every_count(site, browser):
    from digitpad_bench.teach_bench import teach_bench, teach_table
    results = teach_bench(FIXTURES / "pendigits-sample.json", site / "model", counts=(1, 3), taps=2, loads=2,
                          chromium=browser)
    assert set(results["taps"]) == {1, 3} and set(results["loads"]) == {0, 3}
    assert all(t["p95_ms"] > 0 and t["taps"] == 2 for t in results["taps"].values())
    # Ready and long tasks from quiet loads, first answers from loads that draw at once.
    # (The longest tasks and scripts are maxima of max(0, ...): only their presence can be checked.)
    assert all(t["answer_ms"] > 0 and t["ready_ms"] > 0 for t in results["loads"].values())
    assert all({"longest_task_ms", "longest_task_median_ms", "longest_script_ms", "loads_with_long_task"} <= set(t)
               for t in results["loads"].values())
    assert all(t["quiet_loads"] == 1 for t in results["loads"].values())
    assert len(results["targets"]) == 3 and "3 taught" in teach_table(results)


def test_the_tutorial_process_loads_no_more_than_the_tutorial():
    """The baseline `make bench` times `make train` against imports TensorFlow, numpy and
    digitpad's MNIST reader: not the trainer's compiled preprocessing, nor Keras."""
    code = ("import sys, digitpad_bench.tutorial; "
            "print(sorted({'numba', 'tf_keras', 'digitpad.train', 'digitpad.inputs', 'digitpad.fit', "
            "'digitpad.evaluate', 'digitpad.preprocess_fast'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_timed_processes_run_in_the_environment_the_bench_started_in(monkeypatch):
    # Importing TensorFlow in the bench sets variables (TF_USE_LEGACY_KERAS...) that would
    # change the tutorial's and make train's own imports.
    from digitpad_bench.bench import _timed
    monkeypatch.setenv("DIGITPAD_BENCH_PROBE", "set after the bench started")
    probe = "import os, sys; sys.exit('DIGITPAD_BENCH_PROBE' in os.environ)"
    _timed([sys.executable, "-c", probe])  # exit 1 if the probe leaked: _timed raises


def test_the_stroke_cost_bench_times_a_stroke_and_sees_a_full_pad(page, live_url):
    """make bench's "one more stroke with n on the pad": timed below the limit, refused above."""
    from digitpad_bench import browser
    from digitpad_bench.page_bench import MAX_STROKES, stroke_cost
    browser.open_page(page, live_url + browser.MEASURE)
    result = stroke_cost(page, counts=(5, MAX_STROKES + 2))
    assert result["update_ms"][5] > 0 and result["strokes_held"][5] == 5
    assert result["update_ms"][MAX_STROKES + 2] is None and result["strokes_held"][MAX_STROKES + 2] == MAX_STROKES


def test_numbers_and_pictures_side_by_side():
    """Issue 31's line: numbers beside words and pictures, with the targets each must meet."""
    from digitpad_bench.bench import drawn_table, drawn_targets
    report = {"samples": 1499, "drawn": {"accuracy": 0.974, "not_a_digit": 0.004, "unsure": 0.019},
              "numbers": {"numbers": 250, "exact": 0.92, "not_a_digit": 0.016},
              "pictures": {"words": {"count": 250, "not_a_digit": 0.864, "read_as_digits": 0.136},
                           "pictures": {"count": 250, "not_a_digit": 0.932, "read_as_digits": 0.068}},
              "rejected": {"letters": 0.70, "unseen things": 0.85}}
    table = drawn_table(report)
    assert "| numbers of 2-6 digits | 250 | 92.0% | 1.6% | 98.4% |" in table
    assert "| words of 2-6 letters | 250 |  | 86.4% | 13.6% |" in table
    assert all(drawn_targets(report).values())
    report["numbers"]["exact"], report["rejected"]["letters"], report["drawn"]["unsure"] = 0.916, 0.447, 0.031
    assert sum(not ok for ok in drawn_targets(report).values()) == 3
