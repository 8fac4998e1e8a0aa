"""Who may be a seed: ordinary members of the segment, not celebrities, brands or bots.

Each rule is a parameter the report states (:class:`graph.options.EligibilityRules`). A rule
on a profile field that is unknown (most reposters in real exports have no follower count or
verification) passes the user and says so.

Example:
    >>> import pandas as pd
    >>> members = pd.DataFrame({"user_id": ["a", "b", "c"], "score": [0.9, 0.8, 0.7]})
    >>> profiles = pd.DataFrame({"user_id": ["a", "b"], "followers": [120, 900_000],
    ...                          "verified": [False, True], "verified_type": [-1, 0]})
    >>> judge_eligibility(members, profiles, EligibilityRules())[["user_id", "eligible"]].values.tolist()
    [['a', True], ['b', False], ['c', True]]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from graph._columns import among
from graph.options import GENDERS, EligibilityRules, gender_of

__all__ = [
    "GENDERS",
    "ORGANISATION_VERIFIED_TYPES",
    "EligibilityRules",
    "engagement_rates",
    "exclusion_summary",
    "filter_counts",
    "gender_of",
    "judge_eligibility",
    "region_matches",
]

# Weibo verified_type: -1 none, 0 a verified person (orange V), 1–7 organisations (government,
# enterprise, media, campus, website, app, organisation; blue V), 200/220 talent accounts.
ORGANISATION_VERIFIED_TYPES = frozenset(range(1, 8))


def region_matches(names: Any, regions: tuple[str, ...]) -> bool | None:
    """Whether a place lies in one of ``regions`` (provinces or cities, short names as the
    settings give them: 广东, 广州); None when the place is unknown.

    ``names`` is every name the member's place answers to, as the caller read it from the
    profile's location (the ``place_names`` column of :func:`store.places.place_columns`: "广东
    广州" is ("广东", "广州")); this room does not read locations itself.

    >>> region_matches(("广东", "广州"), ("广州",)), region_matches(("广东",), ("上海", "广东"))
    (True, True)
    >>> region_matches(("浙江", "杭州"), ("广东",)), region_matches((), ("广东",))
    (False, None)
    """
    if not isinstance(names, tuple | list) or not names:
        return None
    return any(n in regions for n in names)


def engagement_rates(posts: pd.DataFrame, followers: Mapping[str, int | None]) -> dict[str, float | None]:
    """Per author: (reposts + comments + likes) per own post per follower (the report's engagement
    rate), None when the posts or the follower count are unknown.

    >>> p = pd.DataFrame({"user_id": ["a", "a", "b"], "reposts": [1, 2, 5], "comments": [0, 1, 0],
    ...                   "likes": [3, None, 1]})
    >>> engagement_rates(p, {"a": 35, "b": None})
    {'a': 0.1, 'b': None}
    """
    own = posts[posts["reply_to"].isna()] if "reply_to" in posts.columns else posts
    if own.empty:
        return {}
    total = own[["reposts", "comments", "likes"]].astype(float).fillna(0.0).sum(axis=1)
    sums = total.groupby(own["user_id"]).sum()
    n = own.groupby("user_id").size()
    out: dict[str, float | None] = {}
    for u, s in sums.items():
        f = followers.get(u)
        out[str(u)] = None if f is None or pd.isna(f) or int(f) <= 0 else float(s) / int(n[u]) / int(f)
    return out


def _filter_outcomes(rules: EligibilityRules, p: Any, rate: float | None, known_rate: bool) -> dict[str, str]:
    """Each set filter's outcome for one member: pass, fail or unknown."""
    out: dict[str, str] = {}

    def field(name: str) -> Any:
        v = None if p is None else p.get(name)
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v

    f = field("followers")
    if rules.min_followers is not None:
        out["min_followers"] = "unknown" if f is None else "pass" if int(f) >= rules.min_followers else "fail"
    if rules.max_followers is not None:
        out["max_followers"] = "unknown" if f is None else "pass" if int(f) <= rules.max_followers else "fail"
    if rules.min_engagement is not None:
        ok = rate is not None and rate >= rules.min_engagement
        out["min_engagement"] = "unknown" if rate is None or not known_rate else "pass" if ok else "fail"
    if rules.regions:
        m = region_matches(None if p is None else p.get("place_names"), rules.regions)
        out["regions"] = "unknown" if m is None else "pass" if m else "fail"
    if rules.gender is not None:
        g = gender_of(field("gender"))
        out["gender"] = "unknown" if g is None else "pass" if g == rules.gender else "fail"
    if rules.exclude_verified:
        v, vt = field("verified"), field("verified_type")
        if v is None and vt is None:
            out["exclude_verified"] = "unknown"
        else:
            verified = bool(v) or (vt is not None and int(vt) >= 0)
            out["exclude_verified"] = "fail" if verified else "pass"
    return out


