"""The tensorflowjs converter imports with digitpad's stand-ins, and needs exactly those."""

import json
import os
import subprocess
import sys

import pytest

from digitpad import tfjs_import
from digitpad.errors import UserError

# Run apart: importing tensorflowjs loads TensorFlow, and the stand-ins must meet a fresh import.
USED = """
import json, sys, types
from digitpad import tfjs_import
tfjs = tfjs_import.import_tensorflowjs()
used = {value.__name__ for name, module in list(sys.modules.items()) if name.startswith("tensorflowjs")
        for value in vars(module).values()
        if isinstance(value, types.ModuleType) and value.__spec__ is None and value.__name__ in tfjs_import.STAND_INS}
left = sorted(set(sys.modules) & {"tensorflow_decision_forests", "tensorflow_hub", "jax", "jax.experimental"})
print(json.dumps({"stood_in": list(tfjs_import.stood_in), "used": sorted(used), "left": left,
                  "converts": callable(tfjs.converters.save_keras_model)}))
"""


@pytest.mark.slow  # TensorFlow, in a new process
def test_tensorflowjs_imports_with_exactly_its_stand_ins():
    """Fails when a new tensorflowjs imports another package we do not install (the import
    fails), or stops importing one of the three (then its stand-in goes unused)."""
    result = subprocess.run([sys.executable, "-c", USED], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.splitlines()[-1])
    # The pinned set installs none of them (constraints.txt): all three are stood in.
    assert seen["stood_in"] == list(tfjs_import.STAND_INS), seen
    assert seen["used"] == sorted(tfjs_import.STAND_INS), seen
    assert seen["left"] == [] and seen["converts"], seen  # no stand-in outlives the import


def test_a_missing_converter_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflowjs", None)  # as if not installed
    with pytest.raises(UserError, match="make install"):
        tfjs_import.import_tensorflowjs()
