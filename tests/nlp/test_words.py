"""Tests for nlp.words.top_distinctive_words."""

from __future__ import annotations

import pytest

from nlp.words import top_distinctive_words

SEGMENT = ["宝宝辅食南瓜泥[耶]", "宝宝夜奶好累//@别人:天气", "宝宝辅食吃得好 2024"] * 3
OTHERS = ["今天天气好", "上班好累", "周末去看电影", "宝宝好可爱"] * 20


def test_ranks_segment_words_first() -> None:
    result = top_distinctive_words(SEGMENT, SEGMENT + OTHERS, n=3, dictionary="mothers")
    words = [w for w, _, _ in result]
    assert words[:2] == ["辅食", "宝宝"]
    counts = dict((w, c) for w, c, _ in result)
    assert counts["辅食"] == 6 and counts["宝宝"] == 9
    scores = [s for _, _, s in result]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_excludes_stopwords_single_characters_numbers_and_chains() -> None:
    words = {w for w, _, _ in top_distinctive_words(SEGMENT, OTHERS, n=50, min_count=1)}
    assert "好" not in words and "的" not in words
    assert "2024" not in words
    assert "天气" not in words  # only in the repost chain of a segment text
    assert all(len(w) >= 2 for w in words)


def test_min_count_and_n() -> None:
    result = top_distinctive_words(SEGMENT, OTHERS, n=50, dictionary="mothers", min_count=4)
    assert {w for w, _, _ in result} == {"宝宝", "辅食"}
    assert len(top_distinctive_words(SEGMENT, OTHERS, n=1, dictionary="mothers")) == 1


def test_edge_cases() -> None:
    assert top_distinctive_words([], OTHERS) == []
    assert top_distinctive_words(SEGMENT, [], n=0) == []
    assert top_distinctive_words([None, "", "转发微博"], OTHERS) == []  # type: ignore[list-item]
    with pytest.raises(ValueError, match="min_count"):
        top_distinctive_words(SEGMENT, OTHERS, min_count=0)
    with pytest.raises(TypeError, match="iterables"):
        top_distinctive_words("宝宝辅食", OTHERS)  # type: ignore[arg-type]


def test_accepts_generators() -> None:
    result = top_distinctive_words(iter(SEGMENT), iter(SEGMENT + OTHERS), dictionary="mothers")
    assert result[0][0] in {"辅食", "宝宝"}
