"""Audience portrait: who the segment and the seeds are, in the terms KOL tools use (gender,
province and city, follower bands, when they post). Unknown values are counted as unknown, never
dropped, and a location that names only a province (an IP location, "广东") counts towards its
province and as an unknown city: a province is never called a city. The places come parsed
(``province`` and ``city`` columns: :func:`store.places.place_columns`); this room does not
read locations itself.

Plain data in (the profiles and the window's posts), plain numbers out; the report draws them.

Example:
    >>> import pandas as pd
    >>> profiles = pd.DataFrame({"user_id": ["a", "b", "c"], "gender": ["f", "女", None],
    ...                          "province": ["广东", "广东", None], "city": ["广州", None, None],
    ...                          "followers": [50, 3000, None]})
    >>> posts = pd.DataFrame({"user_id": ["a", "a", "b"], "created_at": pd.to_datetime(
    ...     ["2026-11-02 09:10", "2026-11-03 21:00", "2026-11-03 21:30"])})
    >>> p = audience_portrait(profiles, posts, ["a", "b", "c"])
    >>> p["gender"], p["provinces"], p["cities"]
    ({'f': 2, 'm': 0, 'unknown': 1}, [('广东', 2), ('unknown', 1)], [('广州', 1), ('unknown', 2)])
    >>> p["followers"][0], p["followers"][-1], p["hours"][21], p["weekdays"][0]
    (('<100', 1), ('unknown', 1), 2, 1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from report.i18n import N_

__all__ = [
    "FILTER_NAMES",
    "FOLLOWER_BANDS",
    "UNKNOWN",
    "WEEKDAYS",
    "audience_portrait",
    "portrait_view",
    "set_filters",
]

#: the analyst's seed filters as the selection's ``params.eligibility`` records them
FILTER_NAMES = ("min_followers", "max_followers", "min_engagement", "regions", "gender", "exclude_verified")

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_GENDER_NAMES = {"f": N_("women"), "m": N_("men"), "unknown": N_("unknown")}
#: the categories the portrait itself adds to the data's values
_OWN_WORDS = {"unknown": N_("unknown"), "other": N_("other")}

UNKNOWN = "unknown"
#: (lowest, highest exclusive or None, label)
FOLLOWER_BANDS = (
    (0, 100, N_("<100")),
    (100, 1_000, N_("100–1k")),
    (1_000, 10_000, N_("1k–10k")),
    (10_000, 50_000, N_("10k–50k")),
    (50_000, None, N_("50k+")),
)


def _known(value: Any) -> str:
    return value if isinstance(value, str) and value else UNKNOWN


def _gender(value: Any) -> str:
    v = value.strip().lower() if isinstance(value, str) else ""
    return {"f": "f", "female": "f", "女": "f", "m": "m", "male": "m", "男": "m"}.get(v, UNKNOWN)


def _band(followers: Any) -> str:
    if followers is None or pd.isna(followers):
        return UNKNOWN
    f = int(followers)
    return next(label for lo, hi, label in FOLLOWER_BANDS if f >= lo and (hi is None or f < hi))


def _ranked(counter: Counter, top: int) -> list[tuple[str, int]]:
    """The ``top`` commonest known values, then "other" and "unknown" when there are any."""
    unknown = counter.pop(UNKNOWN, 0)
    known = counter.most_common()
    out = known[:top]
    rest = sum(n for _, n in known[top:])
    if rest:
        out.append(("other", rest))
    if unknown:
        out.append((UNKNOWN, unknown))
    return out


def audience_portrait(
    profiles: pd.DataFrame,
    posts: pd.DataFrame | None,
    users: Iterable[str],
    *,
    top: int = 12,
    theirs: bool = False,
    activity: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The portrait of ``users``: counts by gender, province, city and follower band (each with
    ``unknown``; a user without a profile row is unknown everywhere), and their posts in the
    window by hour of day (0–23) and weekday (0 = Monday), in the posts' own time (Asia/Shanghai
    in the warehouse). ``theirs``: ``posts`` are the users' own already (not filtered again: a
    million members' posts are not matched twice). ``activity``: their posts by hour and weekday
    counted already (``posts``, ``hours``, ``weekdays``: :func:`store.report_rows.member_activity`),
    used instead of ``posts``."""
    ids = list(dict.fromkeys(str(u) for u in users))
    prof = profiles.drop_duplicates("user_id").set_index("user_id") if len(profiles) else pd.DataFrame()

    # each user's profile row, found once for every field (-1: no profile row)
    at = prof.index.get_indexer(pd.Index(ids, dtype=object)) if len(prof) else np.full(len(ids), -1)

    def col(name: str, key: Callable[[Any], str]) -> Counter:
        if name not in prof.columns:
            return Counter({key(None): len(ids)} if ids else {})
        values = prof[name].to_numpy(dtype=object)
        mine = values[at] if len(values) else np.full(len(ids), None, dtype=object)
        mine[at < 0] = None  # a user without a profile row: None
        return _tally(pd.Series(mine, dtype=object), key)

    if activity is not None:  # counted in the warehouse (every post has a time there)
        n_posts, n_untimed = int(activity["posts"]), 0
        hours = Counter({int(h): int(n) for h, n in activity["hours"].items()})
        weekdays = Counter({int(d): int(n) for d, n in activity["weekdays"].items()})
    else:
        n_posts, n_untimed, hours, weekdays = _post_times(posts, ids, theirs)
    gender, bands = col("gender", _gender), col("followers", _band)
    return {
        "n": len(ids),
        "gender": {"f": gender["f"], "m": gender["m"], UNKNOWN: gender[UNKNOWN]},
        "provinces": _ranked(col("province", _known), top),
        "cities": _ranked(col("city", _known), top),
        "followers": [(label, bands[label]) for *_, label in FOLLOWER_BANDS] + [(UNKNOWN, bands[UNKNOWN])],
        "hours": [hours[h] for h in range(24)],
        "weekdays": [weekdays[d] for d in range(7)],
        "posts": n_posts,
        "posts_unknown_time": n_untimed,
    }