_FILTER_WHY = {
    "min_followers": "followers below the minimum",
    "max_followers": "followers above the maximum",
    "min_engagement": "engagement rate below the minimum",
    "regions": "outside the regions asked for",
    "gender": "not the gender asked for",
    "exclude_verified": "a verified account",
}


def filter_counts(judged: pd.DataFrame) -> list[dict[str, Any]]:
    """Per set filter: how many members passed, failed, or could not be checked (unknown).

    >>> j = pd.DataFrame({"filters": [{"gender": "pass"}, {"gender": "unknown"}, {"gender": "fail"}]})
    >>> filter_counts(j)
    [{'filter': 'gender', 'pass': 1, 'fail': 1, 'unknown': 1}]
    """
    counts: dict[str, dict[str, int]] = {}
    for outcomes in judged.get("filters", pd.Series(dtype=object)):
        for name, outcome in (outcomes or {}).items():
            c = counts.setdefault(name, {"pass": 0, "fail": 0, "unknown": 0})
            c[outcome] += 1
    return [{"filter": n, **c} for n, c in counts.items()]


def exclusion_summary(judged: pd.DataFrame, top: int = 4) -> str:
    """The commonest reasons members were left out, with counts (for an error or a log line).

    >>> why = ["filter: gender unknown", "", "filter: gender unknown; x"]
    >>> exclusion_summary(pd.DataFrame({"excluded_by": why}))
    'filter: gender unknown 2, x 1'
    """
    reasons = pd.Series(
        [r.strip() for why in judged["excluded_by"] for r in str(why or "").split(";") if r.strip()],
        dtype=object,
    )
    return ", ".join(f"{r} {n}" for r, n in reasons.value_counts().head(top).items())


#: the profile fields the rules and filters read
_PROFILE_FIELDS = ("followers", "verified", "verified_type", "place_names", "gender")


def _profile_rows(profiles: pd.DataFrame, users: pd.Series) -> dict[str, dict[str, Any]]:
    """Each of ``users``' profile row (the fields of :data:`_PROFILE_FIELDS` it has) as a dict,
    the first row of a user listed twice; read once for all members, not a ``.loc`` per member.

    >>> prof = pd.DataFrame({"user_id": ["a", "b"], "followers": [3, None], "bio": ["x", "y"]})
    >>> _profile_rows(prof, pd.Series(["b", "c"]))
    {'b': {'followers': nan}}
    """
    if not len(profiles):
        return {}
    wanted = profiles[among(profiles["user_id"], users)].drop_duplicates("user_id")
    cols = [c for c in _PROFILE_FIELDS if c in wanted.columns]
    return dict(zip(wanted["user_id"].tolist(), wanted[cols].to_dict("records"), strict=True))


