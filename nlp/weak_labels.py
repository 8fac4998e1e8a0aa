"""Weak labels: the segment's lexicon rules label posts for training a post classifier.

The rules in ``data/segments/<name>.toml`` (:func:`nlp.tagger.score_post`) label a large real
corpus: clear positives become 1, vetoed posts and posts without any segment word become 0, the
unclear middle is left out (:data:`ABSTAIN`). Analyst gold labels (:func:`nlp.corpora.read_gold`)
override and add to them in ``scripts/train_model.py``.
"""

from __future__ import annotations

import math

import numpy as np

from nlp.clean import clean_own_text
from nlp.features import post_texts
from nlp.segments import SegmentDefinition, load_segment
from nlp.tagger import score_own_text

__all__ = ["ABSTAIN", "weak_labels"]

#: The label of a post the rules are unsure about (leave it out of training).
ABSTAIN = -1


def weak_labels(
    texts: object, segment: SegmentDefinition | str, *, negative_below: float = 0.5
) -> np.ndarray:
    """Labels from the rules: 1 positive, 0 confident negative, -1 unclear (leave it out).

    A post is 1 when :func:`nlp.tagger.score_post` calls it positive; 0 when a veto holds or its
    raw rule score is below ``negative_below`` × the segment's threshold (no or only weak segment
    words); -1 (abstain) otherwise: some parenting words, not enough to be sure.

    Example:
        >>> weak_labels(["宝宝夜奶三次好累", "今天股市大跌", "孩子们放假了", "奶瓶好贵"], "mothers").tolist()
        [1, 0, 0, -1]
    """
    seg = load_segment(segment) if isinstance(segment, str) else segment
    if not isinstance(seg, SegmentDefinition):
        raise TypeError(f"segment must be a name or a SegmentDefinition; got {type(segment).__name__}")
    low = negative_below * seg.threshold
    items = post_texts(texts)
    out = np.empty(len(items), dtype=np.int8)
    cache: dict[str, int] = {}
    for i, t in enumerate(items):
        own = clean_own_text(t)
        label = cache.get(own)
        if label is None:
            s = score_own_text(own, seg)
            raw = -seg.scale * math.log(max(1e-12, 1.0 - s.score)) if s.score > 0 else 0.0
            if s.positive:
                label = 1
            elif s.vetoes or raw < low - 1e-9:
                label = 0
            else:
                label = ABSTAIN
            cache[own] = label
        out[i] = label
    return out
