"""Who may be a seed: ordinary members of the segment, not celebrities, brands or bots.

Each rule is a parameter the report states. A rule on a profile field that is unknown (most
reposters in real exports have no follower count or verification) passes the user and says so.

Example:
    >>> import pandas as pd
    >>> members = pd.DataFrame({"user_id": ["a", "b", "c"], "score": [0.9, 0.8, 0.7]})
    >>> profiles = pd.DataFrame({"user_id": ["a", "b"], "followers": [120, 900_000],
    ...                          "verified": [False, True], "verified_type": [-1, 0]})
    >>> judge_eligibility(members, profiles, EligibilityRules())[["user_id", "eligible"]].values.tolist()
    [['a', True], ['b', False], ['c', True]]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

__all__ = ["ORGANISATION_VERIFIED_TYPES", "EligibilityRules", "judge_eligibility"]

# Weibo verified_type: -1 none, 0 a verified person (orange V), 1–7 organisations (government,
# enterprise, media, campus, website, app, organisation; blue V), 200/220 talent accounts.
ORGANISATION_VERIFIED_TYPES = frozenset(range(1, 8))


@dataclass(frozen=True)
class EligibilityRules:
    """The rules a seed must pass; every one is stated in the report."""

    min_score: float = 0.0
    follower_cap: int | None = 50_000
    exclude_verified_organisations: bool = True
    #: keep out members whose posts or profile say they sell (shops, 微商, 代购: the tags'
    #: ``business`` column, :mod:`nlp.commerce`)
    exclude_businesses: bool = True
    bot_score_max: float | None = 0.6
    min_posts: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.min_score <= 1:
            raise ValueError(f"min_score must be between 0 and 1; got {self.min_score!r}")
        if self.follower_cap is not None and self.follower_cap < 1:
            raise ValueError(
                f"follower_cap must be a positive number of followers or None; got {self.follower_cap!r}"
            )

        if self.bot_score_max is not None and not 0 <= self.bot_score_max <= 1:
            raise ValueError(f"bot_score_max must be between 0 and 1 or None; got {self.bot_score_max!r}")
        if not isinstance(self.min_posts, int) or self.min_posts < 0:
            raise ValueError(f"min_posts must be a whole number >= 0; got {self.min_posts!r}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> list[str]:
        """The rules in words an analyst understands."""
        out = [f"tagged as a member of the segment with a score of at least {self.min_score:g}"]
        if self.follower_cap is not None:
            out.append(f"at most {self.follower_cap:,} followers (no celebrities)")
        if self.exclude_verified_organisations:
            out.append("not a verified organisation, brand, shop or media account (blue V)")
        if self.exclude_businesses:
            out.append("not a shop, 微商 or 代购 (posts that sell, or a shop's name or bio)")
        if self.bot_score_max is not None:
            out.append(
                f"not bot-like: a bot score of at most {self.bot_score_max:g} (repost-only posts, "
                "duplicate texts, posting bursts, following/follower ratio)"
            )
        if self.min_posts > 0:
            out.append(f"active: at least {self.min_posts} post(s) in the window")
        out.append("a rule on a profile field the export does not give passes the user, and is counted")
        return out


def judge_eligibility(
    members: pd.DataFrame,
    profiles: pd.DataFrame,
    rules: EligibilityRules,
    activity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Judge each member: columns user_id, score, eligible, excluded_by, unknown_fields.

    ``members`` has user_id and score (and optionally ``business``: why the account sells, None
    for ordinary people, which ``rules.exclude_businesses`` reads); ``profiles`` has user_id,
    followers, verified, verified_type (a member without a profile row has every field unknown). ``activity``
    (optional, from :func:`graph.bots.bot_scores`) has user_id, n_posts, bot_score, bot_reasons
    and signals; without it the activity and bot rules are not applied.
    """
    for col in ("user_id", "score"):
        if col not in members.columns:
            raise ValueError(f"members need columns user_id and score; missing {col!r}")
    prof = (
        profiles.set_index("user_id")
        if len(profiles)
        else pd.DataFrame(columns=["followers", "verified", "verified_type"])
    )
    act = None
    if activity is not None:
        act = {u: r for u, r in zip(activity["user_id"], activity.to_dict("records"), strict=True)}
    rows = []
    business = members["business"] if "business" in members.columns else pd.Series([None] * len(members))
    for user_id, score, sells in zip(members["user_id"], members["score"], business, strict=True):
        excluded: list[str] = []
        unknown: list[str] = []
        p = prof.loc[user_id] if user_id in prof.index else None
        if score < rules.min_score:
            excluded.append(f"score {score:.2f} < {rules.min_score:g}")
        if rules.exclude_businesses and isinstance(sells, str) and sells:
            excluded.append(f"business ({sells})")
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
        rows.append((user_id, float(score), not excluded, "; ".join(excluded), ",".join(unknown)))
    return pd.DataFrame(rows, columns=["user_id", "score", "eligible", "excluded_by", "unknown_fields"])
