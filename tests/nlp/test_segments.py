"""Tests for nlp.segments: the mothers file and clear errors for broken files."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from nlp.post_rules import score_post
from nlp.segments import (
    DEFAULT_SEGMENTS_DIR,
    SegmentDefinitionError,
    list_segments,
    load_segment,
    load_segment_file,
)

GOOD = """
name = "coffee"
description = "咖啡爱好者 / coffee lovers"
threshold = 2.0
scale = 2.0

[user]
chance_rate = 0.05
max_chance = 0.1

[keywords]
"手冲" = 2.0
"咖啡" = 1.0
"豆" = { weight = 0.5, token_only = true }

[[patterns]]
kind = "own"
regex = '我(?:的)?磨豆机'
weight = 2.0

[[vetoes]]
category = "shop"
regex = '包邮'
reason = "shops"
overridden_by = ["own"]
"""


def write(tmp_path: Path, body: str, name: str = "coffee") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(body, "utf-8")
    return path


def test_mothers_loads() -> None:
    seg = load_segment("mothers")
    assert seg.name == "mothers"
    assert seg.dictionary == "mothers"
    assert seg.threshold == 2.5
    assert (seg.chance_rate, seg.max_chance, seg.profile_admits) == (0.02, 0.2, 0.9)
    weights = seg.keyword_weights
    assert weights["辅食"] == 2.0
    assert weights["宝宝"] == 1.0
    assert "宝妈" in weights
    assert "mothers" in list_segments()
    assert math.isclose(seg.min_positive_score, 1 - math.exp(-2.5 / 3.0))
    kinds = {p.kind for p in seg.patterns}
    assert {"own_child", "pregnancy", "parenting_action", "parent_role"} <= kinds
    categories = {v.category for v in seg.vetoes}
    expected = {"idol_fan", "pet", "heat_pad", "endearment", "hypothetical", "others_children"}
    assert expected | {"shop"} <= categories
    assert all(v.reason for v in seg.vetoes)


def test_all_shipped_segments_load() -> None:
    for name in list_segments():
        assert load_segment(name).name == name


def test_custom_segment_without_code_change(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    assert list_segments(tmp_path) == ["coffee"]
    seg = load_segment("coffee", tmp_path)
    assert (seg.chance_rate, seg.max_chance) == (0.05, 0.1)
    assert seg.profile_admits == 0.9 and seg.profile == ()  # the defaults
    assert seg.keyword_weights == {"手冲": 2.0, "咖啡": 1.0, "豆": 0.5}
    assert seg.keywords[2].token_only
    assert score_post("今天用我的磨豆机做了手冲", seg).positive
    assert not score_post("手冲壶包邮", seg).positive
    assert score_post("手冲壶包邮，我的磨豆机", seg).positive  # own pattern lifts the veto


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "threshold = 2.0",
            'threshold = "high"',
            r"coffee\.toml: field 'threshold' must be a number greater than 0 and at most 10; "
            r"got 'high'",
        ),
        ("threshold = 2.0", "threshold = 0", r"field 'threshold' must be a number"),
        ("threshold = 2.0", "treshold = 2.0", r"unknown field 'treshold'"),
        ('name = "coffee"', 'name = "tea"', r"field 'name' must be the file name"),
        (
            "chance_rate = 0.05",
            "chance_rate = 0",
            r"field 'user\.chance_rate' must be a number greater than 0 and at most 1; got 0",
        ),
        (
            "chance_rate = 0.05",
            "chance_rate = 1.0",
            r"field 'user\.chance_rate' must be a number > 0 and < 1",
        ),
        ("max_chance = 0.1", "max_chance = 1.5", r"field 'user\.max_chance' must be a number greater than 0"),
        ("max_chance = 0.1", 'max_chance = "low"', r"field 'user\.max_chance' must be a number.*got 'low'"),
        ("max_chance = 0.1", "profile_admits = 0", r"field 'user\.profile_admits' must be a number greater"),
        ("max_chance = 0.1", "max_chanse = 0.1", r"unknown field 'user\.max_chanse'; expected one of"),
        ('"咖啡" = 1.0', '"咖啡" = true', r"field 'keywords.咖啡' must be a number"),
        ('"咖啡" = 1.0', '"咖啡" = 99', r"field 'keywords.咖啡' must be a number between -10"),
        ("weight = 0.5, token_only", "weight = 0.5, tokenonly", r"unknown field 'keywords\.豆\."),
        ("regex = '我(?:的)?磨豆机'", "regex = '我(磨豆机'", r"field 'patterns\[0\]\.regex'"),
        ("regex = '我(?:的)?磨豆机'", "regex = '(?:x)?'", r"cannot match an empty text"),
        ('kind = "own"', "", r"field 'patterns\[0\]\.kind' must be present"),
        ('overridden_by = ["own"]', 'overridden_by = ["mine"]', r"'vetoes\[0\]\.overridden_by'"),
        ('reason = "shops"', 'reason = ""', r"field 'vetoes\[0\]\.reason' must be a non-empty"),
        ('description = "咖啡爱好者 / coffee lovers"', "", r"field 'description' must be present"),
        ("[keywords]", "[keywords]\n[nothing]", r"unknown field 'nothing'"),
        (
            "threshold = 2.0",
            'threshold = 2.0\npost_scorer = "svm"',
            r"field 'post_scorer' must be 'rules' or 'classifier'; got 'svm'",
        ),
    ],
)
def test_bad_files_name_file_and_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SegmentDefinitionError, match=message) as info:
        load_segment("coffee", tmp_path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "line", ["min_positive_posts = 3", "min_distinct_days = 2", "min_share = 0.15", "strong_post_score = 0.9"]
)
def test_retired_user_keys_say_what_replaced_them(tmp_path: Path, line: str) -> None:
    """The user rules of before issue 16 are gone: a file that still sets one is refused with the
    keys that replaced them and how to fix it (not a plain "unknown field")."""
    key = line.split(" = ")[0]
    path = write(tmp_path, GOOD.replace("max_chance = 0.1", f"max_chance = 0.1\n{line}", 1))
    message = (
        rf"field 'user\.{key}' is no longer read: a user is now a member when their positive posts "
        r"are beyond chance \(user\.chance_rate, user\.max_chance\) or their profile says so "
        r"\(user\.profile_admits\); remove it"
    )
    with pytest.raises(SegmentDefinitionError, match=message) as info:
        load_segment("coffee", tmp_path)
    assert str(path) in str(info.value)


def test_mothers_profile_patterns_clear_bios_admit_bare_names_do_not() -> None:
    """mothers.toml's [[profile]]: a bio such as "两个娃的妈" or "孕29周" is clear enough to admit
    alone (weight >= profile_admits); a screen name ("豆豆妈", "二宝妈妈") never is."""
    seg = load_segment("mothers")
    assert {p.field for p in seg.profile} == {"screen_name", "bio"}
    assert all(0 < p.weight <= 1 and p.label for p in seg.profile)

    def best(field: str, value: str) -> float:
        return max((p.weight for p in seg.profile if p.field == field and p.regex.search(value)), default=0.0)

    for bio in ("两个娃的妈", "孕29周", "宝妈一枚，坐标西安", "新手妈妈，边学边带"):
        assert best("bio", bio) >= seg.profile_admits, bio
    assert 0 < best("bio", "江叙的妈妈粉") < seg.profile_admits  # a fan's bio: weak
    assert best("bio", "做一个温柔的人") == 0.0
    for name in ("豆豆妈", "二宝妈妈", "乐乐妈咪"):
        assert 0 < best("screen_name", name) < seg.profile_admits, name
    assert best("screen_name", "妈妈的小棉袄们") == 0.0  # 妈 not at the end
    assert max(p.weight for p in seg.profile if p.field == "screen_name") < seg.profile_admits


PROFILE = """
[[profile]]
field = "bio"
regex = '咖啡师'
weight = 1.0
label = "bio: barista"

