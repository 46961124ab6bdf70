"""The spec's numbers, from spec.json: the page's JavaScript bundles the same file.

What each number means: docs/preprocessing.md (PREPROCESS) and docs/verdicts.md
(VERDICT, PARTS). Reading JSON keeps this module free of numpy, for recipe.py.
"""

import json
from importlib.resources import files

SPEC = json.loads(files(__package__).joinpath("spec.json").read_text(encoding="utf-8"))
PREPROCESS = SPEC["preprocess"]  # strokes -> 28x28
VERDICT = SPEC["verdict"]  # a digit's verdict; the defaults a model's metadata "verdict" overrides
PARTS = SPEC["parts"]  # how a number's strokes are split into digits, a point and a minus
