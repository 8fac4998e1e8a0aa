"""nlp.training: make model's recipe shared with the benches: the rows, the thread-grouped dev folds
and the prior recalibration fitted on their out-of-fold probabilities (issue 16)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nlp.prior import fit_bcts
from nlp.training import dev_folds, fit_prior_recalibration, prefiltered_gold, training_rows
from tests.nlp.test_classifier import LABELS, NEGATIVE, POSITIVE, TEXTS


def _gold() -> pd.DataFrame:
    ids = [f"p{i}" for i in range(len(TEXTS))]
    return pd.DataFrame({"id": ids, "text": TEXTS, "label": LABELS, "file": "tiny.csv"})


def test_prefiltered_gold_keeps_the_posts_a_model_reads() -> None:
    kept = prefiltered_gold(_gold(), "mothers")
    assert kept["text"].tolist() == POSITIVE + NEGATIVE and kept.index.tolist() == list(range(12))


def test_dev_folds_score_every_gold_row_once_from_a_model_that_never_saw_it() -> None:
    gold = prefiltered_gold(_gold(), "mothers")
    weak = pd.DataFrame({"id": ["w1", "w2"], "text": [POSITIVE[0], "宝宝们冲呀"], "label": [1, 0]})
    params = {"min_df": 1, "max_features": None, "cv": 2, "random_state": 0}
    folds = list(dev_folds(gold, weak, "mothers", params, None, None, weak_weight=0.3, folds=2))
    held = np.concatenate([f.held.index.to_numpy() for f in folds])
    assert sorted(held.tolist()) == list(range(12))
    for f in folds:
        assert len(f.proba) == len(f.held) and (f.proba > 0).all()  # every held row is read
        # trained on the other fold's gold rows and on the weak rows whose text is not held: the
        # weak copy of POSITIVE[0] is dropped with it
        weak_kept = 1 if POSITIVE[0] in set(f.held["text"]) else 2
        assert f.model.n_training_rows_ == 12 - len(f.held) + weak_kept


def test_training_rows_weigh_gold_one_and_weak_less() -> None:
    rows = training_rows(_gold().head(2), pd.DataFrame({"id": ["w"], "text": ["宝宝"], "label": [1]}), 0.3)
    assert rows["weight"].tolist() == [0.3, 1.0, 1.0]
    assert rows["file"].tolist() == ["", "tiny.csv", "tiny.csv"]


def test_prior_recalibration_leaves_out_posts_never_read() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2])
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    assert fit_prior_recalibration(np.r_[p, 0.0, 0.0], np.r_[y, 1, 0]) == fit_bcts(p, y)
    with pytest.raises(ValueError, match="one label per probability"):
        fit_prior_recalibration(p, y[:3])