[[profile]]
field = "screen_name"
regex = '咖啡$'
weight = 0.3
"""


def test_profile_patterns_parse(tmp_path: Path) -> None:
    seg = load_segment_file(write(tmp_path, GOOD + PROFILE))
    assert [(p.field, p.regex.pattern, p.weight, p.label) for p in seg.profile] == [
        ("bio", "咖啡师", 1.0, "bio: barista"),
        ("screen_name", "咖啡$", 0.3, "咖啡$"),  # the label defaults to the regex
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'field = "bio"',
            'field = "name"',
            r"field 'profile\[0\]\.field' must be 'screen_name' or 'bio'; got 'name'",
        ),
        (
            "weight = 1.0",
            "weight = 0",
            r"field 'profile\[0\]\.weight' must be a number greater than 0 and at most 1",
        ),
        ("weight = 1.0", "weight = 1.5", r"field 'profile\[0\]\.weight' must be a number greater than 0"),
        ("weight = 0.3", "", r"field 'profile\[1\]\.weight' must be present"),
        (
            "regex = '咖啡师'",
            "regex = '(咖啡'",
            r"field 'profile\[0\]\.regex' must be a valid regular expression",
        ),
        (
            "regex = '咖啡$'",
            "regex = '.*'",
            r"field 'profile\[1\]\.regex' must be a regular expression that cannot",
        ),
        ('label = "bio: barista"', 'lable = "x"', r"unknown field 'profile\[0\]\.lable'"),
    ],
)
def test_bad_profile_patterns_name_the_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    body = GOOD + PROFILE
    assert old in body
    path = write(tmp_path, body.replace(old, new, 1))
    with pytest.raises(SegmentDefinitionError, match=message) as info:
        load_segment("coffee", tmp_path)
    assert str(path) in str(info.value)


def test_profile_must_be_an_array_of_tables(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("scale = 2.0", "scale = 2.0\nprofile = '妈'", 1))
    with pytest.raises(SegmentDefinitionError, match=r"field 'profile' must be an array of tables"):
        load_segment("coffee", tmp_path)


PREFILTER = """
[prefilter]
regex = '咖啡|拿铁'

