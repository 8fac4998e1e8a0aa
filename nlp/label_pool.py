"""The posts a labelling session offers, scored, and how one post is shown.

:func:`score_pool` gives every candidate post the segment's score: the trained post model's
probability when there is one, else the keyword rules' score (then the decision cut is the rules'
threshold). Only posts passing the segment's ``[prefilter]`` (when it has one) are in the pool:
the model never reads the others, and the measured figures are about the posts it reads.
:func:`post_view` splits a post into the author's own words (with the segment's matched words
marked) and the repost chain.

Example:
    >>> from nlp.segments import load_segment
    >>> view = post_view("今天自己做了红烧肉，很入味//@小王:看着好吃", load_segment("food"))
    >>> view["own"], [view["own"][a:b] for a, b in view["spans"]], view["chain"]
    ('今天自己做了红烧肉,很入味', ['自己做了', '红烧', '很入味'], [['小王', '看着好吃']])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nlp.clean import clean_own_text, split_repost_chain
from nlp.post_rules import score_post
from nlp.segments import SegmentDefinition

__all__ = ["LabelPool", "in_prefilter", "post_view", "score_pool"]


@dataclass
class LabelPool:
    """Candidate posts (``posts``: post_id, text, context) with ``proba`` (one per post), the
    decision ``cut`` and what scored them (``scorer``: "model" or "rules")."""

    posts: pd.DataFrame
    proba: np.ndarray
    cut: float
    scorer: str


def in_prefilter(texts: list[str], segment: SegmentDefinition) -> np.ndarray:
    """Which posts' own words are non-empty and match the segment's prefilter (all without one)."""
    rx = segment.prefilter
    own = [clean_own_text(t) for t in texts]
    return np.array([bool(o) and (rx is None or rx.search(o) is not None) for o in own], dtype=bool)


def score_pool(posts: pd.DataFrame, segment: SegmentDefinition, classifier: Any | None = None) -> LabelPool:
    """Keep the posts passing the prefilter and score them (model probability, else rule score)."""
    posts = posts[in_prefilter(posts["text"].tolist(), segment)].reset_index(drop=True)
    texts = posts["text"].tolist()
    contexts = [c if isinstance(c, str) and c else None for c in posts.get("context", [None] * len(posts))]
    if classifier is not None and len(posts):
        proba = classifier.predict_proba(texts, context=contexts)[:, 1]
        decision = classifier.decide(proba, None)  # its threshold is on predict_proba's scale
        return LabelPool(posts, np.asarray(proba, dtype=float), float(decision.threshold), "model")
    proba = np.array([score_post(t, segment, c).score for t, c in zip(texts, contexts, strict=True)])
    return LabelPool(posts, proba, float(segment.min_positive_score), "rules")


def _spans(own: str, segment: SegmentDefinition) -> list[tuple[int, int]]:
    """Merged (start, end) spans of keywords and positive patterns in ``own``."""
    found = [(m.start(), m.end()) for k in segment.keywords for m in re.finditer(re.escape(k.word), own)]
    found += [
        (m.start(), m.end())
        for p in segment.patterns
        if p.weight > 0
        for m in p.regex.finditer(own)
        if m.end() > m.start()
    ]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(found):
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def post_view(text: str, segment: SegmentDefinition) -> dict[str, Any]:
    """``{own, spans, chain, hits, vetoes}``: the author's own words, the (start, end) spans of the
    segment's matched words in them, the repost chain as [name, words] pairs, and the rules' hits
    and vetoes."""
    own, chain = split_repost_chain(text or "")
    own = own.strip()
    score = score_post(text, segment)
    return {
        "own": own,
        "spans": _spans(own, segment),
        "chain": [[name, words] for name, words in chain],
        "hits": list(score.hits),
        "vetoes": list(score.vetoes),
    }
