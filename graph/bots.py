"""A simple, explained bot score: how much a user's window of posts looks automated.

Four signals, each in [0, 1], weighted and averaged over the ones that are known:

* ``repost_only`` (weight 0.35): share of posts that are reposts adding no words of their own
  (empty, "转发微博", "Repost", or only a ``//@name:`` chain);
* ``duplicates`` (0.25): share of posts whose own text repeats another of the user's posts;
* ``bursts`` (0.2): share of posts sent within 10 seconds of the previous one;
* ``follow_ratio`` (0.2): following / followers, scaled so that following 20× more people than
  follow back (and at least 200) scores 1. Unknown when the profile lacks either count.

Users with fewer than ``min_posts`` posts get score 0 on the post-based signals (too little to
judge). The explanation names every signal that fired, so an analyst can check it.

Example:
    >>> import pandas as pd
    >>> t = pd.Timestamp("2026-11-01 08:00", tz="Asia/Shanghai")
    >>> posts = pd.DataFrame({
    ...     "post_id": list("abcdef"), "user_id": ["bot"] * 4 + ["mum"] * 2,
    ...     "created_at": [t, t + pd.Timedelta(seconds=2), t + pd.Timedelta(seconds=4),
    ...                    t + pd.Timedelta(seconds=6), t, t + pd.Timedelta(hours=3)],
    ...     "text": ["转发微博", "转发微博", "转发微博", "//@x: 好", "宝宝会走路了", "今天去公园"],
    ...     "repost_of": ["p", "q", "r", "s", None, None]})
    >>> scores = bot_scores(posts).set_index("user_id")
    >>> float(scores.loc["bot", "bot_score"]) > 0.6, float(scores.loc["mum", "bot_score"])
    (True, 0.0)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BOT_WEIGHTS", "bot_scores"]

BOT_WEIGHTS: Mapping[str, float] = {
    "repost_only": 0.35,
    "duplicates": 0.25,
    "bursts": 0.2,
    "follow_ratio": 0.2,
}

_CHAIN = re.compile(r"//@[^:：\s]{1,40}[:：].*$", re.S)
_EMPTY_REPOSTS = {"", "转发微博", "转发", "repost", "轉發微博", "轉發"}
_BURST_SECONDS = 10


def _own_text(text: object) -> str:
    if not isinstance(text, str):
        return ""
    own = _CHAIN.sub("", text).strip()
    return re.sub(r"\s+", " ", own)


def _follow_signal(following: Any, followers: Any) -> float | None:
    if following is None or followers is None or pd.isna(following) or pd.isna(followers):
        return None
    follows, fans = float(following), float(followers)
    if follows < 200:
        return 0.0
    ratio = follows / max(fans, 1.0)
    return float(min(1.0, max(0.0, (ratio - 2) / 18)))


def bot_scores(
    posts: pd.DataFrame,
    profiles: pd.DataFrame | None = None,
    *,
    min_posts: int = 3,
    users: list[str] | None = None,
) -> pd.DataFrame:
    """Score each user: columns user_id, n_posts, bot_score, signals (dict), bot_reasons (text).

    ``posts`` needs user_id, created_at, text, repost_of (reposts have a non-empty repost_of);
    ``profiles`` (optional) user_id, followers, following. ``users`` adds users with no posts.
    """
    for col in ("user_id", "created_at", "text", "repost_of"):
        if col not in posts.columns:
            raise ValueError(f"posts need columns user_id, created_at, text, repost_of; missing {col!r}")
    prof = None
    if profiles is not None and len(profiles) and {"followers", "following"} <= set(profiles.columns):
        prof = profiles.drop_duplicates("user_id").set_index("user_id")[["followers", "following"]]
    df = posts[["user_id", "created_at", "text", "repost_of"]].copy()
    df["user_id"] = df["user_id"].astype(str)
    df["own"] = [_own_text(t) for t in df["text"]]
    is_repost = df["repost_of"].notna() & (df["repost_of"].astype(str).str.len() > 0)
    df["repost_only"] = is_repost & df["own"].str.lower().isin(_EMPTY_REPOSTS)
    df = df.sort_values(["user_id", "created_at"], kind="stable")
    gap = df.groupby("user_id")["created_at"].diff().dt.total_seconds()
    df["burst"] = gap.notna() & (gap <= _BURST_SECONDS)
    nonempty = df["own"].str.len() > 0
    df["dup"] = nonempty & df.duplicated(["user_id", "own"], keep=False)
    rows = []
    everyone = list(dict.fromkeys([*df["user_id"].unique().tolist(), *(users or [])]))
    groups = {u: g for u, g in df.groupby("user_id", sort=False)}
    for user in everyone:
        g = groups.get(user)
        n = 0 if g is None else len(g)
        signals: dict[str, float | None] = {}
        reasons: list[str] = []
        if g is not None and n >= min_posts:
            ro, dup, burst = (
                float(g["repost_only"].mean()),
                float(g["dup"].mean()),
                float(g["burst"].sum() / max(n - 1, 1)),
            )
            signals.update(repost_only=ro, duplicates=dup, bursts=burst)
            if ro >= 0.5:
                reasons.append(f"{ro:.0%} of {n} posts are reposts with no words of their own")
            if dup >= 0.3:
                reasons.append(f"{dup:.0%} of posts repeat another of their posts word for word")
            if burst >= 0.3:
                reasons.append(f"{int(g['burst'].sum())} posts within {_BURST_SECONDS} s of the previous")
        else:
            signals.update(repost_only=0.0, duplicates=0.0, bursts=0.0)
        fr = None
        if prof is not None and user in prof.index:
            row = prof.loc[user]
            fr = _follow_signal(row["following"], row["followers"])
            if fr is not None and fr > 0:
                reasons.append(
                    f"follows {int(row['following']):,} but has {int(row['followers']):,} followers"
                )
        signals["follow_ratio"] = fr
        known = {k: v for k, v in signals.items() if v is not None}
        wsum = sum(BOT_WEIGHTS[k] for k in known)
        score = sum(BOT_WEIGHTS[k] * v for k, v in known.items()) / wsum if wsum else 0.0
        rows.append((user, n, round(float(np.clip(score, 0, 1)), 4), signals, "; ".join(reasons)))
    return pd.DataFrame(rows, columns=["user_id", "n_posts", "bot_score", "signals", "bot_reasons"])
