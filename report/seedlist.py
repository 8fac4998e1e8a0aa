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
    'reaches ~12 more mothers (~40 with the seeds above); 5 posts on the topic; circle 3, 杭州'
    >>> explain_seed(marginal_reach=1, cumulative_reach=1, n_hits=1, circle=None, city=None,
    ...              segment_label="妈妈", lang="zh")
    '新增覆盖约 1 位妈妈（连同排在前面的种子共约 1 位）；1 条相关帖子'
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from report.i18n import N_, translations

__all__ = [
    "COLUMN_TITLES",
    "SEED_COLUMNS",
    "engagement_rate",
    "explain_seed",
    "guard_cell",
    "own_words",
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
    "own_words",
    "reason",
)
#: column titles of the spreadsheet (message ids: translated where shown)
COLUMN_TITLES = {
    "rank": N_("rank"),
    "user_id": N_("user id"),
    "screen_name": N_("screen name"),
    "profile_url": N_("profile link"),
    "followers": N_("followers"),
    "city": N_("region"),
    "circle": N_("circle"),
    "segment_score": N_("segment score"),
    "n_hits": N_("posts on the topic"),
    "engagement_rate": N_("engagement rate"),
    "bot_score": N_("bot score"),
    "marginal_reach": N_("new people reached"),
    "cumulative_reach": N_("reached with the seeds above"),
    "own_words": N_("in their own words"),
    "reason": N_("why"),
}
_NUMERIC = {
    "marginal_reach": 3,
    "cumulative_reach": 3,
    "segment_score": 3,
    "engagement_rate": 5,
    "bot_score": 3,
}
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
    lang: str = "en",
) -> str:
    """A one-line reason in plain words (in ``lang``) for why a seed is on the list.

    ``segment_label`` names the members (妈妈 / mothers); ``words`` are the segment words the
    person's posts matched (the first three are quoted). ``max_hops`` is kept for callers; the
    report says the hop limit once, not on every row.

    >>> explain_seed(marginal_reach=6.2, cumulative_reach=6.2, n_hits=4, circle=21, city="上海",
    ...              segment_label="mothers", max_hops=2, words=["宝宝", "辅食"]).split("; ")[:2]
    ['reaches ~6 more mothers (~6 with the seeds above)', '4 posts on the topic (宝宝, 辅食)']
    """
    t = translations(lang)
    _, ngettext = t.gettext, t.ngettext
    sep = "；" if lang == "zh" else "; "
    parts = [
        _("reaches ~{m} more {people} (~{c} with the seeds above)").format(
            m=f"{marginal_reach:.0f}", c=f"{cumulative_reach:.0f}", people=segment_label
        )
    ]
    if n_hits:
        quoted = _(" ({words})").format(words=_(", ").join(words[:3])) if words else ""
        parts.append(
            ngettext("{n} post on the topic", "{n} posts on the topic", n_hits).format(n=n_hits) + quoted
        )
    where = []
    if circle is not None:
        where.append(_("circle {c}").format(c=circle))
    if city:
        where.append(city)
    if where:
        parts.append(_(", ").join(where))
    return sep.join(parts)


def own_words(evidence: Sequence[Mapping[str, Any]], lang: str = "en", top: int = 3) -> str:
    """What confirms a member in their own words, for the seed list: the first-person words of
    their evidence posts (``first_person``, :mod:`nlp.post_rules`), else their profile's signal;
    empty when neither.

    >>> own_words([{"kind": "post", "first_person": ["我家宝宝", "宝宝8个月"]},
    ...            {"kind": "post", "first_person": ["我家宝宝"]}])
    '我家宝宝、宝宝8个月'
    >>> own_words([{"kind": "post", "hits": ["宝宝"]}, {"kind": "profile", "hits": ["两个娃的妈"]}])
    'profile: 两个娃的妈'
    """
    words = list(dict.fromkeys(w for ev in evidence for w in (ev.get("first_person") or ())))
    if words:
        return "、".join(words[:top])
    _ = translations(lang).gettext
    profile = [h for ev in evidence if ev.get("kind") == "profile" for h in (ev.get("hits") or ())]
    if profile:
        return _("profile: {words}").format(words="、".join(profile[:top]))
    return ""


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
