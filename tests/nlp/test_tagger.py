"""Tests for nlp.tagger: post labels on hand-written posts, exact user-level aggregation.

The user rule itself (positive posts beyond chance, profile evidence, businesses, the funnel) is
tested in test_user_rules.py; here: post scores, evidence, ordering, shards and classifiers.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from nlp.post_rules import PostScore, score_own_text, score_post
from nlp.segments import SegmentDefinition, load_segment
from nlp.tagger import TAG_COLUMNS, count_by_rule, tag_user_segments
from tests.nlp import TINY_TRAIN


@pytest.fixture(scope="module")
def mothers() -> SegmentDefinition:
    return load_segment("mothers")


POSITIVE = [
    "我家宝宝8个月了，昨晚夜奶三次，困死了[泪]",
    "孕32周了，胎动越来越明显",
    "今天给宝宝加了辅食，南瓜泥吃了小半碗",
    "接娃放学路上，儿子说想吃冰淇淋",
    "当妈以后才知道睡整觉有多奢侈",
    "闺女两岁半了，每天都要讲三个绘本才肯睡",
    "预产期还有两周，待产包终于收拾好了",
    "宝宝出牙期好闹，咬到什么都往嘴里塞",
    "婆婆帮忙带娃，我终于能回去上班了",
    "我儿子今天第一次叫妈妈了！！[泪]",
    "背奶妈妈的日常：吸奶器又坏了",
    "#宝宝辅食# 蛋黄泥 http://t.cn/abc 我家娃超爱吃",
    "孕28周，猫咪天天趴在我肚子上",  # pregnancy lifts the pet veto
    "给宝宝做了辅食，狗在旁边眼巴巴看着",  # a parenting act lifts the weak pet veto
]

NEGATIVE = {
    "idol_fan": [
        "哥哥的新舞台太帅了，我儿子就是最棒的！打call！",
        "宝宝们快去超话打榜，我家宝贝出道三周年啦",
    ],
    "pet": [
        "我家儿子（一只橘猫）今天又把猫粮打翻了",
        "铲屎官日常：闺女三个月了，今天带她去打疫苗",
    ],
    "heat_pad": ["冬天必备暖宝宝，宝宝表示再也不怕冷了"],
    "endearment": ["男朋友每天都叫我宝宝，今天又给宝宝买了好多零食"],
    "hypothetical": [
        "等我有了孩子，一定每天给宝宝做辅食",
        "以后我的孩子一定要学钢琴，我家宝宝必须多才多艺",
    ],
    "others_children": [
        "同事家的宝宝满月了，给宝宝买了一套衣服",
        "侄子三个月了，抱着好软，给宝宝买了好多衣服",
    ],
    "shop": [
        "宝宝辅食机限时秒杀，包邮到家，链接在评论区",
        "转发抽奖送三罐奶粉，我家宝宝也在喝",
        "澳洲代购爱他美奶粉，宝妈们私信我",
    ],
    "grandparent": ["我的大孙子十个月了，宝宝今天会走路了，奶奶抱抱"],
    "aunt_uncle": ["我们家的小公主出生了，小姑爱死你了"],
}


@pytest.mark.parametrize("text", POSITIVE)
def test_positive_posts(mothers: SegmentDefinition, text: str) -> None:
    result = score_post(text, mothers)
    assert result.positive, result
    assert result.vetoes == ()
    assert mothers.min_positive_score <= result.score <= 1.0


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, texts in NEGATIVE.items() for t in texts])
def test_hard_negatives(mothers: SegmentDefinition, category: str, text: str) -> None:
    result = score_post(text, mothers)
    assert not result.positive, result
    assert result.score == 0.0
    assert any(v.startswith(category + ":") for v in result.vetoes), result.vetoes


@pytest.mark.parametrize(
    "text",
    [
        "今天天气真好，去公园跑了五公里",
        "这个孩子真可怜，希望早日找到家人",  # other people's children, no first person
        "【快讯】一女子带着三个月的宝宝在商场走失，警方正在寻找",  # news
        "坚持锻炼一百天，终于瘦了十斤",  # 百天 inside 一百天
        "喝了一瓶娃哈哈，想起小时候",
    ],
)
def test_plain_negatives(mothers: SegmentDefinition, text: str) -> None:
    assert not score_post(text, mothers).positive


def test_repost_chain_never_counts(mothers: SegmentDefinition) -> None:
    chain = "//@某妈妈:我家宝宝8个月了，夜奶好累，辅食也不肯吃"
    assert score_post("转发微博" + chain, mothers) == PostScore(0.0, (), (), False)
    assert not score_post("哈哈" + chain, mothers).positive
    assert not score_post("" + chain, mothers).positive
    assert score_post(None, mothers) == PostScore(0.0, (), (), False)


def test_hits_and_longest_keyword(mothers: SegmentDefinition) -> None:
    result = score_post("哺乳期可以喝咖啡吗，宝宝三个月", mothers)
    assert "哺乳期" in result.hits
    assert "哺乳" not in result.hits  # the longer word hides the shorter one
    assert "宝宝三个月" in result.hits


def test_token_only_keywords(mothers: SegmentDefinition) -> None:
    assert "百天" in score_post("宝宝百天啦", mothers).hits
    assert "百天" not in score_post("坚持一百天", mothers).hits


def _tiny_segment(tmp_path: Path) -> SegmentDefinition:
    (tmp_path / "tiny.toml").write_text(
        """
