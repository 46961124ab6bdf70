"""make eval-drawn end to end, small: train without a writer, replay that writer in Chromium."""

import json

from digitpad.doodles import KINDS
from digitpad_bench.eval_drawn import eval_drawn
from digitpad.recipe import HOLDOUT_THINGS, Recipe


def test_eval_drawn_replays_unseen_writers(tmp_path, mnist_dir, pen_digits_path, browser):
    report = eval_drawn(mnist_dir, pen_digits_path, holdout=["w06"], limit=60, out=tmp_path,
                        recipe=Recipe(epochs=1, pen_copies=0, letter_copies=1, doodles=1000), chromium=browser)
    saved = json.loads((tmp_path / "eval-drawn.json").read_text())
    assert saved == json.loads(json.dumps(report))
    assert report["samples"] == 60 and report["holdout_writers"] == ["w06"]
    assert sum(map(sum, report["drawn"]["confusion_matrix"])) == 60
    # Measured here: 0.80 (1 epoch, no augmentation, 60 digits of w06).
    assert report["drawn"]["accuracy"] >= 0.75
    assert report["mnist_test_accuracy"] >= 0.9
    # The page's verdicts, replayed: held-out digits, letters of the held-out letter writers, doodles.
    # Measured here (1 epoch, 1,000 doodles, letters once; bias -1.9, margin 0.2): digits 1.7% not a
    # digit, 3.3% not sure; 73% of 60 doodles, 26% of 152 letters and 37% of the 2,000 Quick, Draw!
    # birds and houses (never trained on) called not a digit.
    assert set(report["rejected"]) == {"doodles", "letters", "look-alike letters", "unseen things"}
    assert set(report["unseen_things_rejected"]) == set(HOLDOUT_THINGS)
    assert report["drawn"]["not_a_digit"] <= 0.1 and report["drawn"]["unsure"] <= 0.2
    assert report["rejected"]["doodles"] >= 0.5 and report["rejected"]["letters"] >= 0.2
    assert report["rejected"]["unseen things"] >= 0.3
    assert set(report["doodles_rejected_by_kind"]) <= {k.__name__ for k in KINDS}
    # Measured here: 70% of 60 numbers of 2-6 of these digits read exactly (1 epoch, one writer).
    assert report["numbers"]["numbers"] == 60 and report["numbers"]["exact"] >= 0.5
    # Words of held-out letters and pictures of held-out doodles and letters, written on the pad.
    # Measured here: 62% of 60 words and 78% of 60 pictures called not a digit (the rest read as
    # digits); 6.7% of the numbers called not a digit (a part rejected by this weak model).
    assert set(report["pictures"]) == {"words", "pictures"}
    assert report["pictures"]["words"]["not_a_digit"] >= 0.5 and report["pictures"]["pictures"]["not_a_digit"] >= 0.65
    assert report["numbers"]["not_a_digit"] <= 0.15
