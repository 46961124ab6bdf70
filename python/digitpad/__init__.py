"""digitpad: draw a digit in the browser; a softmax model trained here recognises it client-side."""
