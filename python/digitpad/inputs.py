"""The model inputs the fit takes: MNIST prepared, and every drawing (pen digits, letters,
doodles) rendered as the page renders one, plain and augmented; read from the render cache
when a run with the same key rendered them."""

import contextlib
import functools
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from . import doodles as doodle_maker
from .cache import cached
from .data import LOOKALIKES, load_pen_digits
from .preprocess import SIZE
from .preprocess_fast import deskew_bytes, preprocess_many, render_segments, segments_of, winding
from .recipe import DOODLE_SEED, HELDOUT_DOODLE_SEED, HELDOUT_DOODLES, Recipe


def load_extra(paths):
    """Samples taught in the page and downloaded there (same form as the pen digits)."""
    samples = []
    for path in paths or ():
        samples += [{**s, "writer": f"extra:{Path(path).name}"} for s in load_pen_digits(path)]
    return samples


def prepare_mnist(images, recipe):
    """MNIST images as model inputs, normalised like the page's drawings."""
    if recipe.deskew:
        x = deskew_bytes(images, normalize_size=recipe.normalize_size)
    else:
        x = images.astype(np.float32)
        x /= 255.0  # in place: one array of 70,000 images fewer to allocate
    return x.reshape(len(x), -1)


def stroke_options(recipe):
    """preprocess_strokes options for this recipe: what the page must do too."""
    return {"deskew": recipe.deskew, "normalize_size": recipe.deskew and recipe.normalize_size}


def augmentations(rng, copies, n):
    """For `copies` copies of n drawings: a 2x2 matrix each, (copies, n, 2, 2), a small random
    rotation (+-12 deg), horizontal stretch (x0.82-1.22) and shear (+-0.15); and a random pen
    width each, (copies, n): variations between writers that the 30 recorded ones do not cover."""
    angle, stretch, shear, width = np.moveaxis(rng.uniform([-12, -0.2, -0.15, 2.1], [12, 0.2, 0.15, 3.0],
                                                           size=(copies, n, 4)), -1, 0)
    angle, stretch = np.radians(angle), np.exp(stretch)
    cos, sin, zero, one = np.cos(angle), np.sin(angle), np.zeros_like(angle), np.ones_like(angle)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    return rotation @ np.stack([np.stack([stretch, shear], -1), np.stack([zero, one], -1)], -2), width


def _drawings_key(samples):
    return hashlib.sha256(json.dumps([[s["label"] if "label" in s else s.get("char"), s["strokes"]]
                                      for s in samples]).encode()).hexdigest()


def render_pen_digits(samples, recipe, rng_seed, copies=None, drawings_key=None):
    """Pen drawings as model inputs, (copies + 1, n, 784): copy 0 plain, then `copies`
    (default recipe.pen_copies) augmented ones drawn with np.random.default_rng(rng_seed).
    Rendered once, deskewed as one batch; cached on disk (drawings_key: the samples'
    _drawings_key, if known)."""
    copies = recipe.pen_copies if copies is None else copies
    key = ["pen", drawings_key or _drawings_key(samples), rng_seed, copies, recipe.deskew, recipe.normalize_size]
    return cached("pen", key, lambda: _render_pen_digits(samples, recipe, np.random.default_rng(rng_seed), copies))


def turns_of(samples, drawings_key=None):
    """How far each sample's strokes wind (preprocess.winding); cached on disk like renders."""
    return cached("turns", ["turns", drawings_key or _drawings_key(samples)],
                  lambda: np.array([winding(s["strokes"]) for s in samples], dtype=np.float64))


def _render_pen_digits(samples, recipe, rng, copies):
    a, b, ends = segments_of([s["strokes"] for s in samples])
    matrices, widths = augmentations(rng, copies, len(samples))
    # An augmented copy's segments are the plain ones through its drawing's matrix.
    drawing = np.repeat(np.arange(len(samples)), np.diff(ends, prepend=0))
    moved = [np.einsum("sij,sj->si", matrices[c, drawing], points) for c in range(copies) for points in (a, b)]
    x = render_segments(np.concatenate([a, *moved[::2]]), np.concatenate([b, *moved[1::2]]),
                        np.concatenate([ends + c * (ends[-1] if len(ends) else 0) for c in range(copies + 1)]),
                        [None] * len(samples) + list(widths.ravel()), **stroke_options(recipe))
    return x.reshape(copies + 1, len(samples), SIZE * SIZE)


def _rendered(jobs, recipe):
    """Model inputs, (n, 784), of (strokes, pen_width) jobs: what the page does to a drawing."""
    return preprocess_many(jobs, **stroke_options(recipe)).reshape(len(jobs), SIZE * SIZE)


def render_doodles(seed, n, recipe, pen_seed=None):
    """n doodles of set `seed` as model inputs, (n, 784), their kinds and how far each
    winds; with pen_seed, each drawn with a random pen width like the augmented pen digits."""
    return _render_doodles(seed, n, recipe.deskew, recipe.normalize_size, pen_seed)