name = "tiny"
description = "test"
threshold = 2.5
scale = 3.0
[user]
chance_rate = 0.02
[keywords]
"甲甲" = 1.0
"乙乙" = 2.0
[[patterns]]
kind = "k"
regex = '丙丙'
weight = 0.5
""",
        "utf-8",
    )
    from nlp.segments import load_segment as load

    return load("tiny", tmp_path)


def test_score_arithmetic(tmp_path: Path) -> None:
    seg = _tiny_segment(tmp_path)
    both = score_post("甲甲乙乙", seg)
    assert both.positive
    assert math.isclose(both.score, 1 - math.exp(-1.0))  # raw 3.0, scale 3.0
    repeated = score_post("乙乙乙乙乙乙丙丙", seg)  # a keyword counts once per post
    assert math.isclose(repeated.score, 1 - math.exp(-2.5 / 3.0))
    assert repeated.positive  # exactly at the threshold
    assert repeated.hits == ("乙乙", "丙丙")
    assert not score_post("乙乙", seg).positive


# ----------------------------------------------------------------------------------------------
# user level

POS_A = "我家宝宝8个月了，夜奶三次"
POS_B = "给宝宝做了南瓜泥辅食[耶] http://t.cn/abc"
POS_C = "孕期那会儿胎动好明显"
NEUTRAL = "今天天气真好"


def posts_frame(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """rows: (post_id, user_id, Asia/Shanghai local time, text)."""
    return pd.DataFrame(
        {
            "post_id": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "created_at": pd.to_datetime([r[2] for r in rows]).tz_localize("Asia/Shanghai"),
            "text": [r[3] for r in rows],
        }
    )


def test_three_posts_on_one_day_admit_days_no_longer_matter(mothers: SegmentDefinition) -> None:
    """Before issue 16 a member needed positive posts on two days; now only how unlikely the
    positive posts are by chance counts: 3 of 3 on one day is 0.02**3 (see test_user_rules.py)."""
    df = posts_frame(
        [
            ("1", "u", "2024-05-01 08:00", POS_A),
            ("2", "u", "2024-05-01 12:00", POS_B),
            ("3", "u", "2024-05-01 20:00", POS_C),
        ]
    )
    tags = tag_user_segments(df, mothers)
    assert tags[["n_posts", "n_hits", "n_days", "rule"]].values.tolist() == [[3, 3, 1, "posts"]]
    mean = sum(score_post(t, mothers).score for t in (POS_A, POS_B, POS_C)) / 3
    assert tags.at[0, "score"] == pytest.approx((1 - 0.02**3) * mean)


#: Posts that pass mothers' prefilter (a child word) but are not positive: they are the ``n``
#: of the chance test without being hits.
RELEVANT = "上学路上堵车了"


def test_membership_rules_exact(mothers: SegmentDefinition) -> None:
    """n = posts passing the prefilter, h = positive posts; a member when h >= 1 and
    P(Binomial(n, 0.02) >= h) <= 0.2 (values worked out in test_user_rules.py)."""
    rows = [
        # member: 3 of 3 relevant posts; the bare repost and the None text are not posts, the
        # neutral one has no child word (not relevant)
        ("b1", "B", "2024-05-01 08:00", POS_A),
        ("b2", "B", "2024-05-01 09:00", POS_B),
        ("b3", "B", "2024-05-02 09:00", POS_C),
        ("b4", "B", "2024-05-02 10:00", "转发微博//@某妈妈:我家宝宝会翻身了"),
        ("b5", "B", "2024-05-03 10:00", None),
        ("b6", "B", "2024-05-03 11:00", NEUTRAL),
        # 2 of 2: a member now (before issue 16: "only 2 hits")
        ("d1", "D", "2024-05-01 08:00", POS_A),
        ("d2", "D", "2024-05-02 08:00", POS_B),
        # 3 hits among 20 posts, 17 of them off-topic: off-topic posts do not dilute (n = 3)
        *[(f"e{i}", "E", f"2024-05-{i + 1:02d} 08:00", [POS_A, POS_B, POS_C][i]) for i in range(3)],
        *[(f"en{i}", "E", "2024-05-05 08:00", f"{NEUTRAL}{i}") for i in range(17)],
        # 3 hits among 30 relevant posts: P(X >= 3 | 30, 0.02) = 0.0217 -> member
        *[(f"f{i}", "F", f"2024-05-{i + 1:02d} 08:00", [POS_A, POS_B, POS_C][i]) for i in range(3)],
        *[(f"fn{i}", "F", "2024-05-05 08:00", f"{RELEVANT}{i}") for i in range(27)],
        # 1 hit among 30 relevant posts: P(X >= 1 | 30, 0.02) = 0.455 -> not a member
        ("g0", "G", "2024-05-01 08:00", POS_A),
        *[(f"gn{i}", "G", "2024-05-05 08:00", f"{RELEVANT}{i}") for i in range(29)],
    ]
    tags = tag_user_segments(posts_frame(rows), mothers)
    assert list(tags.columns) == list(TAG_COLUMNS)
    got = {r.user_id: (r.n_posts, r.n_hits, r.n_days, r.rule) for r in tags.itertuples()}
    assert got == {
        "B": (4, 3, 2, "posts"),
        "D": (2, 2, 2, "posts"),
        "E": (20, 3, 3, "posts"),
        "F": (30, 3, 3, "posts"),
    }
    assert set(tags["segment"]) == {"mothers"}
    assert tags["business"].tolist() == [None] * 4


def test_days_are_shanghai_days(mothers: SegmentDefinition) -> None:
    # 15:30 and 16:30 UTC on the same UTC day are 23:30 and 00:30 in Shanghai: two days.
    df = pd.DataFrame(
        {
            "post_id": ["1", "2", "3"],
            "user_id": ["u"] * 3,
            "created_at": pd.to_datetime(
                ["2024-05-01 15:30", "2024-05-01 16:30", "2024-05-01 16:40"], utc=True
            ),
            "text": [POS_A, POS_B, POS_C],
        }
    )
    tags = tag_user_segments(df, mothers)
    assert tags["n_days"].tolist() == [2]
    df["created_at"] = pd.to_datetime(["2024-05-01 01:00", "2024-05-01 02:00", "2024-05-01 03:00"], utc=True)
    assert tag_user_segments(df, mothers)["n_days"].tolist() == [1]  # days are shown, not required


def test_evidence_schema_and_order(mothers: SegmentDefinition) -> None:
    texts = [POS_A, POS_B, POS_C, "孕32周，胎动越来越明显，预产期快到了", "宝宝夜奶，哄睡好难"]
    rows = [(f"p{i}", "u", f"2024-05-{i % 7 + 1:02d} 08:00", texts[i % 5]) for i in range(8)]
    tags = tag_user_segments(posts_frame(rows), mothers)
    assert len(tags) == 1
    row = tags.iloc[0]
    assert (row.n_posts, row.n_hits, row.n_days) == (8, 8, 7)
    evidence = json.loads(row.evidence)
    assert len(evidence) == 5
    for item in evidence:
        # first_person: the first-person words that confirm the member, when any do
        assert set(item) - {"first_person"} == {"kind", "post_id", "created_at", "text", "hits", "score"}
        assert set(item.get("first_person", ())) <= set(item["hits"])
        assert item["kind"] == "post"
        assert isinstance(item["post_id"], str)
        assert pd.Timestamp(item["created_at"]).tzinfo is not None
        assert item["text"] in texts  # the original text, emoji and URL included
        assert isinstance(item["hits"], list) and item["hits"]
        assert 0.0 < item["score"] <= 1.0
    scores = [item["score"] for item in evidence]
    assert scores == sorted(scores, reverse=True)
    assert "http://t.cn/abc" in "".join(
        e["text"]
        for e in json.loads(tag_user_segments(posts_frame(rows), mothers, max_evidence=8).iloc[0].evidence)
    )
    two = tag_user_segments(posts_frame(rows), mothers, max_evidence=2)
    assert len(json.loads(two.iloc[0].evidence)) == 2
    assert 0.0 <= row.score <= 1.0


def test_user_score_formula(mothers: SegmentDefinition) -> None:
    """score = (1 - p_chance) * mean(best 5 positive post scores) without a profile."""
    rows = [(str(i), "u", f"2024-05-0{i + 1} 08:00", POS_A) for i in range(3)]
    tags = tag_user_segments(posts_frame(rows), mothers)
    post = score_post(POS_A, mothers).score
    assert math.isclose(tags.iloc[0].score, post * (1 - 0.02**3))
    # seven hits: the mean of the best five (POS_A twice is two posts, not one)
    texts = [POS_A, POS_A, POS_B, POS_C, "宝宝夜奶三次", "宝宝夜奶三次", "宝宝夜奶三次"]
    rows = [(str(i), "u", f"2024-05-0{i + 1} 08:00", t) for i, t in enumerate(texts)]
    tags = tag_user_segments(posts_frame(rows), mothers)
    best = sorted((score_post(t, mothers).score for t in texts), reverse=True)[:5]
    assert tags.iloc[0].n_hits == 7
    assert math.isclose(tags.iloc[0].score, sum(best) / 5 * (1 - 0.02**7), rel_tol=1e-12)


def test_sorted_by_score_then_user_and_deterministic(mothers: SegmentDefinition) -> None:
    rows = []
    for user in ("zed", "amy", "bob"):
        n = 4 if user == "bob" else 3
        rows += [(f"{user}{i}", user, f"2024-05-0{i + 1} 08:00", POS_A) for i in range(n)]
    df = posts_frame(rows)
    tags = tag_user_segments(df, mothers)
    # bob's 4 of 4 are less likely by chance than 3 of 3 (0.02**4 < 0.02**3): a higher score
    assert tags["user_id"].tolist() == ["bob", "amy", "zed"]
    shuffled = df.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(tag_user_segments(shuffled, mothers), tags)


def test_duplicate_post_ids_count_once(mothers: SegmentDefinition) -> None:
    rows = [
        ("1", "u", "2024-05-01 08:00", POS_A),
        ("1", "u", "2024-05-01 08:00", POS_A),
        ("2", "u", "2024-05-02 08:00", POS_B),
    ]
    tags = tag_user_segments(posts_frame(rows), mothers)
    assert tags[["n_posts", "n_hits"]].values.tolist() == [[2, 2]]
    assert [e["post_id"] for e in json.loads(tags.at[0, "evidence"])] == ["1", "2"]


def test_empty_and_bad_input(mothers: SegmentDefinition) -> None:
    empty = posts_frame([])
    tags = tag_user_segments(empty, mothers)
    assert tags.empty and list(tags.columns) == list(TAG_COLUMNS)
    with pytest.raises(ValueError, match=r"missing column.*created_at"):
        tag_user_segments(empty.drop(columns=["created_at"]), mothers)
    with pytest.raises(ValueError, match="max_evidence"):
        tag_user_segments(empty, mothers, max_evidence=-1)
    with pytest.raises(TypeError, match="SegmentDefinition"):
        tag_user_segments(empty, "mothers")  # type: ignore[arg-type]


def test_pattern_gates_never_change_results(mothers: SegmentDefinition) -> None:
    """The cheap character gate in front of each pattern, veto and feature regex only skips searches
    that cannot match."""
    import re

    from nlp.post_rules import _required_chars

    assert _required_chars(re.compile("我(?:儿子|女儿)")) == frozenset("我")
    assert _required_chars(re.compile("(?:甲|乙丙)+丁")) == frozenset("甲乙")
    assert _required_chars(re.compile(r"\d+岁")) == frozenset("岁")
    assert _required_chars(re.compile("(?:甲)?")) is None
    assert _required_chars(re.compile("(?i)ab")) == frozenset("aA")
    assert _required_chars(re.compile("[^甲]")) is None
    csv_texts = pd.read_csv(Path(__file__).with_name("mothers_labelled.csv"), dtype=str)["text"]
    texts = [*POSITIVE, *(t for ts in NEGATIVE.values() for t in ts), *csv_texts]
    for regex in [r.regex for r in (*mothers.patterns, *mothers.vetoes)] + [r for _, r in mothers.features]:
        gate = _required_chars(regex)
        for text in texts:
            if gate is not None and gate.isdisjoint(text):
                assert regex.search(text) is None, (regex.pattern, text)


def test_case_insensitive_gates_hold_every_character_re_matches() -> None:
    """Under (?i) a gate character stands for every character ``re`` matches it to: checked over
    all code points for ASCII and the ranges taken as having no case."""
    import re

    from nlp.post_rules import _UNCASED_RANGES, _case_variants, _required_chars

    every = "".join(map(chr, range(0x110000)))
    letters = set(re.findall("(?i)[a-z]", every))  # whatever matches some ASCII letter
    for low in "abcdefghijklmnopqrstuvwxyz":
        want = {x for x in letters if re.fullmatch(f"(?i){low}", x)}
        assert _case_variants(low) == _case_variants(low.upper()) == want, low
    uncased = [chr(c) for c in range(0x80) if not chr(c).isalpha()]
    uncased += [chr(c) for lo, hi in _UNCASED_RANGES for c in range(lo, hi + 1)]
    assert all(_case_variants(ch) == {ch} for ch in uncased)
    klass = "(?i)[" + "".join(map(re.escape, uncased)) + "]"
    assert sorted(re.findall(klass, every)) == sorted(uncased)  # nothing else folds onto them
    assert all(ch.lower() == ch.upper() == ch for ch in uncased)  # nor onto each other
    assert _case_variants("é") is None and _case_variants("µ") is None
    assert _required_chars(re.compile("(?i)宝b")) == frozenset("宝")
    assert _required_chars(re.compile("(?i)idol|妈粉")) == frozenset("iIİı妈")
    assert _required_chars(re.compile("a(?i:b)")) == frozenset("a")
    assert _required_chars(re.compile("(?i)(?-i:a)b")) == frozenset("a")
    assert _required_chars(re.compile("(?i)[¥￥]5|é")) is None
    for text in ("İDOL", "ıdol", "IDOL", "超话 ſolo", "ＭＶ", "K位"):
        for regex in (re.compile("(?i)idol|solo|k位|mv"), re.compile("(?i)(?:ı|x)dol")):
            gate = _required_chars(regex)
            assert gate is not None and (regex.search(text) is None or not gate.isdisjoint(text)), text


def test_gate_masks_search_exactly_the_gated_patterns(mothers: SegmentDefinition) -> None:
    """score_own_text finds the patterns and vetoes to search with one scan for gate characters (bit
    masks); its results equal searching every pattern and veto (no gates at all) on real and tricky
    texts."""
    from dataclasses import replace as replace_fields

    from nlp import post_rules
    from nlp.clean import clean_own_text

    ungated = replace(mothers)  # an equal segment, another object: its own compiled entry
    plain = post_rules._compile(mothers)
    post_rules._compile.cache[id(ungated)] = (
        ungated,
        replace_fields(
            plain,
            gate_re=None,
            gate_masks={},
            ungated_mask=(1 << len(mothers.patterns) + len(mothers.vetoes)) - 1,
        ),
    )
    csv_texts = pd.read_csv(Path(__file__).with_name("mothers_labelled.csv"), dtype=str)["text"]
    texts = [
        *POSITIVE,
        *(t for ts in NEGATIVE.values() for t in ts),
        *csv_texts,
        "我",
        "我我我的宝宝",
        "[]^-\\",
        "孕" * 300,
        "😀我家𠮷宝宝",
    ]
    for text in texts:
        own = clean_own_text(text)
        for topic in (None, 5.0):
            assert score_own_text(own, mothers, topic) == score_own_text(own, ungated, topic), text
    _regex, masks, always = post_rules._gate_masks((frozenset("ab"), None, frozenset("b")))
    assert masks == {"a": 0b001, "b": 0b101} and always == 0b010


def test_repeated_text_shown_once_in_evidence(mothers: SegmentDefinition) -> None:
    rows = [(str(i), "u", f"2024-05-0{i + 1} 08:00", POS_A) for i in range(4)]
    rows.append(("9", "u", "2024-05-09 08:00", POS_C))
    tags = tag_user_segments(posts_frame(rows), mothers)
    assert tags.iloc[0].n_hits == 5  # every post counts ...
    evidence = json.loads(tags.iloc[0].evidence)
    assert sorted(e["text"] for e in evidence) == sorted([POS_A, POS_C])  # ... shown once
    assert [e["post_id"] for e in evidence if e["text"] == POS_A] == ["3"]  # the newest of equals


def test_one_positive_post_admits_a_one_post_user_and_the_rule_says_so(mothers: SegmentDefinition) -> None:
    """Real exports often hold one post per user. Before issue 16 only a "strong" post (score
    >= 0.9) admitted such a user; now any positive post of one does (P = 0.02 <= 0.2), a weak one
    too, with the score (1 - 0.02) * post score, and the rule is "posts"."""
    strong = "我家宝宝8个月了，昨晚夜奶三次，辅食也不肯吃"  # rule score 0.970
    weak = "宝宝夜奶三次"  # positive, rule score 0.689
    assert score_post(strong, mothers).score > 0.9 > score_post(weak, mothers).score
    assert score_post(weak, mothers).positive
    rows = [
        ("s1", "S", "2024-05-01 08:00", strong),
        ("w1", "W", "2024-05-01 08:00", weak),
        ("n1", "N", "2024-05-01 08:00", RELEVANT),  # relevant but not positive: never a member
        *[(f"b{i}", "B", f"2024-05-0{i + 1} 08:00", t) for i, t in enumerate([POS_A, POS_B, strong])],
    ]
    tags = tag_user_segments(posts_frame(rows), mothers).set_index("user_id")
    assert sorted(tags.index) == ["B", "S", "W"]
    assert set(tags["rule"]) == {"posts"}
    assert tags.loc["S", "score"] == pytest.approx(score_post(strong, mothers).score * 0.98)
    assert tags.loc["W", "score"] == pytest.approx(score_post(weak, mothers).score * 0.98)
    assert count_by_rule(tags.reset_index()) == {"posts": 3, "profile": 0, "both": 0}


def test_a_classifier_scores_the_posts_when_given(mothers: SegmentDefinition) -> None:
    """With a classifier the post score is its probability re-weighed to the window's prior,
    positives are its decision's labels (a post the prefilter drops is never one) and the evidence
    names the features that moved it (a real PostClassifier on a tiny set)."""
    from nlp.classifier import PostClassifier
    from nlp.prior import adjust_to_prior

    train = TINY_TRAIN
    texts = ["宝宝夜奶好累", "给娃做辅食", "我家宝宝会翻身", "追星宝宝们冲", "火锅真好吃"]
    rows = [(f"p{i}", "U", f"2024-05-0{i + 1} 08:00", t) for i, t in enumerate(texts)]
    # the tiny model's false-positive rate is high: admit any positive post (max_chance = 1) to
    # test the scores and the evidence here
    loose = replace(mothers, max_chance=1.0)
    for prior in (0.5, 0.05):
        model = PostClassifier(cv=2, prior=prior).fit(train, [1, 1, 1, 1, 0, 0, 0, 0])
        proba = model.predict_proba(texts)[:, 1]
        assert proba[4] == 0.0  # no child word: never read
        decision = model.decide(proba)
        assert decision.prior == prior and not decision.estimated
        # the three parenting posts are positive, the fan post and the hotpot one are not
        assert decision.labels.tolist() == [1, 1, 1, 0, 0]
        tags = tag_user_segments(posts_frame(rows), loose, classifier=model)
        assert len(tags) == 1
        row = tags.iloc[0]
        assert row["n_hits"] == 3 and row["n_posts"] == 5
        evidence = json.loads(row["evidence"])
        expected = adjust_to_prior(proba, prior, 0.5)
        assert [e["score"] for e in evidence] == sorted(
            (round(float(p), 4) for p in expected[:3]), reverse=True
        )
        assert all(isinstance(e["model"], list) for e in evidence)


def test_shipped_classifier_evidence_and_reused_rule_scores(mothers: SegmentDefinition) -> None:
    """With the shipped model: the tagger explains all members' shown posts in one call and hands
    the classifier its rule scores; scores are the classifier's probabilities re-weighed to the
    prior of the window's distinct posts and evidence is what the classifier gives post by post,
    for several members and with repeated texts."""
    import pickle

    from nlp.model_files import load_model
    from nlp.prior import adjust_to_prior

    shipped = load_model("mothers")
    texts = [
        "我家宝宝8个月了，昨晚夜奶三次，困死了",
        "孕32周了，胎动越来越明显",
        "今天股市大跌",
        "给宝宝加了辅食，南瓜泥吃了小半碗",
        "接娃放学路上，儿子说想吃冰淇淋",
        None,
        "转发微博//@x:宝宝",
    ]
    rows = [
        (f"p{i}", f"u{i % 3}", f"2024-05-{i % 9 + 1:02d} 08:00", texts[i % len(texts)]) for i in range(30)
    ]
    seg = replace(mothers, max_chance=1.0)  # every user with a positive post
    # "auto" with 4 distinct posts past the prefilter: too few to estimate, the default 0.5 is used
    for prior, used in (("auto", shipped.default_prior), (0.2, 0.2)):
        model = pickle.loads(pickle.dumps(shipped)).set_params(prior=prior)
        tags = tag_user_segments(posts_frame(rows), seg, classifier=model)
        assert len(tags) >= 2
        for evidence in tags["evidence"]:
            for item in json.loads(evidence):
                proba = model.predict_proba([item["text"]])[0, 1]
                assert item["score"] == round(float(adjust_to_prior([proba], used, 0.5)[0]), 4)
                # the evidence points the way the window's prior labels the post (every shown post: 1)
                why = model.predict_explained([item["text"]], top=3, prior=used)[1][0]
                assert item["model"] == [f for f, _ in why] and all(v > 0 for _, v in why)
    assert any(
        round(float(p), 4) != round(float(q), 4)
        for p, q in zip(
            shipped.predict_proba(texts)[:, 1],
            adjust_to_prior(shipped.predict_proba(texts)[:, 1], 0.2, 0.5),
            strict=True,
        )
    )  # the two priors do give other scores


# --- user shards: tagging per shard and merging gives exactly the unsharded tags -------------


def test_shard_of_is_stable_and_in_range() -> None:
    from nlp.tagger import shard_of

    ids = [f"u{i}" for i in range(1000)]
    shards = shard_of(ids, 7)
    assert shards.min() >= 0 and shards.max() <= 6 and len(set(shards.tolist())) == 7
    # CRC-32 of the UTF-8 text, not Python's per-process hash(): the same in every process
    assert shard_of(["u1", "妈妈123", 42], 1000).tolist() == [
        __import__("zlib").crc32(s.encode()) % 1000 for s in ("u1", "妈妈123", "42")
    ]
    assert shard_of(ids, 1).tolist() == [0] * 1000
    with pytest.raises(ValueError, match="shards"):
        shard_of(ids, 0)


_SAMPLE_POSTS: list[pd.DataFrame] = []


def _sample_posts() -> pd.DataFrame:
    """The shipped sample's posts (read once per session)."""
    if not _SAMPLE_POSTS:
        from store.readers import read_export

        path = Path(__file__).resolve().parents[2] / "data" / "samples" / "weibo_api" / "weibo_statuses.jsonl"
        _SAMPLE_POSTS.append(read_export(path).posts[["post_id", "user_id", "created_at", "text"]])
    return _SAMPLE_POSTS[0].copy()


