"""The post model's cheaper feature paths give the same features and probabilities as the plain ones.

Issue 20 made :func:`nlp.features.signal_matrix` and :func:`nlp.post_rules.score_own_text` search only
the regexes whose required characters occur in a text, and cut each text into words once for the
word n-grams and the word vectors. The plain paths (every regex searched on every text, each text
cut again for its word vectors) are kept here, as they were at commit ebbae51, as the reference:
on a few hundred hand-labelled posts (tests/data, no reserved rows) and tricky texts, the shipped
mothers model's feature matrix and probabilities must be equal, value for value.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from nlp import post_rules
from nlp.classifier import PostClassifier, _segment, _segment_tokens
from nlp.clean import clean_own_text
from nlp.features import (
    LENGTH_BANDS,
    child_windows,
    fast_tfidf,
    local_context_matrix,
    signal_matrix,
    word_codes,
)
from nlp.model_files import load_model
from nlp.post_rules import PostScore, score_own_text
from nlp.segments import SegmentDefinition

DATA = Path(__file__).parents[1] / "data"

TRICKY = [
    "",
    " ",
    "我",
    "宝宝",
    "我家宝宝DIY了一个iPad支架，超OK",  # upper case: the word vectors cut it as written
    "我儿子说MV好看，打CALL应援",  # (?i) vetoes (always searched)
    "今天带闺女去打疫苗 ＢＢ 很乖",
    "孕32周，胎动好厉害!!! LOL",
    "我家寶寶會翻身了",  # traditional: cleaning folds it
    "😀我家𠮷宝宝 \u200b 哈哈",
    "[]^-\\ 宝宝 (?:x)",
    "孕" * 300,
    "宝宝" * 100 + " END",
    "ⅰⅱ Ⅲ İstanbul ſtraße Kelvin 我女儿",
]


def _texts() -> list[str]:
    crawl = pd.read_csv(DATA / "mothers_crawl.csv", dtype=str)["text"].dropna().tolist()
    gold = pd.read_csv(DATA / "mothers_gold.csv", dtype=str)["text"].dropna().tolist()
    food = pd.read_csv(DATA / "food_labels.csv", dtype=str)["text"].dropna().tolist()
    return crawl[:250] + gold[::12] + food[::25] + TRICKY


def _plain_signal_matrix(own: list[str], segment: SegmentDefinition) -> sp.csr_matrix:
    """signal_matrix as it was: every pattern, veto and feature regex searched on every text."""
    kinds = sorted({p.kind for p in segment.patterns})
    cats = sorted({v.category for v in segment.vetoes})
    kind_col = {k: j for j, k in enumerate(kinds)}
    cat_col = {c: len(kinds) + j for j, c in enumerate(cats)}
    feat_at = len(kinds) + len(cats)
    band_at = feat_at + len(segment.features)
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(own):
        if not text:
            continue
        hit = {kind_col[p.kind] for p in segment.patterns if p.regex.search(text)}
        hit.update(cat_col[v.category] for v in segment.vetoes if v.regex.search(text))
        hit.update(feat_at + j for j, (_, rx) in enumerate(segment.features) if rx.search(text))
        n = len(text)
        hit.update(
            band_at + j for j, (_, lo, hi) in enumerate(LENGTH_BANDS) if lo <= n and (hi is None or n < hi)
        )
        cols.extend(sorted(hit))
        rows.extend([i] * len(hit))
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(own), band_at + len(LENGTH_BANDS)))


def _plain_score(own_text: str, segment: SegmentDefinition, context_topic: float | None) -> PostScore:
    """score_own_text as it was, without character gates: every pattern and veto searched."""
    if not own_text:
        return post_rules._EMPTY
    weights = post_rules._keyword_weights(own_text, segment, post_rules._compile(segment))
    hits = list(weights)
    raw = sum(weights.values())
    kinds: set[str] = set()
    first_person: list[str] = []
    for pattern in segment.patterns:
        m = pattern.regex.search(own_text)
        if m is None:
            continue
        raw += pattern.weight
        text = m.group().strip() or pattern.label
        if pattern.weight > 0:
            kinds.add(pattern.kind)
            hits.append(text)
            first_person.append(text)
        else:
            hits.append(f"-{text}")
    rule = segment.context
    if (
        context_topic is not None
        and rule is not None
        and context_topic >= rule.min_topic - post_rules._EPS
        and len(own_text) <= rule.max_chars
    ):
        m = rule.regex.search(own_text)
        if m is not None:
            raw += rule.weight
            hits.append(f"{rule.label}: {m.group().strip()}")
    if not hits:
        return post_rules._EMPTY
    raw = max(0.0, round(raw, 9))
    vetoes: dict[str, str] = {}
    if raw > 0:
        for veto in segment.vetoes:
            m = veto.regex.search(own_text)
            if m is not None and not (veto.overridden_by & kinds):
                vetoes.setdefault(veto.category, f"{veto.category}:{m.group()}")
    hits_t = tuple(dict.fromkeys(hits))
    if vetoes:
        return PostScore(0.0, hits_t, tuple(vetoes.values()), False)
    score = 1.0 - math.exp(-raw / segment.scale)
    positive = raw >= segment.threshold - post_rules._EPS
    return PostScore(score, hits_t, (), positive, tuple(dict.fromkeys(first_person)))


def _plain_matrix(model: PostClassifier, own: list[str], seg: SegmentDefinition) -> sp.csr_matrix:
    """The model's feature matrix the plain way (no contexts)."""
    scores = [_plain_score(o, seg, None) for o in own]
    rules = np.zeros((len(own), 3), dtype=np.float32)
    rules[:, 0] = [s.score for s in scores]
    rules[:, 1] = [s.positive for s in scores]
    rules[:, 2] = [bool(s.vetoes) for s in scores]
    vectors = model.word_vectors_.transform([_segment_tokens(seg.dictionary, o, seg.data_dir) for o in own])
    blocks = [
        fast_tfidf(model.word_vectorizer_, own, data_dir=seg.data_dir),  # cuts the texts itself
        fast_tfidf(model.char_vectorizer_, own),
        sp.csr_matrix(rules),
        _plain_signal_matrix(own, seg),
        sp.csr_matrix(vectors * np.float32(model.embedding_weight)),
    ]
    local = getattr(model, "local_vectorizer_", None)
    if local is not None:  # the local-context block (issue 15, fourth pass): scikit-learn's transform
        windows = child_windows(own, seg.prefilter, model.local_window)
        weight = np.float32(model.local_weight)
        blocks += [local.transform(windows) * weight, local_context_matrix(own, seg.prefilter) * weight]
    return sp.hstack(blocks, format="csr", dtype=np.float32)


