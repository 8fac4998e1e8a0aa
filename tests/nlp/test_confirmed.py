"""Which members their own words confirm (nlp.tagger ``confirmed_by``), checked by hand.

A member is confirmed by a ``post`` when one of the posts shown as their evidence also matches a
first-person pattern of the segment (a ``[[patterns]]`` entry of positive weight: 我女儿, 我家宝宝,
孕32周 …) with no veto; else by their ``profile`` (any screen-name or bio signal); else
``unconfirmed``. A segment without first-person patterns asks nothing beyond admission
(``segment``). The seed rules (graph.eligibility, ``require_confirmed``) read it.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from nlp.post_rules import score_post
from nlp.segments import SegmentDefinition, load_segment
from nlp.tagger import CONFIRMATIONS, tag_users

FIRST_PERSON = "我女儿今天第一次自己穿鞋"  # positive; first-person pattern 我女儿
KEYWORDS_ONLY = "宝宝夜奶三次"  # positive on keywords alone: no first-person pattern


@pytest.fixture(scope="module")
def mothers() -> SegmentDefinition:
    return load_segment("mothers")


def frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """rows: (post_id, user_id, text), one post a day from 2024-05-01 (Asia/Shanghai)."""
    days = pd.date_range("2024-05-01 08:00", periods=len(rows), freq="D", tz="Asia/Shanghai")
    return pd.DataFrame(
        {
            "post_id": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "created_at": days,
            "text": [r[2] for r in rows],
        }
    )


def test_the_first_person_texts_of_a_post(mothers: SegmentDefinition) -> None:
    assert score_post(FIRST_PERSON, mothers).first_person == ("我女儿",)
    assert score_post("孕32周，胎动好厉害", mothers).first_person == ("孕32周",)
    assert score_post(KEYWORDS_ONLY, mothers).first_person == ()
    assert score_post(KEYWORDS_ONLY, mothers).positive  # admitted, yet not in first person


def test_post_profile_and_unconfirmed_members(mothers: SegmentDefinition) -> None:
    posts = frame([("1", "a", FIRST_PERSON), ("2", "b", KEYWORDS_ONLY), ("3", "c", KEYWORDS_ONLY)])
    profiles = pd.DataFrame({"user_id": ["c"], "screen_name": ["豆豆妈"], "bio": [None]})
    tags = tag_users(posts, mothers, profiles=profiles).tags.set_index("user_id")
    assert tags["confirmed_by"].to_dict() == {"a": "post", "b": "unconfirmed", "c": "profile"}
    assert set(tags["confirmed_by"]) <= set(CONFIRMATIONS)
    # the confirming post says what the first-person pattern matched; the others say nothing
    evidence = {u: json.loads(e) for u, e in tags["evidence"].items()}
    assert evidence["a"][0]["first_person"] == ["我女儿"]
    assert "first_person" not in evidence["b"][0]


def test_a_post_confirms_before_the_profile(mothers: SegmentDefinition) -> None:
    posts = frame([("1", "a", FIRST_PERSON)])
    profiles = pd.DataFrame({"user_id": ["a"], "screen_name": ["豆豆妈"], "bio": [None]})
    tags = tag_users(posts, mothers, profiles=profiles).tags
    assert tags["confirmed_by"].tolist() == ["post"]


def test_only_the_shown_posts_confirm(mothers: SegmentDefinition) -> None:
    # the first-person post is the weaker of two; with one post shown it is not seen
    posts = frame([("1", "a", KEYWORDS_ONLY + "，辅食米糊果泥纸尿裤"), ("2", "a", FIRST_PERSON)])
    shown_one = tag_users(posts, mothers, max_evidence=1).tags
    shown_two = tag_users(posts, mothers, max_evidence=2).tags
    assert json.loads(shown_one.at[0, "evidence"])[0]["text"].startswith(KEYWORDS_ONLY)
    assert shown_one["confirmed_by"].tolist() == ["unconfirmed"]
    assert shown_two["confirmed_by"].tolist() == ["post"]


def test_a_vetoed_post_does_not_confirm(mothers: SegmentDefinition) -> None:
    vetoed = score_post("我家宝宝王一博今天的舞台太帅了，超话打卡", mothers)
    assert vetoed.vetoes and vetoed.first_person == ()


def test_a_segment_without_first_person_patterns_asks_nothing_more(mothers: SegmentDefinition) -> None:
    keywords_only = replace(mothers, patterns=tuple(p for p in mothers.patterns if p.weight <= 0))
    posts = frame([("1", "a", FIRST_PERSON + "，宝宝夜奶三次"), ("2", "b", KEYWORDS_ONLY)])
    tags = tag_users(posts, keywords_only).tags
    assert tags["confirmed_by"].tolist() == ["segment", "segment"]
