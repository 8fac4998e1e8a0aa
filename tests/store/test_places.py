"""The one place parser (issue 18): every location form the exports write, read the same way for
the select step's cities and region filter and the report's portrait and place levels."""

from __future__ import annotations

import pandas as pd
import pytest

from store.places import Place, parse_place, place_columns, place_levels, short_name


@pytest.mark.parametrize(
    ("location", "place"),
    [
        ("浙江 杭州", Place("浙江", "杭州", level="city")),
        ("广东省 广州市", Place("广东", "广州", level="city")),
        ("广西壮族自治区 南宁", Place("广西", "南宁", level="city")),
        ("北京", Place("北京", "北京", level="city")),
        ("上海 浦东新区", Place("上海", "上海", "浦东新区", level="city")),
        ("中国 重庆", Place("重庆", "重庆", level="city")),
        ("广东", Place("广东", level="province")),
        ("IP属地：广东", Place("广东", level="province")),
        ("IP属地:香港", Place("香港", level="province")),
        ("广东 其他", Place("广东", level="province")),
        ("美国", Place("海外", country="美国", level="abroad")),
        ("海外 日本", Place("海外", country="日本", level="abroad")),
        ("海外", Place("海外", level="abroad")),
        ("其他", Place()),
        ("保密", Place()),
        ("   ", Place()),
        (None, Place()),
        (float("nan"), Place()),
    ],
)
def test_every_location_form_reads_to_one_place(location, place):
    assert parse_place(location) == place


def test_a_place_answers_to_its_names_never_to_abroad():
    assert parse_place("北京 海淀区").names == ("北京", "海淀区")
    assert parse_place("广东 广州").names == ("广东", "广州")
    assert parse_place("海外 美国").names == ("美国",)
    assert parse_place("未知").names == ()


def test_short_names_keep_two_character_cities():
    assert [short_name(n) for n in ("黑龙江省", "北京市", "新疆维吾尔自治区", "香港特别行政区", "沙市")] == [
        "黑龙江",
        "北京",
        "新疆",
        "香港",
        "沙市",
    ]


def test_place_columns_give_the_rooms_plain_values():
    profiles = pd.DataFrame({"user_id": ["a", "b", "c"], "location": ["上海 闵行区", "广东", None]})
    got = place_columns(profiles)
    assert got["city"].tolist() == ["上海", None, None]  # a province is never called a city
    assert got["province"].tolist() == ["上海", "广东", None]
    assert got["place_level"].tolist() == ["city", "province", None]
    assert got["place_names"].tolist() == [("上海", "闵行区"), ("广东",), ()]
    assert place_levels(profiles["location"]) == {"city": 1, "province": 1, "abroad": 0, "unknown": 1}
    assert place_columns(pd.DataFrame({"user_id": ["a"]}))["city"].tolist() == [None]
