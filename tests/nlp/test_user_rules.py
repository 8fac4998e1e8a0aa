"""The user rule of issue 16 (nlp.tagger.tag_users): who is a member, checked by hand.

With n = a user's posts passing the segment's prefilter (all posts with own words without one)
and h = their positive posts, a user is admitted by

* ``posts``: h >= 1 and P(Binomial(n, chance) >= h) <= max_chance (chance = chance_rate, 0.02 in
  mothers.toml, with the rules; the post model's false-positive rate, floored at 0.002, with it);
* ``profile``: their clearest ``[[profile]]`` pattern weighs at least profile_admits (0.9);
* ``both``: h >= 1 and any profile signal.

score = 1 - (1 - post_conf) * (1 - profile_score), post_conf = (1 - p_chance) * mean(best 5 posts).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from nlp.post_rules import score_post
from nlp.segments import SegmentDefinition, load_segment
from nlp.tagger import (
    RULES,
    TagFunnel,
    count_by_rule,
    merge_funnels,
    merge_shard_tags,
    profiles_of,
    split_by_user_shard,
    tag_users,
)

POS = "我家宝宝8个月了，夜奶三次"  # positive, rule score 0.941
POS_B = "给宝宝做了南瓜泥辅食"
WEAK = "宝宝夜奶三次"  # positive, rule score 0.689
RELEVANT = "上学路上堵车了"  # passes the prefilter (上学), not positive
OFF_TOPIC = "今天天气真好"  # no child word: not relevant


@pytest.fixture(scope="module")
def mothers() -> SegmentDefinition:
    return load_segment("mothers")


def frame(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    """rows: (post_id, user_id, text); one post a day from 2024-05-01, Asia/Shanghai."""
    days = pd.date_range("2024-05-01 08:00", periods=max(len(rows), 1), freq="D", tz="Asia/Shanghai")
    return pd.DataFrame(
        {
            "post_id": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "created_at": days[: len(rows)],
            "text": [r[2] for r in rows],
        }
    )


def user_posts(user: str, n_relevant: int, h: int, off_topic: int = 0) -> list[tuple[str, str, str]]:
    """``h`` positive posts, ``n_relevant - h`` relevant non-positive ones, ``off_topic`` others."""
    rows = [(f"{user}p{i}", user, POS) for i in range(h)]
    rows += [(f"{user}r{i}", user, f"{RELEVANT}{i}") for i in range(n_relevant - h)]
    rows += [(f"{user}o{i}", user, f"{OFF_TOPIC}{i}") for i in range(off_topic)]
    return rows


def profiles(rows: dict[str, tuple[str | None, str | None]]) -> pd.DataFrame:
    """{user_id: (screen_name, bio)}."""
    return pd.DataFrame(
        [(u, name, bio) for u, (name, bio) in rows.items()], columns=["user_id", "screen_name", "bio"]
    )


def members(result_or_tags) -> dict[str, str]:
    tags = result_or_tags.tags if hasattr(result_or_tags, "tags") else result_or_tags
    return dict(zip(tags["user_id"], tags["rule"], strict=True))


# --- posts beyond chance ------------------------------------------------------------------------


def test_one_positive_post_of_one_admits(mothers: SegmentDefinition) -> None:
    result = tag_users(frame(user_posts("u", 1, 1)), mothers)
    assert members(result) == {"u": "posts"}
    # p = P(X >= 1 | n = 1, 0.02) = 0.02
    assert result.tags.at[0, "score"] == pytest.approx(0.98 * score_post(POS, mothers).score)


@pytest.mark.parametrize(
    ("h", "member", "p"),
    [
        (1, False, 1 - 0.98**300),  # 0.998: one lucky post of 300 is what chance gives
        (8, False, 0.25461779306570614),
        (9, True, 0.15066710261019126),  # the fewest positives of 300 that admit at 0.2
        (20, True, None),
    ],
)
def test_a_heavy_poster_needs_several_positive_posts(
    mothers: SegmentDefinition, h: int, member: bool, p: float | None
) -> None:
    """300 posts with a child word: chance alone (0.02 each) gives 6 on average."""
    by_hand = sum(math.comb(300, k) * 0.02**k * 0.98 ** (300 - k) for k in range(h, 301))
    assert binom.sf(h - 1, 300, 0.02) == pytest.approx(by_hand, rel=1e-9, abs=1e-15)
    if p is not None:
        assert by_hand == pytest.approx(p, rel=1e-9)
    tags = tag_users(frame(user_posts("u", 300, h)), mothers).tags
    assert (not tags.empty) == member
    if member:
        assert tags.at[0, "n_posts"] == 300 and tags.at[0, "n_hits"] == h
        assert tags.at[0, "score"] == pytest.approx((1 - by_hand) * score_post(POS, mothers).score)


@pytest.mark.parametrize(
    ("n", "h", "p"),
    [
        (1, 1, 0.02),
        (2, 1, 1 - 0.98**2),  # 0.0396
        (2, 2, 0.02**2),
        (3, 2, 3 * 0.02**2 * 0.98 + 0.02**3),  # 0.001184
        (5, 1, 1 - 0.98**5),  # 0.0961
        (10, 1, 1 - 0.98**10),  # 0.1829
        (11, 1, 1 - 0.98**11),  # 0.1993: still <= 0.2
        (20, 2, 1 - 0.98**20 - 20 * 0.02 * 0.98**19),  # 0.0599
    ],
)
def test_exact_chance_of_small_users(mothers: SegmentDefinition, n: int, h: int, p: float) -> None:
    """The user score reads the p-value: score = (1 - p) * mean post score (one text, one score)."""
    assert binom.sf(h - 1, n, 0.02) == pytest.approx(p, rel=1e-12)
    tags = tag_users(frame(user_posts("u", n, h, off_topic=7)), mothers).tags
    assert tags[["n_posts", "n_hits", "rule"]].values.tolist() == [[n + 7, h, "posts"]]
    assert tags.at[0, "score"] == pytest.approx((1 - p) * score_post(POS, mothers).score, rel=1e-12)


def test_off_topic_posts_do_not_dilute_but_without_a_prefilter_they_do(mothers: SegmentDefinition) -> None:
    """A mother also posts about food and work: only posts with a child word make n. A segment
    without a prefilter counts every post with own words."""
    rows = user_posts("u", 1, 1, off_topic=20)
    assert members(tag_users(frame(rows), mothers)) == {"u": "posts"}  # n = 1
    # n = 21: P(X >= 1) = 1 - 0.98**21 = 0.346 > 0.2
    assert binom.sf(0, 21, 0.02) == pytest.approx(0.34574, abs=1e-5)
    assert tag_users(frame(rows), replace(mothers, prefilter=None)).tags.empty
    rows = user_posts("u", 1, 1, off_topic=10)  # n = 11: 0.1993
    assert members(tag_users(frame(rows), replace(mothers, prefilter=None))) == {"u": "posts"}


def test_max_chance_and_chance_rate_edges(mothers: SegmentDefinition) -> None:
    one = frame(user_posts("u", 1, 1))
    assert members(tag_users(one, replace(mothers, max_chance=0.02))) == {"u": "posts"}  # p == max
    assert tag_users(one, replace(mothers, max_chance=0.0199)).tags.empty
    twelve = frame(user_posts("u", 12, 1))  # p = 1 - 0.98**12 = 0.2153
    assert tag_users(twelve, mothers).tags.empty
    assert members(tag_users(twelve, replace(mothers, max_chance=0.22))) == {"u": "posts"}
    # without a positive post nobody is admitted by posts, whatever max_chance
    assert tag_users(frame(user_posts("u", 5, 0)), replace(mothers, max_chance=1.0)).tags.empty
    # chance_rate 0.1: one of two is 0.19 (member), one of three is 0.271 (not)
    loose = replace(mothers, chance_rate=0.1)
    assert members(tag_users(frame(user_posts("u", 2, 1)), loose)) == {"u": "posts"}
    assert tag_users(frame(user_posts("u", 3, 1)), loose).tags.empty
    assert tag_users(frame(user_posts("u", 3, 1)), loose).funnel.chance_rate == 0.1


# --- profile evidence -----------------------------------------------------------------------------


@pytest.mark.parametrize("bio", ["两个娃的妈", "孕29周", "孕２９周"])  # full-width digits fold
def test_a_clear_bio_admits_without_a_positive_post(mothers: SegmentDefinition, bio: str) -> None:
    result = tag_users(
        frame([("1", "u", OFF_TOPIC), ("2", "u", RELEVANT)]),
        mothers,
        profiles=profiles({"u": (None, bio)}),
    )
    tags = result.tags
    assert tags[["user_id", "n_posts", "n_hits", "n_days", "rule"]].values.tolist() == [
        ["u", 2, 0, 0, "profile"]
    ]
    assert tags.at[0, "score"] == pytest.approx(0.95)  # the bio pattern's weight, no post evidence
    assert json.loads(tags.at[0, "evidence"]) == [
        {
            "kind": "profile",
            "field": "bio",
            "text": bio,  # as exported
            "hits": ["两个娃的妈" if "娃" in bio else "孕29周"],  # as matched (folded)
            "label": "简介: 妈妈/爸爸/孕期",
            "score": 0.95,
        }
    ]
    assert result.funnel.by_rule == (("posts", 0), ("profile", 1), ("both", 0))


def test_a_weak_screen_name_needs_a_positive_post(mothers: SegmentDefinition) -> None:
    """ "豆豆妈" may be a dog's owner (weight 0.4): alone it admits nobody; with one positive post
    it does ("both"), even where the posts alone would not (1 of 300)."""
    prof = profiles({"alone": ("豆豆妈", None), "one": ("豆豆妈", None), "heavy": ("豆豆妈", None)})
    rows = [("a1", "alone", OFF_TOPIC), ("a2", "alone", RELEVANT), *user_posts("one", 1, 1)]
    rows += user_posts("heavy", 300, 1)
    tags = tag_users(frame(rows), mothers, profiles=prof).tags.set_index("user_id")
    assert tags["rule"].to_dict() == {"one": "both", "heavy": "both"}
    s = score_post(POS, mothers).score
    assert tags.at["one", "score"] == pytest.approx(1 - (1 - 0.98 * s) * (1 - 0.4))
    assert tags.at["heavy", "score"] == pytest.approx(1 - (1 - 0.98**300 * s) * (1 - 0.4))
    evidence = json.loads(tags.at["one", "evidence"])
    assert [e["kind"] for e in evidence] == ["post", "profile"]  # posts first, then the profile
    assert evidence[0]["post_id"] == "onep0" and evidence[0]["text"] == POS
    assert evidence[1] == {
        "kind": "profile",
        "field": "screen_name",
        "text": "豆豆妈",
        "hits": ["妈"],
        "label": "昵称: ×× 妈 / ×× 爸",
        "score": 0.4,
    }
    # "二宝妈妈" (0.7) is clearer but still below profile_admits: not alone
    assert tag_users(
        frame([("1", "u", OFF_TOPIC)]), mothers, profiles=profiles({"u": ("二宝妈妈", None)})
    ).tags.empty


def test_profile_admits_edges_and_the_clearest_signal_counts(mothers: SegmentDefinition) -> None:
    posts = frame([("1", "u", OFF_TOPIC)])
    prof = profiles({"u": ("豆豆妈", "两个娃的妈")})  # 0.4 and 0.95: the clearest is the score
    assert members(tag_users(posts, replace(mothers, profile_admits=0.95), profiles=prof)) == {"u": "profile"}
    assert tag_users(posts, replace(mothers, profile_admits=0.96), profiles=prof).tags.empty
    weak = profiles({"u": ("豆豆妈", None)})
    tags = tag_users(posts, replace(mothers, profile_admits=0.4), profiles=weak).tags
    assert tags[["rule", "score"]].values.tolist() == [["profile", pytest.approx(0.4)]]
    evidence = json.loads(tag_users(posts, mothers, profiles=prof).tags.at[0, "evidence"])
    assert [(e["field"], e["score"]) for e in evidence] == [("bio", 0.95), ("screen_name", 0.4)]


def test_a_profile_without_posts_in_the_window_is_not_tagged(mothers: SegmentDefinition) -> None:
    prof = profiles({"absent": (None, "两个娃的妈"), "u": (None, None)})
    result = tag_users(frame([("1", "u", OFF_TOPIC)]), mothers, profiles=prof)
    assert result.tags.empty and result.funnel.n_members == 0


def test_profiles_match_ids_as_text_and_can_ride_on_the_posts(mothers: SegmentDefinition) -> None:
    posts = frame([("1", "7", OFF_TOPIC), ("2", "8", POS)])
    prof = pd.DataFrame({"user_id": [7, 8], "screen_name": [None, "豆豆妈"], "bio": ["孕29周", None]})
    expected = {"7": "profile", "8": "both"}
    assert members(tag_users(posts, mothers, profiles=prof)) == expected
    carried = posts.assign(screen_name=[None, "豆豆妈"], bio=["孕29周", None])
    assert profiles_of(carried).values.tolist() == [["7", None, "孕29周"], ["8", "豆豆妈", None]]
    assert members(tag_users(posts, mothers, profiles=profiles_of(carried))) == expected
    assert profiles_of(posts) is None  # no profile columns: nothing to read


# --- businesses ---------------------------------------------------------------------------------


def test_members_carry_business(mothers: SegmentDefinition) -> None:
    """A shop posing as a mother: one post about "her" baby, three selling posts (vetoed as posts,
    relevant all the same: P(X >= 1 | 4) = 0.078), so a member whose ``business`` says why."""
    rows = [
        ("s1", "shop", POS),
        ("s2", "shop", "宝宝辅食机现货包邮，私信下单"),
        ("s3", "shop", "婴儿湿巾买二送一，加VX：ab123"),
        ("s4", "shop", "奶粉代购，价格私聊"),
        ("m1", "mum", POS),
        ("n1", "named", POS_B),
    ]
    prof = profiles({"named": ("小美母婴店", None)})
    tags = tag_users(frame(rows), mothers, profiles=prof).tags.set_index("user_id")
    assert tags["rule"].to_dict() == {"shop": "posts", "mum": "posts", "named": "posts"}
    assert tags["business"].to_dict() == {
        "shop": "3 of 4 posts sell (现货)",
        "mum": None,
        "named": "screen name names a shop (母婴店)",
    }
    assert tags.at["shop", "n_posts"] == 4 and tags.at["shop", "n_hits"] == 1
    assert tags.at["shop", "score"] == pytest.approx((1 - (1 - 0.98**4)) * score_post(POS, mothers).score)


# --- the funnel ----------------------------------------------------------------------------------

FUNNEL_ROWS = [
    ("a1", "A", POS),  # member by posts
    ("b1", "B", OFF_TOPIC),  # member by profile (bio)
    ("c1", "C", RELEVANT),  # nothing
    ("s1", "S", POS),  # member by posts, a business
    ("s2", "S", "宝宝辅食机现货包邮，私信下单"),
    ("s3", "S", "婴儿湿巾买二送一，加VX：ab123"),
    ("s4", "S", "奶粉代购，价格私聊"),
    ("d1", "D", RELEVANT),  # a weak screen name only: nothing
    ("e1", "E", RELEVANT),  # member by profile
    ("f1", "F", "转发微博//@x:我家宝宝会翻身了"),  # a bare repost: no own words, not a post
    ("g1", "G", None),
]
FUNNEL_PROFILES = {
    "B": ("豆豆妈", "两个娃的妈"),
    "C": ("小C", None),
    "D": ("二宝妈妈", None),
    "E": ("豆豆妈", "孕29周"),
    "X": (None, "两个娃的妈"),  # no post in the window
}


def test_funnel_counts_by_hand(mothers: SegmentDefinition) -> None:
    result = tag_users(frame(FUNNEL_ROWS), mothers, profiles=profiles(FUNNEL_PROFILES))
    assert result.funnel == TagFunnel(
        n_posts=9,  # every post with own words (not f1, g1)
        n_relevant=8,  # all of them but b1 (no child word)
        n_positive_posts=2,  # a1, s1
        n_authors=2,  # A, S
        n_members=4,  # A, S by posts; B, E by profile
        by_rule=(("posts", 2), ("profile", 2), ("both", 0)),
        prior=None,  # the rules score posts: no prior, no threshold
        prior_estimated=False,
        threshold=None,
        chance_rate=0.02,
    )
    assert members(result) == {"A": "posts", "S": "posts", "B": "profile", "E": "profile"}
    assert count_by_rule(result.tags) == {"posts": 2, "profile": 2, "both": 0}
    assert result.funnel.as_dict()["by_rule"] == {"posts": 2, "profile": 2, "both": 0}
    assert tag_users(frame([]), mothers).funnel == TagFunnel()


def test_merge_funnels_adds_counts_and_keeps_the_windows_decision() -> None:
    a = TagFunnel(5, 4, 2, 2, 2, (("posts", 1), ("profile", 0), ("both", 1)), 0.1, True, 0.7, 0.013)
    b = TagFunnel(3, 1, 1, 1, 2, (("posts", 1), ("profile", 1), ("both", 0)), 0.1, True, 0.7, 0.013)
    empty = TagFunnel()  # a shard without posts has no decision: ignored
    merged = merge_funnels([empty, a, b])
    assert merged == TagFunnel(
        8, 5, 3, 3, 4, (("posts", 2), ("profile", 1), ("both", 1)), 0.1, True, 0.7, 0.013
    )
    assert merge_funnels([]) == TagFunnel()
    rules_only = merge_funnels(
        [TagFunnel(n_posts=2, chance_rate=0.02), TagFunnel(n_posts=1, chance_rate=0.02)]
    )
    assert (rules_only.n_posts, rules_only.prior, rules_only.chance_rate) == (3, None, 0.02)
    assert count_by_rule(pd.DataFrame({"user_id": ["a", "b"]})) == {"posts": 2, "profile": 0, "both": 0}
    assert [r for r, _ in TagFunnel().by_rule] == list(RULES)


_SAMPLE: list[tuple[pd.DataFrame, pd.DataFrame]] = []


def _sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped sample's posts and its users' profiles (read once)."""
    if not _SAMPLE:
        from store.readers import read_export

        path = Path(__file__).resolve().parents[2] / "data" / "samples" / "weibo_api" / "weibo_statuses.jsonl"
        batch = read_export(path)
        users = batch.users.rename(columns={"description": "bio"})[["user_id", "screen_name", "bio"]]
        _SAMPLE.append((batch.posts[["post_id", "user_id", "created_at", "text"]], users))
    posts, users = _SAMPLE[0]
    return posts.copy(), users.copy()


