"""make bench's moving parts that can break without a benchmark run."""

from digitpad.bench import quantization_targets, trainer_targets
from digitpad.page_bench import build_full_variant
from digitpad import browser as chromium


def test_full_tfjs_variant_builds(tmp_path):
    site = build_full_variant(chromium.copy_site(tmp_path / "full"))
    assert (site / "dist" / "digitpad-full.js").stat().st_size > 10_000
    assert (site / "dist" / "tf.min.js").stat().st_size > 1_000_000
    assert 'src="dist/tf.min.js"' in (site / "index.html").read_text()


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
