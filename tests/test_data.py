"""MNIST loading: checksums, every kind of bad file, and the download path."""

import gzip
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from digitpad import data
from digitpad.data import DataError, load_mnist, read_idx
from digitpad.files import sha256

from .conftest import FIXTURES, REPO


@pytest.fixture
def mnist_copy(tmp_path, mnist_dir):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name, _ in data.FILES.values():
        shutil.copy(mnist_dir / name, folder / name)
    return folder


def run_train(*args):
    """The CLI in a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "digitpad", "train", *args],
                          capture_output=True, text=True, timeout=120)


def assert_one_line_error(result, *needles):
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitpad: error:"), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_loads_verified_arrays(mnist_dir):
    (x_train, y_train, x_test, y_test), sums = load_mnist(mnist_dir)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.max() == 9
    assert sums == {name: sha for name, sha in data.FILES.values()}


def test_missing_folder_is_one_line_error(tmp_path):
    assert_one_line_error(run_train("--data", str(tmp_path / "nope")), "does not exist")


def test_missing_file(mnist_copy):
    (mnist_copy / "t10k-labels-idx1-ubyte.gz").unlink()
    assert_one_line_error(run_train("--data", str(mnist_copy)), "t10k-labels-idx1-ubyte.gz", "missing")


def test_truncated_file(mnist_copy):
    path = mnist_copy / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100_000])
    assert_one_line_error(run_train("--data", str(mnist_copy)), "train-images-idx3-ubyte.gz", "corrupt")


def test_flipped_byte(mnist_copy):
    path = mnist_copy / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[5000] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz"):
        load_mnist(mnist_copy)


def test_files_swapped(mnist_copy):
    train, test = mnist_copy / "train-labels-idx1-ubyte.gz", mnist_copy / "t10k-labels-idx1-ubyte.gz"
    train_bytes = train.read_bytes()
    train.write_bytes(test.read_bytes())
    test.write_bytes(train_bytes)
    with pytest.raises(DataError, match="not the published MNIST file"):
        load_mnist(mnist_copy)


@pytest.mark.parametrize("content, message", [
    (b"not gzip at all", "not a readable gzip"),
    (gzip.compress(b"\x00\x00\x08\x99" + b"\x00" * 8), "not an MNIST IDX file"),
    (gzip.compress(b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"\x01\x02"), "expected 5"),
])
def test_read_idx_rejects_bad_content(tmp_path, content, message):
    path = tmp_path / "x.gz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_idx(path)


def test_env_var_names_the_folder(monkeypatch, mnist_dir):
    monkeypatch.setenv(data.ENV_VAR, str(mnist_dir))
    assert data.resolve_dir() == mnist_dir


def test_download_into_cache_from_a_mirror(monkeypatch, tmp_path, mnist_dir):
    """The real download path, with a local folder standing in for the mirror."""
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "MIRRORS", (f"file://{tmp_path}/dead/", f"file://{mnist_dir}/"))
    (x_train, *_), _ = load_mnist()
    assert x_train.shape == (60000, 28, 28)
    assert sorted(p.name for p in data.cache_dir().iterdir()) == sorted(n for n, _ in data.FILES.values())


def test_download_of_a_bad_file_keeps_nothing(monkeypatch, tmp_path, mnist_copy):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (mnist_copy / "t10k-labels-idx1-ubyte.gz").write_bytes(b"truncated")
    monkeypatch.setattr(data, "MIRRORS", (f"file://{mnist_copy}/",))
    with pytest.raises(DataError, match="could not download t10k-labels-idx1-ubyte.gz"):
        load_mnist()
    assert not (data.cache_dir() / "t10k-labels-idx1-ubyte.gz").exists()
    assert not list(data.cache_dir().glob(".*"))  # no half-written temp files


# --- Real pen digits: UCI's original file and its download ---------------------

@pytest.fixture(scope="module")
def unipen_path(pen_digits_path):
    """UCI's own file: PEN itself, or the one beside the JSON that PEN names."""
    path = pen_digits_path.parent / data.PEN_DIGITS_FILE if pen_digits_path.suffix == ".json" else pen_digits_path
    if not path.is_file():
        pytest.skip(f"no {path} beside the pen digits JSON")
    return path


def test_shipped_sample_unipen_reads_as_its_json(pen_sample):
    """The tests' 300-digit excerpt of UCI's file parses to its JSON twin."""
    assert data.load_pen_digits(FIXTURES / "pendigits-sample.tra") == pen_sample
    assert len({(s["writer"], s["label"]) for s in pen_sample}) == 300


