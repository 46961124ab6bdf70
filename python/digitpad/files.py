"""Files written whole or not at all, and their sha256: no numpy, so `digitpad site` stays light."""

import contextlib
import hashlib
import os
import re
import shutil
import stat
from pathlib import Path


def sha256(path):
    if not stat.S_ISREG(os.stat(path).st_mode):  # opening a FIFO would wait for ever
        raise OSError(f"{path} is not a regular file")
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_atomically(write, target):
    """write(tmp) beside the target, then rename: an interrupted or failed write
    (a raise inside `write`) never leaves a half file under the real name."""
    with written_together(target) as (tmp,):
        write(str(tmp))


@contextlib.contextmanager
def written_together(*targets):
    """Yields a temporary path beside each target, to write whole; when the block ends
    they replace the targets one right after the other (renames need no space). If the
    block fails (a full disk), every target keeps its old content, none a new one."""
    targets = [Path(t) for t in targets]
    for target in targets:
        remove_leftovers(target.parent, target.name)
    tmps = [t.with_name(f".{t.name}.tmp{os.getpid()}{t.suffix}") for t in targets]
    try:
        yield tmps
        for tmp, target in zip(tmps, targets):
            os.replace(tmp, target)
    finally:
        for tmp in tmps:
            tmp.unlink(missing_ok=True)


def remove_leftovers(folder, name):
    """Delete what a killed run left beside `name` in `folder`: .NAME-tmp-PID-*,
    .NAME-old-PID-* folders and .NAME.tmpPID* files whose process is gone."""
    pattern = re.compile(rf"\.{re.escape(name)}(?:-tmp-|-old-|\.tmp)(\d*)")
    if not Path(folder).is_dir():
        return
    for path in Path(folder).iterdir():
        found = pattern.match(path.name)
        if not found or (found.group(1) and _running(int(found.group(1)))):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
