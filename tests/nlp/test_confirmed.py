"""Which members their own words confirm (nlp.tagger ``confirmed_by``), checked by hand.

A member is confirmed by a ``post`` when one of the posts shown as their evidence matches a
first-person pattern of the segment (a ``[[patterns]]`` entry of positive weight: 我女儿, 我家宝宝,
孕32周 …) with no veto, in the author's own sentence (nlp.post_rules.confirming_words: not in a
quoted title or a shared item, not about others or people in general, not a hypothetical); else
by their ``profile`` (any screen-name or bio signal); else ``unconfirmed``. A segment without
first-person patterns asks nothing beyond admission (``segment``). The seed rules
(graph.eligibility, ``require_confirmed``) read it.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from nlp.post_rules import confirming_words, score_post
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


# Real posts of the labelled users' dev halves (tests/data/mothers_users_*.csv) and the gold dev
# half, each holding a first-person pattern's match: (text, the words that confirm).
OWN_SENTENCES = [
    ("孩子在家发烧,哭的稀里哗啦,作为妈妈,不能陪在她身边,心如刀割", ("作为妈妈",)),
    ("如果可以用我的健康，换来我儿子的健康就好了", ("我儿子",)),  # the 如果 is another clause
    ("多年以后，女儿问我：“妈妈，你以前最喜欢的明星人是谁啊？”", (",女儿问",)),
    ("两小只首次半夜携手蹦迪，现在妈妈都起来吃早饭了#招财进宝##双胞胎##带娃日常#", ("带娃",)),  # a diary tag
]
NOT_OWN = [
    # a topic title and a shared news item
    ("#带女儿住桥下的单亲母亲获救助#山东青岛，一位单亲患病母亲宋女士搭棚住桥下。", "title"),
    ("#腾讯新闻# 真“熊孩子”！熊妈妈带娃过马路 四只崽调皮捣蛋不配合急哭路人 来自@腾讯新闻 ", "shared"),
    # people in general, someone else's child, a child to come, a generic role
    ("#多地部署全面了解育龄妇女及生育意愿#家里有房，有钱，有人带娃，为啥不生二胎三胎？", "others"),
    ("国家提倡三胎，医生提倡母乳喂养，专家不提倡隔代带娃，社会要求女性经济独立", "others"),
    ("一个姐姐怀着二胎还有三个月预产期在职放假了大宝这几天感冒", "others"),
    ("女生要养家上班照顾人还要生孩子 光结婚已经压力很大了 还生什么娃啊 想想以后的带娃 照顾 教育", "to come"),
    ("看一半就看不下去了，不问问当妈的人的意见？老子想一耳屎甩过去//@未晞516:让我们欢迎这位", "generic"),
]


@pytest.mark.parametrize(("text", "words"), OWN_SENTENCES)
def test_first_person_words_in_the_authors_own_sentence_confirm(
    mothers: SegmentDefinition, text: str, words: tuple[str, ...]
) -> None:
    assert confirming_words(text, mothers) == words


@pytest.mark.parametrize(("text", "why"), NOT_OWN)
def test_titles_shared_items_others_and_hypotheticals_do_not_confirm(
    mothers: SegmentDefinition, text: str, why: str
) -> None:
    assert score_post(text, mothers).first_person, why  # the pattern matches the post's own text
    assert confirming_words(text, mothers) == (), why


def test_only_the_words_that_confirm_are_kept(mothers: SegmentDefinition) -> None:
    news = "#带女儿住桥下的单亲母亲获救助#山东青岛，单亲母亲宋女士，辅食奶粉都靠救助"
    posts = frame([("1", "a", FIRST_PERSON), ("2", "a", news), ("3", "b", news)])
    tags = tag_users(posts, mothers).tags.set_index("user_id")
    assert tags["confirmed_by"].to_dict() == {"a": "post", "b": "unconfirmed"}
    shown = {item["text"]: item.get("first_person") for item in json.loads(tags.at["a", "evidence"])}
    assert shown == {FIRST_PERSON: ["我女儿"], news: None}  # 带女儿 in the title confirms nothing
    assert score_post(news, mothers).first_person == ("带女儿",)
