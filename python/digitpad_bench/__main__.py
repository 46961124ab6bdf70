"""`python -m digitpad_bench bench|eval-drawn|calibrate`: digitpad measured against its peers."""

import argparse
import os
import sys

from digitpad.cli import main, quiet_tensorflow


def cmd_eval_drawn(args):
    quiet_tensorflow()
    from digitpad.recipe import HOLDOUT_WRITERS

    from .eval_drawn import eval_drawn
    holdout = args.holdout.split(",") if args.holdout else HOLDOUT_WRITERS
    eval_drawn(args.data, args.pen_digits, holdout, limit=args.limit, ablation=args.ablation, out=args.out,
               letters_path=args.non_digits)


def cmd_bench(args):
    quiet_tensorflow()
    from .bench import run
    run(args.data, args.pen_digits, args.out, skip_page=args.skip_page, page_only=args.page_only)


def cmd_calibrate(args):
    quiet_tensorflow()
    from .calibrate import main as calibrate
    calibrate(args.data, args.pen_digits)


def parser():
    p = argparse.ArgumentParser(prog="digitpad_bench", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    pen = os.environ.get("DIGITPAD_PEN_DIGITS") or "uci"

    d = sub.add_parser("eval-drawn", help="leave-writers-out accuracy on real drawings, in Chromium")
    d.add_argument("--data", help="MNIST folder (as for `digitpad train`)")
    d.add_argument("--pen-digits", default=pen, help="pen digits, as for train (default: $DIGITPAD_PEN_DIGITS, else uci)")
    d.add_argument("--non-digits", default=os.environ.get("DIGITPAD_NON_DIGITS") or None, metavar="FILE",
                   help="more handwritten letters, as for train (default: $DIGITPAD_NON_DIGITS); the "
                        "held-out writers' letters are replayed")
    d.add_argument("--holdout", help="comma-separated writers to hold out (default: every fifth)")
    d.add_argument("--limit", type=int, help="replay only N held-out digits")
    d.add_argument("--ablation", action="store_true", help="also train and replay each step of the pipeline")
    d.add_argument("--out", default="build", help="where eval-drawn.json goes")
    d.set_defaults(run=cmd_eval_drawn)

    c = sub.add_parser("calibrate", help="the verdict's bias and margin, by cross-validation over training writers")
    c.add_argument("--data", help="MNIST folder (as for `digitpad train`)")
    c.add_argument("--pen-digits", default=pen, help="pen digits, as for train")
    c.set_defaults(run=cmd_calibrate)

    b = sub.add_parser("bench", help="trainer and page against their peers, one run (bench/results.json)")
    b.add_argument("--data", help="MNIST folder (as for `digitpad train`)")
    b.add_argument("--pen-digits", default=pen, help="pen digits, as for train: replayed on the page, and `train` timed with them")
    b.add_argument("--out", default="bench", help="where results.json and results.md go")
    b.add_argument("--skip-page", action="store_true", help="trainer only, no browser")
    b.add_argument("--page-only", action="store_true", help="the page only: load times, strokes, bytes (no teaching)")
    b.set_defaults(run=cmd_bench)
    return p


if __name__ == "__main__":
    sys.exit(main(build=parser))
