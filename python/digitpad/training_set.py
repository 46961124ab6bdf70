"""The rows fitted on, their labels, and one column of loss weights per recipe fitted
side by side (a recipe holding writers out weighs their rows 0)."""

import numpy as np

from .fit import ALIGN
from .recipe import NOT_A_DIGIT


def training_set(data, recipes):
    """The rows fitted on, (x, y), with one column of loss weights per recipe: MNIST, the
    pen writers, letter writers and Quick, Draw! things the first recipe does not hold out,
    and the generated doodles; a later recipe's column is 0 on the rows of the writers and
    things it holds out. Also what the first recipe trains on."""
    recipe = recipes[0]
    x, y = data["x"], data["y"]
    trained_on = {"mnist_train": len(x)}
    held = [held_out(data, r) for r in recipes]  # (pen digits, letters) each recipe holds out
    # (row pieces, y, weight, kept by each recipe); a piece is (array, mask of its rows or None)
    parts = [([(x, None)], y, 1.0, [np.ones(len(x), bool)] * len(recipes))]
    pen_in = ~held[0][0]
    if pen_in.any():
        copies = len(data["pen_x"])
        parts.append(([(data["pen_x"][c], pen_in) for c in range(copies)],
                      np.tile(data["pen_labels"][pen_in], copies), recipe.pen_weight,
                      [np.tile(~pen[pen_in], copies) for pen, _ in held]))
        trained_on.update(pen_digits=int(pen_in.sum()), pen_renderings=copies * int(pen_in.sum()),
                          pen_writers=sorted({s["writer"] for s, i in zip(data["pen"], pen_in) if i}))
    copied = data["letter_copies_x"].shape[1]  # the first `copied` letters have augmented copies
    letters_in = data["letter_trainable"] & ~held[0][1]
    letter_pieces = [(data["letters_x"], letters_in)] + [(c, letters_in[:copied]) for c in data["letter_copies_x"]]
    letter_rows = sum(int(np.count_nonzero(mask)) for _, mask in letter_pieces)
    parts.append((letter_pieces, np.full(letter_rows, NOT_A_DIGIT), recipe.non_digit_weight,
                  [np.concatenate([~letters[letters_in], np.tile(~letters[:copied][letters_in[:copied]],
                                                                 len(data["letter_copies_x"]))])
                   for _, letters in held]))
    parts.append(([(data["doodles_x"], None)], np.full(len(data["doodles_x"]), NOT_A_DIGIT),
                  recipe.non_digit_weight, [np.ones(len(data["doodles_x"]), bool)] * len(recipes)))
    things_in = ~np.isin(data["quickdraw_things"], recipe.holdout_things)
    parts.append(([(data["quickdraw_x"], things_in)], np.full(int(things_in.sum()), NOT_A_DIGIT),
                  recipe.non_digit_weight,
                  [~np.isin(data["quickdraw_things"][things_in], r.holdout_things) for r in recipes]))
    trained_on.update(letters=int(letters_in.sum()), letter_renderings=letter_rows,
                      letter_writers=sorted({s["writer"] for s, i in zip(data["letters"], letters_in) if i}),
                      doodles=len(data["doodles_x"]), quickdraw=int(things_in.sum()),
                      quickdraw_things=sorted(set(data["quickdraw_things"][things_in].tolist())))
    weights = np.concatenate([np.float32(w) * np.stack(keep, axis=1) for _, _, w, keep in parts]).astype(np.float32)
    return (_stack_rows([piece for pieces, _, _, _ in parts for piece in pieces]),
            np.concatenate([p[1] for p in parts]).astype(np.uint8), weights, trained_on)


def held_out(data, recipe):
    """Which pen digits and which letters `recipe` holds out (by their writers), as two masks."""
    def writers(samples, held):
        return np.array([s["writer"] in held for s in samples], dtype=bool)
    return writers(data.get("pen", []), recipe.holdout_writers), writers(data["letters"], recipe.holdout_letter_writers)


def _stack_rows(pieces):
    """The rows of each (array, mask) piece (mask None: all rows), one piece after another,
    in one array whose memory is aligned for fit's _tensor (numpy's need not be). Each piece is
    copied once, straight to its place: no joined or masked copy first."""
    counts = [len(a) if mask is None else int(np.count_nonzero(mask)) for a, mask in pieces]
    shape = (sum(counts),) + pieces[0][0].shape[1:]
    dtype = np.result_type(*[a for a, _ in pieces])
    size = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(size + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    out = raw[start:start + size].view(dtype).reshape(shape)
    row = 0
    for (array, mask), count in zip(pieces, counts):
        if mask is None or count == len(array):
            out[row:row + count] = array
        else:
            np.compress(mask, array, axis=0, out=out[row:row + count])
        row += count
    return out
