"""Command line: `python -m digitpad train|export|site|serve`.

Heavy imports (TensorFlow) happen inside the commands that need them, so `serve`
starts at once. A UserError is printed as one line with exit code 1; anything
else is a bug and keeps its traceback.
"""

import argparse
import os
import sys

from .errors import UserError


def quiet_tensorflow():
    """Import TensorFlow with stderr closed: its C++ start-up lines (CUDA plugin
    factories, absl) bypass every Python and environment setting. An import error
    still surfaces, as the Python exception."""
    # Forced, not defaulted: importing TensorFlow sets it to 1 for child processes.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # TF_USE_LEGACY_KERAS is set by the package (digitpad/__init__.py).
    saved, python_stderr = os.dup(2), sys.stderr
    try:
        # Python's own messages (another thread's errors) still reach the real stderr.
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1)
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            import tensorflow
            import tf_keras  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        if sys.stderr is not python_stderr:
            sys.stderr.close()
            sys.stderr = python_stderr
    tensorflow.get_logger().setLevel("ERROR")  # e.g. the converter's "compiled metrics" notice


def cmd_train(args):
    from .freshness import inputs_sha256, up_to_date
    from .recipe import HOLDOUT_WRITERS, Recipe
    recipe = Recipe(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                    l2=args.l2, seed=args.seed, deskew=not args.no_deskew,
                    normalize_size=not args.no_normalize_size, pen_copies=args.pen_copies,
                    pen_weight=args.pen_weight, letter_copies=args.letter_copies, doodles=args.doodles,
                    non_digit_weight=args.non_digit_weight, not_a_digit_bias=args.not_a_digit_bias,
                    unsure_margin=args.unsure_margin)
    inputs = dict(limit=args.limit, pen_digits=None if args.no_pen_digits else args.pen_digits,
                  estimate_writers=HOLDOUT_WRITERS, extra=args.extra, non_digits=args.non_digits)
    if args.no_pen_digits:
        print("note: training on MNIST only (--no-pen-digits), so the model has never seen a drawn digit")
    kept = None if args.again else up_to_date(args.out, inputs_sha256(args.data, recipe, **inputs))
    if kept:  # training is deterministic: fitting again would write the same bits
        print(f"{args.out}/model.keras is up to date: these data files, this recipe and this code trained it "
              "(--again, or make train AGAIN=1, fits anyway)")
        report(kept)
        return
    from .train import train
    # TensorFlow (seconds, on one core) is imported while child processes render the inputs.
    metrics = train(args.data, args.out, recipe, verbose=args.verbose, meanwhile=quiet_tensorflow, **inputs)
    print(f"wrote {args.out}/model.keras and {args.out}/metrics.json in {metrics['wall_seconds']} s")
    report(metrics)


def report(metrics):
    """What a trained model measured: on unseen writers, its verdicts, on MNIST's test set."""
    if "heldout_pen" in metrics:
        held = metrics["heldout_pen"]
        print(f"drawn digits by unseen writers ({len(held['writers'])} held out, measured before "
              f"training on everyone): {held['accuracy']:.4f}")
    print(verdict_summary(metrics["verdict"]))
    # MNIST's test set, read by the ten digit outputs (the most likely digit).
    print(f"test accuracy: {metrics['test_accuracy']:.4f}")


def verdict_summary(verdict):
    """One line: how often each answer is given on drawings the fit never saw."""
    rates, parts = verdict["heldout"]["rates"], []
    if "digit_accuracy" in rates:
        parts.append(f"digits {rates['digit_accuracy']:.1%} right, {rates['digits_not_a_digit']:.1%} called "
                     f"not a digit, {rates['digits_unsure']:.1%} not sure")
    if "letters_rejected" in rates:
        parts.append(f"letters {rates['letters_rejected']:.1%} called not a digit "
                     f"(look-alikes {rates['lookalikes_rejected']:.1%})")
    if "unseen_things_rejected" in rates:
        parts.append(f"Quick, Draw! things never trained on ({', '.join(verdict['heldout']['things'])}) "
                     f"{rates['unseen_things_rejected']:.1%}")
    parts.append(f"generated doodles {rates['doodles_rejected']:.1%}")
    return (f"held out, with not-a-digit bias {verdict['not_a_digit_bias']:+g} and not-sure margin "
            f"{verdict['unsure_margin']:g}: " + "; ".join(parts))


def cmd_site(args):
    from .site import build_site
    out = build_site(args.out, args.web)
    print(f"wrote {out}/: the static site, as GitHub Pages serves it")


def cmd_export(args):
    quiet_tensorflow()
    from .export import export
    from .export import DEFAULT_QUANTIZATION
    target = export(args.model, args.web, args.quantization or DEFAULT_QUANTIZATION)
    size = sum(p.stat().st_size for p in target.iterdir())
    print(f"exported {target}/ ({size:,} bytes)")


def cmd_serve(args):
    from .server import serve
    serve(args.host, args.port, debug=args.debug, allow_remote=args.allow_remote, site_root=args.site)


def number(low=None, high=None, low_open=False):
    """An argparse type: a finite number in [low, high] (low excluded if low_open)."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text}") from None
        too_low = low is not None and (value <= low if low_open else value < low)
        if value != value or value in (float("inf"), float("-inf")) or too_low or (high is not None and value > high):
            bounds = f"{'above' if low_open else 'at least'} {low:g}" if low is not None else ""
            bounds += (" and " if bounds and high is not None else "") + (f"at most {high:g}" if high is not None else "")
            raise argparse.ArgumentTypeError(f"must be a finite number{' ' + bounds if bounds else ''}, got {text}")
        return value
    return parse


def integer(low, high):
    """An argparse type: a whole number in [low, high]. The upper bounds are far above any
    useful setting and low enough that none runs out of memory or time hours later."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low:,} to {high:,}, got {text}")
        return value
    return parse


