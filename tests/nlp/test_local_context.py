"""The local-context block of the post model (issue 15, fourth pass): the characters around each
prefilter match and whose the word is, as :mod:`nlp.features` builds them and
:class:`nlp.classifier.PostClassifier` stacks them (``local_window`` > 0)."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

from nlp.classifier import PostClassifier
from nlp.features import LOCAL_FEATURES, child_windows, local_context_matrix
from nlp.segments import load_segment

CHILD = re.compile("宝宝|儿子|女儿|闺女")
TEXTS = [
    "今天陪我家闺女写作业到十点",
    "我儿子说明天要去动物园",
    "宝宝昨晚又夜醒了三次",
    "我女儿会自己穿鞋了",
    "朋友的儿子考上大学了",
    "#她的宝宝#太可爱了吧",
    "他家儿子真帅",
    "宝宝们冲鸭，打榜",
    "今天股市大跌",
]
LABELS = [1, 1, 1, 1, 0, 0, 0, 0, 0]
PARAMS = {"min_df": 1, "max_features": None, "cv": 2, "random_state": 0}


def _names(m, i: int) -> list[str]:
    return [LOCAL_FEATURES[j] for j in m[i].indices]


def test_windows_hold_the_characters_around_each_match() -> None:
    assert child_windows(["我家闺女和儿子", "", "股市"], CHILD, 1) == ["家闺女和\n和儿子", "", ""]
    assert child_windows(["闺女"], CHILD, 10) == ["闺女"]  # clipped at both ends


def test_whose_word_and_where_it_sits() -> None:
    m = local_context_matrix(TEXTS, CHILD)
    assert m.shape == (len(TEXTS), len(LOCAL_FEATURES))
    assert _names(m, 0) == ["lc:person_first", "lc:open", "lc:matches_1"]
    assert _names(m, 4) == ["lc:person_third", "lc:open", "lc:matches_1"]
    assert _names(m, 5) == ["lc:person_third", "lc:enclosed", "lc:matches_1"]
    assert _names(m, 2) == ["lc:person_none", "lc:open", "lc:clause_start", "lc:matches_1"]
    assert m[8].nnz == 0
    # the person word must be in the match's clause: "我" of another clause does not count
    assert _names(local_context_matrix(["我说，宝宝睡了"], CHILD), 0)[0] == "lc:person_none"
    many = local_context_matrix(["宝宝宝宝宝宝宝宝"], CHILD)
    assert "lc:matches_4" in _names(many, 0)


def test_model_with_the_block_fits_explains_and_pickles() -> None:
    base = PostClassifier(**PARAMS).fit(TEXTS, LABELS)
    local = PostClassifier(**PARAMS, local_window=4, local_weight=2.0).fit(TEXTS, LABELS)
    assert base.local_vectorizer_ is None and local.local_vectorizer_ is not None
    x_base, x_local = base._features(TEXTS).matrix, local._features(TEXTS).matrix
    extra = x_local.shape[1] - x_base.shape[1]
    assert extra == len(local.local_vectorizer_.vocabulary_) + len(LOCAL_FEATURES)
    # the other blocks are unchanged; the new one comes last, scaled by local_weight
    np.testing.assert_array_equal(x_local[:, : x_base.shape[1]].toarray(), x_base.toarray())
    parts = local._features(TEXTS)
    own = [o for o, r in zip(parts.own, parts.relevant, strict=True) if r]
    expected = local_context_matrix(own, load_segment("mothers").prefilter).toarray()
    np.testing.assert_array_equal(x_local[:, -len(LOCAL_FEATURES) :].toarray(), 2.0 * expected)
    names = local._feature_names()
    assert len(names) == x_local.shape[1] and names[-1] == LOCAL_FEATURES[-1]
    assert any(n.startswith("l:") for n in names)
    again = pickle.loads(pickle.dumps(local))
    np.testing.assert_array_equal(again.predict_proba(TEXTS), local.predict_proba(TEXTS))
    # a model saved before the block existed loads without it
    state = {k: v for k, v in base.__getstate__().items() if not k.startswith("local_")}
    old = PostClassifier.__new__(PostClassifier)
    old.__setstate__(state)
    assert (old.local_window, old.local_weight) == (0, 1.0)
    np.testing.assert_array_equal(old.predict_proba(TEXTS), base.predict_proba(TEXTS))


def test_repeated_texts_score_as_when_alone() -> None:
    # _stack reads each distinct own text once and repeats its rows: the local block too
    local = PostClassifier(**PARAMS, local_window=4, local_weight=2.0).fit(TEXTS, LABELS)
    twice = list(TEXTS) + list(TEXTS[:5])
    np.testing.assert_allclose(
        local.predict_proba(twice)[: len(TEXTS)], local.predict_proba(TEXTS), rtol=1e-6
    )
    np.testing.assert_allclose(
        local.predict_proba(twice)[len(TEXTS) :], local.predict_proba(TEXTS[:5]), rtol=1e-6
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"local_window": -1}, r"local_window must be a whole number of characters, 0 \(off\) to 40; got -1"),
        (
            {"local_window": 2.5},
            r"local_window must be a whole number of characters, 0 \(off\) to 40; got 2\.5",
        ),
        ({"local_weight": 0}, r"local_weight must be a number above 0 and at most 100; got 0"),
    ],
)
def test_bad_local_params_say_what_was_expected(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PostClassifier(**PARAMS, **params).fit(TEXTS, LABELS)
