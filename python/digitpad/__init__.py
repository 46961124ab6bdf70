"""digitpad: draw a digit in the browser; a softmax model trained here recognises it client-side."""

import os

# Set before anything of ours can import TensorFlow, which reads it once, at import: then its
# `tensorflow.keras` is tf_keras (Keras 2), which the trainer uses and the tensorflowjs converter
# imports by that name. Keras 3, TensorFlow's default, is not installed (requirements-no-deps.txt).
os.environ["TF_USE_LEGACY_KERAS"] = "1"
