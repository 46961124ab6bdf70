"""`import tensorflowjs` without the packages that only its other converters use.

tensorflowjs 4.22.0 imports TF Decision Forests, TF Hub and JAX's jax2tf at import time, for
its SavedModel, Hub and JAX converters. Our Keras export calls none of them, and TF-DF has no
build for current TensorFlow, so the Makefile installs the converter --no-deps. Upstream:
https://github.com/tensorflow/tfjs/issues/8655, fix proposed in
https://github.com/tensorflow/tfjs/pull/8693 (TF-DF and Hub imported only when there).
"""

import importlib.util
import sys
import types

from .errors import UserError

# Imported by tensorflowjs at import time, used only by converters we never call.
STAND_INS = ("tensorflow_decision_forests", "tensorflow_hub", "jax.experimental.jax2tf")
stood_in = ()  # those the last import_tensorflowjs() replaced with empty modules


def import_tensorflowjs():
    """The tensorflowjs module. Each of STAND_INS that is not installed is an empty module
    while tensorflowjs imports, and only then: an installed one is used as it is."""
    global stood_in
    if sys.modules.get("tensorflowjs"):
        return sys.modules["tensorflowjs"]
    if importlib.util.find_spec("tensorflowjs") is None:
        raise UserError("tensorflowjs is not installed: `make install` installs it (--no-deps, "
                        "see python/digitpad/tfjs_import.py)")
    stood_in = tuple(name for name in STAND_INS if not _importable(name))
    # jax2tf's parent package too when JAX is missing, but never `jax` itself: Keras and
    # TensorFlow check whether the real one is there.
    added = {part: types.ModuleType(part, "an empty stand-in (digitpad.tfjs_import)")
             for name in stood_in for part in _parents(name) + [name] if not _importable(part)}
    for name, module in added.items():
        parent, _, child = name.rpartition(".")
        if parent in added:  # `from jax.experimental import jax2tf` reads an attribute
            setattr(added[parent], child, module)
    sys.modules.update(added)
    try:
        import tensorflowjs
    finally:
        for name in added:  # gone once tensorflowjs has them: nothing else may take one for the real thing
            del sys.modules[name]
    return tensorflowjs


def _parents(name):
    """The packages name is in, below the top one: jax.experimental for jax.experimental.jax2tf."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


def _importable(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # its parent package is missing
        return False
