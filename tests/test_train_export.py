"""Training (on a slice) and the export round trip, including interrupted exports."""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from digitpad import export as export_module
from digitpad.export import ExportError, export
from digitpad.recipe import HOLDOUT_THINGS, HOLDOUT_WRITERS, Recipe
from digitpad.spec import PREPROCESS, VERDICT
from digitpad.train import train


def tree_digest(folder):
    """name -> sha256 of every file under folder: 'exactly as before' made checkable."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture
def exported(tmp_path, trained):
    web = tmp_path / "web"
    export(trained[0], web, "float32")
    return web


def test_training_writes_model_and_metrics(trained):
    out, metrics = trained
    assert (out / "model.keras").is_file()
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == metrics
    # Measured on MNIST's test set, with the pen digits and letters: this fixture's recipe
    # 0.9671 (make train's 0.9639), and the same without deskewing (deskew and normalize_size
    # off) 0.9160 (make train's 0.9077): a floor that only a deskewing model passes.
    assert metrics["test_accuracy"] >= 0.95
    confusion = np.array(metrics["confusion_matrix"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000
    assert np.isclose(np.trace(confusion) / 10000, metrics["test_accuracy"])
    assert set(metrics) >= {"per_class_accuracy", "data_sha256", "versions", "wall_seconds"}


@pytest.mark.slow  # TensorFlow
def test_training_is_deterministic(tmp_path, mnist_dir):
    recipe = Recipe(epochs=1)
    a = train(mnist_dir, tmp_path / "a", recipe, limit=2000, verbose=0)
    b = train(mnist_dir, tmp_path / "b", recipe, limit=2000, verbose=0)
    assert a["test_accuracy"] == b["test_accuracy"]
    assert (tmp_path / "a" / "model.keras").exists()
    from digitpad.model import load
    for wa, wb in zip(load(tmp_path / "a" / "model.keras").get_weights(),
                      load(tmp_path / "b" / "model.keras").get_weights()):
        assert np.array_equal(wa, wb)


def test_export_round_trip(exported, trained):
    from digitpad.tfjs_import import import_tensorflowjs
    tensorflowjs = import_tensorflowjs()

    from digitpad.model import load
    files = sorted(p.name for p in (exported / "model").iterdir())
    shard = json.loads((exported / "model" / "model.json").read_text())["weightsManifest"][0]["paths"][0]
    assert files == sorted([shard, "metadata.json", "model.json", "replay.bin"])
    # The shard's name carries its content's hash.
    assert shard == f"group1-shard1of1.{hashlib.sha256((exported / 'model' / shard).read_bytes()).hexdigest()[:16]}.bin"
    # 20 per class (the ten digits and "not a digit"), for teaching
    replay = np.frombuffer((exported / "model" / "replay.bin").read_bytes(), np.uint8).reshape(-1, 785)
    assert len(replay) == 220 and np.bincount(replay[:, 784]).tolist() == [20] * 11
    meta = json.loads((exported / "model" / "metadata.json").read_text())
    assert meta["test_accuracy"] == trained[1]["test_accuracy"]
    assert meta["classes"] == [str(d) for d in range(10)] + ["not a digit"]
    assert {k: meta["verdict"][k] for k in VERDICT} == VERDICT  # the spec's verdict, the page's fallback
    assert meta["input"]["shape"] == [None, PREPROCESS["SIZE"] ** 2] and meta["preprocess_version"] >= 1
    back = tensorflowjs.converters.load_keras_model(str(exported / "model" / "model.json"))
    for w_back, w_trained in zip(back.get_weights(), load(trained[0] / "model.keras").get_weights()):
        assert np.array_equal(w_back, w_trained)
    assert not list(exported.glob(".model*"))  # no temp folder left behind


def test_quantized_exports_are_smaller_and_close(tmp_path, trained):
    from digitpad.tfjs_import import import_tensorflowjs
    tensorflowjs = import_tensorflowjs()

    from digitpad.model import load
    trained_weights = load(trained[0] / "model.keras").get_weights()
    for quantization, bytes_per_weight in [("float16", 2), ("uint8", 1)]:
        folder = export(trained[0], tmp_path / quantization, quantization)
        [shard] = folder.glob("group1-shard1of1.*.bin")
        assert shard.stat().st_size == bytes_per_weight * 785 * 11
        assert json.loads((folder / "metadata.json").read_text())["weights"] == quantization
        back = tensorflowjs.converters.load_keras_model(str(folder / "model.json")).get_weights()
        for w_back, w in zip(back, trained_weights):
            step = (w.max() - w.min()) / 255  # uint8: 256 levels over the weights' range
            assert np.abs(w_back - w).max() <= (step / 2 + 1e-6 if quantization == "uint8" else 1e-3)


def test_failed_export_keeps_previous_model(exported, trained, monkeypatch):
    before = tree_digest(exported)

    def half_convert(model_path, out_dir, quantization):
        (Path(out_dir) / "model.json").write_text("{half")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(export_module, "_convert", half_convert)

    with pytest.raises(ExportError, match="previous model kept"):
        export(trained[0], exported)
    assert tree_digest(exported) == before


def test_sigkill_during_export_keeps_previous_model(exported, trained):
    before = tree_digest(exported)
    proc = subprocess.Popen([sys.executable, "-m", "digitpad", "export", "--model", str(trained[0]),
                             "--web", str(exported)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list(exported.glob(".model-tmp-*")):  # the export has begun writing
            assert proc.poll() is None and time.monotonic() < deadline, "export never started"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert tree_digest(exported) == before
    # The killed run's temporary folder goes on the next run.
    assert list(exported.glob(".model-tmp-*"))
    export(trained[0], exported)
    assert not list(exported.glob(".model-*")) and not list(exported.glob(".model.*"))


def test_no_torn_pair_across_exports(tmp_path, trained):
    """A visitor who read the previous model.json still gets the shard it names."""
    import tf_keras as keras
    other = tmp_path / "other"
    shutil.copytree(trained[0], other)
    model = keras.models.load_model(other / "model.keras")
    noise = np.random.default_rng(0)
    model.set_weights([w + noise.normal(scale=0.05, size=w.shape) for w in model.get_weights()])
    model.save(other / "model.keras")
    metrics = json.loads((other / "metrics.json").read_text())
    metrics.pop("files")
    (other / "metrics.json").write_text(json.dumps(metrics))
    web = tmp_path / "web"
    names = []
    for build in (trained[0], other, trained[0]):
        export(build, web)
        spec = json.loads((web / "model" / "model.json").read_text())
        names.append(spec["weightsManifest"][0]["paths"][0])
    assert names[0] != names[1] and names[2] == names[0]  # same content, same name
    assert (web / "model" / names[1]).is_file()  # the one before is still there...
    assert len(list((web / "model").glob("*.bin"))) == 3  # ...and no older: replay.bin + 2 shards


def test_leftovers_of_live_runs_are_kept(tmp_path, trained):
    web = tmp_path / "web"
    (web / f".model-tmp-{os.getpid()}-abc").mkdir(parents=True)  # this process: still running
    (web / ".model-old-999999999-x").mkdir()
    export(trained[0], web)
    assert sorted(p.name for p in web.iterdir()) == [f".model-tmp-{os.getpid()}-abc", "model"]


def test_export_refuses_files_from_another_training_run(tmp_path, trained):
    build = tmp_path / "build"
    shutil.copytree(trained[0], build)
    (build / "replay.bin").write_bytes((build / "replay.bin").read_bytes()[:-785])  # e.g. an older one
    with pytest.raises(ExportError, match="replay.bin is not the file .*metrics.json describes"):
        export(build, tmp_path / "web")
    assert not (tmp_path / "web" / "model").exists()


def test_export_refuses_weights_that_are_not_numbers(tmp_path, trained):
    import tf_keras as keras
    build = tmp_path / "build"
    shutil.copytree(trained[0], build)
    model = keras.models.load_model(build / "model.keras")
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel * np.nan, bias])
    model.save(build / "model.keras")
    metrics = json.loads((build / "metrics.json").read_text())
    metrics.pop("files")  # a build/ from before the check: only the weights can tell
    (build / "metrics.json").write_text(json.dumps(metrics))
    with pytest.raises(ExportError, match="not finite numbers"):
        export(build, tmp_path / "web")


@pytest.mark.parametrize("flag, value", [("--learning-rate", "nan"), ("--learning-rate", "inf"),
                                         ("--learning-rate", "0"), ("--pen-weight", "nan"),
                                         ("--pen-weight", "-5"), ("--l2", "-1"), ("--non-digit-weight", "0"),
                                         ("--unsure-margin", "2"), ("--not-a-digit-bias", "nan"),
                                         ("--doodles", "-1")])
def test_bad_settings_are_refused_before_training(tmp_path, flag, value):
    result = subprocess.run([sys.executable, "-m", "digitpad", "train", "--out", str(tmp_path / "b"), flag, value],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and flag in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "b").exists()


def test_a_diverged_or_useless_model_is_never_written(tmp_path, mnist_dir, trained):
    from digitpad.errors import UserError
    build = tmp_path / "build"
    shutil.copytree(trained[0], build)
    before = tree_digest(build)
    with pytest.raises(UserError, match="diverged"):
        train(mnist_dir, build, Recipe(epochs=1, pen_copies=0, doodles=100, learning_rate=1e30), verbose=0)
    with pytest.raises(UserError, match="reads only"):  # all of MNIST, one tiny step: far below the recipe
        train(mnist_dir, build, Recipe(epochs=1, pen_copies=0, doodles=100, learning_rate=1e-9), verbose=0)
    assert tree_digest(build) == before


def test_a_full_disk_while_writing_keeps_the_previous_model_whole(tmp_path, mnist_dir, trained, monkeypatch):
    """Issue 33: with a little space left, model.keras was replaced while replay.bin and
    metrics.json stayed old (export then refused the mix). All three are swapped together."""
    import errno
    from digitpad import train as train_module
    from digitpad.errors import UserError
    build = tmp_path / "build"
    shutil.copytree(trained[0], build)
    before = tree_digest(build)

    def disk_full(path, data):  # model.keras written, then replay.bin runs out of space
        Path(path).write_bytes(b"\0" * 1000)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(train_module, "write_replay_set", disk_full)
    with pytest.raises(UserError, match="No space left on device; the previous model there is kept"):
        train(mnist_dir, build, Recipe(epochs=1, pen_copies=0, doodles=100, seed=3), limit=600, verbose=0)
    assert tree_digest(build) == before  # nothing replaced, nothing left beside
    export(build, tmp_path / "web")  # and the previous model still exports


def test_unwritable_output_fails_before_training(tmp_path, mnist_dir, monkeypatch):
    from digitpad import train as train_module
    from digitpad.errors import UserError
    blocker = tmp_path / "file"
    blocker.write_text("a file where the build folder should be")
    loaded = []
    monkeypatch.setattr(train_module, "load_mnist", lambda *args: loaded.append(args))
    with pytest.raises(UserError, match="cannot write to"):
        train(mnist_dir, blocker / "build", Recipe(epochs=1, pen_copies=0), verbose=0)
    assert loaded == []  # no data loaded, nothing fitted


@pytest.fixture
def small_disk(tmp_path):
    """A 200 KiB file system of its own (a tmpfs: root only, as in CI), unmounted after."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_export_on_a_full_disk_is_one_line_and_keeps_the_previous_model(small_disk, trained):
    """Issue 33: TensorFlow's own ResourceExhaustedError came out as a 33-line traceback."""
    web = small_disk / "web"
    export(trained[0], web)
    before = tree_digest(web)
    with open(small_disk / "filler", "wb", buffering=0) as filler:  # the disk filled up
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass
    with pytest.raises(ExportError, match=r"previous model kept: .*No space left on device"):
        export(trained[0], web, "float32")  # a model 4x the size: its shard cannot be written
    assert tree_digest(web) == before


