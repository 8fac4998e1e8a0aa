"""Fit a segment's post model from its rules plus an analyst's labels (``tajian train``).

The same recipe as ``scripts/train_model.py`` (``make model``), fed from the warehouse instead of
../shared/data, which an analyst's machine does not have:

1. Word vectors (:class:`nlp.embeddings.WordVectors`) from the own words of the unlabelled posts
   (skipped, and recorded so, when there are fewer than ``MIN_VECTOR_POSTS``).
2. Weak labels (:func:`nlp.weak_labels.weak_labels`) of the unlabelled posts passing the
   prefilter, weight ``WEAK_WEIGHT`` each.
3. The analyst's yes/no labels, weight 1, except the held-out ones (:func:`held_out_labels`):
   those measure the model (``tajian evaluate``), so the figures are never about posts it learnt
   from, nor about posts its threshold was picked on. "unsure" labels are left out. The held-out
   labels are a set drawn for it (``chosen_by`` ``held_out``: uniform random draws from the pool,
   like ``random``, set aside before any model is scored on them) when the segment has one; then
   every ``random`` label is on the training side. Without such a set, half of the random labels,
   split by a hash of the post id (:func:`calibration_side`). A fresh set is how to measure again
   once the old held-out labels have been looked at too often to be fresh (food:
   tests/data/LABELS.md).
4. The operating curve and the calibration are fitted on the out-of-fold scores of the random
   labels of the training side (:func:`calibration_labels`, :func:`curve_rows`): posts drawn
   like the pool. Fitted on the actively chosen labels instead (hard negatives near the boundary)
   the curve overstated the false positives at the pool's prior and the threshold lost most of
   the recall (food: F1 0.36 for 0.70 on the same held-out labels; tests/data/LABELS.md).
5. The model's prior (the share of segment posts among those passing the prefilter) is the share
   of "yes" among those same training-side random labels (:func:`pool_prior`).

Example:
    >>> import pandas as pd
    >>> labels = pd.DataFrame({"post_id": ["a", "b", "c"], "text": ["x", "y", "z"],
    ...                        "label": ["yes", "unsure", "no"], "chosen_by": ["active", "random", "random"]})
    >>> training_labels(labels)["post_id"].tolist(), held_out_labels(labels)["post_id"].tolist()
    (['a'], ['c'])
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nlp.classifier import PostClassifier, _segment_tokens
from nlp.clean import clean_own_text
from nlp.embeddings import WordVectors
from nlp.segments import load_segment
from nlp.weak_labels import weak_labels

__all__ = [
    "HELD_OUT",
    "MIN_PRIOR_LABELS",
    "MIN_VECTOR_POSTS",
    "WEAK_WEIGHT",
    "calibration_labels",
    "calibration_side",
    "code_sha256",
    "curve_rows",
    "held_out_labels",
    "held_out_rule",
    "labels_sha256",
    "pool_prior",
    "train_from_labels",
    "training_labels",
]

#: ``chosen_by`` of a post drawn at random into the held-out set (store.labels.CHOSEN_BY).
HELD_OUT = "held_out"
#: A rule-labelled post weighs this much against a hand label (as in scripts/train_model.py).
WEAK_WEIGHT = 0.3
#: Fewer training-side random yes/no labels than this: the model estimates each corpus's prior
#: itself, and its operating curve is fitted on all its hand labels.
MIN_PRIOR_LABELS = 50
#: Fewer unlabelled posts than this: no word vectors (too little text to learn them from).
MIN_VECTOR_POSTS = 2_000


def calibration_side(post_ids: object) -> np.ndarray:
    """True for each post whose random label is on the training side (it calibrates the model),
    False for the held-out side (it measures it): a fixed split by post id (the first 32 bits of
    the id's sha256 even or odd), so a label never changes side as others are added.

    >>> calibration_side(["a", "b", "c", "d"]).tolist()
    [True, True, False, False]
    """
    ids = [
        str(p)
        for p in (
            post_ids if isinstance(post_ids, Iterable) and not isinstance(post_ids, str) else [post_ids]
        )
    ]
    return np.fromiter(
        (int(hashlib.sha256(p.encode()).hexdigest()[:8], 16) % 2 == 0 for p in ids),
        dtype=bool,
        count=len(ids),
    )


def _yes_no(labels: pd.DataFrame) -> pd.Series:
    return labels["label"].isin(["yes", "no"])


def _has_held_out_set(labels: pd.DataFrame) -> bool:
    return bool((labels["chosen_by"] == HELD_OUT).any())


def _held_out(labels: pd.DataFrame) -> pd.Series:
    """Which rows are held out (any label): the drawn set when there is one, else the random labels
    on the held-out side of :func:`calibration_side`."""
    if _has_held_out_set(labels):
        return labels["chosen_by"] == HELD_OUT
    return (labels["chosen_by"] == "random") & ~calibration_side(labels["post_id"])


def held_out_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """The labels the figures are measured on (``tajian evaluate``): the yes / no labels of the
    held-out set (``chosen_by`` ``held_out``) when the segment has one, else the random yes / no
    labels on the held-out side of :func:`calibration_side`. Nothing of the model is fitted or
    picked on them.

    >>> frame = pd.DataFrame({"post_id": ["a", "c", "z"], "label": ["yes", "no", "no"],
    ...                       "chosen_by": ["random", "random", "held_out"]})
    >>> held_out_labels(frame)["post_id"].tolist(), calibration_labels(frame)["post_id"].tolist()
    (['z'], ['a', 'c'])
    """
    return labels[_yes_no(labels) & _held_out(labels)].reset_index(drop=True)


def calibration_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """The random yes / no labels of the training side: drawn like the pool, they set the
    operating curve, the calibration and the prior."""
    keep = _yes_no(labels) & (labels["chosen_by"] == "random") & ~_held_out(labels)
    return labels[keep].reset_index(drop=True)


def training_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """The labels a model learns from: yes / no, except the held-out ones."""
    return labels[_yes_no(labels) & ~_held_out(labels)].reset_index(drop=True)


def held_out_rule(labels: pd.DataFrame) -> str:
    """Which labels are held out, in words (the sidecar's ``held_out_rule``).

    >>> held_out_rule(pd.DataFrame({"post_id": ["a"], "label": ["no"], "chosen_by": ["random"]}))
    "random yes/no labels whose post id's sha256 (first 32 bits) is odd"
    """
    if _has_held_out_set(labels):
        return "the yes/no labels drawn at random into the held-out set (chosen_by held_out)"
    return "random yes/no labels whose post id's sha256 (first 32 bits) is odd"


def pool_prior(labels: pd.DataFrame, min_labels: int = MIN_PRIOR_LABELS) -> float | str:
    """The share of segment posts among the posts passing the prefilter, as the training side's
    random labels measure it (an unbiased estimate: they are a uniform sample of those posts),
    kept inside [0.001, 0.999]; "auto" (estimate it per corpus) with fewer than ``min_labels``.

    >>> pool_prior(pd.DataFrame({"post_id": ["a", "b", "2", "p1"], "label": ["yes", "no", "no", "no"],
    ...                          "chosen_by": ["random"] * 4}), 4)
    0.25
    """
    side = calibration_labels(labels)
    if len(side) < min_labels:
        return "auto"
    return float(min(0.999, max(0.001, round((side["label"] == "yes").mean(), 4))))


def curve_rows(chosen_by: object, y: object, min_labels: int = MIN_PRIOR_LABELS) -> np.ndarray:
    """Which of the training labels (``chosen_by`` and 0/1 ``y`` of :func:`training_labels`'s
    rows) the operating curve and the calibration are fitted on: the random ones (drawn like the
    pool) when there are at least ``min_labels`` of them with both answers, else all of them.

    >>> curve_rows(["active", "random", "random", "random"], [1, 1, 0, 0], 3).tolist()
    [False, True, True, True]
    >>> curve_rows(["active", "random", "random"], [1, 0, 0], 2).tolist()
    [True, True, True]
    """
    by = np.asarray(list(chosen_by) if not isinstance(chosen_by, np.ndarray) else chosen_by)  # type: ignore[call-overload]
    labels = np.asarray(list(y) if not isinstance(y, np.ndarray) else y)  # type: ignore[call-overload]
    if by.shape != labels.shape:
        raise ValueError(f"chosen_by and y must have the same length; got {by.shape} and {labels.shape}")
    random = by == "random"
    if random.sum() >= min_labels and len(set(labels[random].tolist())) == 2:
        return random
    return np.ones(len(by), dtype=bool)


def code_sha256() -> dict[str, str]:
    """sha256 of the source files that make a model from labels (this module, the classifier,
    its features and the weak labels): which code made it.

    >>> sorted(code_sha256())
    ['nlp/classifier.py', 'nlp/features.py', 'nlp/label_training.py', 'nlp/weak_labels.py']
    """
    here = Path(__file__).resolve().parent
    names = ("classifier.py", "features.py", "label_training.py", "weak_labels.py")
    return {f"nlp/{n}": hashlib.sha256((here / n).read_bytes()).hexdigest() for n in names}


def labels_sha256(labels: pd.DataFrame) -> str:
    """A digest of (post_id, label, chosen_by) rows, order-independent: which labels made a model."""
    rows = sorted(
        f"{p}\t{lab}\t{c}"
        for p, lab, c in zip(labels["post_id"], labels["label"], labels["chosen_by"], strict=True)
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def train_from_labels(
    segment: str,
    labels: pd.DataFrame,
    corpus: list[str],
    *,
    seed: int = 0,
    segments_dir: str | Path | None = None,
) -> tuple[PostClassifier, dict[str, Any]]:
    """Fit ``segment``'s model from ``labels`` (post_id, text, label, chosen_by) and the unlabelled
    ``corpus`` texts; returns the model and a JSON-able description of what made it (the sidecar's
    ``training``). Raises ValueError (expected / got / fix) when the labels are too few.
    ``segments_dir``: where the caller's settings keep segments (default ``<repo>/data/segments``)."""
    seg = load_segment(segment, segments_dir)
    gold = training_labels(labels)
    own_labelled = set(labels["text"].map(clean_own_text)) - {""}
    own = pd.Series([clean_own_text(t) for t in corpus], dtype=object)
    keep = (own != "") & ~own.isin(own_labelled) & ~own.duplicated()
    unlabelled = own[keep].tolist()
    rx = seg.prefilter
    pre = [o for o in unlabelled if rx is None or rx.search(o)]
    weak = weak_labels(pre, seg)
    weak_rows = pd.DataFrame({"text": pre, "label": weak})[weak >= 0]
    y_gold = (gold["label"] == "yes").astype(int).to_numpy()
    chosen = (gold["chosen_by"] != "random").to_numpy()
    counts = np.bincount(y_gold[chosen], minlength=2)
    if counts.min() < 5:
        raise ValueError(
            f"{segment}: training needs at least 5 'yes' and 5 'no' labels not chosen at random; got "
            f"{counts[1]} yes and {counts[0]} no; label more posts with tajian label --segment {segment}"
        )
    texts = weak_rows["text"].tolist() + gold["text"].tolist()
    y = np.concatenate([weak_rows["label"].to_numpy(), y_gold]).astype(int)
    weights = np.concatenate([np.full(len(weak_rows), WEAK_WEIGHT), np.ones(len(gold))])
    on_curve = curve_rows(gold["chosen_by"].to_numpy(), y_gold)
    curve = np.concatenate([np.zeros(len(weak_rows), bool), on_curve])
    vectors = None
    if len(unlabelled) >= MIN_VECTOR_POSTS:
        vectors = WordVectors(random_state=seed).fit(
            _segment_tokens(seg.dictionary, o, seg.data_dir) for o in unlabelled
        )
    cv = int(min(5, np.bincount(y_gold[on_curve], minlength=2).min()))
    prior = pool_prior(labels)
    # the segment's [model] settings (chosen on its training side), else the defaults
    params = dict(seg.model)
    model = PostClassifier(
        segment,
        cv=cv,
        random_state=seed,
        embedding_weight=params.get("embedding_weight", 3.0) if vectors else 0.0,
        char_weight=params.get("char_weight", 1.0),
        char_blend=params.get("char_blend", 0.0),
        C=params.get("C", 1.0),
        prior=prior,
    )
    model.fit(texts, y, weights, curve_mask=curve, word_vectors=vectors, segments_dir=segments_dir)
    side = int((~chosen).sum())
    described = {
        "source": "warehouse labels (tajian train)",
        "labels_sha256": labels_sha256(labels),
        "labels_used": {"yes": int(y_gold.sum()), "no": int(len(y_gold) - y_gold.sum())},
        "labels_random_training_side": side,
        "labels_held_out_random": len(held_out_labels(labels)),
        "operating_curve": (
            f"out-of-fold, on the {side} training-side random labels"
            if not on_curve.all()
            else f"out-of-fold, on all {len(gold)} training labels"
        ),
        "held_out_rule": held_out_rule(labels),
        "labels_unsure_skipped": int((labels["label"] == "unsure").sum()),
        "unlabelled_posts": len(unlabelled),
        "weak_rows": len(weak_rows),
        "weak_positive": int(weak_rows["label"].sum()),
        "weak_weight": WEAK_WEIGHT,
        "word_vectors": bool(vectors),
        "prior": {
            "value": prior,
            "from": "training-side random labels' share of yes" if prior != "auto" else "auto",
        },
        "cv": cv,
        "model_settings": dict(seg.model),
        "seed": seed,
        "code": "nlp.label_training.train_from_labels",
        "code_sha256": code_sha256(),
    }
    return model, described
