"""How good a fitted model is: accuracy on MNIST's test set and on held-out drawings, the
page's verdicts (judge: the verdict rule, in Python), and the refusal of a broken model."""

import functools

import numpy as np

from .errors import UserError
from .inputs import stroke_options
from .preprocess import PREPROCESS_VERSION
from .recipe import CLASS_NAMES, HELDOUT_DOODLE_SEED, NOT_A_DIGIT
from .training_set import held_out

# Far below what the recipe measures (96-97% on MNIST): a model this bad comes from
# broken settings or data, and must not replace a good one.
MIN_TEST_ACCURACY = 0.9


def evaluate(probs, labels):
    """Accuracy, per-class accuracy and confusion matrix (rows: true, cols: predicted)
    of the ten digit outputs: which digit the model finds most likely."""
    predicted = probs[:, :10].argmax(axis=1)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    return {
        "accuracy": float((predicted == labels).mean()),
        "per_class_accuracy": [round(float(a), 4) for a in per_class],
        "confusion_matrix": confusion.tolist(),
    }


def probabilities(model, x):
    """The model's outputs for rows x, in one call: Keras's predict() costs more in
    set-up (a data pipeline, a traced function) than these few thousand rows."""
    return model(x, training=False).numpy()


def judge(probs, recipe, turns=None):
    """The page's verdict per row of 11 probabilities (bias already folded in):
    (not a digit, not sure, the top-two margin). "Not a digit" when that output is
    the largest or the drawing winds more than recipe.max_turns (turns: per row, if
    drawn); else "not sure" when the top two of all 11 are closer than the margin."""
    top2 = np.sort(probs, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    not_digit = probs.argmax(axis=1) == NOT_A_DIGIT
    if turns is not None:
        not_digit |= np.asarray(turns) > recipe.max_turns
    return not_digit, ~not_digit & (margin < recipe.unsure_margin), margin


def lower_not_a_digit(model, recipe):
    """The fitted model with recipe.not_a_digit_bias added to "not a digit"'s bias: the page's
    plain argmax then applies the calibrated trade-off between rejecting non-digits and
    rejecting real digits."""
    layer = model.layers[-1]
    kernel, bias = layer.get_weights()
    bias[NOT_A_DIGIT] += recipe.not_a_digit_bias
    layer.set_weights([kernel, bias])
    return model


def measure(model, data, recipe):
    """The metrics of a model (its bias lowered): MNIST test, and what `recipe` held out."""
    held, letters_held = held_out(data, recipe)
    pen_labels = data.get("pen_labels", np.zeros(0, np.uint8))
    mnist_probs = probabilities(model, data["x_test"])
    scores = evaluate(mnist_probs, data["y_test"])
    metrics = {"test_accuracy": scores.pop("accuracy"), **scores,
               "preprocess": {"version": PREPROCESS_VERSION, **stroke_options(recipe)}, "classes": CLASS_NAMES}
    if held.any():
        drawn = evaluate(probabilities(model, data["pen_x"][0][held]), pen_labels[held])
        metrics["heldout_pen"] = {"writers": sorted(recipe.holdout_writers), "samples": int(held.sum()),
                                  "rendered_in": "python (same spec as the page)", **drawn}
    heldout = measure_verdicts(model, data, recipe, held, letters_held, mnist_probs)
    heldout.update(pen_writers=sorted(recipe.holdout_writers) if held.any() else [],
                   things=sorted(recipe.holdout_things),
                   letter_writers=sorted(recipe.holdout_letter_writers) if letters_held.any() else [],
                   doodle_seed=HELDOUT_DOODLE_SEED)
    metrics["verdict"] = {"not_a_digit_bias": recipe.not_a_digit_bias, "unsure_margin": recipe.unsure_margin,
                          "max_turns": recipe.max_turns,
                          "rule": "not a digit: output 10 is the largest (its bias already lowered by "
                                  "not_a_digit_bias), or the strokes wind more than max_turns full turns; "
                                  "else not sure: the top two of all 11 outputs differ by less than "
                                  "unsure_margin",
                          "heldout": heldout}
    return metrics


def measure_verdicts(model, data, recipe, pen_held, letters_held, mnist_probs):
    """How often each verdict is given on drawings the fit never saw: real digits of the
    held-out pen writers, letters of the held-out letter writers, Quick, Draw! doodles of the
    held-out things, held-out generated doodles."""
    predict = functools.partial(probabilities, model)
    rates, counts, bands = {}, {}, []
    mnist_nd, _, _ = judge(mnist_probs, recipe)
    rates["mnist_test_not_a_digit"] = float(mnist_nd.mean())
    if pen_held.any():
        probs, labels = predict(data["pen_x"][0][pen_held]), data["pen_labels"][pen_held]
        not_digit, unsure, margin = judge(probs, recipe, data["pen_turns"][pen_held])
        right = ~not_digit & (probs.argmax(axis=1) == labels)
        rates.update(digit_accuracy=float(right.mean()), digits_not_a_digit=float(not_digit.mean()),
                     digits_unsure=float(unsure.mean()))
        counts["digits"] = int(pen_held.sum())
        # How often the top answer is right per 0.1 of top-two margin: what "not sure" rests on.
        for lo in np.round(np.arange(0, 1, 0.1), 1):
            band = ~not_digit & (margin >= lo) & ((margin < lo + 0.1) | (lo == 0.9))
            bands.append({"margin": [float(lo), round(float(lo) + 0.1, 1)], "samples": int(band.sum()),
                          "top_right": round(float(right[band].mean()), 4) if band.any() else None})
    if letters_held.any():
        not_digit = judge(predict(data["letters_x"][letters_held]), recipe, data["letters_turns"][letters_held])[0]
        lookalike = data["letter_lookalike"][letters_held]
        rates["letters_rejected"] = float(not_digit[~lookalike].mean())
        rates["lookalikes_rejected"] = float(not_digit[lookalike].mean())
        counts.update(letters=int((~lookalike).sum()), lookalikes=int(lookalike.sum()))
    unseen = np.isin(data["quickdraw_things"], recipe.holdout_things)
    if unseen.any():  # Quick, Draw! things never trained on
        not_digit = judge(predict(data["quickdraw_x"][unseen]), recipe)[0]
        things = data["quickdraw_things"][unseen]
        rates["unseen_things_rejected"] = float(not_digit.mean())
        counts["unseen_things"] = int(unseen.sum())
        by_thing = {t: round(float(not_digit[things == t].mean()), 3) for t in dict.fromkeys(things.tolist())}
    not_digit = judge(predict(data["doodles_heldout_x"]), recipe, data["doodles_heldout_turns"])[0]
    rates["doodles_rejected"] = float(not_digit.mean())
    counts["doodles"] = len(not_digit)
    kinds = np.array(data["doodles_heldout_kinds"])
    by_kind = {k: round(float(not_digit[kinds == k].mean()), 3) for k in dict.fromkeys(kinds)}
    return {"rates": {k: round(v, 4) for k, v in rates.items()}, "samples": counts,
            "doodles_rejected_by_kind": by_kind, "margin_bands": bands,
            **({"unseen_things_rejected_by_thing": by_thing} if unseen.any() else {})}


def check_trained(model, metrics, limit=None):
    """Refuse a model with weights that are not finite, or (trained on all of MNIST)
    far below the recipe's accuracy: before anything is written."""
    if not all(np.isfinite(w).all() for w in model.get_weights()):
        raise UserError("training diverged (weights are not finite numbers): lower --learning-rate; "
                        "nothing was written")
    if limit is None and metrics["test_accuracy"] < MIN_TEST_ACCURACY:
        raise UserError(f"the trained model reads only {metrics['test_accuracy']:.1%} of MNIST's test digits "
                        f"(the recipe gets ~96%; at least {MIN_TEST_ACCURACY:.0%} is required): check the "
                        "settings and data; nothing was written")
