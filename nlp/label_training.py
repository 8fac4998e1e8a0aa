"""Fit a segment's post model from its rules plus an analyst's labels (``tajian train``).

The same recipe as ``scripts/train_model.py`` (``make model``), fed from the warehouse instead of
../shared/data, which an analyst's machine does not have:

1. Word vectors (:class:`nlp.embeddings.WordVectors`) from the own words of the unlabelled posts
   (skipped, and recorded so, when there are fewer than ``MIN_VECTOR_POSTS``).
2. Weak labels (:func:`nlp.weak_labels.weak_labels`) of the unlabelled posts passing the
   prefilter, weight ``WEAK_WEIGHT`` each.
3. The analyst's yes/no labels, weight 1, except the randomly chosen ones: those are held out for
   measuring (``tajian evaluate``), so the figures are never about posts the model learnt from.
   "unsure" labels are left out. The operating curve is fitted on the labels only.
4. The model's prior (the share of segment posts among those passing the prefilter) is the share
   of "yes" among the random labels (:func:`pool_prior`): a uniform sample of the posts, so an
   unbiased estimate. Only that one number comes from them; the model never learns from them.

Example:
    >>> import pandas as pd
    >>> labels = pd.DataFrame({"post_id": ["a", "b"], "text": ["x", "y"], "label": ["yes", "unsure"],
    ...                        "chosen_by": ["active", "random"]})
    >>> training_labels(labels)["post_id"].tolist()
    ['a']
"""

from __future__ import annotations

import hashlib
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
    "MIN_VECTOR_POSTS",
    "WEAK_WEIGHT",
    "code_sha256",
    "labels_sha256",
    "pool_prior",
    "train_from_labels",
    "training_labels",
]

#: A rule-labelled post weighs this much against a hand label (as in scripts/train_model.py).
WEAK_WEIGHT = 0.3
#: Fewer random yes/no labels than this: the model estimates each corpus's prior itself.
MIN_PRIOR_LABELS = 50
#: Fewer unlabelled posts than this: no word vectors (too little text to learn them from).
MIN_VECTOR_POSTS = 2_000


def training_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """The labels a model learns from: yes / no, not chosen at random (those measure it)."""
    keep = labels["label"].isin(["yes", "no"]) & (labels["chosen_by"] != "random")
    return labels[keep].reset_index(drop=True)


def pool_prior(labels: pd.DataFrame, min_labels: int = MIN_PRIOR_LABELS) -> float | str:
    """The share of segment posts among the posts passing the prefilter, as the random labels
    measure it (an unbiased estimate: they are a uniform sample of those posts), kept inside
    [0.001, 0.999]; "auto" (estimate it per corpus) with fewer than ``min_labels`` of them.

    >>> pool_prior(pd.DataFrame({"label": ["yes"] + ["no"] * 3, "chosen_by": ["random"] * 4}), 4)
    0.25
    """
    held = labels[(labels["chosen_by"] == "random") & labels["label"].isin(["yes", "no"])]
    if len(held) < min_labels:
        return "auto"
    return float(min(0.999, max(0.001, round((held["label"] == "yes").mean(), 4))))


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
    y_gold = (gold["label"] == "yes").astype(int)
    counts = np.bincount(y_gold, minlength=2)
    if counts.min() < 5:
        raise ValueError(
            f"{segment}: training needs at least 5 'yes' and 5 'no' labels not chosen at random; got "
            f"{counts[1]} yes and {counts[0]} no; label more posts with tajian label --segment {segment}"
        )
    texts = weak_rows["text"].tolist() + gold["text"].tolist()
    y = np.concatenate([weak_rows["label"].to_numpy(), y_gold.to_numpy()]).astype(int)
    weights = np.concatenate([np.full(len(weak_rows), WEAK_WEIGHT), np.ones(len(gold))])
    curve = np.concatenate([np.zeros(len(weak_rows), bool), np.ones(len(gold), bool)])
    vectors = None
    if len(unlabelled) >= MIN_VECTOR_POSTS:
        vectors = WordVectors(random_state=seed).fit(_segment_tokens(seg.dictionary, o) for o in unlabelled)
    cv = int(min(5, counts.min()))
    prior = pool_prior(labels)
    model = PostClassifier(
        segment, cv=cv, random_state=seed, embedding_weight=3.0 if vectors else 0.0, prior=prior
    )
    model.fit(texts, y, weights, curve_mask=curve, word_vectors=vectors, segments_dir=segments_dir)
    described = {
        "source": "warehouse labels (tajian train)",
        "labels_sha256": labels_sha256(labels),
        "labels_used": {"yes": int(counts[1]), "no": int(counts[0])},
        "labels_held_out_random": int((labels["chosen_by"] == "random").sum()),
        "labels_unsure_skipped": int((labels["label"] == "unsure").sum()),
        "unlabelled_posts": len(unlabelled),
        "weak_rows": len(weak_rows),
        "weak_positive": int(weak_rows["label"].sum()),
        "weak_weight": WEAK_WEIGHT,
        "word_vectors": bool(vectors),
        "prior": {"value": prior, "from": "random labels' share of yes" if prior != "auto" else "auto"},
        "cv": cv,
        "seed": seed,
        "code": "nlp.label_training.train_from_labels",
        "code_sha256": code_sha256(),
    }
    return model, described