def test_export_without_trained_model(tmp_path):
    with pytest.raises(ExportError, match="run `make train` first"):
        export(tmp_path / "empty", tmp_path / "web")


def test_export_to_unwritable_place(tmp_path, trained):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the web folder should be")
    with pytest.raises(ExportError, match="cannot write"):
        export(trained[0], blocker)


@pytest.mark.slow  # TensorFlow
def test_training_with_pen_digits_and_a_held_out_estimate(tmp_path, mnist_dir, pen_digits_path):
    recipe = Recipe(epochs=2, pen_copies=1)
    metrics = train(mnist_dir, tmp_path, recipe, limit=10000, verbose=0, pen_digits=pen_digits_path,
                    estimate_writers=HOLDOUT_WRITERS[:2])
    # The shipped model trains on every writer, plain and augmented ...
    assert metrics["trained_on"]["pen_digits"] == 7494
    assert metrics["trained_on"]["pen_renderings"] == 2 * 7494
    assert metrics["preprocess"]["deskew"] is True
    # ... after the same recipe was measured on writers it never saw.
    held = metrics["heldout_pen"]
    assert held["writers"] == HOLDOUT_WRITERS[:2] and 400 < held["samples"] < 600
    assert np.array(held["confusion_matrix"]).sum() == held["samples"]
    print(f"\nheld-out writers: {held['accuracy']:.4f}, MNIST {metrics['test_accuracy']:.4f}")
    # Measured here (10k MNIST images, 2 epochs): 0.9078 on the two held-out writers, MNIST 0.9274.
    assert held["accuracy"] >= 0.88 and metrics["test_accuracy"] >= 0.91


