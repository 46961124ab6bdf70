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
import gc
import hashlib
import json
import os
import platform
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from . import doodles as doodle_maker
from .data import (LOOKALIKES, DataError, cache_dir, load_mnist, load_non_digits, load_pen_digits,  # noqa: F401
                   pen_digits_path, resolve_dir, save_atomically, sha256, to_inputs, verify)  # (to_inputs re-exported)
from .errors import UserError
from .preprocess import PREPROCESS_VERSION, deskew_bytes, preprocess_many, render_segments, segments_of, winding
from .recipe import (CLASS_NAMES, DOODLE_SEED, HELDOUT_DOODLE_SEED, HELDOUT_DOODLES,  # noqa: F401
                     HOLDOUT_LETTER_WRITERS, HOLDOUT_WRITERS, NOT_A_DIGIT, Recipe)  # (re-exported)


def prepare_mnist(images, recipe):
    """MNIST images as model inputs, normalised like the page's drawings."""
    if recipe.deskew:
        x = deskew_bytes(images, normalize_size=recipe.normalize_size)
    else:
        x = images.astype(np.float32)
        x /= 255.0  # in place: one array of 70,000 images fewer to allocate
    return x.reshape(len(x), -1)


def stroke_options(recipe):
    """preprocess_strokes options for this recipe: what the page must do too."""
    return {"deskew": recipe.deskew, "normalize_size": recipe.deskew and recipe.normalize_size}


def augmentations(rng, copies, n):
    """For `copies` copies of n drawings: a 2x2 matrix each, (copies, n, 2, 2), a small random
    rotation (+-12 deg), horizontal stretch (x0.82-1.22) and shear (+-0.15); and a random pen
    width each, (copies, n): variations between writers that the 30 recorded ones do not cover."""
    angle, stretch, shear, width = np.moveaxis(rng.uniform([-12, -0.2, -0.15, 2.1], [12, 0.2, 0.15, 3.0],
                                                           size=(copies, n, 4)), -1, 0)
    angle, stretch = np.radians(angle), np.exp(stretch)
    cos, sin, zero, one = np.cos(angle), np.sin(angle), np.zeros_like(angle), np.ones_like(angle)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    return rotation @ np.stack([np.stack([stretch, shear], -1), np.stack([zero, one], -1)], -2), width


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
        return np.load(path, mmap_mode="r")  # read-only, paged in as used: no copy up front
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


def render_pen_digits(samples, recipe, rng_seed, copies=None, drawings_key=None):
    """Pen drawings as model inputs, (copies + 1, n, 784): copy 0 plain, then `copies`
    (default recipe.pen_copies) augmented ones drawn with np.random.default_rng(rng_seed).
    Rendered once, deskewed as one batch; cached on disk (drawings_key: the samples'
    _drawings_key, if known)."""
    copies = recipe.pen_copies if copies is None else copies
    key = ["pen", drawings_key or _drawings_key(samples), rng_seed, copies, recipe.deskew, recipe.normalize_size]
    return cached("pen", key, lambda: _render_pen_digits(samples, recipe, np.random.default_rng(rng_seed), copies))


def turns_of(samples, drawings_key=None):
    """How far each sample's strokes wind (preprocess.winding); cached on disk like renders."""
    return cached("turns", ["turns", drawings_key or _drawings_key(samples)],
                  lambda: np.array([winding(s["strokes"]) for s in samples], dtype=np.float64))


def _render_pen_digits(samples, recipe, rng, copies):
    a, b, ends = segments_of([s["strokes"] for s in samples])
    matrices, widths = augmentations(rng, copies, len(samples))
    # An augmented copy's segments are the plain ones through its drawing's matrix.
    drawing = np.repeat(np.arange(len(samples)), np.diff(ends, prepend=0))
    moved = [np.einsum("sij,sj->si", matrices[c, drawing], points) for c in range(copies) for points in (a, b)]
    x = render_segments(np.concatenate([a, *moved[::2]]), np.concatenate([b, *moved[1::2]]),
                        np.concatenate([ends + c * (ends[-1] if len(ends) else 0) for c in range(copies + 1)]),
                        [None] * len(samples) + list(widths.ravel()), **stroke_options(recipe))
    return x.reshape(copies + 1, len(samples), 28 * 28)


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
        drawn = doodle_maker.doodles(seed, n, as_arrays=True)
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
    """A fitted model; the same seed gives the same weights (deterministic ops)."""
    weights = np.ones(len(x), np.float32) if sample_weight is None else sample_weight
    return fit_many(x, y, recipe, np.asarray(weights, np.float32)[:, None], verbose)[0]


