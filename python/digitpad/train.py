"""Train the softmax model and write build/model.keras + build/metrics.json.

What makes a linear model read real scribbles (each step measured in docs/measurements.md):
- the optimiser: Adam with a cosine-decaying rate and a little L2 reaches the optimum
  of this convex problem, which the original TF1 MNIST tutorial's plain SGD does not;
- deskewing and size normalisation (preprocess.deskew): every digit sheared upright
  and stretched to a standard spread, MNIST and drawings alike, so the ten templates
  need not cover every slant and size;
- drawn digits: real pen strokes rendered exactly as the page renders a drawing
  (preprocess_strokes), so the model has seen what people draw;
- augmentation: each pen digit again with a small random rotation, stretch, shear
  and pen width, so it generalises to writers it has not seen;
- "not a digit": an 11th class learnt from handwritten letters (not the ones that look
  like digits) and generated doodles, its bias lowered after fitting so that few real
  digits are rejected, and a "not sure" margin between the top two answers.
"""

import contextlib
import functools
import hashlib
import json
import math
import os
import platform
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from . import doodles as doodle_maker
from .data import (LOOKALIKES, DataError, cache_dir, load_mnist, load_non_digits, load_pen_digits,  # noqa: F401
                   pen_digits_path, resolve_dir, save_atomically, sha256, to_inputs, verify)  # (to_inputs re-exported)
from .errors import UserError
from .preprocess import PREPROCESS_VERSION, deskew, preprocess_many, winding
from .recipe import (CLASS_NAMES, DOODLE_SEED, HELDOUT_DOODLE_SEED, HELDOUT_DOODLES,  # noqa: F401
                     HOLDOUT_LETTER_WRITERS, HOLDOUT_WRITERS, NOT_A_DIGIT, Recipe)  # (re-exported)


def prepare_mnist(images, recipe):
    """MNIST images as model inputs, normalised like the page's drawings."""
    x = images.astype(np.float32) / 255.0
    if recipe.deskew:
        x = deskew(x, normalize_size=recipe.normalize_size)
    return x.reshape(len(x), -1)


def stroke_options(recipe):
    """preprocess_strokes options for this recipe: what the page must do too."""
    return {"deskew": recipe.deskew, "normalize_size": recipe.deskew and recipe.normalize_size}


def augment(strokes, rng):
    """The strokes with a small random rotation (+-12 deg), horizontal stretch
    (x0.82-1.22) and shear (+-0.15), and a random pen width: variations between
    writers that the 30 recorded ones do not cover."""
    angle = math.radians(rng.uniform(-12, 12))
    stretch, shear = math.exp(rng.uniform(-0.2, 0.2)), rng.uniform(-0.15, 0.15)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    matrix = rotation @ np.array([[stretch, shear], [0.0, 1.0]])
    return [np.asarray(s, dtype=np.float64) @ matrix.T for s in strokes], rng.uniform(2.1, 3.0)


# Rendered inputs are kept on disk, keyed on everything they depend on (the drawings,
# the seed and options, the code that renders them): a second `make train` with
# nothing changed skips rendering, and gets the same arrays bit for bit.
RENDER_CACHE_ENV = "DIGITPAD_RENDER_CACHE"  # a folder, or "off"


def _sources(*names):
    """These modules of the trainer, as files (their sha256s key caches and models)."""
    return [Path(__file__).with_name(f"{name}.py") for name in names]


_RENDERING = _sources("preprocess", "train", "doodles")


def cached(name, key, compute):
    """compute() (a numpy array), or the array a run with the same key saved."""
    setting = os.environ.get(RENDER_CACHE_ENV, "")
    if setting == "off":
        return compute()
    folder = Path(setting) if setting else cache_dir().parent / "renders"
    digest = hashlib.sha256(json.dumps([key, [sha256(p) for p in _RENDERING]], sort_keys=True).encode())
    path = folder / f"{name}-{digest.hexdigest()[:32]}.npy"
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        pass
    array = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        save_atomically(lambda tmp: np.save(tmp, array), path)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return array


def _drawings_key(samples):
    return hashlib.sha256(json.dumps([[s["label"] if "label" in s else s.get("char"), s["strokes"]]
                                      for s in samples]).encode()).hexdigest()


