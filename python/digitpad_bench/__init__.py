"""Measurement tools for digitpad, kept apart from the product: the benchmark,
the leave-writers-out replay in Chromium, and the browser harness the tests share."""
