"""`python -m digitpad_bench calibrate`: the verdict's two numbers, chosen by cross-validation
over the training pen writers only (the held-out writers, letters and things stay unseen).

Each of 4 folds' models is fitted without 6 of the 24 training writers (all four in one pass,
as `digitpad train` fits its two); their out-of-fold probabilities of those writers' digits,
pooled, choose the largest "not a digit" bias that calls at most MAX_REJECTED of them "not a
digit", then the largest "not sure" margin that calls at most MAX_UNSURE of them "not sure"."""

import json
from dataclasses import replace

import numpy as np

from digitpad.data import load_letters, load_mnist, load_pen_digits, load_quickdraw
from digitpad.evaluate import judge, probabilities
from digitpad.fit import fit_many
from digitpad.inputs import prepare_inputs
from digitpad.recipe import HOLDOUT_LETTER_WRITERS, HOLDOUT_THINGS, HOLDOUT_WRITERS, NOT_A_DIGIT, Recipe
from digitpad.training_set import training_set

MAX_REJECTED, MAX_UNSURE = 0.005, 0.03  # issue 31's targets for real digits
FOLDS = 4


def calibrate(data_dir, pen_digits, recipe=None):
    """{"not_a_digit_bias", "unsure_margin", and the out-of-fold rates they give}."""
    recipe = recipe or Recipe()
    pen = load_pen_digits(pen_digits)
    mnist, checksums = load_mnist(data_dir)
    data = prepare_inputs(mnist, checksums, pen, load_letters(), load_quickdraw(), recipe, verbose=1)
    writers = sorted({s["writer"] for s in pen} - set(HOLDOUT_WRITERS))
    folds = [writers[i::FOLDS] for i in range(FOLDS)]
    recipes = [replace(recipe, holdout_writers=HOLDOUT_WRITERS + fold, holdout_letter_writers=HOLDOUT_LETTER_WRITERS,
                       holdout_things=HOLDOUT_THINGS) for fold in folds]
    x, y, weights, _ = training_set(data, recipes)
    models = fit_many(x, y, recipe, weights, verbose=1)
    pen_writer = np.array([s["writer"] for s in pen])
    logits, labels, turns = [], [], []
    for model, fold in zip(models, folds):
        rows = np.isin(pen_writer, fold)
        p = probabilities(model, data["pen_x"][0][rows])
        logits.append(np.log(np.maximum(p, 1e-30)))  # the bias moves logits: probabilities again below
        labels.append(data["pen_labels"][rows])
        turns.append(data["pen_turns"][rows])
    logits, labels, turns = np.concatenate(logits), np.concatenate(labels), np.concatenate(turns)

    def verdicts(bias, margin):
        shifted = logits.copy()
        shifted[:, NOT_A_DIGIT] += bias
        probs = np.exp(shifted - shifted.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        not_digit, unsure, _ = judge(probs, replace(recipe, unsure_margin=margin), turns)
        return not_digit, unsure, probs

    biases = np.round(np.arange(0.0, -6.01, -0.1), 1)
    bias = next(float(b) for b in biases if verdicts(b, 0)[0].mean() <= MAX_REJECTED)
    margins = np.round(np.arange(0.5, 0.0, -0.05), 2)
    margin = next(float(m) for m in margins if verdicts(bias, m)[1].mean() <= MAX_UNSURE)
    not_digit, unsure, probs = verdicts(bias, margin)
    return {"not_a_digit_bias": bias, "unsure_margin": margin, "digits": len(labels),
            "folds": folds, "out_of_fold": {"not_a_digit": round(float(not_digit.mean()), 4),
                                            "unsure": round(float(unsure.mean()), 4),
                                            "right": round(float((~not_digit & (probs.argmax(1) == labels)).mean()), 4)}}


def main(data_dir, pen_digits):
    print(json.dumps(calibrate(data_dir, pen_digits), indent=1))