@pytest.mark.slow
@pytest.mark.parametrize("n", [2, 5])
def test_tagging_in_user_shards_equals_tagging_at_once(mothers: SegmentDefinition, n: int) -> None:
    """The shipped sample tagged in n user shards, merged: same rows, same order, same values."""
    from nlp.tagger import merge_shard_tags, shard_of, split_by_user_shard

    posts = _sample_posts()
    posts = pd.concat([posts, posts.head(50)], ignore_index=True)  # repeated post_ids count once
    whole = tag_user_segments(posts, mothers)
    assert len(whole) > 100
    parts = split_by_user_shard(posts, n)
    assert len(parts) == n and sum(map(len, parts)) == posts["post_id"].nunique()
    for i, part in enumerate(parts):  # a user's posts all in one shard
        assert (shard_of(part["user_id"], n) == i).all()
    merged = merge_shard_tags([tag_user_segments(p, mothers) for p in parts])
    pd.testing.assert_frame_equal(merged, whole)
    assert list(merged.columns) == list(TAG_COLUMNS)


def test_merging_refuses_a_user_in_two_shards_and_keeps_empty_columns(mothers: SegmentDefinition) -> None:
    from nlp.tagger import merge_shard_tags

    tags = tag_user_segments(
        posts_frame(
            [
                ("1", "A", "2024-05-01 08:00", POS_A),
                ("2", "A", "2024-05-02 08:00", POS_B),
                ("3", "A", "2024-05-03 08:00", POS_C),
            ]
        ),
        mothers,
    )
    with pytest.raises(ValueError, match="more than one shard"):
        merge_shard_tags([tags, tags])
    empty = merge_shard_tags([tags.iloc[:0], tags.iloc[:0]])
    assert empty.empty and list(empty.columns) == list(TAG_COLUMNS)


