"""Tests for nlp.segments: the mothers file and clear errors for broken files."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from nlp.segments import (
    DEFAULT_SEGMENTS_DIR,
    SegmentDefinitionError,
    list_segments,
    load_segment,
    load_segment_file,
)
from nlp.tagger import score_post

GOOD = """
name = "coffee"
description = "咖啡爱好者 / coffee lovers"
threshold = 2.0
scale = 2.0

[user]
min_positive_posts = 2

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
    assert (seg.min_positive_posts, seg.min_distinct_days, seg.min_share) == (3, 2, 0.15)
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
    assert seg.min_positive_posts == 2 and seg.min_distinct_days == 2
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
        ("min_positive_posts = 2", "min_positive_posts = 0", r"field 'user.min_positive_posts'"),
        ("min_positive_posts = 2", "min_share = 1.5", r"field 'user.min_share' must be a number"),
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
        (
            "min_positive_posts = 2",
            "strong_post_score = 1.5",
            r"field 'user.strong_post_score' must be a number greater than 0 and at most 1",
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