[features]
own_cup = '我(?:的)?杯'
morning = '早上|上午'
"""


def test_prefilter_and_features_tables(tmp_path: Path) -> None:
    seg = load_segment_file(write(tmp_path, GOOD + PREFILTER))
    assert seg.prefilter is not None and seg.prefilter.pattern == "咖啡|拿铁"
    assert seg.prefilter.search("一杯拿铁") and not seg.prefilter.search("一杯茶")
    assert [name for name, _ in seg.features] == ["own_cup", "morning"]  # file order
    assert [rx.pattern for _, rx in seg.features] == ["我(?:的)?杯", "早上|上午"]
    plain = load_segment_file(write(tmp_path, GOOD))
    assert plain.prefilter is None and plain.features == ()
    mothers = load_segment("mothers")
    assert mothers.prefilter is not None and mothers.prefilter.search("我家宝宝")
    assert not mothers.prefilter.search("今天股市大跌")
    assert "first_person" in dict(mothers.features)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "regex = '咖啡|拿铁'",
            "regex = '咖啡|(拿铁'",
            r"field 'prefilter\.regex' must be a valid regular expression",
        ),
        (
            "regex = '咖啡|拿铁'",
            "regex = '咖啡|'",
            r"field 'prefilter\.regex' must be a regular expression that "
            r"cannot match an empty text; got '咖啡\|'",
        ),
        ("regex = '咖啡|拿铁'", "regex = ''", r"field 'prefilter\.regex' must be a non-empty string"),
        (
            "regex = '咖啡|拿铁'",
            "regx = '咖啡|拿铁'",
            r"unknown field 'prefilter\.regx'; expected one of regex",
        ),
        ("regex = '咖啡|拿铁'", "", r"field 'prefilter\.regex' must be present"),
        (
            "morning = '早上|上午'",
            "morning = '(早上'",
            r"field 'features\.morning' must be a valid regular expression",
        ),
        (
            "morning = '早上|上午'",
            "morning = '(?:早上)?'",
            r"field 'features\.morning' must be a regular expression "
            r"that cannot match an empty text",
        ),
        (
            "morning = '早上|上午'",
            "morning = 3",
            r"field 'features\.morning' must be a non-empty string; got 3",
        ),
        (
            "morning = '早上|上午'",
            "'early bird' = '早上'",
            r"field 'features\.early bird' must be a name of letters",
        ),
    ],
)
def test_bad_prefilter_or_features_name_the_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    body = GOOD + PREFILTER
    assert old in body
    path = write(tmp_path, body.replace(old, new, 1))
    with pytest.raises(SegmentDefinitionError, match=message) as info:
        load_segment("coffee", tmp_path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("prefilter = '咖啡'", r"field 'prefilter' must be a table; got '咖啡'"),
        ("features = 1", r"field 'features' must be a table; got 1"),
    ],
)
def test_prefilter_and_features_must_be_tables(tmp_path: Path, line: str, message: str) -> None:
    write(tmp_path, GOOD.replace("scale = 2.0", f"scale = 2.0\n{line}", 1))
    with pytest.raises(SegmentDefinitionError, match=message):
        load_segment("coffee", tmp_path)


def test_model_table_sets_the_post_model(tmp_path: Path) -> None:
    """[model]: the settings tajian train gives the segment's post model; checked like any field."""
    assert load_segment("mothers").model == ()
    write(tmp_path, GOOD + "\n[model]\nchar_blend = 1.0\nchar_weight = 2\n")
    assert dict(load_segment("coffee", tmp_path).model) == {"char_blend": 1.0, "char_weight": 2}
    write(tmp_path, GOOD + "\n[model]\nchar_blend = 20\n")
    with pytest.raises(
        SegmentDefinitionError, match=r"field 'model\.char_blend' must be a number between 0 and 10"
    ):
        load_segment("coffee", tmp_path)
    write(tmp_path, GOOD + "\n[model]\nmax_iter = 3\n")
    with pytest.raises(
        SegmentDefinitionError, match=r"unknown field 'model\.max_iter'; expected one of C, char_blend"
    ):
        load_segment("coffee", tmp_path)


def test_broken_toml_syntax(tmp_path: Path) -> None:
    write(tmp_path, "name = \n")
    with pytest.raises(SegmentDefinitionError, match=r"coffee\.toml: not valid TOML"):
        load_segment("coffee", tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "coffee.toml").write_bytes("name = '咖啡'".encode("gbk"))
    with pytest.raises(SegmentDefinitionError, match="UTF-8"):
        load_segment_file(tmp_path / "coffee.toml")


def test_unknown_segment_lists_available(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    with pytest.raises(SegmentDefinitionError, match=re.escape("available: coffee")):
        load_segment("tea", tmp_path)
    with pytest.raises(SegmentDefinitionError, match="segment name"):
        load_segment("../mothers")


def test_default_dir_is_repo_data() -> None:
    expected = Path(__file__).resolve().parents[2] / "data" / "segments"
    assert expected == DEFAULT_SEGMENTS_DIR
