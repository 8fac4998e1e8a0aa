"""Weak labels, recall first: the segment's rules label posts for training a post classifier.

Labelling functions may abstain: a post the lexicon does not recognise is not a negative
("儿子" in a post no pattern covers says nothing either way). A post is labelled

* 1 when the rules call it positive (:func:`nlp.post_rules.score_own_text`);
* 0 when there is explicit negative evidence: a veto holds (an idol, a pet, a shop, news,
  a what-if, other people's children…), or its own words miss the segment's ``[prefilter]`` (no
  child, pregnancy or parenting word at all: such posts never reach the model anyway);
* :data:`ABSTAIN` (-1) otherwise, and left out of training.

Analyst gold labels (:func:`nlp.corpora.read_gold`) override and add to them in
``scripts/train_model.py``. (Until 2026-12 every post without enough lexicon points was taught as a
negative; on the gold posts that made the model score parents' diary posts near 0.)
"""

from __future__ import annotations

import numpy as np

from nlp.clean import clean_own_text
from nlp.features import post_texts
from nlp.post_rules import score_own_text
from nlp.segments import SegmentDefinition, load_segment

__all__ = ["ABSTAIN", "weak_labels"]

#: The label of a post the rules say nothing certain about (leave it out of training).
ABSTAIN = -1


def weak_labels(texts: object, segment: SegmentDefinition | str) -> np.ndarray:
    """Labels from the rules: 1 positive, 0 explicit negative evidence, -1 abstain.

    Example:
        >>> texts = ["宝宝夜奶三次好累", "今天股市大跌", "儿子今天好乖", "打call我家宝宝 应援"]
        >>> weak_labels(texts, "mothers").tolist()
        [1, 0, -1, 0]
    """
    seg = load_segment(segment) if isinstance(segment, str) else segment
    if not isinstance(seg, SegmentDefinition):
        raise TypeError(f"segment must be a name or a SegmentDefinition; got {type(segment).__name__}")
    items = post_texts(texts)
    out = np.empty(len(items), dtype=np.int8)
    cache: dict[str, int] = {}
    for i, t in enumerate(items):
        own = clean_own_text(t)
        label = cache.get(own)
        if label is None:
            if seg.prefilter is not None and not seg.prefilter.search(own):
                label = 0
            else:
                s = score_own_text(own, seg)
                label = 1 if s.positive else 0 if s.vetoes else ABSTAIN
            cache[own] = label
        out[i] = label
    return out