def _tally(values: pd.Series, key: Callable[[Any], str]) -> Counter:
    """``Counter(key(v) for v in values)`` (missing values as None), with ``key`` called once per
    distinct value: the keys come in the order of their values' first appearance, as the
    per-value count's do (``most_common`` breaks ties by it), and the counts are ints.

    >>> _tally(pd.Series(["b", None, "a", "b", float("nan")]), _known)
    Counter({'b': 2, 'unknown': 2, 'a': 1})
    """
    codes, uniques = pd.factorize(values.astype(object))  # uniques: in order of appearance
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    groups = [(v, int(n)) for v, n in zip(uniques, counts, strict=True)]
    missing = codes < 0
    if missing.any():  # placed where the first missing value appears
        before = codes[: int(np.argmax(missing))]
        groups.insert(int(before.max()) + 1 if len(before) else 0, (None, int(missing.sum())))
    out: Counter = Counter()
    for value, n in groups:
        out[key(value)] += n
    return out


def _post_times(
    posts: pd.DataFrame | None, ids: list[str], theirs: bool
) -> tuple[int, int, Counter, Counter]:
    """(posts, posts without a time, posts by hour, posts by weekday) of ``ids`` in ``posts``."""
    if posts is None:
        posts = pd.DataFrame({"user_id": [], "created_at": []})
    mine = posts[posts["user_id"].astype(str).isin(set(ids))] if len(posts) and not theirs else posts
    times = pd.to_datetime(mine["created_at"]) if len(mine) else pd.Series(dtype="datetime64[ns]")
    known_times = times.dropna()
    hours = Counter({int(h): int(n) for h, n in known_times.dt.hour.value_counts().items()})
    weekdays = Counter({int(d): int(n) for d, n in known_times.dt.day_of_week.value_counts().items()})
    return len(mine), int(len(mine) - len(known_times)), hours, weekdays