def render_pen_digits(samples, recipe, rng_seed, copies=None):
    """Pen drawings as model inputs, (copies + 1, n, 784): copy 0 plain, then `copies`
    (default recipe.pen_copies) augmented ones drawn with np.random.default_rng(rng_seed).
    Rendered once, deskewed as one batch; cached on disk."""
    copies = recipe.pen_copies if copies is None else copies
    key = ["pen", _drawings_key(samples), rng_seed, copies, recipe.deskew, recipe.normalize_size]
    return cached("pen", key, lambda: _render_pen_digits(samples, recipe, np.random.default_rng(rng_seed), copies))


def turns_of(samples):
    """How far each sample's strokes wind (preprocess.winding); cached on disk like renders."""
    return cached("turns", ["turns", _drawings_key(samples)],
                  lambda: np.array([winding(s["strokes"]) for s in samples], dtype=np.float64))


def _render_pen_digits(samples, recipe, rng, copies):
    jobs = [(s["strokes"], None) for s in samples]
    for _ in range(copies):
        jobs += [augment(s["strokes"], rng) for s in samples]
    return _rendered(jobs, recipe).reshape(copies + 1, len(samples), 28 * 28)


def _rendered(jobs, recipe):
    """Model inputs, (n, 784), of (strokes, pen_width) jobs: what the page does to a drawing."""
    return preprocess_many(jobs, **stroke_options(recipe)).reshape(len(jobs), 28 * 28)


def render_doodles(seed, n, recipe, pen_seed=None):
    """n doodles of set `seed` as model inputs, (n, 784), their kinds and how far each
    winds; with pen_seed, each drawn with a random pen width like the augmented pen digits."""
    return _render_doodles(seed, n, recipe.deskew, recipe.normalize_size, pen_seed)


@functools.lru_cache(maxsize=4)  # ~3 ms a doodle: drawn once per process (and cached on disk)
def _render_doodles(seed, n, deskewed, normalize_size, pen_seed):
    def draw():
        rng = np.random.default_rng(pen_seed) if pen_seed is not None else None
        drawn = doodle_maker.doodles(seed, n)
        x = _rendered([(strokes, rng.uniform(2.1, 3.0) if rng else None) for strokes, _ in drawn],
                      Recipe(deskew=deskewed, normalize_size=normalize_size))
        turns = np.array([[winding(strokes)] for strokes, _ in drawn])
        return np.concatenate([x.astype(np.float64), turns], axis=1)  # float32 pixels are exact in float64
    key = ["doodles", seed, n, deskewed, normalize_size, pen_seed]
    both = cached("doodles", key, draw)
    x, turns = both[:, :-1].astype(np.float32), both[:, -1].copy()
    for shared in (x, turns):  # by every caller
        shared.flags.writeable = False
    kinds = tuple(doodle_maker.kind_of(i).__name__ for i in range(n))  # without drawing them again
    return x, kinds, turns


def evaluate(probs, labels):
    """Accuracy, per-class accuracy and confusion matrix (rows: true, cols: predicted)
    of the ten digit outputs: which digit the model finds most likely."""
    predicted = probs[:, :10].argmax(axis=1)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    return {
        "accuracy": float((predicted == labels).mean()),
        "per_class_accuracy": [round(float(a), 4) for a in per_class],
        "confusion_matrix": confusion.tolist(),
    }


def versions():
    import tensorflow as tf
    import tf_keras
    return {"python": platform.python_version(), "numpy": np.__version__,
            "tensorflow": tf.__version__, "tf_keras": tf_keras.__version__}


