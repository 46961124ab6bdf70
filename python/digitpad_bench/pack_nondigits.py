"""Make the non-digit data the repository ships (python/digitpad/nondigits/) from the full
sets: python -m digitpad_bench.pack_nondigits QUICKDRAW_DIR LETTERS_JSON [PER_THING].

The Quick, Draw! images are cut to the first PER_THING of each thing and stored at 16 grey
levels, two pixels a byte (data.load_quickdraw reads them back); the letters, gzipped."""

import gzip
import shutil
import sys
from pathlib import Path

import numpy as np

from digitpad.data import QUICKDRAW_FILE, QUICKDRAW_THINGS, LETTERS_FILE, NON_DIGITS_DIR


def pack(quickdraw_dir, letters_json, per_thing):
    images = np.stack([np.frombuffer(gzip.open(Path(quickdraw_dir) / f"{thing}.bin.gz").read(), np.uint8)
                       .reshape(-1, 784)[:per_thing] for thing in QUICKDRAW_THINGS])
    levels = ((images.astype(np.int32) * 15 + 127) // 255).astype(np.uint8)  # 0..15, nearest
    packed = levels[..., 0::2] << 4 | levels[..., 1::2]
    with gzip.GzipFile(NON_DIGITS_DIR / QUICKDRAW_FILE, "wb", compresslevel=9, mtime=0) as out:
        out.write(packed.tobytes())
    with open(letters_json, "rb") as src, gzip.GzipFile(NON_DIGITS_DIR / LETTERS_FILE, "wb", 9, mtime=0) as out:
        shutil.copyfileobj(src, out)


if __name__ == "__main__":
    pack(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000)