@functools.lru_cache(maxsize=4)  # ~3 ms a doodle: drawn once per process (and cached on disk)
def _render_doodles(seed, n, deskewed, normalize_size, pen_seed):
    def draw():
        rng = np.random.default_rng(pen_seed) if pen_seed is not None else None
        drawn = doodle_maker.doodles(seed, n, as_arrays=True)
        x = _rendered([(strokes, rng.uniform(2.1, 3.0) if rng else None) for strokes, _ in drawn],
                      Recipe(deskew=deskewed, normalize_size=normalize_size))
        turns = np.array([[winding(strokes)] for strokes, _ in drawn])
        return np.concatenate([x.astype(np.float64), turns], axis=1)  # float32 pixels are exact in float64
    key = ["doodles", seed, n, deskewed, normalize_size, pen_seed]
    both = cached("doodles", key, draw)
    x, turns = both[:, :-1].astype(np.float32), both[:, -1].copy()
    for shared in (x, turns):  # by every caller
        shared.flags.writeable = False
    kinds = tuple(doodle_maker.kind_of(i).__name__ for i in range(n))  # without drawing them again
    return x, kinds, turns


@contextlib.contextmanager
def phase(text, verbose, whole_lines=False):
    """One line per slow step of training: what it does, then how long it took (whole_lines:
    the line printed at the step's end, not begun at its start)."""
    if verbose and not whole_lines:
        print(f"{text}...", end="", flush=True)
    started = time.perf_counter()
    yield
    if verbose:
        took = f"{time.perf_counter() - started:.1f} s"
        # One string, one write: the lines children print at the same time never interleave.
        print(f"{text}... {took}" if whole_lines else f" {took}", flush=True)


def prepare_inputs(mnist, checksums, pen, letters, quickdraw, recipe, verbose, parts=("digits", "non-digits"),
                   whole_lines=False):
    """Everything the fits take, rendered (or read from the render cache); or only these parts.
    whole_lines: each step's line printed whole (processes rendering side by side print at once)."""
    data = _prepare_digits(mnist, checksums, pen, recipe, verbose, whole_lines) if "digits" in parts else {}
    if "non-digits" in parts:
        with phase(f"not a digit: rendering {len(letters):,} letters and {recipe.doodles + HELDOUT_DOODLES:,} "
                   f"doodles, preparing {len(quickdraw[0]):,} Quick, Draw! doodles", verbose, whole_lines):
            data.update(_render_non_digits(letters, recipe))
            data.update(prepare_quickdraw(*quickdraw, recipe))
    return data


def _prepare_digits(mnist, checksums, pen, recipe, verbose, whole_lines):
    """MNIST prepared and the pen digits rendered (or read from the render cache)."""
    x_train, y_train, x_test, y_test = mnist
    with phase(f"MNIST: preparing {len(x_train) + len(x_test):,} images", verbose, whole_lines):
        key = ["mnist", checksums, len(x_train), recipe.deskew, recipe.normalize_size]
        both = cached("mnist", key, lambda: prepare_mnist(np.concatenate([x_train, x_test]), recipe))
        data = {"x": both[:len(x_train)], "y": y_train, "x_test": both[len(x_train):], "y_test": y_test}
    if pen:
        with phase(f"pen digits: rendering {len(pen):,} x {recipe.pen_copies + 1}", verbose, whole_lines):
            key = _drawings_key(pen)  # once: it serialises every drawing
            data.update(pen=pen, pen_x=render_pen_digits(pen, recipe, recipe.seed, drawings_key=key),
                        pen_labels=np.array([s["label"] for s in pen], dtype=np.uint8),
                        pen_turns=turns_of(pen, key))
    return data


def prepare_quickdraw(images, things, recipe):
    """The Quick, Draw! doodles as model inputs, prepared as MNIST's images are (cached)."""
    key = ["quickdraw", hashlib.sha256(images.tobytes()).hexdigest(), recipe.deskew, recipe.normalize_size]
    return {"quickdraw_x": cached("quickdraw", key, lambda: prepare_mnist(images, recipe)), "quickdraw_things": things}


def _render_non_digits(letters, recipe):
    """Model inputs of the letters (the look-alikes plain only: measured, never trained
    on), the training doodles and the held-out ones."""
    plain = [s for s in letters if s["char"] not in LOOKALIKES]
    ordered = plain + [s for s in letters if s["char"] in LOOKALIKES]
    rendered = render_pen_digits(plain, recipe, [recipe.seed, 1], recipe.letter_copies)
    looks = render_pen_digits(ordered[len(plain):], recipe, None, copies=0)[0]
    doodles_x, _, _ = render_doodles(DOODLE_SEED, recipe.doodles, recipe, pen_seed=(recipe.seed, 2))
    heldout_x, heldout_kinds, heldout_turns = render_doodles(HELDOUT_DOODLE_SEED, HELDOUT_DOODLES, recipe)
    # Row i of letters_x is letter i of `ordered`, plain; letter_copies_x, the augmented
    # copies of the first len(plain).
    return {"letters": ordered, "letters_x": np.concatenate([rendered[0], looks]),
            "letter_copies_x": rendered[1:], "letter_trainable": np.arange(len(ordered)) < len(plain),
            "letter_lookalike": np.arange(len(ordered)) >= len(plain),
            "letters_turns": turns_of(ordered),
            "doodles_x": doodles_x, "doodles_heldout_x": heldout_x, "doodles_heldout_kinds": heldout_kinds,
            "doodles_heldout_turns": heldout_turns}
