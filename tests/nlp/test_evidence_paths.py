"""The tag step's cheaper evidence paths give the same evidence as the plain ones (issue 20, h20t2).

:meth:`nlp.classifier.PostClassifier.predict_explained` picks each post's strongest terms for all
posts at once (:func:`nlp.classifier._top_terms`), explains posts with the same own text once and
takes the own texts the caller already cleaned; :func:`nlp.post_rules.confirming_words` searches
only the patterns whose required characters occur in the text, and reads the own text the caller
cleaned when nothing was cut or blanked (then searching only the patterns that matched it when it
was scored, :attr:`nlp.post_rules.PostScore.matched`); the post model reads each distinct own
text once (its rule block each text and on-topic context once). Each is checked here against the
plain way (each row sorted on its own, every post explained, cleaned and scored by the model
alone, every pattern searched).
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from nlp import post_rules
from nlp.classifier import PostClassifier, _top_terms
from nlp.clean import clean_own_text
from nlp.commerce import business_accounts
from nlp.model_files import load_model
from nlp.post_rules import PostScore, confirming_words, score_own_text
from nlp.segments import load_segment

DATA = Path(__file__).parents[1] / "data"


def _texts() -> list[str]:
    crawl = pd.read_csv(DATA / "mothers_crawl.csv", dtype=str)["text"].dropna().tolist()
    gold = pd.read_csv(DATA / "mothers_gold.csv", dtype=str)["text"].dropna().tolist()
    return crawl[:150] + gold[::20]


def _per_row(contrib: sp.csr_matrix, up: np.ndarray, top: int) -> list[list[tuple[int, float]]]:
    """The terms as predict_explained picked them before: each row sorted on its own."""
    out = []
    for row in range(contrib.shape[0]):
        lo, hi = contrib.indptr[row], contrib.indptr[row + 1]
        idx, val = contrib.indices[lo:hi], np.asarray(contrib.data[lo:hi], dtype=np.float64)
        keep = val > 0 if up[row] else val < 0
        idx, val = idx[keep], val[keep]
        order = np.lexsort((idx, -np.abs(val)))[:top]
        out.append([(int(idx[k]), float(val[k])) for k in order])
    return out


def test_top_terms_equal_each_row_sorted_alone() -> None:
    rng = np.random.default_rng(7)
    for trial in range(200):
        n, m = int(rng.integers(0, 25)), int(rng.integers(1, 30))
        # few distinct values: many ties within a row, broken by column
        dense = rng.choice([0, 0, 0, 0.5, -0.5, 1, -1, 2, -2, 0.25], size=(n, m))
        if trial % 2:
            dense = dense * rng.random((n, m))
        matrix, up = sp.csr_matrix(dense), rng.random(n) > 0.5
        for top in (0, 1, 3, 5, 40):
            assert _top_terms(matrix, up, top) == _per_row(matrix, up, top)


@pytest.fixture(scope="module")
def shipped() -> PostClassifier:
    return load_model("mothers")


def test_explained_once_per_own_text_with_given_own_texts(shipped: PostClassifier) -> None:
    base = _texts()
    # the same own text under different repost chains, repeats, no text, texts the prefilter drops
    texts = base + [t + " //@某人:转发" for t in base[:40]] + base[:30] + ["", "今天股市大跌"]
    own = [clean_own_text(t) for t in texts]
    assert len(set(own)) < len(texts)
    for prior in (None, 0.3):
        # a context (all empty) keeps every post apart and the model cleans each text itself
        plain_p, plain_why = shipped.predict_explained(texts, top=5, context=[None] * len(texts), prior=prior)
        for given in (None, own):
            p, why = shipped.predict_explained(texts, top=5, prior=prior, own_texts=given)
            np.testing.assert_array_equal(p, plain_p)
            assert why == plain_why
    with pytest.raises(ValueError, match="own_texts must hold one cleaned text"):
        shipped.predict_explained(texts, own_texts=own[:-1])


def test_confirming_words_gated_equal_every_pattern_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    seg = load_segment("mothers")
    texts = [*_texts(), "我家宝宝8个月了", "#带娃日常#两小只半夜蹦迪", "以后我儿子", "有人带娃", ""]
    gated = [confirming_words(t, seg) for t in texts]
    assert sum(map(bool, gated)) > 10
    comp = post_rules._compile(seg)
    every = replace(comp, gate_re=None, ungated_mask=(1 << (len(seg.patterns) + len(seg.vetoes))) - 1)
    monkeypatch.setattr(post_rules, "_compile", lambda segment: every)
    assert [confirming_words(t, seg) for t in texts] == gated


def test_confirming_words_read_the_given_own_text_only_when_it_is_the_texts() -> None:
    seg = load_segment("mothers")
    texts = [
        *_texts(),
        "我家宝宝8个月了 //@某人:我儿子也是",  # a chain: cut before cleaning
        "【我家宝宝会翻身了】我儿子今天会爬了",  # a headline: blanked
        "＃带娃日常＃我家宝宝会走了",  # full-width: folded
        "我家寶寶會翻身了",  # traditional: cleaning simplifies it
    ]
    plain = [confirming_words(t, seg) for t in texts]
    assert [confirming_words(t, seg, clean_own_text(t)) for t in texts] == plain
    # and only the patterns that matched the own text when it was scored are searched again
    matched = [score_own_text(clean_own_text(t), seg).matched for t in texts]
    assert sum(m is not None and m > 0 for m in matched) > 10
    hinted = [confirming_words(t, seg, clean_own_text(t), m) for t, m in zip(texts, matched, strict=True)]
    assert hinted == plain
    assert confirming_words("我家宝宝8个月了", seg, "我家宝宝8个月了", 0) == ()  # the hint is read
    # the given own text is read only where nothing was folded, cut or blanked
    assert confirming_words("我家宝宝8个月了 //@某人:我儿子也是", seg, "我儿子") == ("我家宝宝", "宝宝8个月")
    assert confirming_words("我家宝宝8个月了", seg, "我儿子") == ("我儿子",)


def test_business_accounts_of_repeated_and_missing_texts() -> None:
    sell = "加微信下单，包邮秒杀"
    posts = pd.DataFrame(
        {
            "user_id": ["s", "s", "s", "s", "p", "p", "p", "q"],
            "text": [sell, sell, sell, "今天好累", "宝宝会翻身了", None, float("nan"), "ＡＢＣ宝宝"],
        }
    )
    got = business_accounts(posts).set_index("user_id")
    assert got.loc["s", "business"] and got.loc["s", "repeated_posts"] == 2  # repeats of the first
    assert got.loc["p", "n_posts"] == 1 and not got.loc["p", "business"]  # None and NaN: no text
    assert got.loc["q", "n_posts"] == 1


def test_a_text_under_several_contexts_is_read_once_with_the_same_probabilities(
    shipped: PostClassifier,
) -> None:
    base = _texts()[:60]
    on_topic = "宝宝夜奶三次，辅食和尿不湿怎么选"  # a context about babies: the [context] rule reads it
    replies = ["我也是，宝宝夜里总醒", "我这也是，娃太难带", "我儿子也是"]  # short first-person replies
    texts = base + base[:30] + base[:30] + replies * 3
    contexts = [None] * len(base) + [on_topic] * 30 + ["今天股市大跌"] * 30 + [None] * 3 + [on_topic] * 3
    contexts += ["今天股市大跌"] * 3
    together = shipped.predict_proba(texts, context=contexts)
    alone = np.vstack([shipped.predict_proba([t], context=[c]) for t, c in zip(texts, contexts, strict=True)])
    np.testing.assert_array_equal(together, alone)
    p = together[-9:, 1]
    assert (p[3:6] > p[:3]).all() and (p[6:] == p[:3]).all()  # only an on-topic context lifts a reply


def test_the_matched_patterns_are_recorded_but_not_compared() -> None:
    seg = load_segment("mothers")
    got = score_own_text("我家宝宝8个月了", seg)
    assert got.matched is not None and got.matched > 0
    assert all(
        bool(got.matched >> i & 1) == (p.regex.search("我家宝宝8个月了") is not None)
        for i, p in enumerate(seg.patterns)
    )
    assert got == PostScore(got.score, got.hits, got.vetoes, got.positive, got.first_person)
    assert "matched" not in repr(got)


def test_cleaning_folds_first_so_folding_before_it_changes_nothing() -> None:
    # what lets confirming_words read the tagger's own text of a text it NFKC-folded itself:
    # clean_own_text(NFKC(t)) == clean_own_text(t) (clean_own_text folds first; folding is
    # idempotent; its full-width table maps only characters NFKC maps the same way)
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    for text in ("".join(points[i : i + 7]) for i in range(0, len(points), 7)):
        for t in (text, f"宝宝{text}好 //@a:{text}", f"ａ{text}\u0301"):
            assert clean_own_text(unicodedata.normalize("NFKC", t)) == clean_own_text(t), ascii(t)
