"""The render cache: rendered inputs kept on disk, keyed on everything they depend on.

The key holds the drawings, the seed and options, and the code that renders them: a second
`make train` with nothing changed skips rendering, and gets the same arrays bit for bit.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .data import cache_dir
from .files import save_atomically, sha256

RENDER_CACHE_ENV = "DIGITPAD_RENDER_CACHE"  # a folder, or "off"


def sources(*names):
    """These modules of the trainer (and its spec.json), as files: their sha256s key caches and models."""
    return [Path(__file__).with_name(name if name.endswith(".json") else f"{name}.py") for name in names]


# The code that renders (and caches) the inputs: a change to any of it renders again.
RENDERING = sources("cache", "doodles", "inputs", "preprocess", "preprocess_fast", "spec", "spec.json")


def cache_off():
    """Whether $DIGITPAD_RENDER_CACHE turns the cache off (then nothing can be rendered ahead)."""
    return os.environ.get(RENDER_CACHE_ENV, "") == "off"


def cached(name, key, compute):
    """compute() (a numpy array), or the array a run with the same key saved."""
    setting = os.environ.get(RENDER_CACHE_ENV, "")
    if setting == "off":
        return compute()
    folder = Path(setting) if setting else cache_dir().parent / "renders"
    digest = hashlib.sha256(json.dumps([key, [sha256(p) for p in RENDERING]], sort_keys=True).encode())
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
