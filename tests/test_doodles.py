"""The doodle generator: the same doodles every time, well-formed strokes, every kind."""

import numpy as np

from digitpad import doodles
from digitpad.preprocess_fast import preprocess_strokes


def test_same_seed_and_index_same_doodle():
    assert doodles.doodle(7, 3) == doodles.doodle(7, 3)
    assert doodles.doodles(7, 20) == [doodles.doodle(7, i) for i in range(20)]
    assert doodles.doodle(7, 3) != doodles.doodle(8, 3)  # another set, another doodle


def test_arrays_hold_the_same_points():
    for i in range(26):
        strokes, kind = doodles.doodle(4, i)
        arrays, same_kind = doodles.doodle(4, i, as_arrays=True)
        assert same_kind == kind and [a.tolist() for a in arrays] == strokes


def test_strokes_are_pen_strokes():
    for strokes, kind in doodles.doodles(1, 130):
        assert strokes and all(len(stroke) >= 1 for stroke in strokes), kind
        points = np.array([p for stroke in strokes for p in stroke])
        assert points.shape[1] == 2 and np.isfinite(points).all(), kind
        # A size a person draws at, in pad units (the renderer ignores where).
        assert 20 < np.ptp(points, axis=0).max() < 2000, kind
        image = preprocess_strokes(strokes, deskew=True, normalize_size=True)
        assert image.shape == (28, 28) and image.sum() > 10, kind


def test_kinds_take_turns():
    kinds = [kind for _, kind in doodles.doodles(1, 2 * len(doodles.KINDS))]
    names = [k.__name__ for k in doodles.KINDS]
    assert kinds == names * 2 and len(set(names)) == 13


def test_strokes_of_a_doodle_stay_together():
    # A smiley's eyes inside its face, an arrow's head on its shaft: the whole is no
    # more than twice the span of its largest stroke (strokes placed apart were a bug).
    for strokes, kind in doodles.doodles(1, 260):
        span = lambda points: np.ptp(np.asarray(points, float), axis=0).max()  # noqa: E731
        whole = span([p for stroke in strokes for p in stroke])
        assert whole <= 2 * max(span(stroke) for stroke in strokes), kind
    for strokes, kind in doodles.doodles(1, 260):
        if kind == "smiley":
            face, eyes = np.asarray(strokes[0]), np.asarray(strokes[1] + strokes[2])
            assert ((eyes >= face.min(axis=0)) & (eyes <= face.max(axis=0))).all()