def test_unipen_file_reads_as_the_json(unipen_path):
    """UCI's whole file, parsed here, gives exactly a JSON conversion beside it:
    labels, writers, strokes, y flipped to point down."""
    converted = sorted(unipen_path.parent.glob("*.json"))
    if not converted:
        pytest.skip(f"no JSON conversion beside {unipen_path}")
    samples = data.load_pen_digits(unipen_path)
    assert len(samples) == 7494 and samples == data.load_pen_digits(converted[0])


def uci_zip(folder, tra_bytes):
    """A stand-in for UCI's archive: the other files, and pendigits-orig.tra Unix-compressed."""
    import zipfile

    import ncompress
    archive = folder / "uci.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("pendigits.tra", "0,1,2\n")
        z.writestr("pendigits-orig.tra.Z", ncompress.compress(tra_bytes))
    return f"file://{archive}"


@pytest.fixture
def uci_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(data.PEN_DIGITS_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "digitpad" / "pendigits"


def test_pen_digits_download_into_cache(monkeypatch, tmp_path, uci_cache, unipen_path, pen_digits):
    monkeypatch.setattr(data, "PEN_DIGITS_URL", uci_zip(tmp_path, unipen_path.read_bytes()))
    assert data.load_pen_digits(data.UCI) == pen_digits
    assert sha256(uci_cache / data.PEN_DIGITS_FILE) == data.PEN_DIGITS_SHA256
    monkeypatch.setattr(data, "PEN_DIGITS_URL", f"file://{tmp_path}/dead.zip")
    assert len(data.load_pen_digits(data.UCI)) == 7494  # from the cache, no second download


def test_pen_digits_download_of_a_changed_file_keeps_nothing(monkeypatch, tmp_path, uci_cache, unipen_path):
    changed = unipen_path.read_bytes().replace(b" 267  333", b" 267  334", 1)
    monkeypatch.setattr(data, "PEN_DIGITS_URL", uci_zip(tmp_path, changed))
    with pytest.raises(DataError, match="not the published file"):
        data.load_pen_digits(data.UCI)
    assert not uci_cache.exists() or not list(uci_cache.iterdir())


@pytest.mark.parametrize("content", [None, b"not a zip"])
def test_pen_digits_download_failure_says_what_to_do(monkeypatch, tmp_path, uci_cache, content):
    url = tmp_path / "uci.zip"
    if content:
        url.write_bytes(content)
    monkeypatch.setattr(data, "PEN_DIGITS_URL", f"file://{url}")
    with pytest.raises(DataError, match="could not download the pen digits.*--no-pen-digits"):
        data.load_pen_digits(data.UCI)


@pytest.mark.parametrize("text, message", [
    ('.SEGMENT DIGIT 0 ? "8"\n.COMMENT 8 12 224\n.PEN_DOWN\n 267 333 9\n.PEN_UP\n', "line 4: expected 'x y'"),
    ('.SEGMENT DIGIT 0 ? "8"\n.COMMENT 8\n.PEN_DOWN\n 267 333\n.PEN_UP\n', "index out of range"),
    ('.SEGMENT DIGIT 0 ? "8"\n.COMMENT 8 12 224\n', "digit 0 is not a drawn digit: its strokes"),
    ('.SEGMENT DIGIT 0 ? "8"\n.PEN_DOWN\n 267 333\n.PEN_UP\n', "digit 0 .* its writer"),  # no .COMMENT
])
def test_bad_unipen_file(tmp_path, text, message):
    path = tmp_path / "pendigits-orig.tra"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as error:
        data.load_pen_digits(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


GOOD = {"label": 3, "writer": "you", "strokes": [[[0, 0], [10.5, 20]]]}


@pytest.mark.parametrize("sample, message", [
    ({**GOOD, "label": True}, "label True"),
    ({**GOOD, "label": 3.5}, "label 3.5"),
    ({**GOOD, "label": 99}, "label 99"),
    ({**GOOD, "label": -5}, "label -5"),
    ({k: v for k, v in GOOD.items() if k != "writer"}, "writer"),
    ({**GOOD, "writer": ["w"]}, "writer"),
    ({**GOOD, "strokes": "abc"}, "strokes"),
    ({**GOOD, "strokes": []}, "strokes"),
    ({**GOOD, "strokes": [[]]}, "a stroke"),
    ({**GOOD, "strokes": [[[1, 2, 3]]]}, "a point"),
    ({**GOOD, "strokes": [[["1", 2]]]}, "a point"),
    ({**GOOD, "strokes": [[[1e308, 2]]]}, "a point"),
    ({**GOOD, "strokes": [[[int("9" * 400), 2]]]}, "a point"),
    ({**GOOD, "strokes": [[[0, 0]]] * 41}, "strokes"),
    ({**GOOD, "strokes": [[[i, i] for i in range(5001)]]}, "more than 5000 points"),
    (7, "not an object"),
])
def test_bad_drawn_digit_is_named_with_its_file(tmp_path, sample, message):
    path = tmp_path / "digitpad-samples.json"
    path.write_text(json.dumps([GOOD, sample]))
    with pytest.raises(DataError, match=f"digit 1 is not a drawn digit: .*{message}") as error:
        data.load_pen_digits(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("content", ["[]", "{}", "[" * 100000, '"x"'])
def test_pen_file_without_digits(tmp_path, content):
    path = tmp_path / "pen.json"
    path.write_text(content)
    with pytest.raises(DataError) as error:
        data.load_pen_digits(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_sample_limits_match_the_page():
    import re
    src = (REPO / "web" / "src" / "samples.js").read_text()
    found = re.search(r"LIMITS = \{ strokes: (\d+), points: (\d+), coordinate: ([0-9e.]+) \}", src)
    assert found and [float(v) for v in found.groups()] == list(data.SAMPLE_LIMITS.values())


# --- Handwritten letters: "not a digit" -------------------------------------------


def test_letters_sample_loads(letters_sample_path):
    letters = data.load_non_digits(letters_sample_path)
    assert len(letters) == 52 and {s["writer"] for s in letters} == {"uji-w01"}
    assert sorted(s["char"] for s in letters) == sorted("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert sum(s["char"] in data.LOOKALIKES for s in letters) == 14


def test_letters_file_loads(non_digits_path):
    letters = data.load_non_digits(non_digits_path)
    assert len(letters) == 624 and len({s["writer"] for s in letters}) == 6


@pytest.mark.parametrize("content, message", [
    (None, "not found"),
    ("[{", "not a non-digits file"),
    ('{"char": "a"}', "not a non-digits file"),
    ('[{"char": "a", "strokes": [[[1, 2]]]}]', "not a non-digits file"),  # no writer
    ('[{"char": "ab", "writer": "w", "strokes": [[[1, 2]]]}]', "not a non-digits file"),
    ('[{"char": "a", "writer": "w", "strokes": [[]]}]', "not a non-digits file"),
    ('[{"char": "a", "writer": "w", "strokes": [[[1, 2, 3]]]}]', "not a non-digits file"),
    ('[{"char": "a", "writer": "w", "strokes": [[["1", 2]]]}]', "letter 'a' of w: a point"),
    ('[{"char": "a", "writer": "w", "strokes": [[[1e308, 2]]]}]', "letter 'a' of w: a point"),
    ("[" * 100000, "not a non-digits file"),
])
def test_bad_letters_file(tmp_path, content, message):
    path = tmp_path / "letters.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DataError, match=message) as error:
        data.load_non_digits(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_bad_letters_file_is_one_line_error_before_training(tmp_path, mnist_dir):
    path = tmp_path / "letters.json"
    path.write_text('[{"char": "a", "writer": "w", "strokes": []}]')
    result = run_train("--data", str(mnist_dir), "--non-digits", str(path))
    assert_one_line_error(result, str(path), "not a non-digits file")


@pytest.mark.parametrize("loader", ["pen", "letters"])
def test_a_file_that_is_not_utf8_is_one_line_error(tmp_path, loader):
    """Issue 33: a Latin-1 file was a UnicodeDecodeError traceback."""
    from digitpad.data import DataError, load_non_digits, load_pen_digits
    path = tmp_path / "digits.json"
    path.write_bytes(b'[{"label": 1, "writer": "J\xfcrgen", "strokes": [[[0, 0]]]}]')
    with pytest.raises(DataError, match=r"digits\.json is not UTF-8 text"):
        (load_pen_digits if loader == "pen" else load_non_digits)(path)


@pytest.mark.parametrize("loader", ["pen", "letters"])
def test_a_fifo_is_refused_not_waited_on(tmp_path, loader):
    """Issue 33: a named pipe given as a data file blocked forever on its first read."""
    import os
    from digitpad.data import DataError, load_non_digits, load_pen_digits
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    with pytest.raises(DataError, match=r"pipe\.json is not a regular file"):
        (load_pen_digits if loader == "pen" else load_non_digits)(path)
