"""The replay set: a few training examples per class shipped with the model (replay.bin),
which the page mixes into in-browser fine-tuning ("teach it") so the model forgets neither
MNIST nor what is not a digit.

replay.bin's layout (read by parseReplay in web/src/finetune.js): no header, only records
of 785 bytes, one per example: REPLAY_PER_CLASS (or fewer, if the data has fewer) of each
digit 0 to 9 in order, the first ones of MNIST's training set, then those of "not a digit",
spread across the trained letters and doodles. A record is the model input's 28 x 28 pixels
row by row, each a uint8 floor(255 * value + 0.5) (the page divides by 255), then the label
byte (0-9, 10: not a digit).
"""

from pathlib import Path

import numpy as np

from .recipe import NOT_A_DIGIT

REPLAY_PER_CLASS = 20


def write_replay_set(path, data):
    """Write to path (as is: train.py makes it a temporary file) REPLAY_PER_CLASS prepared training inputs per class, picked from the rendered inputs
    (MNIST's training digits, the trainable letters, the training doodles)."""
    xs = [data["x"], data["letters_x"][data["letter_trainable"]], data["doodles_x"]]
    y = np.concatenate([data["y"], np.full(len(xs[1]) + len(xs[2]), NOT_A_DIGIT)])
    _write(path, xs, y)


def _write(path, xs, y):
    """xs: the inputs in parts, their rows in order labelled y (picked from, never joined)."""
    def spread(rows):  # non-digits: across the letters and every kind of doodle
        return rows[np.linspace(0, len(rows) - 1, min(REPLAY_PER_CLASS, len(rows))).round().astype(int)]
    picks = np.concatenate([np.flatnonzero(y == d)[:REPLAY_PER_CLASS] for d in range(10)]
                           + [spread(np.flatnonzero(y == NOT_A_DIGIT))])
    starts = np.cumsum([0] + [len(x) for x in xs])
    part = np.searchsorted(starts, picks, side="right") - 1
    x = np.array([xs[p][i - starts[p]] for p, i in zip(part, picks)], np.float32).reshape(len(picks), -1)
    pixels = np.clip(np.floor(x * 255 + 0.5), 0, 255).astype(np.uint8)
    rows = np.concatenate([pixels, y[picks, None].astype(np.uint8)], axis=1)
    Path(path).write_bytes(rows.tobytes())