def fit_many(x, y, recipe, weights, verbose=1):
    """One fitted model per column of loss weights (rows, k), all in one pass: the k models
    are the k slices of one wider layer, and Adam, L2 and the loss treat each slice apart,
    so each is the model its weights alone would give on these batches.

    Minibatch Adam written out, one traced function per epoch: Keras's fit() spent more
    setting up (a data pipeline, a training loop with metrics) than fitting 5 epochs."""
    import tensorflow as tf
    import tf_keras as keras

    from .model import CLASSES, build_model, compile_model

    keras.utils.set_random_seed(recipe.seed)
    tf.config.experimental.enable_op_determinism()
    rows, batch, k = len(x), recipe.batch_size, weights.shape[1]
    wide = compile_model(build_model(recipe.l2, outputs=CLASSES * k, activation=None), recipe.learning_rate,
                         recipe.epochs * -(-rows // batch))
    # The optimizer's variables made now: made inside the traced epoch, tracing would run twice.
    wide.optimizer.build(wide.trainable_variables)
    inputs, labels, weights = _tensor(x), tf.constant(y.astype(np.int32)), tf.constant(weights)

    # The loop as tf.while_loop, not a Python loop for AutoGraph to rewrite: quicker to trace.
    @tf.function(autograph=False)
    def epoch(order):
        """One pass in the given order; the first model's mean loss, weighted as Keras weighs it."""
        def step(start, total):
            picked = order[start:start + batch]
            size = tf.cast(tf.size(picked), tf.float32)
            with tf.GradientTape() as tape:
                logits = tf.reshape(wide(tf.gather(inputs, picked), training=True), [-1, k, CLASSES])
                losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
                    tf.repeat(tf.gather(labels, picked)[:, None], k, axis=1), logits) * tf.gather(weights, picked)
                loss = tf.reduce_sum(losses) / size + sum(wide.losses)
            variables = wide.trainable_variables
            wide.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return start + batch, total + tf.reduce_sum(losses[:, 0])
        _, total = tf.while_loop(lambda start, _: start < rows, step, (tf.constant(0), tf.constant(0.0)))
        return total / rows

    shuffle = np.random.default_rng(recipe.seed)
    bar = keras.utils.Progbar(recipe.epochs, unit_name="epoch") if verbose == 1 else None
    for done in range(1, recipe.epochs + 1):
        loss = float(epoch(tf.constant(shuffle.permutation(rows).astype(np.int32))))
        if bar:
            bar.update(done, [("loss", loss)])
        elif verbose == 2:
            print(f"epoch {done}/{recipe.epochs}: loss {loss:.4f}", flush=True)
    kernel, bias = wide.layers[-1].get_weights()
    models = [build_model(recipe.l2) for _ in range(k)]
    for i, model in enumerate(models):
        model.layers[-1].set_weights([kernel[:, i * CLASSES:(i + 1) * CLASSES], bias[i * CLASSES:(i + 1) * CLASSES]])
    return models


def _tensor(array):
    """A TensorFlow tensor of the array's values: its memory itself when numpy can lend it
    (tf.constant would copy the training rows, hundreds of MB, on the way to the fit)."""
    import tensorflow as tf
    if array.flags.c_contiguous and array.flags.writeable and array.ctypes.data % _ALIGN == 0:
        return tf.experimental.dlpack.from_dlpack(array.__dlpack__())
    return tf.constant(array)  # TensorFlow's kernels need aligned memory


_ALIGN = 64  # bytes: TensorFlow's (Eigen's) alignment for tensor memory


def _stack_rows(pieces):
    """The rows of each (array, mask) piece (mask None: all rows), one piece after another,
    in one array whose memory is aligned for _tensor (numpy's need not be). Each piece is
    copied once, straight to its place: no joined or masked copy first."""
    counts = [len(a) if mask is None else int(np.count_nonzero(mask)) for a, mask in pieces]
    shape = (sum(counts),) + pieces[0][0].shape[1:]
    dtype = np.result_type(*[a for a, _ in pieces])
    size = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(size + _ALIGN, np.uint8)
    start = -raw.ctypes.data % _ALIGN
    out = raw[start:start + size].view(dtype).reshape(shape)
    row = 0
    for (array, mask), count in zip(pieces, counts):
        if mask is None or count == len(array):
            out[row:row + count] = array
        else:
            np.compress(mask, array, axis=0, out=out[row:row + count])
        row += count
    return out


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


def write_replay_set(path, xs, y):
    """REPLAY_PER_CLASS prepared training inputs per class: 784 uint8 pixels + 1 label byte each.
    xs: the inputs in parts, their rows in order labelled y (picked from, never joined)."""
    def spread(rows):  # non-digits: across the letters and every kind of doodle
        return rows[np.linspace(0, len(rows) - 1, min(REPLAY_PER_CLASS, len(rows))).round().astype(int)]
    picks = np.concatenate([np.flatnonzero(y == d)[:REPLAY_PER_CLASS] for d in range(10)]
                           + [spread(np.flatnonzero(y == NOT_A_DIGIT))])
    starts = np.cumsum([0] + [len(x) for x in xs])
    part = np.searchsorted(starts, picks, side="right") - 1
    x = np.array([xs[p][i - starts[p]] for p, i in zip(part, picks)], np.float32).reshape(len(picks), -1)
    pixels = np.clip(np.floor(x * 255 + 0.5), 0, 255).astype(np.uint8)
    rows = np.concatenate([pixels, y[picks, None].astype(np.uint8)], axis=1)
    save_atomically(lambda tmp: Path(tmp).write_bytes(rows.tobytes()), Path(path))


def load_extra(paths):
    """Samples taught in the page and downloaded there (same form as the pen digits)."""
    samples = []
    for path in paths or ():
        samples += [{**s, "writer": f"extra:{Path(path).name}"} for s in load_pen_digits(path)]
    return samples


def train(data_dir=None, out_dir="build", recipe=None, limit=None, verbose=1, pen_digits=None,
          estimate_writers=(), extra=(), non_digits=None, meanwhile=None):
    """Train on MNIST (plus pen digits if given) and non-digits (doodles, plus letters
    if given), evaluate on the MNIST test set and held-out drawings, save model and
    metrics; returns metrics.

    estimate_writers: beside the shipped model (trained on everyone), fit one without these
    pen writers (and without HOLDOUT_LETTER_WRITERS' letters), only to measure how the
    recipe does on drawings by people it never saw.
    meanwhile: run (e.g. TensorFlow's import) while child processes render the inputs."""
    started = time.perf_counter()
    recipe = recipe or Recipe()
    _check_writable(Path(out_dir))  # before the slow work, not after
    # The inputs are ~10^6 small Python lists: each full garbage collection walked them all
    # (~0.2-0.3 s a time, reading included), and would touch the children's copies of them.
    with _collections_skipping_inputs() as inputs_read:
        # Every input file is read and checked before the slow work: a bad one fails at once.
        letters = load_non_digits(non_digits) if non_digits else []
        pen = (load_pen_digits(pen_digits) if pen_digits else []) + load_extra(extra)
        mnist, checksums = load_mnist(data_dir)
        if limit:
            mnist = (mnist[0][:limit], mnist[1][:limit], *mnist[2:])
        prepare = functools.partial(_prepare_inputs, mnist, checksums, pen, letters, recipe)
        inputs_read()
        recipes = [recipe]
        if pen_digits and estimate_writers:  # (taught samples are never held out)
            recipes.append(replace(recipe, holdout_writers=list(estimate_writers),
                                   holdout_letter_writers=HOLDOUT_LETTER_WRITERS if non_digits else []))
        with _rendered_ahead(prepare, verbose, meanwhile) as rendered:
            data = prepare(verbose=0 if rendered else verbose)  # from the render cache when rendered ahead
            x, y, weights, trained_on = _training_set(data, recipes)
        if verbose:
            print("fitting the shipped model on everything" + (
                f", and beside it one without writers {', '.join(estimate_writers)} to measure on them"
                if len(recipes) > 1 else "") + ":", flush=True)
        models = fit_many(x, y, recipe, weights, verbose)
        model, metrics = _evaluate(models[0], data, recipe)
        metrics["trained_on"] = trained_on
        if len(models) > 1:
            estimate = _evaluate(models[1], data, recipes[1])[1]
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
            replay_x = [data["x"], data["letters_x"][data["letter_trainable"]], data["doodles_x"]]
            replay_y = np.concatenate([data["y"], np.full(len(replay_x[1]) + len(replay_x[2]), NOT_A_DIGIT)])
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
    try:
        files = {"mnist": verify(resolve_dir(data_dir, download=False)),
                 "pen": sha256(pen_digits_path(pen_digits)) if pen_digits else None,
                 "extra": [sha256(p) for p in extra or ()], "letters": sha256(non_digits) if non_digits else None}
    except (DataError, OSError):
        return None
    described = [files, asdict(recipe or Recipe()), limit, list(estimate_writers), [sha256(p) for p in _TRAINER],
                 [_version(name) for name in _LIBRARIES], platform.python_version()]
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _version(name):
    import importlib.metadata
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:  # TensorFlow installed as tensorflow-cpu (pyproject.toml)
        return importlib.metadata.version(f"{name}-cpu")


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
def _collections_skipping_inputs():
    """No garbage collection until inputs_read() (yielded) is called, then collections that
    skip every object existing at that point, until the block ends."""
    gc.disable()
    try:
        yield lambda: (gc.freeze(), gc.enable())
    finally:
        gc.enable()
        gc.unfreeze()


_WHOLE_LINES = False  # each phase's line printed at its end, not begun at its start


@contextlib.contextmanager
def phase(text, verbose):
    """One line per slow step of training: what it does, then how long it took."""
    if verbose and not _WHOLE_LINES:
        print(f"{text}...", end="", flush=True)
    started = time.perf_counter()
    yield
    if verbose:
        took = f"{time.perf_counter() - started:.1f} s"
        # One string, one write: the lines children print at the same time never interleave.
        print(f"{text}... {took}" if _WHOLE_LINES else f" {took}", flush=True)


def _check_writable(out):
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"cannot write to {out}/: {exc.strerror or exc}; choose another --out") from None