def _activity_rows(activity: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each user's row of ``activity`` (the columns the rules read) as a dict, built from whole
    columns rather than row by row.

    >>> _activity_rows(pd.DataFrame({"user_id": ["a"], "n_posts": [2], "bot_score": [0.1], "x": [0]}))
    {'a': {'n_posts': 2, 'bot_score': 0.1}}
    """
    cols = [c for c in ("n_posts", "bot_score", "bot_reasons", "signals") if c in activity.columns]
    values = zip(*(activity[c].tolist() for c in cols), strict=True) if cols else ([] for _ in activity.index)
    return {
        u: dict(zip(cols, v, strict=True)) for u, v in zip(activity["user_id"].tolist(), values, strict=True)
    }


def judge_eligibility(
    members: pd.DataFrame,
    profiles: pd.DataFrame,
    rules: EligibilityRules,
    activity: pd.DataFrame | None = None,
    engagement: Mapping[str, float | None] | None = None,
) -> pd.DataFrame:
    """Judge each member: columns user_id, score, eligible, excluded_by, unknown_fields, filters
    (each set filter's outcome: pass, fail or unknown; unknown leaves the member out).

    ``members`` has user_id and score (and optionally ``business``: why the account sells, None
    for ordinary people, which ``rules.exclude_businesses`` reads, and ``confirmed_by``: post,
    profile, segment or unconfirmed as the tagger wrote it, None when not recorded, which
    ``rules.require_confirmed`` reads); ``profiles`` has user_id, followers, verified,
    verified_type, gender and, for ``rules.regions``, ``place_names`` (a member without a profile
    row has every field unknown). ``activity``
    (optional, from :func:`graph.bots.bot_scores`) has user_id, n_posts, bot_score, bot_reasons
    and signals; without it the activity and bot rules are not applied. ``engagement`` (from
    :func:`engagement_rates`) feeds ``rules.min_engagement``; a member missing from it is unknown.
    """
    for col in ("user_id", "score"):
        if col not in members.columns:
            raise ValueError(f"members need columns user_id and score; missing {col!r}")
    if rules.regions and len(profiles) and "place_names" not in profiles.columns:
        raise ValueError(
            "a region filter needs the profiles' places: expected a place_names column, got "
            f"{sorted(map(str, profiles.columns))}; add it with store.places.place_columns(profiles)"
        )
    prof = _profile_rows(profiles, members["user_id"])
    act = None
    if activity is not None:
        act = _activity_rows(activity)
    rows = []
    business = members["business"] if "business" in members.columns else pd.Series([None] * len(members))
    # tags without the column (made before it) are not judged on it; a None in it is unknown
    has_confirmed = "confirmed_by" in members.columns
    confirmed = members["confirmed_by"] if has_confirmed else pd.Series([None] * len(members))
    for user_id, score, sells, how in zip(
        members["user_id"].tolist(),
        members["score"].tolist(),
        business.tolist(),
        confirmed.tolist(),
        strict=True,
    ):
        excluded: list[str] = []
        unknown: list[str] = []
        p = prof.get(user_id)
        if score < rules.min_score:
            excluded.append(f"score {score:.2f} < {rules.min_score:g}")
        if rules.exclude_businesses and isinstance(sells, str) and sells:
            excluded.append(f"business ({sells})")
        if rules.require_confirmed and has_confirmed:
            if not isinstance(how, str):
                unknown.append("confirmed")
            elif how == "unconfirmed":
                excluded.append("not confirmed in their own words")
        if rules.follower_cap is not None:
            f = None if p is None else p.get("followers")
            if f is None or pd.isna(f):
                unknown.append("followers")
            elif int(f) > rules.follower_cap:
                excluded.append(f"{int(f):,} followers > {rules.follower_cap:,}")
        if rules.exclude_verified_organisations:
            vt = None if p is None else p.get("verified_type")
            v = None if p is None else p.get("verified")
            if (vt is None or pd.isna(vt)) and (v is None or pd.isna(v)):
                unknown.append("verified")
            elif vt is not None and not pd.isna(vt) and int(vt) in ORGANISATION_VERIFIED_TYPES:
                excluded.append("verified organisation")
        if act is not None:
            a = act.get(user_id)
            n_posts = 0 if a is None else int(a["n_posts"])
            if n_posts < rules.min_posts:
                excluded.append(f"{n_posts} posts in the window < {rules.min_posts}")
            if rules.bot_score_max is not None and a is not None:
                if float(a["bot_score"]) > rules.bot_score_max:
                    why = a.get("bot_reasons") or "several weak signals"
                    excluded.append(f"bot-like (score {float(a['bot_score']):.2f}: {why})")
                sig = a.get("signals")
                if isinstance(sig, dict) and sig.get("follow_ratio") is None:
                    unknown.append("following")
        rate = None if engagement is None else engagement.get(user_id)
        outcomes = _filter_outcomes(rules, p, rate, engagement is not None)
        for name, outcome in outcomes.items():
            if outcome == "fail":
                excluded.append(f"filter: {_FILTER_WHY[name]}")
            elif outcome == "unknown":
                excluded.append(f"filter: {name.replace('_', ' ')} unknown")
        rows.append((user_id, float(score), not excluded, "; ".join(excluded), ",".join(unknown), outcomes))
    return pd.DataFrame(
        rows, columns=["user_id", "score", "eligible", "excluded_by", "unknown_fields", "filters"]
    )
