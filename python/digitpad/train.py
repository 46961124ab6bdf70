"""Train the softmax model and write build/model.keras + build/metrics.json.

What makes a linear model read real scribbles (each step measured in docs/measurements.md):
- the optimiser: Adam with a cosine-decaying rate and a little L2 reaches the optimum
  of this convex problem, which the original TF1 MNIST tutorial's plain SGD does not;
- deskewing and size normalisation (preprocess.deskew): every digit sheared upright
  and stretched to a standard spread, MNIST and drawings alike, so the ten templates
  need not cover every slant and size;
- drawn digits: real pen strokes rendered exactly as the page renders a drawing
  (preprocess_strokes), so the model has seen what people draw;
- augmentation: each pen digit again with a small random rotation, stretch, shear
  and pen width, so it generalises to writers it has not seen;
- "not a digit": an 11th class learnt from handwritten letters (not the ones that look
  like digits) and generated doodles, its bias lowered after fitting so that few real
  digits are rejected, and a "not sure" margin between the top two answers.

The steps, in order: read the data (inputs: load_extra), render it (inputs, ahead), stack
the training rows (training_set), fit (fit), lower "not a digit" and measure (evaluate),
refuse a broken model, write the model, the replay set (replay) and the metrics.
"""

import functools
import json
import os
import time
from dataclasses import asdict, replace
from pathlib import Path

from .ahead import collections_skipping_inputs, rendered_ahead
from .data import LETTERS_FILE, QUICKDRAW_FILE, load_letters, load_mnist, load_pen_digits, load_quickdraw
from .errors import UserError
from .evaluate import check_trained, lower_not_a_digit, measure
from .files import sha256, written_together
from .fit import fit_many, versions
from .freshness import inputs_sha256
from .inputs import load_extra, prepare_inputs
from .recipe import HOLDOUT_LETTER_WRITERS, HOLDOUT_THINGS, Recipe
from .replay import write_replay_set
from .training_set import training_set


def train(data_dir=None, out_dir="build", recipe=None, limit=None, verbose=1, pen_digits=None,
          estimate_writers=(), extra=(), non_digits=None, meanwhile=None):
    """Train on MNIST (plus pen digits if given) and non-digits (the shipped letters and
    Quick, Draw! doodles, the letters of the file non_digits if given, generated doodles),
    evaluate on the MNIST test set and held-out drawings, save model and metrics; returns metrics.

    estimate_writers: beside the shipped model (trained on everyone), fit one without these
    pen writers (and without HOLDOUT_LETTER_WRITERS' letters and HOLDOUT_THINGS' doodles),
    only to measure how the recipe does on drawings by people, and of things, it never saw.
    meanwhile: run (e.g. TensorFlow's import) while child processes render the inputs."""
    started = time.perf_counter()
    recipe = recipe or Recipe()
    out = Path(out_dir)
    _check_writable(out)  # before the slow work, not after
    with collections_skipping_inputs() as inputs_read:
        # Every input file is read and checked before the slow work: a bad one fails at once.
        letters, quickdraw = load_letters(non_digits), load_quickdraw()
        pen = (load_pen_digits(pen_digits) if pen_digits else []) + load_extra(extra)
        mnist, checksums = load_mnist(data_dir)
        if limit:
            mnist = (mnist[0][:limit], mnist[1][:limit], *mnist[2:])
        prepare = functools.partial(prepare_inputs, mnist, checksums, pen, letters, quickdraw, recipe)
        inputs_read()
        # The shipped recipe, and beside it the same without some writers, to measure on them.
        recipes = [recipe]
        if pen_digits and estimate_writers:  # (taught samples are never held out)
            recipes.append(replace(recipe, holdout_writers=list(estimate_writers),
                                   holdout_letter_writers=HOLDOUT_LETTER_WRITERS, holdout_things=HOLDOUT_THINGS))
        with rendered_ahead(prepare, verbose, meanwhile) as rendered:
            data = prepare(verbose=0 if rendered else verbose)  # from the render cache when rendered ahead
            x, y, weights, trained_on = training_set(data, recipes)
        if verbose:
            print("fitting the shipped model on everything" + (
                f", and beside it one without writers {', '.join(estimate_writers)} to measure on them"
                if len(recipes) > 1 else "") + ":", flush=True)
        models = fit_many(x, y, recipe, weights, verbose)
        model = lower_not_a_digit(models[0], recipe)
        metrics = measure(model, data, recipe)
        metrics["trained_on"] = trained_on
        # What "not a digit" was learnt from, by name: a default make train uses the shipped files.
        trained_on["non_digit_data"] = [f"digitpad/nondigits/{LETTERS_FILE}", f"digitpad/nondigits/{QUICKDRAW_FILE}",
                                        *([str(non_digits)] if non_digits else []), "generated doodles"]
        if len(models) > 1:
            estimate = measure(lower_not_a_digit(models[1], recipes[1]), data, recipes[1])
            metrics["heldout_pen"] = estimate["heldout_pen"]
            metrics["verdict"]["heldout"] = estimate["verdict"]["heldout"]
        metrics.update(recipe=asdict(recipe), data_sha256=checksums, versions=versions(),
                       inputs_sha256=inputs_sha256(data_dir, recipe, limit, pen_digits, estimate_writers, extra,
                                                   non_digits),
                       wall_seconds=round(time.perf_counter() - started, 2))
        check_trained(model, metrics, limit)
        _write(out, model, data, metrics)
        return metrics


def _check_writable(out):
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"cannot write to {out}/: {exc.strerror or exc}; choose another --out") from None


def _write(out, model, data, metrics):
    """model.keras, replay.bin and metrics.json, all three written beside them first and then
    swapped in together: a full disk or a failure leaves the previous three whole."""
    names = ("model.keras", "replay.bin", "metrics.json")
    try:
        with written_together(*(out / name for name in names)) as (keras, replay, described):
            model.save(str(keras))
            write_replay_set(replay, data)
            # Naming the files it describes: export refuses a model.keras or replay.bin of
            # another run (were one of the renames ever the last thing that happened).
            metrics["files"] = {name: sha256(path) for name, path in zip(names, (keras, replay))}
            described.write_text(json.dumps(metrics, indent=1))
    except OSError as exc:
        raise UserError(f"could not write the trained model to {out}/: {exc.strerror or exc}; "
                        "the previous model there is kept") from None
