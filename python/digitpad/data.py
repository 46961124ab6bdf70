"""MNIST from the four canonical gzip IDX files, checked before use; real pen digits.

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
import urllib.request
from pathlib import Path

import numpy as np

from .errors import UserError
from .files import save_atomically, sha256
from .spec import PREPROCESS

SIZE = PREPROCESS["SIZE"]  # MNIST's and Quick, Draw!'s images are SIZE x SIZE


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
        def fetch(tmp):
            with open(tmp, "wb") as out, urllib.request.urlopen(mirror + name, timeout=60) as resp:
                shutil.copyfileobj(resp, out)
            if sha256(tmp) != dict(FILES.values())[name]:
                raise DataError("checksum mismatch")
        try:
            return save_atomically(fetch, folder / name)  # renamed only when complete and verified
        except (OSError, DataError) as exc:
            errors.append(f"{mirror}: {exc}")
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


def to_inputs(images):
    """uint8 (n, 28, 28) -> float32 (n, 784) in [0, 1]: what the model reads."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def load_mnist(data_dir=None, download=True):
    """Verified MNIST as uint8 arrays: (x_train, y_train, x_test, y_test), checksums."""
    folder = resolve_dir(data_dir, download)
    sums = verify(folder)
    arrays = {key: read_idx(Path(folder) / name) for key, (name, _) in FILES.items()}
    return (arrays["train_images"], arrays["train_labels"],
            arrays["test_images"], arrays["test_labels"]), sums


# --- Real pen-drawn digits (UCI pendigits, as stroke lists) ---------------------
#
# 7,494 digits written on a tablet by 30 writers (E. Alpaydin, F. Alimoglu, UCI,
# CC BY 4.0), pen stroke by pen stroke. Like MNIST, first match wins: a file the
# user names (--pen-digits, PEN=, $DIGITPAD_PEN_DIGITS: the JSON or the original
# UNIPEN file), else the user cache, else a download of UCI's archive into it.

PEN_DIGITS_ENV = "DIGITPAD_PEN_DIGITS"
UCI = "uci"  # --pen-digits uci: UCI's own file, downloaded once into the cache
PEN_DIGITS_URL = "https://archive.ics.uci.edu/static/public/81/pen+based+recognition+of+handwritten+digits.zip"
PEN_DIGITS_FILE = "pendigits-orig.tra"  # in UCI's zip Unix-compressed, as pendigits-orig.tra.Z
PEN_DIGITS_SHA256 = "a66225d68d7d68591e62944df1ad33b3f5aa608e2df2505844b41f5568a80da4"  # md5 28e269fb...


def uci_pen_digits():
    """UCI's original file in the user cache, downloaded there first if needed."""
    target = pen_digits_path(UCI)
    if not target.is_file():
        _download_pen_digits(target)
    return target


def _download_pen_digits(target):
    import io
    import zipfile

    import unlzw3  # the .Z (LZW) format of Unix `compress`, which the gzip module cannot read
    url = PEN_DIGITS_URL
    try:
        # A named client: some archives' front ends refuse Python's default User-Agent.
        request = urllib.request.Request(url, headers={"User-Agent": "digitpad-trainer/1.0"})
        with urllib.request.urlopen(request, timeout=120) as resp:
            archive = zipfile.ZipFile(io.BytesIO(resp.read()))
        member = next(n for n in archive.namelist() if Path(n).name == PEN_DIGITS_FILE + ".Z")
        raw = unlzw3.unlzw(archive.read(member))
    except StopIteration:
        raise DataError(f"{url} has no {PEN_DIGITS_FILE}.Z") from None
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise DataError(f"could not download the pen digits from {url} ({exc}); pass a file with --pen-digits "
                        f"or train on MNIST only with --no-pen-digits") from None
    if hashlib.sha256(raw).hexdigest() != PEN_DIGITS_SHA256:
        raise DataError(f"{url}: {PEN_DIGITS_FILE} is not the published file (sha256 mismatch)")
    target.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(lambda tmp: Path(tmp).write_bytes(raw), target)


