"""How fine a profile's location is: a city, only a province, or only a country abroad.

Weibo's "IP属地" (weibo-search's ``ip`` column, MediaCrawler's ``ip_location``) names a province
(广东) or, abroad, a country (美国); a profile's own location is usually "province city" (浙江 杭州).
A figure built on locations says which it has, so no province is called a city.

Example:
    >>> [place_level(x) for x in ("浙江 杭州", "上海", "广东", "广东省", "美国", "海外 美国", "其他", None)]
    ['city', 'city', 'province', 'province', 'abroad', 'abroad', None, None]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["PLACE_LEVELS", "PROVINCES", "place_level", "place_levels"]

#: the levels :func:`place_level` returns, finest first
PLACE_LEVELS = ("city", "province", "abroad")

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


def _short(name: str) -> str:
    name = name.removeprefix("中国")
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def place_level(location: Any) -> str | None:
    """``"city"``, ``"province"`` or ``"abroad"``: how fine ``location`` is; None when unknown.

    A municipality (上海) is a city; "province city" is a city; a province alone is a province;
    "海外 …" or a single name that is no Chinese province or municipality is a country abroad.
    """
    if not isinstance(location, str):
        return None
    parts = location.replace("IP属地", " ").replace("：", " ").replace(":", " ").split()
    if not parts or parts[0] in _UNKNOWN:
        return None
    first = _short(parts[0])
    if first in _MUNICIPALITIES:
        return "city"
    if first == "海外":
        return "abroad"
    if first in PROVINCES:
        return "city" if len(parts) > 1 and parts[1] not in _UNKNOWN else "province"
    return "city" if len(parts) > 1 else "abroad"


def place_levels(locations: Iterable[Any]) -> dict[str, int]:
    """How many of ``locations`` are at each level, plus ``"unknown"`` (no location at all).

    >>> place_levels(["广东", "广东", "浙江 杭州", None])
    {'city': 1, 'province': 2, 'abroad': 0, 'unknown': 1}
    """
    counts = dict.fromkeys((*PLACE_LEVELS, "unknown"), 0)
    for loc in locations:
        counts[place_level(loc) or "unknown"] += 1
    return counts