@pytest.mark.slow  # TensorFlow
def test_not_a_digit_from_letters_and_doodles(tmp_path, mnist_dir, pen_digits_path):
    """A quick recipe with the shipped letters and doodles: an 11th output that wins on letters,
    generated doodles and Quick, Draw! things it never saw, measured before training on
    everyone, and exported for the page."""
    from digitpad.model import load
    recipe = Recipe(epochs=2, pen_copies=1, letter_copies=1, doodles=1000)
    metrics = train(mnist_dir, tmp_path / "build", recipe, limit=5000, verbose=0, pen_digits=pen_digits_path,
                    estimate_writers=HOLDOUT_WRITERS)
    kernel, bias = load(tmp_path / "build" / "model.keras").get_weights()
    assert kernel.shape == (784, 11) and bias.shape == (11,)
    trained_on = metrics["trained_on"]
    assert trained_on["letters"] == 624 - 6 * 2 * 14 and trained_on["doodles"] == 1000  # no look-alikes
    assert trained_on["quickdraw"] == 10_000 and len(trained_on["quickdraw_things"]) == 10
    held = metrics["verdict"]["heldout"]
    assert held["letter_writers"] == ["uji-w05", "uji-w06"] and held["pen_writers"] == sorted(HOLDOUT_WRITERS)
    assert held["things"] == sorted(HOLDOUT_THINGS)
    assert held["samples"] == {"digits": 1499, "letters": 152, "lookalikes": 56, "unseen_things": 2000,
                               "doodles": 1000}
    rates = held["rates"]
    print(f"\nheld out: {rates}")
    # Measured here (5k MNIST, 2 epochs, the spec's bias -1.9 and margin 0.2): digits 0.969
    # right, 0.012 not a digit, 0.022 not sure; letters 0.46, Quick, Draw! things never trained
    # on 0.585 (0.27 when none is trained on, issue 31) and generated doodles 0.845 rejected.
    assert rates["digit_accuracy"] >= 0.95 and rates["digits_not_a_digit"] <= 0.02
    assert rates["digits_unsure"] <= 0.04
    assert rates["letters_rejected"] >= 0.42 and rates["doodles_rejected"] >= 0.78
    assert rates["unseen_things_rejected"] >= 0.5
    bands = held["margin_bands"]
    assert [b["margin"][0] for b in bands] == [round(0.1 * i, 1) for i in range(10)]
    assert sum(b["samples"] for b in bands) == round(1499 * (1 - rates["digits_not_a_digit"]))
    assert bands[-1]["top_right"] > 0.98 > bands[0]["top_right"]  # a wide margin is more often right
    assert metrics["heldout_pen"]["samples"] == 1499  # the digits' own measurement, as before

    meta = json.loads((export(tmp_path / "build", tmp_path / "web", "float32") / "metadata.json").read_text())
    assert meta["classes"][10] == "not a digit" and meta["verdict"]["heldout"] == held


