import sys

from .cli import main

# Guarded: training's render workers (spawned) import this module again.
if __name__ == "__main__":
    sys.exit(main())
