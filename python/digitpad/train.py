"""Train the softmax model on MNIST and write build/model.keras + build/metrics.json.

The seeds' recipe (plain SGD, lr 0.01, batch 100, 10 epochs) stops at ~90.4%:
it is far from the optimum of this convex problem. Adam with a cosine-decaying
rate and a little L2 reaches that optimum (~92.7%) in the same 10 epochs.
"""

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .data import load_mnist


@dataclass
class Recipe:
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 0.01
    l2: float = 1e-5
    seed: int = 0


def to_inputs(images):
    """uint8 (n, 28, 28) -> float32 (n, 784) in [0, 1]: what the model reads."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def evaluate(probs, labels):
    """Accuracy, per-class accuracy and confusion matrix (rows: true, cols: predicted)."""
    predicted = probs.argmax(axis=1)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    return {
        "test_accuracy": float((predicted == labels).mean()),
        "per_class_accuracy": [round(float(a), 4) for a in per_class],
        "confusion_matrix": confusion.tolist(),
    }


def versions():
    import tensorflow as tf
    import tf_keras
    return {"python": platform.python_version(), "numpy": np.__version__,
            "tensorflow": tf.__version__, "tf_keras": tf_keras.__version__}


def fit(x, y, recipe, verbose=1):
    """A fitted model; the same seed gives the same weights (deterministic ops)."""
    import tensorflow as tf
    import tf_keras as keras

    from .model import build_model, compile_model

    keras.utils.set_random_seed(recipe.seed)
    tf.config.experimental.enable_op_determinism()
    steps = recipe.epochs * -(-len(x) // recipe.batch_size)
    model = compile_model(build_model(recipe.l2), recipe.learning_rate, steps)
    model.fit(x, y, batch_size=recipe.batch_size, epochs=recipe.epochs,
              shuffle=True, verbose=verbose)  # Keras's progress bar
    return model


def train(data_dir=None, out_dir="build", recipe=None, limit=None, verbose=1):
    """Train, evaluate on the 10k test set, save model and metrics; returns metrics."""
    started = time.perf_counter()
    recipe = recipe or Recipe()
    (x_train, y_train, x_test, y_test), checksums = load_mnist(data_dir)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    model = fit(to_inputs(x_train), y_train, recipe, verbose)
    probs = model.predict(to_inputs(x_test), batch_size=2000, verbose=0)
    metrics = evaluate(probs, y_test)
    metrics.update(train_examples=len(x_train), recipe=asdict(recipe), data_sha256=checksums,
                   versions=versions(), wall_seconds=round(time.perf_counter() - started, 2))

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _save_atomically(lambda path: model.save(path), out / "model.keras")
    _save_atomically(lambda path: Path(path).write_text(json.dumps(metrics, indent=1)),
                     out / "metrics.json")
    return metrics


def _save_atomically(write, target):
    """Write beside the target and rename, so a killed run keeps the old file."""
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}{target.suffix}")
    try:
        write(str(tmp))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
