"""The seed list files a campaign team opens: ``seeds.csv`` and ``seeds.json`` (``seeds.xlsx``
is in :mod:`report.xlsx`).

``seeds.csv`` is UTF-8 with a BOM (what Excel needs to show Chinese), ids are text, and any
text cell that a spreadsheet would read as a formula (starting with = + - @, tab or CR) is
neutralised with a leading apostrophe. ``seeds.json`` carries the full ``SeedSelection`` next
to the rows (and the notes, e.g. why a column is empty).

Example:
    >>> guard_cell("=1+1")
    "'=1+1"
    >>> explain_seed(marginal_reach=12.4, cumulative_reach=40.0, n_hits=5, circle=3, city="杭州",
    ...              segment_label="mothers")
    'adds ~12 mothers within reach (~40 with the seeds above); 5 posts about the segment; circle 3, 杭州'
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "COLUMN_TITLES",
    "SEED_COLUMNS",
    "engagement_rate",
    "explain_seed",
    "guard_cell",
    "profile_url",
    "write_seeds_csv",
    "write_seeds_json",
]

SEED_COLUMNS = (
    "rank",
    "user_id",
    "screen_name",
    "profile_url",
    "followers",
    "city",
    "circle",
    "segment_score",
    "n_hits",
    "engagement_rate",
    "bot_score",
    "marginal_reach",
    "cumulative_reach",
    "reason",
)
COLUMN_TITLES = {
    "rank": "rank",
    "user_id": "user id",
    "screen_name": "screen name",
    "profile_url": "profile link",
    "followers": "followers",
    "city": "city",
    "circle": "circle",
    "segment_score": "segment score",
    "n_hits": "posts about the segment",
    "engagement_rate": "engagement rate",
    "bot_score": "bot score",
    "marginal_reach": "adds (expected reach)",
    "cumulative_reach": "cumulative expected reach",
    "reason": "why",
}
_NUMERIC = {
    "marginal_reach": 3,
    "cumulative_reach": 3,
    "segment_score": 3,
    "engagement_rate": 5,
    "bot_score": 3,
}
_HOPS = {1: "one", 2: "two", 3: "three"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would run as a formula; other values pass through."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def profile_url(user_id: str, platform: str = "weibo") -> str:
    """The public profile page of a user."""
    if platform == "weibo":
        return f"https://weibo.com/u/{user_id}"
    return ""


def engagement_rate(
    reposts: float, comments: float, likes: float, n_posts: int, followers: int | None
) -> float | None:
    """(reposts + comments + likes) per post per follower; None when it cannot be computed.

    >>> engagement_rate(10, 5, 35, n_posts=5, followers=200)
    0.05
    """
    if not n_posts or not followers or followers <= 0:
        return None
    return (reposts + comments + likes) / n_posts / followers


def explain_seed(
    *,
    marginal_reach: float,
    cumulative_reach: float,
    n_hits: int | None,
    circle: int | None,
    city: str | None,
    segment_label: str,
    max_hops: int | None = None,
    words: Sequence[str] = (),
) -> str:
    """A one-line reason in plain words for why a seed is on the list.

    ``max_hops`` names the reach's hop limit; ``words`` are the segment words the person's posts
    matched (the first three are quoted).

    >>> explain_seed(marginal_reach=6.2, cumulative_reach=6.2, n_hits=4, circle=21, city="上海",
    ...              segment_label="mothers", max_hops=2, words=["宝宝", "辅食"]).split("; ")[:2]
    ['adds ~6 mothers within two hops (~6 with the seeds above)', '4 posts about the segment (宝宝, 辅食)']
    """
    within = "within reach"
    if max_hops is not None:
        within = (
            "within any number of hops"
            if max_hops == 0
            else f"within {_HOPS.get(max_hops, str(max_hops))} hop{'s' if max_hops != 1 else ''}"
        )
    parts = [
        f"adds ~{marginal_reach:.0f} {segment_label} {within} (~{cumulative_reach:.0f} with the seeds above)"
    ]
    if n_hits:
        quoted = f" ({', '.join(words[:3])})" if words else ""
        parts.append(f"{n_hits} post{'s' if n_hits != 1 else ''} about the segment{quoted}")
    where = []
    if circle is not None:
        where.append(f"circle {circle}")
    if city:
        where.append(city)
    if where:
        parts.append(", ".join(where))
    return "; ".join(parts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    return str(value)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v == v


def write_seeds_csv(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write the seed rows to ``path`` as UTF-8-with-BOM CSV in :data:`SEED_COLUMNS` order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SEED_COLUMNS)
        for row in rows:
            out = []
            for col in SEED_COLUMNS:
                v = row.get(col)
                if col in _NUMERIC and _number(v):
                    out.append(f"{float(v):.{_NUMERIC[col]}f}")
                else:
                    out.append(guard_cell(_text(v)))
            writer.writerow(out)
    return path


def write_seeds_json(
    selection: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    path: str | Path,
    *,
    notes: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``{"selection": <SeedSelection dict>, "seeds": [rows…], "notes": […]}`` as UTF-8 JSON.

    ``extra`` adds top-level keys (e.g. the report's headline).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_rows = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows]
    doc = {"selection": dict(selection), "seeds": clean_rows, "notes": list(notes), **dict(extra or {})}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path
