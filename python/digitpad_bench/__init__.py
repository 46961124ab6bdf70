"""Measurement tools for digitpad, kept apart from the product: the benchmark,
the leave-writers-out replay in Chromium, and the browser harness the tests share."""

import os

# The environment the tools were started in, before any of them imported TensorFlow: that
# import sets variables (TF_USE_LEGACY_KERAS among them) that would leak into the processes
# the benchmark times, which must run as a user's shell runs them.
USER_ENV = dict(os.environ)