def test_shards_with_profiles_equal_the_whole(mothers: SegmentDefinition) -> None:
    """split_by_user_shard + tag_users per shard (each given every profile) + merge_shard_tags and
    merge_funnels: the same members, rows, order and funnel as the whole window at once."""
    posts, users = _sample()
    posts = posts.head(1000)  # 354 members: 115 by posts, 30 by profile, 209 both
    posts = pd.concat([posts, posts.head(40)], ignore_index=True)  # repeated post ids count once
    whole = tag_users(posts, mothers, profiles=users)
    by_rule = dict(whole.funnel.by_rule)
    assert by_rule["posts"] > 50 and by_rule["profile"] > 0 and by_rule["both"] > 0
    assert whole.tags["business"].notna().sum() > 0
    assert whole.tags["business"].map(lambda b: b is None or isinstance(b, str)).all()
    parts = [tag_users(p, mothers, profiles=users) for p in split_by_user_shard(posts, 3)]
    pd.testing.assert_frame_equal(merge_shard_tags([r.tags for r in parts]), whole.tags)
    assert merge_funnels([r.funnel for r in parts]) == whole.funnel


# --- properties --------------------------------------------------------------------------------

#: A first-person reply without a child word, positive only under a parenting post (the
#: [context] rule), and such a post.
REPLY = "我也准备从国外带点回来，国内太贵了"
DIAPER_NEWS = "【奶粉之后，下一个限购会是尿不湿吗？】香港又出现内地人抢购纸尿裤的情况，婴儿用品店常常缺货。"
#: Texts a hypothetical user posts: positive ones, relevant but not positive, off-topic, a bare
#: repost (no own words), None, and the reply (positive when posted under DIAPER_NEWS).
POOL = [
    REPLY,
    POS,
    POS_B,
    WEAK,
    RELEVANT,
    "孩子们放假了",
    "家长会开完了",
    OFF_TOPIC,
    "加班到十点",
    "转发微博//@x:宝宝",
    None,
]
POSITIVE_TEXTS = [POS, POS_B, WEAK]
USERS = ["u0", "u1", "u2", "u3"]
PROFILE_CHOICES = [(None, None), ("豆豆妈", None), (None, "两个娃的妈"), ("二宝妈妈", "江叙的妈妈粉")]