def test_shards_equal_unsharded_with_a_classifier(mothers: SegmentDefinition) -> None:
    from nlp.classifier import PostClassifier
    from nlp.prior import f1_threshold
    from nlp.tagger import merge_funnels, merge_shard_tags, split_by_user_shard, tag_users

    train = TINY_TRAIN
    # a fixed prior: with "auto" each shard would estimate its own share of segment posts
    model = PostClassifier(cv=2, prior=0.3).fit(train, [1, 1, 1, 1, 0, 0, 0, 0])
    posts = _sample_posts().head(800)
    loose = replace(mothers, max_chance=1.0)
    whole = tag_users(posts, loose, classifier=model)
    assert len(whole.tags) > 10
    assert whole.funnel.prior == 0.3 and not whole.funnel.prior_estimated
    # the chance rate is the model's measured false-positive rate at its threshold (floored)
    fpr = model.curve_.fpr_at(f1_threshold(model.curve_, 0.3))
    assert whole.funnel.chance_rate == max(fpr, 0.002)
    parts = [tag_users(p, loose, classifier=model) for p in split_by_user_shard(posts, 3)]
    pd.testing.assert_frame_equal(merge_shard_tags([r.tags for r in parts]), whole.tags)
    assert merge_funnels([r.funnel for r in parts]) == whole.funnel
    # the same with each text cleaned once, ahead, into the own_text column the tagger reads
    parts = [tag_users(p, loose, classifier=model) for p in split_by_user_shard(posts, 3, own_text=True)]
    pd.testing.assert_frame_equal(merge_shard_tags([r.tags for r in parts]), whole.tags)
    assert merge_funnels([r.funnel for r in parts]) == whole.funnel