def _prepare_inputs(mnist, checksums, pen, letters, recipe, verbose, parts=("digits", "non-digits")):
    """Everything the fits take, rendered (or read from the render cache); or only these parts."""
    data = _prepare_digits(mnist, checksums, pen, recipe, verbose) if "digits" in parts else {}
    if "non-digits" in parts:
        with phase(f"not a digit: rendering {len(letters):,} letters and {recipe.doodles + HELDOUT_DOODLES:,} "
                   "doodles", verbose):
            data.update(_render_non_digits(letters, recipe))
    return data


def _prepare_digits(mnist, checksums, pen, recipe, verbose):
    """MNIST prepared and the pen digits rendered (or read from the render cache)."""
    x_train, y_train, x_test, y_test = mnist
    with phase(f"MNIST: preparing {len(x_train) + len(x_test):,} images", verbose):
        key = ["mnist", checksums, len(x_train), recipe.deskew, recipe.normalize_size]
        both = cached("mnist", key, lambda: prepare_mnist(np.concatenate([x_train, x_test]), recipe))
        data = {"x": both[:len(x_train)], "y": y_train, "x_test": both[len(x_train):], "y_test": y_test}
    if pen:
        with phase(f"pen digits: rendering {len(pen):,} x {recipe.pen_copies + 1}", verbose):
            key = _drawings_key(pen)  # once: it serialises every drawing
            data.update(pen=pen, pen_x=render_pen_digits(pen, recipe, recipe.seed, drawings_key=key),
                        pen_labels=np.array([s["label"] for s in pen], dtype=np.uint8),
                        pen_turns=turns_of(pen, key))
    return data


