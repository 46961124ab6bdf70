"""The training recipe: the knobs of `digitpad train`, with their defaults.

Kept apart from train.py (numpy, TensorFlow) so the command line can show the
defaults without importing either, e.g. for `digitpad serve`.
"""

from dataclasses import dataclass, field

from .spec import VERDICT

# The model's outputs: the ten digits, then "not a digit" (index NOT_A_DIGIT).
CLASS_NAMES = [str(d) for d in range(10)] + ["not a digit"]
NOT_A_DIGIT = 10

# 6 of the 30 pen writers (every fifth): never trained on when measuring how
# the recipe does on writers it has not seen.
HOLDOUT_WRITERS = ["w01", "w06", "w11", "w16", "w21", "w26"]
# Likewise 2 of the 6 letter writers, when letters are given.
HOLDOUT_LETTER_WRITERS = ["uji-w05", "uji-w06"]
# Likewise 2 of the 10 Quick, Draw! things: what the page does with kinds of drawing it
# never saw (picked before measuring: an animal and an object).
HOLDOUT_THINGS = ["bird", "house"]
# The doodles trained on are set DOODLE_SEED of the generator; the ones measured on,
# HELDOUT_DOODLES of set HELDOUT_DOODLE_SEED, are never trained on.
DOODLE_SEED, HELDOUT_DOODLE_SEED, HELDOUT_DOODLES = 1, 999, 1000


@dataclass
class Recipe:
    epochs: int = 5  # vs 10: the same accuracy on unseen writers and MNIST (measured), half the fit
    batch_size: int = 512  # vs 256: same accuracy (measured), half the steps, ~25% faster fit
    learning_rate: float = 0.02
    l2: float = 1e-5
    seed: int = 0
    deskew: bool = True
    normalize_size: bool = True  # with deskew: also even out each digit's spread (moments)
    pen_copies: int = 4  # augmented renderings per pen digit, besides the plain one
    pen_weight: float = 1.0  # loss weight of a pen example relative to an MNIST one
    holdout_writers: list = field(default_factory=list)  # pen writers kept out of training
    # "Not a digit", the 11th class: letters, Quick, Draw! doodles and generated doodles. The four below were chosen by
    # cross-validation over the training pen writers (docs/measurements.md); the verdict's
    # numbers are the spec's (spec.json, docs/verdicts.md), which the page falls back on.
    letter_copies: int = 9  # augmented renderings per letter, besides the plain one
    doodles: int = 4000  # generated doodles trained on
    non_digit_weight: float = 2.0  # loss weight of a non-digit example vs an MNIST one
    not_a_digit_bias: float = VERDICT["not_a_digit_bias"]  # added to the class's bias after fitting: fewer digits rejected
    unsure_margin: float = VERDICT["unsure_margin"]  # top two probabilities closer than this: "not sure"
    # Strokes winding more than this many full turns are not a digit, whatever the model says
    # (preprocess.winding): the training pen writers' most winding digit turns 4.5 times.
    max_turns: float = VERDICT["max_turns"]
    holdout_letter_writers: list = field(default_factory=list)  # letter writers kept out of training
    holdout_things: list = field(default_factory=list)  # Quick, Draw! things kept out of training
