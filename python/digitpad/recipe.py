"""The training recipe: the knobs of `digitpad train`, with their defaults.

Kept apart from train.py (numpy, TensorFlow) so the command line can show the
defaults without importing either, e.g. for `digitpad serve`.
"""

from dataclasses import dataclass, field

# 6 of the 30 pen writers (every fifth): never trained on when measuring how
# the recipe does on writers it has not seen.
HOLDOUT_WRITERS = ["w01", "w06", "w11", "w16", "w21", "w26"]


@dataclass
class Recipe:
    epochs: int = 10
    batch_size: int = 512  # vs 256: same accuracy (measured), half the steps, ~25% faster fit
    learning_rate: float = 0.02
    l2: float = 1e-5
    seed: int = 0
    deskew: bool = True
    normalize_size: bool = True  # with deskew: also even out each digit's spread (moments)
    pen_copies: int = 4  # augmented renderings per pen digit, besides the plain one
    pen_weight: float = 1.0  # loss weight of a pen example relative to an MNIST one
    holdout_writers: list = field(default_factory=list)  # pen writers kept out of training
