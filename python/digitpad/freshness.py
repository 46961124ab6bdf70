"""Whether a trained model is up to date: one key of everything a train() depends on.

Training is deterministic, so a model trained from the same key would be the same bits:
`digitpad train` keeps it (without importing TensorFlow) instead of fitting again.
"""

import hashlib
import json
import platform
from dataclasses import asdict
from pathlib import Path

from .cache import sources
from .data import DataError, bundled_non_digits, pen_digits_path, resolve_dir, verify
from .files import sha256
from .recipe import Recipe

# What a trained model depends on besides the data: a change to any of these trains again.
TRAINER = sources("ahead", "cache", "data", "doodles", "evaluate", "files", "fit", "freshness", "inputs", "model",
                  "preprocess", "preprocess_fast", "recipe", "replay", "spec", "spec.json", "train", "training_set")
LIBRARIES = ("numpy", "numba", "tensorflow", "tf-keras")


def inputs_sha256(data_dir=None, recipe=None, limit=None, pen_digits=None, estimate_writers=(), extra=(),
                  non_digits=None):
    """One sha256 of all a train() with these arguments depends on (its data files' checksums,
    recipe, options, code and libraries), or None if an input is not on disk yet."""
    try:
        files = {"mnist": verify(resolve_dir(data_dir, download=False)),
                 "pen": sha256(pen_digits_path(pen_digits)) if pen_digits else None,
                 "extra": [sha256(p) for p in extra or ()], "letters": sha256(non_digits) if non_digits else None,
                 "bundled": [sha256(p) for p in bundled_non_digits()]}
    except (DataError, OSError):
        return None
    described = [files, asdict(recipe or Recipe()), limit, list(estimate_writers), [sha256(p) for p in TRAINER],
                 [_version(name) for name in LIBRARIES], platform.python_version()]
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