def test_own_text_column_is_read_instead_of_cleaning_again(mothers: SegmentDefinition) -> None:
    from nlp.classifier import PostClassifier
    from nlp.clean import clean_own_text
    from nlp.tagger import OWN_TEXT, split_by_user_shard, tag_users, window_prior

    posts = _sample_posts().head(400)
    [whole] = split_by_user_shard(posts, 1, own_text=True)
    assert whole[OWN_TEXT].tolist() == [
        clean_own_text(t if isinstance(t, str) else None) for t in posts["text"]
    ]
    assert OWN_TEXT not in posts.columns  # the caller's frame is left as it was
    model = PostClassifier(cv=2).fit(TINY_TRAIN, [1, 1, 1, 1, 0, 0, 0, 0])  # prior "auto"
    prior = window_prior(posts, mothers, model)
    assert prior is not None and window_prior(whole, mothers, model) == prior
    pd.testing.assert_frame_equal(tag_users(whole, mothers).tags, tag_users(posts, mothers).tags)
    # the column is read, not recomputed: a wrong one shows (and a non-text one is refused)
    blank = whole.assign(**{OWN_TEXT: ""})
    assert tag_users(blank, mothers).tags.empty and not tag_users(posts, mothers).tags.empty
    with pytest.raises(
        ValueError, match=r"'own_text' column must hold .* got None\. Fix: leave the column out"
    ):
        window_prior(whole.assign(**{OWN_TEXT: None}), mothers, model)