@pytest.fixture(scope="module")
def shipped() -> PostClassifier:
    return load_model("mothers")


def test_features_and_probabilities_equal_the_plain_paths(shipped: PostClassifier) -> None:
    model = shipped
    assert model.rule_features and model.signal_features and model.word_vectors_ is not None
    seg = _segment(model.segment, getattr(model, "segments_dir_", None))
    texts = _texts()
    own = [clean_own_text(t) for t in texts]
    relevant = model._relevant(own, seg)
    own_r = [o for o, r in zip(own, relevant, strict=True) if r]
    assert len(own_r) >= 300 and sum(o != o.lower() for o in own_r) >= 5  # cased texts are covered

    assert (signal_matrix(own, seg) != _plain_signal_matrix(own, seg)).nnz == 0
    for o in own:
        for topic in (None, 5.0):
            assert score_own_text(o, seg, topic) == _plain_score(o, seg, topic), o

    new, plain = model._stack(own_r, None, seg), _plain_matrix(model, own_r, seg)
    assert new.shape == plain.shape
    # fast_tfidf of the local windows equals scikit-learn's transform up to float rounding
    exact = getattr(model, "local_vectorizer_", None) is None
    assert (new != plain).nnz == 0 if exact else abs(new - plain).max() < 1e-6
    proba = model.predict_proba(texts)[:, 1]
    want = np.zeros(len(texts))
    want[relevant] = model._calibrate(model.model_.decision_function(plain))
    if exact:
        np.testing.assert_array_equal(proba, want)
    else:
        np.testing.assert_allclose(proba, want, rtol=0, atol=1e-5)


def test_word_codes_feed_the_word_ngrams_and_vectors(shipped: PostClassifier) -> None:
    model = shipped
    seg = _segment(model.segment, getattr(model, "segments_dir_", None))
    own = [clean_own_text(t) for t in _texts()[:80]]
    cut = word_codes(model.word_vectorizer_, own, seg.data_dir)
    assert cut is not None
    words, codes, counts = cut
    assert [words[c] for c in codes[: counts[0]]] == _segment_tokens(seg.dictionary, own[0].lower())
    fast = fast_tfidf(model.word_vectorizer_, own, seg.data_dir, tokens=cut)
    assert (fast != fast_tfidf(model.word_vectorizer_, own, seg.data_dir)).nnz == 0
    lower = [o.lower() for o in own]
    np.testing.assert_array_equal(
        model.word_vectors_.transform_codes(*cut),
        model.word_vectors_.transform([_segment_tokens(seg.dictionary, o, seg.data_dir) for o in lower]),
    )
    assert word_codes(model.char_vectorizer_, own) is None  # not a word vectorizer
    with pytest.raises(ValueError, match=r"tokens must hold the words of each of the 2 texts; got 80"):
        fast_tfidf(model.word_vectorizer_, own[:2], seg.data_dir, tokens=cut)