port_number = integer(1, 65535)


def parser():
    # allow_abbrev off: a misspelt --learning-rat must be refused, not taken for --learning-rate.
    p = argparse.ArgumentParser(prog="digitpad", description=__doc__.splitlines()[0], allow_abbrev=False)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train the softmax model on MNIST", allow_abbrev=False)
    t.add_argument("--data", help="folder with the four MNIST .gz files (default: $DIGITPAD_DATA, "
                                  "else the user cache, downloading if needed)")
    t.add_argument("--out", default="build", help="where model.keras and metrics.json go (default: build)")
    from .recipe import Recipe
    defaults = Recipe()
    t.add_argument("--epochs", type=integer(1, 1000), default=defaults.epochs)
    t.add_argument("--batch-size", type=integer(1, 65536), default=defaults.batch_size)
    t.add_argument("--learning-rate", type=number(0, 10, low_open=True), default=defaults.learning_rate)
    t.add_argument("--l2", type=number(0, 1), default=defaults.l2)
    t.add_argument("--seed", type=integer(0, 2**32 - 1), default=defaults.seed)
    t.add_argument("--pen-digits", default=os.environ.get("DIGITPAD_PEN_DIGITS") or "uci",
                   help="real pen-drawn digits to add to training: the JSON or UNIPEN file, or 'uci': "
                        "UCI's, downloaded once into the cache (default: $DIGITPAD_PEN_DIGITS, else uci)")
    t.add_argument("--no-pen-digits", action="store_true", help="train on MNIST only")
    t.add_argument("--pen-copies", type=integer(0, 50), default=defaults.pen_copies, help="augmented renderings per pen digit")
    t.add_argument("--pen-weight", type=number(0, 1000, low_open=True), default=defaults.pen_weight,
                   help="loss weight of a pen digit vs an MNIST one")
    t.add_argument("--non-digits", default=os.environ.get("DIGITPAD_NON_DIGITS") or None, metavar="FILE",
                   help="more handwritten letters (JSON, UJI Pen Characters' form) to teach \"not a digit\", besides "
                        "the shipped letters and doodles (python/digitpad/nondigits; default: $DIGITPAD_NON_DIGITS)")
    t.add_argument("--letter-copies", type=integer(0, 50), default=defaults.letter_copies,
                   help="augmented renderings per letter")
    t.add_argument("--doodles", type=integer(0, 100_000), default=defaults.doodles, help="generated doodles to train on")
    t.add_argument("--non-digit-weight", type=number(0, 1000, low_open=True), default=defaults.non_digit_weight,
                   help="loss weight of a letter or doodle vs an MNIST digit")
    t.add_argument("--not-a-digit-bias", type=number(-100, 100), default=defaults.not_a_digit_bias,
                   help="added to the \"not a digit\" output's bias after fitting")
    t.add_argument("--unsure-margin", type=number(0, 1), default=defaults.unsure_margin,
                   help="top two probabilities closer than this: \"not sure\"")
    t.add_argument("--extra", action="append", default=[], metavar="FILE",
                   help="digits you taught the page and downloaded there (repeatable; make train EXTRA=FILE)")
    t.add_argument("--no-deskew", action="store_true", help="train on raw (not deskewed) pixels")
    t.add_argument("--no-normalize-size", action="store_true", help="deskew only, no size normalisation")
    t.add_argument("--limit", type=integer(1, 10**9), help="train on the first N examples only (quick checks)")
    t.add_argument("--again", action="store_true",
                   help="fit even if --out already holds the model these inputs train (it would be the same)")
    t.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1, help="fitting progress: 0 none, 1 a bar, 2 a line per epoch")
    t.set_defaults(run=cmd_train)

    w = sub.add_parser("site", help="copy exactly the files the site serves into one folder", allow_abbrev=False)
    w.add_argument("--web", default="web", help="the page's folder, bundled and exported (default: web)")
    w.add_argument("--out", default="site", help="the folder to (re)create (default: site)")
    w.set_defaults(run=cmd_site)

    e = sub.add_parser("export", help="convert the trained model to TF.js in web/model", allow_abbrev=False)
    e.add_argument("--model", default="build", help="folder with model.keras and metrics.json")
    e.add_argument("--web", default="web", help="the page's folder; the model goes to its model/ (default: web)")
    e.add_argument("--quantization", default=None, help="weights as float32, float16 or uint8 "
                   "(default: the one `make bench` showed loses nothing)")
    e.set_defaults(run=cmd_export)

    s = sub.add_parser("serve", help="serve the site at http://127.0.0.1:8000", allow_abbrev=False)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=port_number, default=8000)
    s.add_argument("--site", default="site", help="the folder `digitpad site` wrote (default: site)")
    s.add_argument("--allow-remote", action="store_true", help="allow binding to a non-loopback address")
    s.add_argument("--debug", action="store_true", help="Werkzeug debugger (loopback only)")
    s.set_defaults(run=cmd_serve)
    return p


def main(argv=None, build=parser):
    """Run the command argv names; the exit code. build: the parser (the bench has its own)."""
    p = build()
    args = p.parse_args(argv)
    try:
        args.run(args)
    except UserError as exc:
        print(f"{p.prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{p.prog}: interrupted", file=sys.stderr)
        return 130
    return 0