@contextlib.contextmanager
def _rendered_ahead(prepare, verbose, meanwhile):
    """Yields whether two forked child processes rendered everything into the render cache
    (digits, and non-digits) while meanwhile() ran on a thread; the block then runs as that
    goes on, and its end waits for it. meanwhile is TensorFlow's import: seconds of one core
    and of Python's lock, which would stall rendering in this process."""
    if meanwhile is None:
        yield False
        return
    if os.environ.get(RENDER_CACHE_ENV, "") == "off" or "tensorflow" in sys.modules:
        meanwhile()  # no cache to hand the renders over, or too late to fork safely
        yield False
        return
    import multiprocessing
    import threading
    fork = multiprocessing.get_context("fork")
    children = [fork.Process(target=_exit_quietly, args=(prepare, verbose, (part,)), daemon=True)
                for part in ("digits", "non-digits")]
    for child in children:
        child.start()
    failed = []

    def run():
        try:
            meanwhile()
        except BaseException as exc:  # re-raised in this thread
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)  # after the forks: never fork mid-import
    thread.start()
    try:
        for child in children:
            child.join()
        yield all(child.exitcode == 0 for child in children)  # else this process renders, and says what failed
    finally:
        thread.join()
    if failed:
        raise failed[0]


def _exit_quietly(function, *args):
    """function(*args) in a child process, its progress lines whole (children print at
    once); a failure exits 1 without a traceback (the parent then does the same work,
    and reports the failure as it would have)."""
    global _WHOLE_LINES
    _WHOLE_LINES = True
    try:
        function(*args)
    except Exception:
        sys.exit(1)


