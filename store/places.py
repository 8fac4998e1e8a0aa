"""The one parser of places: a profile's location ("浙江 杭州", "上海 浦东新区"), an IP location
("IP属地：广东", "美国") or an analyst's region name ("广东省") read into province, city and how fine
the location is. Every room that needs a place gets it from here, as plain columns
(:func:`place_columns`): the select step's cities and region filter, the report's portrait and
place levels.

Weibo's "IP属地" (weibo-search's ``ip`` column, MediaCrawler's ``ip_location``) names a province
(广东) or, abroad, a country (美国); a profile's own location is usually "province city" (浙江 杭州),
a municipality and its district (上海 浦东新区) or "海外 country". A figure built on locations says
which it has, so no province is called a city.

Example:
    >>> [place_level(x) for x in ("浙江 杭州", "上海", "广东", "广东省", "美国", "海外 美国", "其他", None)]
    ['city', 'city', 'province', 'province', 'abroad', 'abroad', None, None]
    >>> parse_place("IP属地：广东")
    Place(province='广东', city=None, district=None, country=None, level='province')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the settings read short_name: no pandas at import for the fast commands
    import pandas as pd

__all__ = [
    "ABROAD",
    "PLACE_LEVELS",
    "PROVINCES",
    "Place",
    "parse_place",
    "place_columns",
    "place_level",
    "place_levels",
    "short_name",
]

#: the levels :func:`place_level` returns, finest first
PLACE_LEVELS = ("city", "province", "abroad")
#: what Weibo writes as the province of a location abroad ("海外 美国")
ABROAD = "海外"

#: the municipalities: a city and a province at once
_MUNICIPALITIES = frozenset({"北京", "上海", "天津", "重庆"})
#: China's provinces, autonomous regions and special administrative regions (short names)
PROVINCES = frozenset(
    {
        "河北",
        "山西",
        "辽宁",
        "吉林",
        "黑龙江",
        "江苏",
        "浙江",
        "安徽",
        "福建",
        "江西",
        "山东",
        "河南",
        "湖北",
        "湖南",
        "广东",
        "海南",
        "四川",
        "贵州",
        "云南",
        "陕西",
        "甘肃",
        "青海",
        "台湾",
        "内蒙古",
        "广西",
        "西藏",
        "宁夏",
        "新疆",
        "香港",
        "澳门",
    }
)
_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")
_UNKNOWN = frozenset({"其他", "未知", "保密", ""})


@dataclass(frozen=True)
class Place:
    """A location read by :func:`parse_place`; every part None where the location does not say.

    ``province`` is a short name (广东, 上海) or "海外" abroad; ``city`` is a city (a municipality
    is its own city), never a province; ``district`` is the part after a municipality (浦东新区);
    ``country`` is the country abroad; ``level`` is "city", "province", "abroad" or None (unknown).
    """

    province: str | None = None
    city: str | None = None
    district: str | None = None
    country: str | None = None
    level: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the place answers to (what a region filter matches), "海外" left out.

        >>> parse_place("北京 海淀区").names, parse_place("海外 美国").names, parse_place("其他").names
        (('北京', '海淀区'), ('美国',), ())
        """
        parts = (self.province, self.city, self.district, self.country)
        return tuple(dict.fromkeys(p for p in parts if p and p != ABROAD))


def short_name(name: str) -> str:
    """A province's or city's short name: "中国" and the suffixes 省, 市, 自治区, … taken off
    (a two-character name keeps its 市: 沙市).

    >>> short_name("广东省"), short_name("广西壮族自治区"), short_name("广州市"), short_name("沙市")
    ('广东', '广西', '广州', '沙市')
    """
    name = name.strip().removeprefix("中国")
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def parse_place(location: Any) -> Place:
    """``location`` read into a :class:`Place` (all None when it is missing or says 其他/未知/保密).

    A municipality (上海) is a city; "province city" is a city; a province alone is a province;
    "海外 …" or a single name that is no Chinese province or municipality is a country abroad.

    >>> parse_place("浙江 杭州")
    Place(province='浙江', city='杭州', district=None, country=None, level='city')
    >>> parse_place("上海 浦东新区")
    Place(province='上海', city='上海', district='浦东新区', country=None, level='city')
    >>> parse_place("海外 美国")
    Place(province='海外', city=None, district=None, country='美国', level='abroad')
    >>> parse_place("广西壮族自治区 南宁市"), parse_place("广东 其他")
    (Place(province='广西', city='南宁', district=None, country=None, level='city'), \
Place(province='广东', city=None, district=None, country=None, level='province'))
    """
    if not isinstance(location, str):
        return Place()
    text = location.replace("IP属地", " ").replace("：", " ").replace(":", " ")
    parts = [n for n in (short_name(p) for p in text.split()) if n not in _UNKNOWN]
    if not parts:
        return Place()
    first, rest = parts[0], parts[1:]
    if first in _MUNICIPALITIES:
        return Place(first, first, rest[0] if rest else None, level="city")
    if first == ABROAD:
        return Place(ABROAD, country=rest[0] if rest else None, level="abroad")
    if first in PROVINCES:
        return Place(first, rest[0] if rest else None, level="city" if rest else "province")
    if rest:  # a city whose province is no Chinese one we know ("纽约 曼哈顿"): the city is the last part
        return Place(city=rest[-1], level="city")
    return Place(ABROAD, country=first, level="abroad")


def place_level(location: Any) -> str | None:
    """``"city"``, ``"province"`` or ``"abroad"``: how fine ``location`` is; None when unknown.

    >>> place_level("IP属地：广东"), place_level("中国 北京"), place_level("保密")
    ('province', 'city', None)
    """
    return parse_place(location).level


def place_levels(locations: Iterable[Any]) -> dict[str, int]:
    """How many of ``locations`` are at each level, plus ``"unknown"`` (no location at all).

    >>> place_levels(["广东", "广东", "浙江 杭州", None])
    {'city': 1, 'province': 2, 'abroad': 0, 'unknown': 1}
    """
    counts = dict.fromkeys((*PLACE_LEVELS, "unknown"), 0)
    for loc in locations:
        counts[place_level(loc) or "unknown"] += 1
    return counts


def place_columns(profiles: pd.DataFrame) -> pd.DataFrame:
    """``profiles`` with the parsed parts of their ``location`` as plain columns, for the rooms
    that may not parse places themselves: ``province``, ``city``, ``place_level`` (None where
    unknown) and ``place_names`` (the tuple a region filter matches; empty where unknown).

    >>> import pandas as pd
    >>> p = place_columns(pd.DataFrame({"user_id": ["a", "b"], "location": ["广东 广州", "其他"]}))
    >>> p[["province", "city", "place_level", "place_names"]].values.tolist()
    [['广东', '广州', 'city', ('广东', '广州')], [None, None, None, ()]]
    """
    import pandas as pd

    locations = profiles["location"].tolist() if "location" in profiles else [None] * len(profiles)
    # each distinct location parsed once: a million profiles hold a few thousand places
    parsed = {loc: parse_place(loc) for loc in {x for x in locations if isinstance(x, str)}}
    unknown = Place()
    places = [parsed[x] if isinstance(x, str) else unknown for x in locations]
    return profiles.assign(
        province=pd.Series([p.province for p in places], index=profiles.index, dtype=object),
        city=pd.Series([p.city for p in places], index=profiles.index, dtype=object),
        place_level=pd.Series([p.level for p in places], index=profiles.index, dtype=object),
        place_names=pd.Series([p.names for p in places], index=profiles.index, dtype=object),
    )