posts_st = st.lists(
    st.tuples(st.sampled_from(USERS), st.sampled_from(POOL), st.sampled_from([None, DIAPER_NEWS])),
    max_size=30,
)
profiles_st = st.lists(st.sampled_from(PROFILE_CHOICES), min_size=len(USERS), max_size=len(USERS))


def _frame(rows: list[tuple[str, str | None, str | None]]) -> pd.DataFrame:
    """rows: (user_id, text, context)."""
    out = frame([(f"p{i}", user, text) for i, (user, text, _) in enumerate(rows)])
    return out.assign(context=[c for _, _, c in rows])


@pytest.mark.slow  # about 60 small windows tagged: ~5 s
@settings(max_examples=30, deadline=None)
@given(
    rows=posts_st,
    prof=profiles_st,
    extra_user=st.sampled_from(USERS),
    extra=st.sampled_from(POSITIVE_TEXTS),
    max_chance=st.sampled_from([0.05, 0.2, 0.5]),
)
def test_adding_a_positive_post_never_removes_a_member(
    mothers: SegmentDefinition,
    rows: list[tuple[str, str | None, str | None]],
    prof: list[tuple[str | None, str | None]],
    extra_user: str,
    extra: str,
    max_chance: float,
) -> None:
    seg = replace(mothers, max_chance=max_chance)
    people = profiles(dict(zip(USERS, prof, strict=True)))
    before = tag_users(_frame(rows), seg, profiles=people)
    after = tag_users(_frame([*rows, (extra_user, extra, None)]), seg, profiles=people)
    assert set(before.tags["user_id"]) <= set(after.tags["user_id"])
    assert after.funnel.n_positive_posts == before.funnel.n_positive_posts + 1
    for result in (before, after):
        f = result.funnel
        assert 0 <= f.n_authors <= f.n_positive_posts <= f.n_relevant <= f.n_posts <= len(rows) + 1
        assert f.n_members == len(result.tags) == sum(n for _, n in f.by_rule)
        assert set(result.tags["rule"]) <= set(RULES)
        assert result.tags["score"].between(0, 1).all()