def _render_non_digits(letters, recipe):
    """Model inputs of the letters (the look-alikes plain only: measured, never trained
    on), the training doodles and the held-out ones."""
    plain = [s for s in letters if s["char"] not in LOOKALIKES]
    ordered = plain + [s for s in letters if s["char"] in LOOKALIKES]
    rendered = render_pen_digits(plain, recipe, [recipe.seed, 1], recipe.letter_copies)
    looks = render_pen_digits(ordered[len(plain):], recipe, None, copies=0)[0]
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


def _training_set(data, recipes):
    """The rows fitted on, (x, y), with one column of loss weights per recipe: MNIST, the
    pen writers and letter writers the first recipe does not hold out, and the doodles;
    a later recipe's column is 0 on the rows of the writers it holds out. Also what the
    first recipe trains on."""
    recipe = recipes[0]
    x, y = data["x"], data["y"]
    trained_on = {"mnist_train": len(x)}
    held = [_held_out(data, r) for r in recipes]  # (pen digits, letters) each recipe holds out
    # (row pieces, y, weight, kept by each recipe); a piece is (array, mask of its rows or None)
    parts = [([(x, None)], y, 1.0, [np.ones(len(x), bool)] * len(recipes))]
    pen_in = ~held[0][0]
    if pen_in.any():
        copies = len(data["pen_x"])
        parts.append(([(data["pen_x"][c], pen_in) for c in range(copies)],
                      np.tile(data["pen_labels"][pen_in], copies), recipe.pen_weight,
                      [np.tile(~pen[pen_in], copies) for pen, _ in held]))
        trained_on.update(pen_digits=int(pen_in.sum()), pen_renderings=copies * int(pen_in.sum()),
                          pen_writers=sorted({s["writer"] for s, i in zip(data["pen"], pen_in) if i}))
    copied = data["letter_copies_x"].shape[1]  # the first `copied` letters have augmented copies
    letters_in = data["letter_trainable"] & ~held[0][1]
    letter_pieces = [(data["letters_x"], letters_in)] + [(c, letters_in[:copied]) for c in data["letter_copies_x"]]
    letter_rows = sum(int(np.count_nonzero(mask)) for _, mask in letter_pieces)
    parts.append((letter_pieces, np.full(letter_rows, NOT_A_DIGIT), recipe.non_digit_weight,
                  [np.concatenate([~letters[letters_in], np.tile(~letters[:copied][letters_in[:copied]],
                                                                 len(data["letter_copies_x"]))])
                   for _, letters in held]))
    parts.append(([(data["doodles_x"], None)], np.full(len(data["doodles_x"]), NOT_A_DIGIT),
                  recipe.non_digit_weight, [np.ones(len(data["doodles_x"]), bool)] * len(recipes)))
    trained_on.update(letters=int(letters_in.sum()), letter_renderings=letter_rows,
                      letter_writers=sorted({s["writer"] for s, i in zip(data["letters"], letters_in) if i}),
                      doodles=len(data["doodles_x"]))
    weights = np.concatenate([np.float32(w) * np.stack(keep, axis=1) for _, _, w, keep in parts]).astype(np.float32)
    return (_stack_rows([piece for pieces, _, _, _ in parts for piece in pieces]),
            np.concatenate([p[1] for p in parts]).astype(np.uint8), weights, trained_on)


def _held_out(data, recipe):
    """Which pen digits and which letters `recipe` holds out (by their writers), as two masks."""
    def writers(samples, held):
        return np.array([s["writer"] in held for s in samples], dtype=bool)
    return writers(data.get("pen", []), recipe.holdout_writers), writers(data["letters"], recipe.holdout_letter_writers)


def _evaluate(model, data, recipe):
    """The fitted model with "not a digit" lowered, and its scores: MNIST test, and what
    `recipe` held out."""
    held, letters_held = _held_out(data, recipe)
    pen_labels = data.get("pen_labels", np.zeros(0, np.uint8))
    # Lower "not a digit" after fitting: the page's plain argmax then applies the
    # calibrated trade-off between rejecting non-digits and rejecting real digits.
    layer = model.layers[-1]
    kernel, bias = layer.get_weights()
    bias[NOT_A_DIGIT] += recipe.not_a_digit_bias
    layer.set_weights([kernel, bias])

    mnist_probs = probabilities(model, data["x_test"])
    scores = evaluate(mnist_probs, data["y_test"])
    metrics = {"test_accuracy": scores.pop("accuracy"), **scores,
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