def _aligned(a: list[tuple[str, int]], b: list[tuple[str, int]]) -> tuple[list[str], list[int], list[int]]:
    """One category axis for two ranked lists (a's order, then b's own values; other/unknown last)."""
    tail = [c for c in ("other", UNKNOWN) if c in dict(a) or c in dict(b)]
    cats = [c for c, _ in a if c not in tail]
    cats += [c for c, _ in b if c not in cats and c not in tail]
    cats += tail
    da, db = dict(a), dict(b)
    return cats, [da.get(c, 0) for c in cats], [db.get(c, 0) for c in cats]


def set_filters(eligibility: Mapping[str, Any] | None) -> dict[str, Any]:
    """The seed filters a run set (name → value), from its recorded eligibility rules.

    >>> set_filters({"min_followers": 100, "regions": [], "gender": None, "follower_cap": 50000})
    {'min_followers': 100}
    """
    rules = eligibility or {}
    return {n: rules[n] for n in FILTER_NAMES if rules.get(n) not in (None, [], (), False, "")}


def _same(text: str) -> str:
    return text


def portrait_view(
    segment: dict[str, Any],
    seeds: dict[str, Any],
    *,
    label: str,
    seeds_label: str = N_("seeds"),
    tr: Callable[[str], str] = _same,
) -> dict[str, Any]:
    """The report's portrait section: charts (segment against seeds, as shares) and the numbers
    behind them, from two :func:`audience_portrait` results; its words go through ``tr`` (the
    report's gettext; English by default). Place names are data and stay as they are.

    >>> p = audience_portrait(pd.DataFrame({"user_id": ["a"], "gender": ["f"]}), pd.DataFrame(), ["a"])
    >>> portrait_view(p, p, label="mothers")["groups"]
    ('all mothers', 'seeds')
    """
    from report.charts import share_chart

    groups = (tr("all {label}").format(label=label), tr(seeds_label))

    def word(c: str) -> str:
        return tr(_OWN_WORDS[c]) if c in _OWN_WORDS else c

    def chart(key: str, cats: list[str], a: list[int], b: list[int], axis: str) -> str:
        return share_chart(
            f"chart-portrait-{key}", cats, dict(zip(groups, (a, b), strict=True)), axis=axis, tr=tr
        )

    charts: dict[str, str] = {}
    tables: dict[str, list[tuple[str, int, int]]] = {}
    for key, axis in (("provinces", tr("province")), ("cities", tr("city"))):
        cats, a, b = _aligned(segment[key], seeds[key])
        tables[key] = list(zip(cats, a, b, strict=True))
        charts[key] = chart(key, [word(c) for c in cats], a, b, axis)
    g = list(segment["gender"])
    tables["gender"] = [(tr(_GENDER_NAMES[k]), segment["gender"][k], seeds["gender"][k]) for k in g]
    charts["gender"] = chart(
        "gender",
        [tr(_GENDER_NAMES[k]) for k in g],
        [segment["gender"][k] for k in g],
        [seeds["gender"][k] for k in g],
        tr("gender"),
    )
    tables["followers"] = [
        (tr(band), n, m) for (band, n), (_, m) in zip(segment["followers"], seeds["followers"], strict=True)
    ]
    # the posting charts count posts, not people: their legends say so
    posts = (tr("posts by all {label}").format(label=label), tr("posts by the seed users"))
    charts["hours"] = share_chart(
        "chart-portrait-hours",
        [f"{h:02d}" for h in range(24)],
        dict(zip(posts, (segment["hours"], seeds["hours"]), strict=True)),
        axis=tr("hour of day (Beijing time)"),
        tr=tr,
    )
    charts["weekdays"] = share_chart(
        "chart-portrait-weekdays",
        [tr(d) for d in WEEKDAYS],
        dict(zip(posts, (segment["weekdays"], seeds["weekdays"]), strict=True)),
        axis=tr("weekday"),
        tr=tr,
    )
    return {"segment": segment, "seeds": seeds, "charts": charts, "tables": tables, "groups": groups}
