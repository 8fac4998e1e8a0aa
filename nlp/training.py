"""The training recipe of a segment's post model, shared by scripts/train_model.py and the benches.

``make model`` fits one :class:`nlp.classifier.PostClassifier` on weak (rule) rows and gold (hand)
rows (:func:`training_rows`, :func:`fit_post_model`). The same recipe, run by thread-grouped
cross-validation over the gold rows (:func:`dev_folds`), gives each gold row a probability from a
model that never saw its thread: ``scripts/train_model.py --cv`` scores them, bench/bench_prior.py
compares prior estimators on them, and ``make model`` fits the model's prior recalibration on them
(:func:`fit_prior_recalibration`: the EM prior estimate of :meth:`PostClassifier.decide` is only as
good as the probabilities' calibration on posts like the gold ones, issue 16).

Example:
    >>> import pandas as pd
    >>> gold = pd.DataFrame({"id": ["a", "b"], "text": ["宝宝夜奶", "股市"], "label": [1, 0],
    ...                      "file": ["g.csv", "g.csv"]})
    >>> weak = pd.DataFrame({"id": ["w"], "text": ["我家宝宝"], "label": [1]})
    >>> training_rows(gold, weak, 0.3)[["label", "weight", "file"]].values.tolist()
    [[1, 0.3, ''], [1, 1.0, 'g.csv'], [0, 1.0, 'g.csv']]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from nlp.classifier import PostClassifier
from nlp.clean import clean_own_text
from nlp.corpora import ced_source_texts, gold_groups
from nlp.embeddings import WordVectors
from nlp.prior import fit_bcts
from nlp.segments import load_segment

__all__ = [
    "DevFold",
    "dev_folds",
    "fit_post_model",
    "fit_prior_recalibration",
    "prefiltered_gold",
    "training_rows",
]


def training_rows(gold: pd.DataFrame, weak: pd.DataFrame, weak_weight: float) -> pd.DataFrame:
    """The weak rows (weight ``weak_weight``, no file) and the gold rows (weight 1, with their file's
    name), columns id, text, label, file, weight."""
    return pd.concat(
        [weak.assign(weight=weak_weight, file=""), gold[["id", "text", "label", "file"]].assign(weight=1.0)],
        ignore_index=True,
    )


def fit_post_model(
    train: pd.DataFrame,
    segment: str,
    params: dict,
    vectors: WordVectors | None,
    data_dir: Path | None,
    curve_negatives: list[str] | None = None,
    curve_positives: list[str] | None = None,
) -> PostClassifier:
    """Fit on :func:`training_rows`; the operating curve is measured on the gold rows (its negatives
    only from the gold files named in ``curve_negatives``, when given: a sample drawn like real
    input, not one enriched with look-alikes, or the curve overstates the false positives; its
    positives likewise only from the files in ``curve_positives``, when given). ``data_dir``: the
    real data, for the CED reposts' source posts (None: every post read alone)."""
    pos = (train["label"] == 1) & (train["file"].isin(curve_positives) if curve_positives else True)
    neg = (train["label"] == 0) & (train["file"].isin(curve_negatives) if curve_negatives else True)
    on_curve = (train["weight"] == 1.0) & (pos | neg)
    return PostClassifier(segment, **params).fit(
        train["text"].tolist(),
        train["label"].to_numpy(),
        train["weight"].to_numpy(),
        context=None if data_dir is None else ced_source_texts(train["id"], data_dir),
        groups=gold_groups(train["id"]).to_numpy(),
        curve_mask=on_curve.to_numpy(),
        word_vectors=vectors,
    )


def prefiltered_gold(gold: pd.DataFrame, segment: str) -> pd.DataFrame:
    """The gold rows whose own text passes the segment's prefilter (the posts a model reads)."""
    seg = load_segment(segment)
    own = gold["text"].map(clean_own_text)
    keep = own.map(lambda o: bool(o) and (seg.prefilter is None or bool(seg.prefilter.search(o))))
    return gold[keep].reset_index(drop=True)


@dataclass(frozen=True)
class DevFold:
    """One fold of :func:`dev_folds`: its number, the held gold rows, the model fitted without them
    and its calibrated probability for each held row (column 1 of ``predict_proba``)."""

    index: int
    held: pd.DataFrame
    model: PostClassifier
    proba: np.ndarray


def dev_folds(
    gold: pd.DataFrame,
    weak: pd.DataFrame,
    segment: str,
    params: dict,
    vectors: WordVectors | None,
    data_dir: Path | None,
    *,
    weak_weight: float,
    curve_negatives: list[str] | None = None,
    curve_positives: list[str] | None = None,
    folds: int = 5,
    seed: int = 0,
) -> Iterator[DevFold]:
    """Cross-validation by thread over ``gold`` (already :func:`prefiltered_gold`) with the recipe
    of :func:`fit_post_model`: each fold's model trains on the other folds' gold rows and on the
    weak rows whose own text is not a held row's. Yields one :class:`DevFold` per fold (5 model fits:
    minutes on the real data)."""
    split = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    for k, (tr, te) in enumerate(split.split(gold, gold["label"], gold_groups(gold["id"]))):
        held = gold.iloc[te]
        w = weak[~weak["text"].map(clean_own_text).isin(set(held["text"].map(clean_own_text)))]
        model = fit_post_model(
            training_rows(gold.iloc[tr], w, weak_weight),
            segment,
            params,
            vectors,
            data_dir,
            curve_negatives,
            curve_positives,
        )
        context = None if data_dir is None else ced_source_texts(held["id"], data_dir)
        proba = model.predict_proba(held["text"].tolist(), context=context)[:, 1]
        yield DevFold(k, held, model, proba)


def fit_prior_recalibration(proba: object, y: object) -> tuple[float, float]:
    """``(temperature, bias)`` of :func:`nlp.prior.fit_bcts` on out-of-fold calibrated probabilities
    of labelled posts (:func:`dev_folds`); posts scoring exactly 0 (not read by the model) are left
    out, as :meth:`PostClassifier.decide` leaves them out of the prior.

    >>> t, b = fit_prior_recalibration([0.9, 0.8, 0.7, 0.6, 0.4, 0.2, 0.0], [1, 1, 0, 0, 0, 0, 1])
    >>> t > 0 and b < 0
    True
    """
    p = np.asarray(proba, dtype=np.float64).ravel()
    labels = np.asarray(y).ravel()
    if labels.shape != p.shape:
        raise ValueError(f"y must hold one label per probability ({p.size}); got {labels.shape}")
    read = p > 0
    return fit_bcts(p[read], labels[read])
