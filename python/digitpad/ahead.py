"""What runs beside what while training, and why.

- Rendering ahead: two forked child processes render the digits and the non-digits into the
  render cache while this process imports TensorFlow on a thread (seconds of one core, and of
  Python's lock, which would stall rendering here); this process then reads the cache.
- Garbage collection: the inputs are ~10^6 small Python lists, and each full collection
  walked them all (~0.2-0.3 s a time) and would touch the children's copies of them.
"""

import contextlib
import gc
import sys

from .cache import cache_off


@contextlib.contextmanager
def collections_skipping_inputs():
    """No garbage collection until inputs_read() (yielded) is called, then collections that
    skip every object existing at that point, until the block ends."""
    gc.disable()
    try:
        yield lambda: (gc.freeze(), gc.enable())
    finally:
        gc.enable()
        gc.unfreeze()


@contextlib.contextmanager
def rendered_ahead(prepare, verbose, meanwhile):
    """Yields whether two forked child processes, prepare(verbose, (part,), whole_lines=True)
    each, rendered everything into the render cache (digits, and non-digits) while meanwhile()
    ran on a thread; the block then runs as that goes on, and its end waits for it."""
    if meanwhile is None:
        yield False
        return
    if cache_off() or "tensorflow" in sys.modules:
        meanwhile()  # no cache to hand the renders over, or too late to fork safely
        yield False
        return
    import multiprocessing
    import threading
    fork = multiprocessing.get_context("fork")
    children = [fork.Process(target=_exit_quietly, args=(prepare, verbose, (part,)), daemon=True)
                for part in ("digits", "non-digits")]
    for child in children:
        child.start()
    failed = []

    def run():
        try:
            meanwhile()
        except BaseException as exc:  # re-raised in this thread
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)  # after the forks: never fork mid-import
    thread.start()
    try:
        for child in children:
            child.join()
        yield all(child.exitcode == 0 for child in children)  # else this process renders, and says what failed
    finally:
        thread.join()
    if failed:
        raise failed[0]


def _exit_quietly(prepare, verbose, parts):
    """prepare(...) in a child process, its progress lines whole (children print at once);
    a failure exits 1 without a traceback (the parent then does the same work, and reports
    the failure as it would have)."""
    try:
        prepare(verbose, parts, whole_lines=True)
    except Exception:
        sys.exit(1)