def parse_unipen(text):
    """Samples from UCI's original UNIPEN file: per digit a `.SEGMENT ... "label"`,
    a `.COMMENT label writer index` and strokes as `.PEN_DOWN`, "x y" lines,
    `.PEN_UP`. The tablet's y points up; ours (the screen's) down: y = 500 - y."""
    samples, stroke = [], None
    for number, line in enumerate(text.splitlines(), 1):
        word = line.split()
        if not word:
            continue
        if word[0] == ".SEGMENT":
            samples.append({"label": int(word[-1].strip('"')), "writer": None, "strokes": []})
        elif word[0] == ".COMMENT" and samples:
            samples[-1]["writer"] = f"w{int(word[2]):02d}"
        elif word[0] == ".PEN_DOWN" and samples:
            stroke = []
            samples[-1]["strokes"].append(stroke)
        elif word[0] == ".PEN_UP":
            stroke = None
        elif stroke is not None and not word[0].startswith("."):
            if len(word) != 2:
                raise ValueError(f"line {number}: expected 'x y', got {line.strip()!r}")
            stroke.append([int(word[0]), 500 - int(word[1])])
    return samples


def pen_digits_path(path=None, download=False):
    """The pen digits file that load_pen_digits(path) reads (with download, fetched first if need be)."""
    path = path or os.environ.get(PEN_DIGITS_ENV) or ""
    if str(path) == UCI:
        return uci_pen_digits() if download else cache_dir().parent / "pendigits" / PEN_DIGITS_FILE
    return Path(path)


def read_text(path):
    """A data file's text (UTF-8), or a one-line DataError: a file that is not regular (a FIFO
    would block forever), cannot be read, or is not UTF-8 text."""
    if not path.is_file():
        raise DataError(f"{path} is not a regular file; pass the data file itself")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path} could not be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (byte {exc.start}); pass the JSON or UNIPEN file") from None


def load_pen_digits(path=None):
    """[{"label", "writer", "strokes": [[[x, y], ...], ...]}, ...] from the JSON file
    or UCI's original UNIPEN file (pendigits-orig.tra); "uci": UCI's, from the cache
    or downloaded."""
    path = pen_digits_path(path, download=True)
    if not path.exists():
        raise DataError(f"pen digits file {path} not found; pass its path "
                        f"(UCI's pendigits-orig.tra, or the same digits as JSON) or set ${PEN_DIGITS_ENV}")
    text = read_text(path)
    try:
        samples = parse_unipen(text) if text.lstrip().startswith(".") else json.loads(text)
    except (ValueError, IndexError, RecursionError) as exc:
        raise DataError(f"{path} is not a pen digits file, JSON or UNIPEN ({exc})") from None
    if not isinstance(samples, list) or not samples:
        raise DataError(f"{path} holds no digits: expected a list of {{label, writer, strokes}}")
    for number, sample in enumerate(samples):
        wrong = sample_problem(sample)
        if wrong:
            raise DataError(f"{path}: digit {number} is not a drawn digit: {wrong}; fix or remove it")
    return samples


# Bounds on one drawn digit, as the page's samples.js (LIMITS) checks a taught one:
# far above any real drawing, low enough that one bad record cannot stall training.
SAMPLE_LIMITS = {"strokes": 40, "points": 5000, "coordinate": 1e6}


def sample_problem(sample):
    """Why `sample` is not a drawn digit ({label: integer 0-9, writer: text, strokes:
    lists of finite [x, y]}), or "" when it is one. The page's samples.js, the same."""
    if not isinstance(sample, dict):
        return "not an object"
    label, strokes = sample.get("label"), sample.get("strokes")
    if type(label) is not int or not 0 <= label <= 9:
        return f"its label {label!r} is not a digit 0-9"
    if not isinstance(sample.get("writer"), str):
        return "its writer is not a name"
    return strokes_problem(strokes)


_NUMBERS = (int, float)  # not bool: True is no coordinate


def strokes_problem(strokes):
    """Why `strokes` are not 1-40 lists of finite [x, y] (at most 5,000 points), or ""."""
    if not isinstance(strokes, list) or not 1 <= len(strokes) <= SAMPLE_LIMITS["strokes"]:
        return f"its strokes are not a list of 1 to {SAMPLE_LIMITS['strokes']} strokes"
    points, reach = 0, SAMPLE_LIMITS["coordinate"]
    for stroke in strokes:
        if not isinstance(stroke, list) or not stroke:
            return "a stroke is not a list of points"
        points += len(stroke)
        if points > SAMPLE_LIMITS["points"]:
            return f"it has more than {SAMPLE_LIMITS['points']} points"
        # Written out, not with all() over a generator: make train checks ~500,000 points.
        for point in stroke:
            if not (isinstance(point, list) and len(point) == 2):
                return f"a point is not [x, y] of finite numbers within ±{reach:g}"
            x, y = point
            if not (type(x) in _NUMBERS and type(y) in _NUMBERS and -reach <= x <= reach and -reach <= y <= reach):
                return f"a point is not [x, y] of finite numbers within ±{reach:g}"
    return ""


