"""The command line as users meet it: clear one-line errors, non-zero exits."""

import os
import subprocess
import sys

import pytest

from .conftest import REPO


def run(*args):
    return subprocess.run([sys.executable, "-m", "digitpad", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args, needle", [
    pytest.param(["export", "--model", "/nonexistent"], "run `make train` first", marks=pytest.mark.slow),  # TensorFlow
    (["serve", "--host", "0.0.0.0"], "--allow-remote"),
    (["serve", "--host", "0.0.0.0", "--allow-remote", "--debug"], "debug"),
    (["serve", "--site", "/nonexistent"], "make site"),
    (["site", "--web", "/nonexistent"], "is missing"),
])
def test_user_errors_are_one_line(args, needle):
    result = run(*args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("digitpad: error:") and needle in lines[-1], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["train", "--epochs", "0"], ["train", "--epochs", "ten"], ["fly"], [],
                                  ["serve", "--port", "73686"], ["serve", "--port", "-1"]])
def test_invalid_arguments_exit_2(args):
    result = run(*args)
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_command_line_starts_without_numpy_or_tensorflow():
    """`digitpad serve` builds the whole parser: it must stay light to start fast."""
    code = "import sys, digitpad.cli as c; c.parser(); print(sorted({'numpy', 'tensorflow'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


@pytest.mark.slow  # TensorFlow
def test_tensorflow_comes_without_keras_3():
    # Training and export use tf_keras; TensorFlow's eager load of Keras 3 (and scikit-learn)
    # cost ~1 s of every cold `make train`.
    code = ("import sys; from digitpad.cli import quiet_tensorflow; quiet_tensorflow(); "
            "print(sorted({'keras', 'sklearn', 'tf_keras'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.split("\n")[-2] == "['tf_keras']"


@pytest.mark.slow  # TensorFlow
def test_train_and_export_print_only_their_own_lines(tmp_path, mnist_dir):
    """No TensorFlow start-up lines (CUDA factories, absl) nor converter notices."""
    train = run("train", "--data", str(mnist_dir), "--no-pen-digits", "--limit", "600", "--epochs", "1",
                "--verbose", "0", "--out", str(tmp_path / "build"))
    export = run("export", "--model", str(tmp_path / "build"), "--web", str(tmp_path / "web"))
    for result in (train, export):
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
    assert train.stdout.splitlines()[-1].startswith("test accuracy: ")
    assert export.stdout.startswith("exported ") and export.stdout.count("\n") == 1


def test_make_serve_takes_port_and_host():
    """`make serve PORT=8123` must reach the server, not only the Makefile."""
    result = subprocess.run(["make", "-n", "serve", "PORT=8123", "HOST=127.0.0.2"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    serve_lines = [line for line in result.stdout.splitlines() if "-m digitpad serve" in line]
    assert serve_lines and serve_lines[-1].endswith("--host 127.0.0.2 --port 8123"), result.stdout


@pytest.mark.slow  # TensorFlow
def test_product_imports_no_measurement_code():
    """python/digitpad is the product: the browser harness and benchmarks live in digitpad_bench."""
    code = ("import importlib, pkgutil, sys, digitpad\n"
            "for m in pkgutil.iter_modules(digitpad.__path__):\n"
            "    m.name != '__main__' and importlib.import_module('digitpad.' + m.name)\n"
            "print(sorted({n.split('.')[0] for n in sys.modules} & {'playwright', 'digitpad_bench'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


@pytest.mark.parametrize("port", ["-1", "0", "73686", "http"])
def test_serve_refuses_ports_that_do_not_exist(port):
    result = subprocess.run([sys.executable, "-m", "digitpad", "serve", f"--port={port}"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--port" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [
    ["train", "--seed", "-1"], ["train", "--seed", str(2**64)], ["train", "--epochs", str(10**30)],
    ["train", "--batch-size", str(10**30)], ["train", "--pen-copies", str(10**9)],
    ["train", "--doodles", str(10**9)], ["train", "--letter-copies", str(10**9)],
])
def test_settings_that_would_fail_later_are_refused_at_once(args):
    """Issue 33: these passed the checks, then failed with a traceback 8-20 s into training
    (or never ended): now one line naming the setting, exit 2, nothing started."""
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert f"argument {args[1]}: must be" in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["train", "--learning-rat=0.1"], ["train", "--epoch", "3"],
                                  ["serve", "--allow-rem"]])
def test_abbreviated_options_are_refused(args):
    """Issue 33: argparse took --learning-rat for --learning-rate."""
    result = run(*args)
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr, result.stderr


def test_an_extra_file_that_is_a_fifo_is_refused_at_once(tmp_path, mnist_dir):
    """Issue 33: `--extra` naming a FIFO hung (its checksum waited for a writer)."""
    fifo = tmp_path / "samples.json"
    os.mkfifo(fifo)
    result = run("train", "--data", str(mnist_dir), "--no-pen-digits", "--extra", str(fifo),
                 "--out", str(tmp_path / "build"))
    assert result.returncode == 1, result.stderr
    assert "samples.json is not a regular file" in result.stderr.strip().splitlines()[-1]