def test_given_probabilities_are_read_instead_of_scoring_again(mothers: SegmentDefinition) -> None:
    """The window scored once (``post_probabilities``) gives the same prior and the same tags as
    scoring in ``window_prior`` and ``tag_users``; the given numbers are read (a wrong one shows)
    and checked."""
    from nlp.classifier import PostClassifier
    from nlp.tagger import (
        POST_PROBA,
        merge_shard_tags,
        post_probabilities,
        score_window,
        split_by_user_shard,
        tag_users,
        window_prior,
    )

    posts = _sample_posts().head(400)
    model = PostClassifier(cv=2).fit(TINY_TRAIN, [1, 1, 1, 1, 0, 0, 0, 0])  # prior "auto"
    [whole] = split_by_user_shard(posts, 1, own_text=True)
    proba = post_probabilities(whole, model)
    assert proba.shape == (len(posts),) and (proba > 0).any() and (proba == 0).any()
    prior = window_prior(whole, mothers, model)
    assert window_prior(whole, mothers, model, proba=proba) == prior
    expected = tag_users(whole, mothers, classifier=model, prior=prior)
    given = tag_users(whole, mothers, classifier=model, prior=prior, post_proba=proba)
    pd.testing.assert_frame_equal(given.tags, expected.tags)
    assert given.funnel == expected.funnel and len(given.tags) > 0
    # read, not recomputed: every post at probability 0 leaves no positive post
    assert (
        tag_users(whole, mothers, classifier=model, prior=prior, post_proba=proba * 0).funnel.n_positive_posts
        == 0
    )
    with pytest.raises(ValueError, match=r"one number in \[0, 1\] per post \(400\); got shape \(3,\)"):
        tag_users(whole, mothers, classifier=model, post_proba=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="without a classifier"):
        tag_users(whole, mothers, post_proba=proba)
    # the window scored once over its shards: each shard keeps its posts' probabilities
    shards = split_by_user_shard(posts, 3, own_text=True)
    assert score_window(shards, mothers, model) == prior
    tagged = [
        tag_users(s, mothers, classifier=model, prior=prior, post_proba=s[POST_PROBA].to_numpy())
        for s in shards
    ]
    pd.testing.assert_frame_equal(merge_shard_tags([r.tags for r in tagged]), expected.tags)
