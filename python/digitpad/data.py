"""MNIST from the four canonical gzip IDX files, checked before use.

Where the files come from, first match wins:
  1. a folder the user names (`--data`, `make ... DATA=`, or $DIGITPAD_DATA);
  2. the user cache, $XDG_CACHE_HOME/digitpad/mnist (default ~/.cache/digitpad/mnist);
  3. a download from a public mirror into that cache.
Every file's sha256 must equal the published one, so a truncated download or a
different "MNIST" never trains a model silently.
"""

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from .errors import UserError


class DataError(UserError):
    """Bad or missing input data; the CLI prints it as one line and exits non-zero."""


# sha256 of the published files (the same bytes as the md5s on LeCun's page).
FILES = {
    "train_images": ("train-images-idx3-ubyte.gz",
                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train_labels": ("train-labels-idx1-ubyte.gz",
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "test_images": ("t10k-images-idx3-ubyte.gz",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}

# Mirrors of the original files (yann.lecun.com itself now often refuses downloads).
MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)

ENV_VAR = "DIGITPAD_DATA"


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "digitpad" / "mnist"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_dir(data_dir=None, download=True):
    """The folder to read MNIST from, downloading into the cache if needed."""
    data_dir = data_dir or os.environ.get(ENV_VAR)
    if data_dir:
        folder = Path(data_dir)
        if not folder.is_dir():
            raise DataError(f"MNIST folder {folder} does not exist; "
                            f"point --data (or DATA=, ${ENV_VAR}) at the folder with the four .gz files")
        return folder
    folder = cache_dir()
    missing = [name for name, _ in FILES.values() if not (folder / name).is_file()]
    if missing and download:
        for name in missing:
            _download(name, folder)
    return folder


def _download(name, folder):
    folder.mkdir(parents=True, exist_ok=True)
    errors = []
    for mirror in MIRRORS:
        # Download beside the target and rename only when complete and verified,
        # so an interrupted download never leaves a half file under the real name.
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(mirror + name, timeout=60) as resp:
                shutil.copyfileobj(resp, out)
            expected = dict(FILES.values())[name]
            if sha256(tmp) != expected:
                raise DataError("checksum mismatch")
            os.replace(tmp, folder / name)
            return
        except (OSError, DataError) as exc:
            errors.append(f"{mirror}: {exc}")
            Path(tmp).unlink(missing_ok=True)
    raise DataError(f"could not download {name} ({'; '.join(errors)}); "
                    f"download the MNIST files by hand and pass their folder with --data")


def verify(folder):
    """sha256 of each file, raising DataError naming the first bad or missing file."""
    sums = {}
    for name, expected in FILES.values():
        path = Path(folder) / name
        if not path.is_file():
            raise DataError(f"{path} is missing; put the four MNIST .gz files in {folder} "
                            f"or point --data at a folder that has them")
        actual = sha256(path)
        if actual != expected:
            raise DataError(f"{path} is corrupt or not the published MNIST file (sha256 {actual[:12]}..., "
                            f"expected {expected[:12]}...); delete it and download it again")
        sums[name] = actual
    return sums


def read_idx(path):
    """Parse one gzip IDX file (magic 2049: labels, 2051: images) into a uint8 array."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path} is not a readable gzip file ({exc})") from None
    magic = int.from_bytes(raw[:4], "big")
    dims = {2049: 1, 2051: 3}.get(magic)
    if dims is None:
        raise DataError(f"{path} is not an MNIST IDX file (magic {magic})")
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if body.size != int(np.prod(shape)):
        raise DataError(f"{path} holds {body.size} bytes of data, expected {int(np.prod(shape))}")
    return body.reshape(shape)


def load_mnist(data_dir=None, download=True):
    """Verified MNIST as uint8 arrays: (x_train, y_train, x_test, y_test), checksums."""
    folder = resolve_dir(data_dir, download)
    sums = verify(folder)
    arrays = {key: read_idx(Path(folder) / name) for key, (name, _) in FILES.items()}
    return (arrays["train_images"], arrays["train_labels"],
            arrays["test_images"], arrays["test_labels"]), sums


# --- Real pen-drawn digits (UCI pendigits, as stroke lists) ---------------------

PEN_DIGITS_ENV = "DIGITPAD_PEN_DIGITS"


def load_pen_digits(path=None):
    """[{"label", "writer", "strokes": [[[x, y], ...], ...]}, ...] from the JSON file."""
    path = Path(path or os.environ.get(PEN_DIGITS_ENV) or "")
    if not path.is_file():
        raise DataError(f"pen digits file {path} not found; pass its path "
                        f"(pendigits-train-writers.json) or set ${PEN_DIGITS_ENV}")
    try:
        samples = json.loads(path.read_text())
        for s in samples:
            if not (0 <= s["label"] <= 9 and s["strokes"] and all(s["strokes"])):
                raise ValueError("a sample has no label 0-9 or an empty stroke")
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path} is not a pen digits JSON file ({exc})") from None
    return samples
