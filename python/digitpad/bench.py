"""`make bench`: our trainer and page against their peers, side by side, in one run.

Trainer: the same MNIST, on this machine, in this run:
  - ours: the shipped recipe's optimiser and preprocessing (MNIST only here);
  - the seeds' recipe, ported faithfully: TF1-style graph, placeholders and
    feed_dict, plain SGD lr 0.01, batch 100, 10 epochs, raw pixels;
  - scikit-learn's LogisticRegression (lbfgs), raw pixels.
Fit seconds are measured after imports and data loading; `make train` is
also timed whole, as a user runs it.

Page (see page_bench below): time to ready, per-stroke update latency and
bytes by type, for our bundle and for a variant that loads the full tf.min.js.

Prints a Markdown table and writes bench/results.json.
"""

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .data import load_mnist
from .train import Recipe, evaluate, fit, prepare_mnist, to_inputs

ROOT = Path(__file__).resolve().parents[2]


def bench_ours(mnist):
    (x_train, y_train, x_test, y_test), _ = mnist
    rows = []
    for name, recipe in [("ours (deskew + size normalisation)", Recipe()),
                         ("ours, raw pixels", Recipe(deskew=False))]:
        x, x_t = prepare_mnist(x_train, recipe), prepare_mnist(x_test, recipe)
        started = time.perf_counter()
        model = fit(x, y_train, recipe, verbose=0)
        seconds = time.perf_counter() - started
        accuracy = evaluate(model.predict(x_t, batch_size=2000, verbose=0), y_test)["accuracy"]
        rows.append({"name": name, "accuracy": accuracy, "fit_seconds": seconds})
    return rows


def bench_seeds(mnist, epochs=10, batch=100, learning_rate=0.01, seed=0):
    """The seeds' softmax tutorial as it was written: a TF1 graph run by a Session."""
    import tensorflow as tf
    v1 = tf.compat.v1
    (x_train, y_train, x_test, y_test), _ = mnist
    x_train, x_test = to_inputs(x_train), to_inputs(x_test)
    onehot = np.eye(10, dtype=np.float32)
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(seed)
        x = v1.placeholder(tf.float32, [None, 784])
        y_ = v1.placeholder(tf.float32, [None, 10])
        W = tf.Variable(tf.zeros([784, 10]))
        b = tf.Variable(tf.zeros([10]))
        y = tf.nn.softmax(tf.matmul(x, W) + b)
        cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.math.log(y + 1e-10), axis=1))
        train_step = v1.train.GradientDescentOptimizer(learning_rate).minimize(cross_entropy)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            rng = np.random.default_rng(seed)
            started = time.perf_counter()
            for _ in range(epochs):
                order = rng.permutation(len(x_train))
                for i in range(0, len(order), batch):
                    idx = order[i:i + batch]
                    sess.run(train_step, feed_dict={x: x_train[idx], y_: onehot[y_train[idx]]})
            seconds = time.perf_counter() - started
            probs = sess.run(y, feed_dict={x: x_test})
    return {"name": "seeds' recipe (TF1 graph, SGD 0.01)", "accuracy": evaluate(probs, y_test)["accuracy"],
            "fit_seconds": seconds}


def bench_sklearn(mnist):
    from sklearn.linear_model import LogisticRegression
    (x_train, y_train, x_test, y_test), _ = mnist
    model = LogisticRegression(solver="lbfgs", max_iter=100)
    started = time.perf_counter()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs stops at max_iter=100 (its default) on MNIST
        model.fit(to_inputs(x_train), y_train)
    seconds = time.perf_counter() - started
    accuracy = float((model.predict(to_inputs(x_test)) == y_test).mean())
    return {"name": "scikit-learn LogisticRegression (lbfgs)", "accuracy": accuracy, "fit_seconds": seconds}


def bench_make_train(data_dir, pen_digits, out):
    """`python -m digitpad train` as a user runs it, imports and data preparation included."""
    command = [sys.executable, "-m", "digitpad", "train", "--out", str(out), "--verbose", "0"]
    if data_dir:
        command += ["--data", str(data_dir)]
    env = dict(os.environ)
    env.pop("DIGITPAD_PEN_DIGITS", None)
    if pen_digits:
        command += ["--pen-digits", str(pen_digits)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def trainer_table(rows):
    lines = ["| trainer (MNIST, 60k train / 10k test) | test accuracy | fit seconds |", "| --- | --- | --- |"]
    lines += [f"| {r['name']} | {r['accuracy'] * 100:.2f}% | {r['fit_seconds']:.1f} |" for r in rows]
    return "\n".join(lines)


def run(data_dir=None, pen_digits=None, out="bench", skip_page=False):
    import tempfile
    mnist = load_mnist(data_dir)
    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(), "versions": versions()}
    rows = bench_ours(mnist) + [bench_seeds(mnist), bench_sklearn(mnist)]
    with tempfile.TemporaryDirectory() as tmp:
        rows_make = {"mnist_only": bench_make_train(data_dir, None, Path(tmp) / "a")}
        if pen_digits:
            rows_make["with_pen_digits"] = bench_make_train(data_dir, pen_digits, Path(tmp) / "b")
    results.update(trainer=rows, make_train_seconds=rows_make, targets=trainer_targets(rows))
    text = [trainer_table(rows), "",
            "`make train` wall time (imports, data preparation, fit, evaluation, save): "
            + ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in rows_make.items())]
    if not skip_page:
        from .page_bench import page_bench, page_table
        results["page"] = page_bench()
        text += ["", page_table(results["page"])]
    text += ["", targets_text(results)]
    report = "\n".join(text)
    print(report)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "results.json").write_text(json.dumps(results, indent=1))
    (Path(out) / "results.md").write_text(report + "\n")
    return results


def trainer_targets(rows):
    ours, _, seeds, sklearn = rows
    return {
        "ours fits in <= the seeds' time": ours["fit_seconds"] <= seeds["fit_seconds"],
        "ours >= 5 points more accurate than the seeds'": ours["accuracy"] - seeds["accuracy"] >= 0.05,
        "ours fits in <= 0.2x scikit-learn's time": ours["fit_seconds"] <= 0.2 * sklearn["fit_seconds"],
    }


def targets_text(results):
    targets = {**results["targets"], **results.get("page", {}).get("targets", {})}
    return "\n".join(f"- {'met' if ok else 'NOT met'}: {name}" for name, ok in targets.items())


def machine():
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "python": platform.python_version()}


def versions():
    import sklearn
    import tensorflow as tf
    return {"tensorflow": tf.__version__, "numpy": np.__version__, "scikit-learn": sklearn.__version__}