def fit(x, y, recipe, sample_weight=None, verbose=1):
    """A fitted model; the same seed gives the same weights (deterministic ops).

    Minibatch Adam written out, one traced function per epoch: Keras's fit() spent more
    setting up (a data pipeline, a training loop with metrics) than fitting 5 epochs."""
    import tensorflow as tf
    import tf_keras as keras

    from .model import build_model, compile_model

    keras.utils.set_random_seed(recipe.seed)
    tf.config.experimental.enable_op_determinism()
    rows, batch = len(x), recipe.batch_size
    model = compile_model(build_model(recipe.l2), recipe.learning_rate, recipe.epochs * -(-rows // batch))
    inputs, labels = tf.constant(x), tf.constant(y.astype(np.int32))
    weights = tf.constant(np.ones(rows, np.float32) if sample_weight is None else sample_weight.astype(np.float32))

    @tf.function
    def epoch(order):
        """One pass in the given order; the mean loss, weighted as Keras weighs it."""
        total = tf.constant(0.0)
        for start in tf.range(0, rows, batch):
            picked = order[start:start + batch]
            size = tf.cast(tf.size(picked), tf.float32)
            with tf.GradientTape() as tape:
                probs = model(tf.gather(inputs, picked), training=True)
                losses = keras.losses.sparse_categorical_crossentropy(tf.gather(labels, picked), probs)
                loss = tf.reduce_sum(losses * tf.gather(weights, picked)) / size + sum(model.losses)
            variables = model.trainable_variables
            model.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            total += loss * size
        return total / rows

    shuffle = np.random.default_rng(recipe.seed)
    bar = keras.utils.Progbar(recipe.epochs, unit_name="epoch") if verbose == 1 else None
    for done in range(1, recipe.epochs + 1):
        loss = float(epoch(tf.constant(shuffle.permutation(rows).astype(np.int32))))
        if bar:
            bar.update(done, [("loss", loss)])
        elif verbose == 2:
            print(f"epoch {done}/{recipe.epochs}: loss {loss:.4f}", flush=True)
    return model


def probabilities(model, x):
    """The model's outputs for rows x, in one call: Keras's predict() costs more in
    set-up (a data pipeline, a traced function) than these few thousand rows."""
    return model(x, training=False).numpy()


def judge(probs, recipe, turns=None):
    """The page's verdict per row of 11 probabilities (bias already folded in):
    (not a digit, not sure, the top-two margin). "Not a digit" when that output is
    the largest or the drawing winds more than recipe.max_turns (turns: per row, if
    drawn); else "not sure" when the top two of all 11 are closer than the margin."""
    top2 = np.sort(probs, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    not_digit = probs.argmax(axis=1) == NOT_A_DIGIT
    if turns is not None:
        not_digit |= np.asarray(turns) > recipe.max_turns
    return not_digit, ~not_digit & (margin < recipe.unsure_margin), margin


def measure_verdicts(model, data, recipe, pen_held, letters_held, mnist_probs):
    """How often each verdict is given on drawings the fit never saw: real digits of the
    held-out pen writers, letters of the held-out letter writers, held-out doodles."""
    predict = functools.partial(probabilities, model)
    rates, counts, bands = {}, {}, []
    mnist_nd, _, _ = judge(mnist_probs, recipe)
    rates["mnist_test_not_a_digit"] = float(mnist_nd.mean())
    if pen_held.any():
        probs, labels = predict(data["pen_x"][0][pen_held]), data["pen_labels"][pen_held]
        not_digit, unsure, margin = judge(probs, recipe, data["pen_turns"][pen_held])
        right = ~not_digit & (probs.argmax(axis=1) == labels)
        rates.update(digit_accuracy=float(right.mean()), digits_not_a_digit=float(not_digit.mean()),
                     digits_unsure=float(unsure.mean()))
        counts["digits"] = int(pen_held.sum())
        # How often the top answer is right per 0.1 of top-two margin: what "not sure" rests on.
        for lo in np.round(np.arange(0, 1, 0.1), 1):
            band = ~not_digit & (margin >= lo) & ((margin < lo + 0.1) | (lo == 0.9))
            bands.append({"margin": [float(lo), round(float(lo) + 0.1, 1)], "samples": int(band.sum()),
                          "top_right": round(float(right[band].mean()), 4) if band.any() else None})
    if letters_held.any():
        not_digit = judge(predict(data["letters_x"][letters_held]), recipe, data["letters_turns"][letters_held])[0]
        lookalike = data["letter_lookalike"][letters_held]
        rates["letters_rejected"] = float(not_digit[~lookalike].mean())
        rates["lookalikes_rejected"] = float(not_digit[lookalike].mean())
        counts.update(letters=int((~lookalike).sum()), lookalikes=int(lookalike.sum()))
    not_digit = judge(predict(data["doodles_heldout_x"]), recipe, data["doodles_heldout_turns"])[0]
    rates["doodles_rejected"] = float(not_digit.mean())
    counts["doodles"] = len(not_digit)
    kinds = np.array(data["doodles_heldout_kinds"])
    by_kind = {k: round(float(not_digit[kinds == k].mean()), 3) for k in dict.fromkeys(kinds)}
    return {"rates": {k: round(v, 4) for k, v in rates.items()}, "samples": counts,
            "doodles_rejected_by_kind": by_kind, "margin_bands": bands}


# A few training examples per class ship with the model: the page mixes them into
# in-browser fine-tuning ("teach it") so the model does not forget MNIST, nor what
# is not a digit.
REPLAY_PER_CLASS = 20


def write_replay_set(path, x, y):
    """REPLAY_PER_CLASS prepared training inputs per class: 784 uint8 pixels + 1 label byte each."""
    def spread(rows):  # non-digits: across the letters and every kind of doodle
        return rows[np.linspace(0, len(rows) - 1, min(REPLAY_PER_CLASS, len(rows))).round().astype(int)]
    picks = np.concatenate([np.flatnonzero(y == d)[:REPLAY_PER_CLASS] for d in range(10)]
                           + [spread(np.flatnonzero(y == NOT_A_DIGIT))])
    pixels = np.clip(np.floor(x[picks] * 255 + 0.5), 0, 255).astype(np.uint8)
    rows = np.concatenate([pixels, y[picks, None].astype(np.uint8)], axis=1)
    save_atomically(lambda tmp: Path(tmp).write_bytes(rows.tobytes()), Path(path))


def load_extra(paths):
    """Samples taught in the page and downloaded there (same form as the pen digits)."""
    samples = []
    for path in paths or ():
        samples += [{**s, "writer": f"extra:{Path(path).name}"} for s in load_pen_digits(path)]
    return samples


def train(data_dir=None, out_dir="build", recipe=None, limit=None, verbose=1, pen_digits=None,
          estimate_writers=(), extra=(), non_digits=None):
    """Train on MNIST (plus pen digits if given) and non-digits (doodles, plus letters
    if given), evaluate on the MNIST test set and held-out drawings, save model and
    metrics; returns metrics.

    estimate_writers: first fit once more without these pen writers (and without
    HOLDOUT_LETTER_WRITERS' letters), only to measure how the recipe does on drawings
    by people it never saw (the shipped model then trains on everyone)."""
    started = time.perf_counter()
    recipe = recipe or Recipe()
    _check_writable(Path(out_dir))  # before the slow work, not after
    # Every input file is read and checked before the slow work: a bad one fails at once.
    letters = load_non_digits(non_digits) if non_digits else []
    pen = (load_pen_digits(pen_digits) if pen_digits else []) + load_extra(extra)
    (x_train, y_train, x_test, y_test), checksums = load_mnist(data_dir)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    with phase(f"MNIST: preparing {len(x_train) + len(x_test):,} images", verbose):
        key = ["mnist", checksums, len(x_train), recipe.deskew, recipe.normalize_size]
        both = cached("mnist", key, lambda: prepare_mnist(np.concatenate([x_train, x_test]), recipe))
        data = {"x": both[:len(x_train)], "y": y_train, "x_test": both[len(x_train):], "y_test": y_test}
    if pen:
        with phase(f"pen digits: rendering {len(pen):,} x {recipe.pen_copies + 1}", verbose):
            data.update(pen=pen, pen_x=render_pen_digits(pen, recipe, recipe.seed),
                        pen_labels=np.array([s["label"] for s in pen], dtype=np.uint8), pen_turns=turns_of(pen))
    with phase(f"not a digit: rendering {len(letters):,} letters and {recipe.doodles + HELDOUT_DOODLES:,} doodles",
               verbose):
        data.update(_render_non_digits(letters, recipe))
    estimate = None
    if pen_digits and estimate_writers:  # (taught samples are never held out)
        holdout = replace(recipe, holdout_writers=list(estimate_writers),
                          holdout_letter_writers=HOLDOUT_LETTER_WRITERS if non_digits else [])
        with phase(f"fitting without writers {', '.join(estimate_writers)}, to measure on them", verbose):
            estimate = _fit_and_evaluate(data, holdout, verbose=0)[1]
    if verbose:
        print("fitting the shipped model on everything:", flush=True)
    model, metrics = _fit_and_evaluate(data, recipe, verbose)
    if estimate:
        metrics["heldout_pen"] = estimate["heldout_pen"]
        metrics["verdict"]["heldout"] = estimate["verdict"]["heldout"]
    metrics.update(recipe=asdict(recipe), data_sha256=checksums, versions=versions(),
                   inputs_sha256=inputs_sha256(data_dir, recipe, limit, pen_digits, estimate_writers, extra,
                                               non_digits),
                   wall_seconds=round(time.perf_counter() - started, 2))

    check_trained(model, metrics, limit)
    out = Path(out_dir)
    try:
        save_atomically(lambda path: model.save(path), out / "model.keras")
        replay_x = np.concatenate([data["x"], data["letters_x"][data["letter_trainable"]], data["doodles_x"]])
        replay_y = np.concatenate([data["y"], np.full(len(replay_x) - len(data["x"]), NOT_A_DIGIT)])
        write_replay_set(out / "replay.bin", replay_x, replay_y)
        # Written last, naming the files it describes: export refuses a model.keras or
        # replay.bin from another run (a full disk or a kill between the three writes).
        metrics["files"] = {name: sha256(out / name) for name in ("model.keras", "replay.bin")}
        save_atomically(lambda path: Path(path).write_text(json.dumps(metrics, indent=1)),
                        out / "metrics.json")
    except OSError as exc:
        raise UserError(f"could not write the trained model to {out}/: {exc.strerror or exc}; "
                        "the previous model there may be incomplete, run make train again") from None
    return metrics


# What a trained model depends on besides the data: a change to any of these trains again.
_TRAINER = _sources("data", "doodles", "model", "preprocess", "recipe", "train")
_LIBRARIES = ("numpy", "numba", "tensorflow", "tf-keras")


def inputs_sha256(data_dir=None, recipe=None, limit=None, pen_digits=None, estimate_writers=(), extra=(),
                  non_digits=None):
    """One sha256 of all a train() with these arguments depends on (its data files' checksums,
    recipe, options, code and libraries), or None if an input is not on disk yet."""
    import importlib.metadata
    try:
        files = {"mnist": verify(resolve_dir(data_dir, download=False)),
                 "pen": sha256(pen_digits_path(pen_digits)) if pen_digits else None,
                 "extra": [sha256(p) for p in extra or ()], "letters": sha256(non_digits) if non_digits else None}
    except (DataError, OSError):
        return None
    described = [files, asdict(recipe or Recipe()), limit, list(estimate_writers), [sha256(p) for p in _TRAINER],
                 [importlib.metadata.version(name) for name in _LIBRARIES], platform.python_version()]
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def up_to_date(out_dir, key):
    """The metrics of the model in out_dir if it is, intact, what a train() with inputs_sha256
    `key` would write (training is deterministic: a second run would write the same bits), else None."""
    try:
        metrics = json.loads((Path(out_dir) / "metrics.json").read_text())
        intact = (key is not None and metrics.get("inputs_sha256") == key and bool(metrics.get("files"))
                  and all(sha256(Path(out_dir) / name) == digest for name, digest in metrics["files"].items()))
    except (OSError, ValueError, AttributeError):
        return None
    return metrics if intact else None


# Far below what the recipe measures (96-97% on MNIST): a model this bad comes from
# broken settings or data, and must not replace a good one.
MIN_TEST_ACCURACY = 0.9


def check_trained(model, metrics, limit=None):
    """Refuse a model with weights that are not finite, or (trained on all of MNIST)
    far below the recipe's accuracy: before anything is written."""
    if not all(np.isfinite(w).all() for w in model.get_weights()):
        raise UserError("training diverged (weights are not finite numbers): lower --learning-rate; "
                        "nothing was written")
    if limit is None and metrics["test_accuracy"] < MIN_TEST_ACCURACY:
        raise UserError(f"the trained model reads only {metrics['test_accuracy']:.1%} of MNIST's test digits "
                        f"(the recipe gets ~96%; at least {MIN_TEST_ACCURACY:.0%} is required): check the "
                        "settings and data; nothing was written")


@contextlib.contextmanager
def phase(text, verbose):
    """One line per slow step of training: what it does, then how long it took."""
    if verbose:
        print(f"{text}...", end="", flush=True)
    started = time.perf_counter()
    yield
    if verbose:
        print(f" {time.perf_counter() - started:.1f} s", flush=True)


def _check_writable(out):
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"cannot write to {out}/: {exc.strerror or exc}; choose another --out") from None


def _render_non_digits(letters, recipe):
    """Model inputs of the letters (the look-alikes plain only: measured, never trained
    on), the training doodles and the held-out ones."""
    plain = [s for s in letters if s["char"] not in LOOKALIKES]
    ordered = plain + [s for s in letters if s["char"] in LOOKALIKES]
    rendered = render_pen_digits(plain, recipe, [recipe.seed, 1], recipe.letter_copies)
    looks = _rendered([(s["strokes"], None) for s in ordered[len(plain):]], recipe)
    doodles_x, _, _ = render_doodles(DOODLE_SEED, recipe.doodles, recipe, pen_seed=(recipe.seed, 2))
    heldout_x, heldout_kinds, heldout_turns = render_doodles(HELDOUT_DOODLE_SEED, HELDOUT_DOODLES, recipe)
    # Row i of letters_x is letter i of `ordered`, plain; letter_copies_x, the augmented
    # copies of the first len(plain).
    return {"letters": ordered, "letters_x": np.concatenate([rendered[0], looks]),
            "letter_copies_x": rendered[1:], "letter_trainable": np.arange(len(ordered)) < len(plain),
            "letter_lookalike": np.arange(len(ordered)) >= len(plain),
            "letters_turns": turns_of(ordered),
            "doodles_x": doodles_x, "doodles_heldout_x": heldout_x, "doodles_heldout_kinds": heldout_kinds,
            "doodles_heldout_turns": heldout_turns}


def _fit_and_evaluate(data, recipe, verbose):
    """Fit on MNIST, the pen writers and letter writers not held out and the doodles;
    score MNIST test and what was held out."""
    x, y = data["x"], data["y"]
    weights = np.ones(len(x), dtype=np.float32)
    trained_on = {"mnist_train": len(x)}
    pen = data.get("pen", [])
    held = np.array([s["writer"] in recipe.holdout_writers for s in pen], dtype=bool)
    pen_labels = data.get("pen_labels", np.zeros(0, np.uint8))
    parts = [(x, y, weights)]
    if pen and not held.all():
        x_pen = data["pen_x"][:, ~held].reshape(-1, x.shape[1])
        parts.append((x_pen, np.tile(pen_labels[~held], len(data["pen_x"])), recipe.pen_weight))
        trained_on.update(pen_digits=int((~held).sum()), pen_renderings=len(x_pen),
                          pen_writers=sorted({s["writer"] for s, h in zip(pen, held) if not h}))
    letters_held = np.array([s["writer"] in recipe.holdout_letter_writers for s in data["letters"]], dtype=bool)
    letters_in = data["letter_trainable"] & ~letters_held
    x_letters = np.concatenate([data["letters_x"][letters_in],
                                data["letter_copies_x"][:, letters_in[:data["letter_copies_x"].shape[1]]]
                                .reshape(-1, x.shape[1])])
    for x_non in (x_letters, data["doodles_x"]):
        parts.append((x_non, np.full(len(x_non), NOT_A_DIGIT), recipe.non_digit_weight))
    trained_on.update(letters=int(letters_in.sum()), letter_renderings=len(x_letters),
                      letter_writers=sorted({s["writer"] for s, i in zip(data["letters"], letters_in) if i}),
                      doodles=len(data["doodles_x"]))
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts]).astype(np.uint8)
    weights = np.concatenate([np.broadcast_to(np.float32(p[2]), len(p[0])) for p in parts])

    model = fit(x, y, recipe, weights, verbose)
    # Lower "not a digit" after fitting: the page's plain argmax then applies the
    # calibrated trade-off between rejecting non-digits and rejecting real digits.
    layer = model.layers[-1]
    kernel, bias = layer.get_weights()
    bias[NOT_A_DIGIT] += recipe.not_a_digit_bias
    layer.set_weights([kernel, bias])

    mnist_probs = probabilities(model, data["x_test"])
    scores = evaluate(mnist_probs, data["y_test"])
    metrics = {"test_accuracy": scores.pop("accuracy"), **scores, "trained_on": trained_on,
               "preprocess": {"version": PREPROCESS_VERSION, **stroke_options(recipe)}, "classes": CLASS_NAMES}
    if held.any():
        drawn = evaluate(probabilities(model, data["pen_x"][0][held]), pen_labels[held])
        metrics["heldout_pen"] = {"writers": sorted(recipe.holdout_writers), "samples": int(held.sum()),
                                  "rendered_in": "python (same spec as the page)", **drawn}
    heldout = measure_verdicts(model, data, recipe, held, letters_held, mnist_probs)
    heldout.update(pen_writers=sorted(recipe.holdout_writers) if held.any() else [],
                   letter_writers=sorted(recipe.holdout_letter_writers) if letters_held.any() else [],
                   doodle_seed=HELDOUT_DOODLE_SEED)
    metrics["verdict"] = {"not_a_digit_bias": recipe.not_a_digit_bias, "unsure_margin": recipe.unsure_margin,
                          "max_turns": recipe.max_turns,
                          "rule": "not a digit: output 10 is the largest (its bias already lowered by "
                                  "not_a_digit_bias), or the strokes wind more than max_turns full turns; "
                                  "else not sure: the top two of all 11 outputs differ by less than "
                                  "unsure_margin",
                          "heldout": heldout}
    return model, metrics
