import os
import sys

from .cli import main

if __name__ == "__main__":
    code = main()
    if "tensorflow" in sys.modules:
        # TensorFlow's teardown at exit takes 1-2 s and does nothing a finished command
        # needs: every file is written and closed by now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
