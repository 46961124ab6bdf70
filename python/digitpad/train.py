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
  and pen width, so it generalises to writers it has not seen.
"""

import json
import math
import platform
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from .data import load_mnist, load_pen_digits, save_atomically
from .errors import UserError
from .preprocess import PREPROCESS_VERSION, deskew, preprocess_strokes
from .recipe import HOLDOUT_WRITERS, Recipe  # noqa: F401 (HOLDOUT_WRITERS: re-exported)


def to_inputs(images):
    """uint8 (n, 28, 28) -> float32 (n, 784) in [0, 1]: what the model reads."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


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
    return [(np.asarray(s, dtype=np.float64) @ matrix.T).tolist() for s in strokes], rng.uniform(2.1, 3.0)


def render_pen_digits(samples, recipe, rng):
    """Pen digits as model inputs, (copies, n, 784): copy 0 plain, then
    `pen_copies` augmented ones. Rendered once, deskewed as one batch."""
    images = [preprocess_strokes(s["strokes"]) for s in samples]
    for _ in range(recipe.pen_copies):
        for s in samples:
            strokes, pen_width = augment(s["strokes"], rng)
            images.append(preprocess_strokes(strokes, pen_width=pen_width))
    images = np.stack(images)
    if recipe.deskew:  # the same step preprocess_strokes(deskew=...) would take
        images = deskew(images, normalize_size=recipe.normalize_size)
    return images.reshape(recipe.pen_copies + 1, len(samples), -1)


def evaluate(probs, labels):
    """Accuracy, per-class accuracy and confusion matrix (rows: true, cols: predicted)."""
    predicted = probs.argmax(axis=1)
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
    import tensorflow as tf
    import tf_keras as keras

    from .model import build_model, compile_model

    keras.utils.set_random_seed(recipe.seed)
    tf.config.experimental.enable_op_determinism()
    steps = recipe.epochs * -(-len(x) // recipe.batch_size)
    model = compile_model(build_model(recipe.l2), recipe.learning_rate, steps)
    model.fit(x, y, sample_weight=sample_weight, batch_size=recipe.batch_size,
              epochs=recipe.epochs, shuffle=True, verbose=verbose)  # Keras's progress bar
    return model


# A few MNIST digits per class ship with the model: the page mixes them into
# in-browser fine-tuning ("teach it") so the model does not forget MNIST.
REPLAY_PER_CLASS = 20


def write_replay_set(path, x, y):
    """REPLAY_PER_CLASS prepared training inputs per digit: 784 uint8 pixels + 1 label byte each."""
    picks = np.concatenate([np.flatnonzero(y == d)[:REPLAY_PER_CLASS] for d in range(10)])
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
          estimate_writers=(), extra=()):
    """Train on MNIST (plus pen digits if given), evaluate on the MNIST test set
    (and on held-out pen writers, if the recipe holds any out), save model and
    metrics; returns metrics.

    estimate_writers: first fit once more without these writers, only to
    measure how the recipe does on writers it never saw (the shipped model
    then trains on everyone)."""
    started = time.perf_counter()
    recipe = recipe or Recipe()
    (x_train, y_train, x_test, y_test), checksums = load_mnist(data_dir)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    data = {"x": prepare_mnist(x_train, recipe), "y": y_train,
            "x_test": prepare_mnist(x_test, recipe), "y_test": y_test}
    pen = (load_pen_digits(pen_digits) if pen_digits else []) + load_extra(extra)
    if pen:
        data.update(pen=pen, pen_x=render_pen_digits(pen, recipe, np.random.default_rng(recipe.seed)))
    estimate = None
    if pen_digits and estimate_writers:  # (taught samples are never held out)
        holdout = replace(recipe, holdout_writers=list(estimate_writers))
        estimate = _fit_and_evaluate(data, holdout, verbose=0)[1]["heldout_pen"]
    model, metrics = _fit_and_evaluate(data, recipe, verbose)
    if estimate:
        metrics["heldout_pen"] = estimate
    metrics.update(recipe=asdict(recipe), data_sha256=checksums, versions=versions(),
                   wall_seconds=round(time.perf_counter() - started, 2))

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        save_atomically(lambda path: model.save(path), out / "model.keras")
        write_replay_set(out / "replay.bin", data["x"], data["y"])
        save_atomically(lambda path: Path(path).write_text(json.dumps(metrics, indent=1)),
                        out / "metrics.json")
    except OSError as exc:
        raise UserError(f"could not write the trained model to {out}/: {exc.strerror or exc}") from None
    return metrics


def _fit_and_evaluate(data, recipe, verbose):
    """Fit on MNIST + the pen writers not held out; score MNIST test and the held-out writers."""
    x, y = data["x"], data["y"]
    weights = np.ones(len(x), dtype=np.float32)
    trained_on = {"mnist_train": len(x)}
    pen = data.get("pen", [])
    held = np.array([s["writer"] in recipe.holdout_writers for s in pen], dtype=bool)
    pen_labels = np.array([s["label"] for s in pen], dtype=np.uint8)
    if pen and not held.all():
        x_pen = data["pen_x"][:, ~held].reshape(-1, x.shape[1])
        x = np.concatenate([x, x_pen])
        y = np.concatenate([y, np.tile(pen_labels[~held], len(data["pen_x"]))])
        weights = np.concatenate([weights, np.full(len(x_pen), recipe.pen_weight, dtype=np.float32)])
        trained_on.update(pen_digits=int((~held).sum()), pen_renderings=len(x_pen),
                          pen_writers=sorted({s["writer"] for s, h in zip(pen, held) if not h}))

    model = fit(x, y, recipe, weights, verbose)
    scores = evaluate(model.predict(data["x_test"], batch_size=2000, verbose=0), data["y_test"])
    metrics = {"test_accuracy": scores.pop("accuracy"), **scores, "trained_on": trained_on,
               "preprocess": {"version": PREPROCESS_VERSION, **stroke_options(recipe)}}
    if held.any():
        drawn = evaluate(model.predict(data["pen_x"][0][held], verbose=0), pen_labels[held])
        metrics["heldout_pen"] = {"writers": sorted(recipe.holdout_writers), "samples": int(held.sum()),
                                  "rendered_in": "python (same spec as the page)", **drawn}
    return model, metrics