def test_bad_pen_digits_file(tmp_path, mnist_dir):
    bad = tmp_path / "pen.json"
    bad.write_text('[{"label": 3, "writer": "w01", "strokes": []}]')
    result = subprocess.run([sys.executable, "-m", "digitpad", "train", "--data", str(mnist_dir),
                             "--pen-digits", str(bad)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "digit 0 is not a drawn digit: its strokes" in result.stderr
    assert str(bad) in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow  # TensorFlow
def test_training_with_taught_samples(tmp_path, mnist_dir, pen_digits):
    """`make train EXTRA=file`: digits taught in the page join the training set."""
    taught = tmp_path / "digitpad-samples.json"
    taught.write_text(json.dumps([{"label": s["label"], "writer": "you", "strokes": s["strokes"]}
                                  for s in pen_digits[:30]]))
    metrics = train(mnist_dir, tmp_path / "out", Recipe(epochs=1, pen_copies=1), limit=2000, verbose=0,
                    extra=[taught])
    assert metrics["trained_on"]["pen_digits"] == 30
    assert metrics["trained_on"]["pen_writers"] == ["extra:digitpad-samples.json"]


@pytest.mark.slow  # TensorFlow
def test_cli_pen_digits_by_default_and_mnist_only_on_request(tmp_path, mnist_dir, pen_digits_path):
    """`digitpad train` takes the pen digits from $DIGITPAD_PEN_DIGITS (else UCI's,
    downloaded: see test_data); --no-pen-digits trains on MNIST alone."""
    env = {**os.environ, "DIGITPAD_PEN_DIGITS": str(pen_digits_path)}
    runs = {}
    for name, extra in [("pen", []), ("mnist", ["--no-pen-digits"])]:
        result = subprocess.run([sys.executable, "-m", "digitpad", "train", "--data", str(mnist_dir),
                                 "--out", str(tmp_path / name), "--epochs", "1", "--limit", "1000",
                                 "--pen-copies", "0", "--doodles", "200", "--verbose", "0", *extra],
                                capture_output=True, text=True, timeout=300, env=env)
        assert result.returncode == 0, result.stderr
        runs[name] = (result.stdout, json.loads((tmp_path / name / "metrics.json").read_text()))
    assert runs["pen"][1]["trained_on"]["pen_digits"] == 7494 and "heldout_pen" in runs["pen"][1]
    assert "pen_digits" not in runs["mnist"][1]["trained_on"] and "heldout_pen" not in runs["mnist"][1]
    assert "training on MNIST only" in runs["mnist"][0] and "MNIST only" not in runs["pen"][0]


@pytest.mark.slow  # TensorFlow
def test_cli_learns_not_a_digit_from_the_shipped_data_and_more_letters_on_request(tmp_path, mnist_dir,
                                                                                 letters_sample_path):
    """A default `digitpad train` (so make train, make site and the Pages workflow) learns "not a
    digit" from the letters and Quick, Draw! doodles in the package, and its metadata names
    them; --non-digits FILE ($DIGITPAD_NON_DIGITS, make train NONDIGITS=) adds letters not
    among them (a copy of shipped ones adds nothing)."""
    more = tmp_path / "more.json"
    more.write_text(json.dumps([{**s, "writer": "another"} for s in json.loads(letters_sample_path.read_text())]))
    runs = {}
    for name, env in [("default", {}), ("more", {"DIGITPAD_NON_DIGITS": str(more)}),
                      ("copy", {"DIGITPAD_NON_DIGITS": str(letters_sample_path)})]:
        environ = {k: v for k, v in os.environ.items() if k != "DIGITPAD_NON_DIGITS"}
        result = subprocess.run([sys.executable, "-m", "digitpad", "train", "--data", str(mnist_dir),
                                 "--out", str(tmp_path / name), "--epochs", "1", "--limit", "1000",
                                 "--no-pen-digits", "--doodles", "200", "--letter-copies", "0",
                                 "--verbose", "0"], capture_output=True, text=True, timeout=300,
                                env={**environ, **env})
        assert result.returncode == 0, result.stderr
        runs[name] = (result.stdout, json.loads((tmp_path / name / "metrics.json").read_text()))
    default = runs["default"][1]["trained_on"]
    assert default["letters"] == 624 - 6 * 2 * 14 and default["quickdraw"] == 10_000  # the look-alikes stay out
    assert default["non_digit_data"] == ["digitpad/nondigits/uji-letters.json.gz",
                                         "digitpad/nondigits/quickdraw.u4.gz", "generated doodles"]
    assert runs["more"][1]["trained_on"]["letters"] == default["letters"] + 52 - 14
    assert str(more) in runs["more"][1]["trained_on"]["non_digit_data"]
    assert runs["copy"][1]["trained_on"]["letters"] == default["letters"]
    lines = runs["default"][0].splitlines()
    assert "Quick, Draw! things never trained on" not in lines[-2]  # no held-out writers: no estimate
    assert "generated doodles" in lines[-2] and lines[-1].startswith("test accuracy: ")


@pytest.mark.slow  # TensorFlow
def test_every_slow_step_says_what_it_does_and_how_long_it_took(tmp_path, mnist_dir, capsys):
    from .conftest import FIXTURES
    train(mnist_dir, tmp_path / "b", Recipe(epochs=1, pen_copies=1, doodles=50), limit=500, verbose=2,
          pen_digits=FIXTURES / "pendigits-sample.json", estimate_writers=HOLDOUT_WRITERS)
    out = capsys.readouterr().out
    for step in [r"MNIST: preparing 10,500 images", r"pen digits: rendering 300 x 2",
                 r"not a digit: rendering 624 letters and 1,050 doodles, preparing 10,000 Quick, Draw! doodles"]:
        assert re.search(step + r"\.\.\. \d+\.\d s\n", out), (step, out)
    assert "fitting the shipped model on everything, and beside it one without writers w01, w06" in out
    assert re.search(r"epoch 1/1: loss \d", out), out


@pytest.mark.slow  # TensorFlow
def test_rendering_ahead_in_child_processes_trains_the_same_model(tmp_path, mnist_dir, monkeypatch):
    """The command line renders in two child processes while TensorFlow imports: the same
    weights, bit for bit, as rendering in this process without a cache; each phase's line
    appears once and whole (the children print at the same time)."""
    from digitpad.model import load
    from .conftest import FIXTURES
    pen = FIXTURES / "pendigits-sample.json"
    env = {k: v for k, v in os.environ.items() if k != "DIGITPAD_NON_DIGITS"}
    env["DIGITPAD_RENDER_CACHE"] = str(tmp_path / "renders")
    result = subprocess.run([sys.executable, "-m", "digitpad", "train", "--data", str(mnist_dir), "--out",
                             str(tmp_path / "cli"), "--pen-digits", str(pen), "--epochs", "1", "--limit", "1000",
                             "--pen-copies", "1", "--doodles", "100", "--verbose", "2"],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    for step in ["MNIST: preparing 11,000 images", "pen digits: rendering 300 x 2",
                 "not a digit: rendering 624 letters and 1,100 doodles, preparing 10,000 Quick, Draw! doodles"]:
        assert len(re.findall(r"^" + step + r"\.\.\. \d+\.\d s$", result.stdout, re.M)) == 1, (step, result.stdout)
    monkeypatch.setenv("DIGITPAD_RENDER_CACHE", "off")
    train(mnist_dir, tmp_path / "here", Recipe(epochs=1, pen_copies=1, doodles=100), limit=1000, verbose=0,
          pen_digits=pen, estimate_writers=HOLDOUT_WRITERS)
    ahead, here = (load(tmp_path / run / "model.keras").get_weights() for run in ("cli", "here"))
    assert all(np.array_equal(a, b) for a, b in zip(ahead, here))
    assert json.loads((tmp_path / "cli" / "metrics.json").read_text())["heldout_pen"] == \
        json.loads((tmp_path / "here" / "metrics.json").read_text())["heldout_pen"]


# rendered_ahead in a fresh process (this one has imported TensorFlow: it would not fork).
# Each part and meanwhile() leave a file naming the process, or the thread, they ran in.
AHEAD_PY = """
import json, os, sys, threading
from pathlib import Path
from digitpad import ahead
out, mode = Path(sys.argv[1]), sys.argv[2]
def prepare(verbose, parts, whole_lines):
    (out / f"{parts[0]}-{os.getpid()}").write_text("")
    if mode == "child fails" and parts[0] == "non-digits":
        raise RuntimeError("a child failed")
def meanwhile():
    (out / f"meanwhile-main-thread-{threading.current_thread() is threading.main_thread()}").write_text("")
    if mode == "meanwhile fails":
        raise RuntimeError("meanwhile failed")
with ahead.rendered_ahead(prepare, 0, meanwhile) as rendered:
    print(json.dumps({"rendered": rendered, "pid": os.getpid()}))
"""


@pytest.mark.parametrize("mode", ["fine", "child fails", "meanwhile fails"])
def test_rendering_ahead_forks_two_children_and_runs_meanwhile_beside_them(tmp_path, mode):
    """The digits and the non-digits render in two child processes, not this one, while
    meanwhile() (TensorFlow's import) runs on a thread of this one. A failed child only makes
    it say so, quietly (this process then renders, and reports); meanwhile's error is raised."""
    env = {**os.environ, "DIGITPAD_RENDER_CACHE": str(tmp_path / "renders")}
    result = subprocess.run([sys.executable, "-c", AHEAD_PY, str(tmp_path), mode], capture_output=True, text=True,
                            timeout=120, env=env)
    made = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert "meanwhile-main-thread-False" in made, made
    if mode == "meanwhile fails":
        assert result.returncode != 0 and "meanwhile failed" in result.stderr
        return
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    said = json.loads(result.stdout)
    children = {name.rsplit("-", 1)[0]: int(name.rsplit("-", 1)[1]) for name in made if name[0] in "dn"}
    assert set(children) == {"digits", "non-digits"} and said["pid"] not in children.values()
    assert len(set(children.values())) == 2
    assert said["rendered"] is (mode == "fine")


@pytest.mark.slow  # TensorFlow
def test_cached_and_uncached_renders_train_the_same_model(tmp_path, mnist_dir, monkeypatch):
    """Issue 17: a second run with nothing changed reads the rendered inputs from the
    cache, and the weights are the same, bit for bit, as without any cache."""
    from digitpad import inputs
    from digitpad.model import load
    from .conftest import FIXTURES
    recipe = Recipe(epochs=1, pen_copies=1, doodles=100)
    weights = {}
    for run, cache in [("cold", "cache"), ("warm", "cache"), ("uncached", "off")]:
        monkeypatch.setenv("DIGITPAD_RENDER_CACHE", "off" if cache == "off" else str(tmp_path / cache))
        inputs._render_doodles.cache_clear()  # as a new process starts
        train(mnist_dir, tmp_path / run, recipe, limit=1000, verbose=0, pen_digits=FIXTURES / "pendigits-sample.json")
        weights[run] = load(tmp_path / run / "model.keras").get_weights()
        if run == "cold":
            cached_files = sorted(p.name for p in (tmp_path / "cache").iterdir())
            assert {n.split("-")[0] for n in cached_files} == {"doodles", "mnist", "pen", "quickdraw", "turns"}
            stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()}
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").iterdir()} == stamps  # read, not rewritten
    for run in ("warm", "uncached"):
        assert all(np.array_equal(a, b) for a, b in zip(weights["cold"], weights[run])), run


@pytest.mark.slow  # TensorFlow
def test_a_second_train_with_nothing_changed_fits_nothing(tmp_path, mnist_dir):
    """Issue 17: training is deterministic, so a second `digitpad train` with the same data,
    recipe and code keeps the model it would write again (without importing TensorFlow);
    --again fits anyway, and gets the same weights."""
    from digitpad.model import load
    env = {k: v for k, v in os.environ.items() if k != "DIGITPAD_NON_DIGITS"}
    env["DIGITPAD_RENDER_CACHE"] = str(tmp_path / "renders")
    command = [sys.executable, "-m", "digitpad", "train", "--data", str(mnist_dir), "--out", str(tmp_path / "b"),
               "--epochs", "1", "--limit", "1000", "--no-pen-digits", "--doodles", "200", "--verbose", "0"]
    # The same command, saying at exit whether TensorFlow was imported (after a command that
    # imported it, `python -m digitpad` leaves by os._exit, skipping atexit: both are watched).
    watched = [sys.executable, "-c", "import atexit, os, runpy, sys; say = lambda: print("
               "'tensorflow imported:', 'tensorflow' in sys.modules, flush=True); atexit.register(say); "
               "leave = os._exit; os._exit = lambda code: (say(), leave(code)); sys.argv[0] = 'digitpad'; "
               "runpy.run_module('digitpad', run_name='__main__')", *command[3:]]
    runs = []
    for extra in ([], [], ["--again"]):
        result = subprocess.run(watched + extra, capture_output=True, text=True, timeout=300, env=env)
        assert result.returncode == 0, result.stderr
        runs.append((result.stdout, {p.name: p.stat().st_mtime_ns for p in (tmp_path / "b").iterdir()},
                     load(tmp_path / "b" / "model.keras").get_weights()))
    (first, stamps, weights), (second, kept, _), (third, rewritten, again) = runs
    assert "is up to date" in second and "is up to date" not in first + third
    assert "tensorflow imported: False" in second and "tensorflow imported: True" in first
    assert kept == stamps and rewritten["model.keras"] != stamps["model.keras"]
    accuracy = [line for line in (first + second).splitlines() if line.startswith("test accuracy: ")]
    assert len(accuracy) == 2 and accuracy[0] == accuracy[1]  # the stored one, reported again
    assert all(np.array_equal(a, b) for a, b in zip(weights, again))


@pytest.mark.slow  # TensorFlow
def test_what_makes_a_model_out_of_date(tmp_path, mnist_dir, letters_sample_path):
    """A changed data file, recipe or option gives another inputs key; a missing input, none;
    a model file altered since it was written is not up to date."""
    from digitpad.freshness import inputs_sha256, up_to_date
    letters = tmp_path / "letters.json"
    shutil.copy(letters_sample_path, letters)
    base = dict(data_dir=mnist_dir, recipe=Recipe(), limit=1000, non_digits=letters)
    key = inputs_sha256(**base)
    assert key == inputs_sha256(**base)
    letters.write_text(letters.read_text().replace("]]", "]] ", 1))  # the same letters, another file
    changed = [inputs_sha256(**base), inputs_sha256(**{**base, "recipe": Recipe(seed=1)}),
               inputs_sha256(**{**base, "limit": 999}), inputs_sha256(**{**base, "estimate_writers": ["w01"]})]
    assert len({key, *changed}) == 5
    assert inputs_sha256(**{**base, "data_dir": tmp_path / "nowhere"}) is None
    assert inputs_sha256(**{**base, "non_digits": tmp_path / "nowhere.json"}) is None
    out = tmp_path / "b"
    train(mnist_dir, out, Recipe(epochs=1, doodles=100), limit=1000, verbose=0)
    key = inputs_sha256(mnist_dir, Recipe(epochs=1, doodles=100), 1000)
    assert up_to_date(out, key) and not up_to_date(out, None) and not up_to_date(tmp_path / "none", key)
    with open(out / "replay.bin", "ab") as f:
        f.write(b"\0")
    assert not up_to_date(out, key)


# Each key hashes these modules' files: what renders (the render cache), what trains (the model).
KEYED = """
import json, sys
import digitpad.preprocess, digitpad.doodles
rendering = sorted(m for m in sys.modules if m.startswith("digitpad."))
import digitpad.train, digitpad.model
training = sorted(m for m in sys.modules if m.startswith("digitpad."))
from digitpad.cache import RENDERING
from digitpad.freshness import TRAINER
print(json.dumps([rendering, training, [p.name for p in RENDERING], [p.name for p in TRAINER]]))
"""


@pytest.mark.slow  # TensorFlow (digitpad.model), in a new process
def test_the_keys_hash_every_module_that_renders_or_trains():
    """A change to any code that renders the inputs renders them again, and a change to any
    code train() runs trains again: no module is left out of the cache's or the model's key."""
    result = subprocess.run([sys.executable, "-c", KEYED], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rendering, training, rendering_keyed, training_keyed = json.loads(result.stdout)
    assert {m.split(".", 1)[1] + ".py" for m in rendering} | {"spec.json"} <= set(rendering_keyed)
    assert {m.split(".", 1)[1] + ".py" for m in training} - {"errors.py"} <= set(training_keyed)  # (messages only)
    assert all((Path(__file__).parents[1] / "python" / "digitpad" / name).is_file()
               for name in rendering_keyed + training_keyed)


@pytest.mark.slow  # TensorFlow
def test_training_rows_reach_tensorflow_without_a_copy():
    from digitpad.fit import _tensor
    from digitpad.training_set import _stack_rows
    x = _stack_rows([(np.ones((3, 4), np.float32), None), (np.arange(12, dtype=np.float32).reshape(3, 4),
                                                          np.array([True, False, True]))])
    assert x.ctypes.data % 64 == 0 and x.tolist() == [[1.0] * 4] * 3 + [[0, 1, 2, 3], [8, 9, 10, 11]]
    lent = _tensor(x)
    x[0, 0] = 7  # the tensor is the array's memory
    assert lent.numpy()[0, 0] == 7
    # Memory TensorFlow's kernels cannot use as it is (misaligned, read-only) is copied.
    misaligned, read_only = x[1:], _stack_rows([(np.ones((5, 4), np.float32), None)])
    read_only.flags.writeable = False
    assert misaligned.ctypes.data % 64 and misaligned.flags.writeable and read_only.ctypes.data % 64 == 0
    for array in (misaligned, read_only):
        copy = _tensor(array)
        assert copy.numpy().tolist() == array.tolist()
        assert not np.shares_memory(copy.numpy(), array)