# --- Handwritten letters: examples of "not a digit" ------------------------------
#
# "Not a digit" is learnt from data the package ships (nondigits/README.md: sources,
# licences, how it was cut): UJI Pen Characters' letters (D. Llorens et al., Universitat
# Jaume I, UCI, CC BY 4.0), written on a tablet in the pen digits' stroke form, and doodles of
# Google's Quick, Draw! (CC BY 4.0), 28x28 images. A file the user names (--non-digits,
# NONDIGITS=, $DIGITPAD_NON_DIGITS) adds more letters.

NON_DIGITS_ENV = "DIGITPAD_NON_DIGITS"
NON_DIGITS_DIR = Path(__file__).with_name("nondigits")
LETTERS_FILE = "uji-letters.json.gz"
QUICKDRAW_FILE = "quickdraw.u4.gz"
QUICKDRAW_THINGS = ("airplane", "banana", "bird", "book", "cat", "clock", "dog", "flower", "house", "rainbow")

# Letters that many hands write as a digit (O o: 0, I l i: 1, Z z: 2, S s: 5, B: 8,
# b G: 6, g q: 9): never taught as "not a digit", and a reading as a digit is no error.
LOOKALIKES = frozenset("OoIliZzSsBbGgq")


def bundled_non_digits():
    """The shipped non-digit files (their sha256s key the trained model)."""
    return [NON_DIGITS_DIR / LETTERS_FILE, NON_DIGITS_DIR / QUICKDRAW_FILE]


def load_letters(extra=None):
    """The shipped letters, then those of the file `extra` (if named) that are not among them."""
    letters = load_non_digits(NON_DIGITS_DIR / LETTERS_FILE)
    if extra:
        seen = {json.dumps(s, sort_keys=True) for s in letters}
        letters += [s for s in load_non_digits(extra) if json.dumps(s, sort_keys=True) not in seen]
    return letters


def load_quickdraw():
    """The shipped Quick, Draw! doodles: (images (n, 28, 28) uint8, ink 255 on 0, as MNIST's;
    the thing each one is, (n,)). Stored at 16 grey levels, two pixels a byte, thing by thing."""
    path = NON_DIGITS_DIR / QUICKDRAW_FILE
    try:
        packed = np.frombuffer(gzip.decompress(path.read_bytes()), np.uint8)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path} could not be read ({exc}): restore it from the repository "
                        "(git checkout -- python/digitpad/nondigits)") from None
    if len(packed) % (len(QUICKDRAW_THINGS) * SIZE * SIZE // 2):
        raise DataError(f"{path} is not 10 things x n images of 392 bytes: restore it from the repository "
                        "(git checkout -- python/digitpad/nondigits)")
    levels = np.stack([packed >> 4, packed & 15], axis=-1).reshape(-1, SIZE, SIZE)
    things = np.repeat(np.array(QUICKDRAW_THINGS), len(levels) // len(QUICKDRAW_THINGS))
    return levels * np.uint8(17), things


def load_non_digits(path):
    """[{"char", "writer", "strokes": [[[x, y], ...], ...]}, ...] from a JSON file of letters."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"non-digits file {path} not found; pass the letters' JSON file "
                        f"(uji-letters-dev.json) or set ${NON_DIGITS_ENV}")
    text = gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else read_text(path)
    try:
        samples = json.loads(text)
        if not isinstance(samples, list):
            raise ValueError("not a list of samples")
        for s in samples:
            if not (isinstance(s["char"], str) and len(s["char"]) == 1 and isinstance(s["writer"], str)):
                raise ValueError("a sample has no one-character char or no writer")
            wrong = strokes_problem(s["strokes"])
            if wrong:
                raise ValueError(f"letter {s['char']!r} of {s['writer']}: {wrong}")
    except (ValueError, KeyError, IndexError, TypeError, RecursionError) as exc:
        raise DataError(f"{path} is not a non-digits file of letters as JSON ({exc})") from None
    return samples
