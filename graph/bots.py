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
    """The post's own words: the ``//@name:`` chain cut, whitespace runs made one space.

    >>> _own_text("  好 \u3000 呀//@x: 转发"), _own_text(None)
    ('好 呀', '')
    """
    if not isinstance(text, str):
        return ""
    if "//@" in text:  # the chain's regex only where a chain can be
        text = _CHAIN.sub("", text)
    return " ".join(text.split())  # str.split and re's \s agree on what whitespace is


def _number_own_words(text: pd.Series, chunk: int = 100_000) -> tuple[np.ndarray, list[str]]:
    """Each post's own words (:func:`_own_text`) numbered by first appearance, and the words of
    each number: ``pd.factorize``'s codes and uniques, read ``chunk`` texts at a time (at 1M
    users, 2.2M texts and their own words at once as Python strings took 0.5 GB).

    >>> own, words = _number_own_words(pd.Series(["好", None, " 好 ", "a//@x: b"]), chunk=2)
    >>> own.tolist(), words
    ([0, 1, 0, 2], ['好', '', 'a'])
    """
    numbers: dict[str, int] = {}
    own = np.empty(len(text), dtype=np.intp)
    for start in range(0, len(text), chunk):
        part = text.iloc[start : start + chunk].tolist()
        own[start : start + len(part)] = [numbers.setdefault(_own_text(t), len(numbers)) for t in part]
    return own, list(numbers)


def _post_signals(codes: np.ndarray, posts: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per post (authors by ``codes``): ``repost_only``, ``dup`` (its own words, not empty, are
    those of another post of its author) and ``burst`` (:func:`_bursts`). The own words are
    numbered once (equal words, equal numbers), so the tests run on numbers, not on a column
    of texts.

    >>> posts = pd.DataFrame({"text": ["转发微博", "好//@x: 好", "好", None],
    ...                       "repost_of": ["p", "q", None, None],
    ...                       "created_at": pd.to_datetime(["2026-11-01"] * 4)})
    >>> [v.tolist() for v in _post_signals(np.array([0, 0, 0, 1]), posts).values()]
    [[True, False, False, False], [False, True, True, False], [False, True, True, False]]
    """
    own, texts = _number_own_words(posts["text"])
    empty_repost = np.array([t.lower() in _EMPTY_REPOSTS for t in texts], dtype=bool)
    nonempty = np.array([len(t) > 0 for t in texts], dtype=bool)
    rep = posts["repost_of"]
    is_repost = (rep.notna() & (rep.astype(str).str.len() > 0)).to_numpy(dtype=bool)
    # the same author and the same own words: one number per (author, words) pair
    pair = codes.astype(np.int64) * max(len(texts), 1) + own
    _, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    return {
        "repost_only": is_repost & empty_repost[own] if len(own) else np.zeros(0, dtype=bool),
        "dup": nonempty[own] & (counts[inverse] > 1) if len(own) else np.zeros(0, dtype=bool),
        "burst": _bursts(codes, posts["created_at"]),
    }


def _bursts(codes: np.ndarray, created_at: pd.Series) -> np.ndarray:
    """Whether each post came within :data:`_BURST_SECONDS` of its author's previous post
    (authors by ``codes``; a post with no time, or next to one, is no burst). One sort of the
    (author, time) pairs, not a sort of the frame and a groupby: the sorted times of an author
    are the same whatever the order of equal times, so are the gaps.

    >>> t = pd.to_datetime(["2026-11-01 08:00:09", "2026-11-01 08:00:00", None, "2026-11-01 08:00:05"])
    >>> _bursts(np.array([0, 0, 0, 1]), pd.Series(t)).tolist()
    [True, False, False, False]
    """
    ts = pd.to_datetime(created_at, utc=True).dt.tz_localize(None).to_numpy()  # its own unit
    order = np.lexsort((ts.view(np.int64), codes))
    st, sc = ts[order], codes[order]
    burst = np.zeros(len(ts), dtype=bool)
    if len(ts) > 1:
        known = ~np.isnat(st)
        close = (st[1:] - st[:-1]) <= np.timedelta64(_BURST_SECONDS, "s")
        burst[order[1:]] = (sc[1:] == sc[:-1]) & known[1:] & known[:-1] & close
    return burst


def _follow_signals(
    profiles: pd.DataFrame | None, everyone: list[str]
) -> tuple[np.ndarray, list[str | None]]:
    """The follow_ratio signal of each of ``everyone`` (NaN: unknown) and, where it fired, its reason.

    following / followers, scaled: 0 below 200 followings, then (ratio - 2) / 18 clipped to [0, 1].
    """
    fr = np.full(len(everyone), np.nan)
    why: list[str | None] = [None] * len(everyone)
    if profiles is None or not len(profiles) or not {"followers", "following"} <= set(profiles.columns):
        return fr, why
    prof = profiles.drop_duplicates("user_id").set_index("user_id")[["followers", "following"]]
    pos = prof.index.get_indexer(everyone)
    at = np.flatnonzero(pos >= 0)
    vals = prof.to_numpy()[pos[at]]  # each user's row, as prof.loc[user] gives it
    known = ~(pd.isna(vals[:, 0]) | pd.isna(vals[:, 1]))
    at, vals = at[known], vals[known]
    fans = vals[:, 0].astype(np.float64)
    follows = vals[:, 1].astype(np.float64)
    ratio = follows / np.maximum(fans, 1.0)
    signal = np.where(follows < 200, 0.0, np.minimum(1.0, np.maximum(0.0, (ratio - 2) / 18)))
    fr[at] = signal
    for i in np.flatnonzero(signal > 0).tolist():
        why[at[i]] = f"follows {int(vals[i, 1]):,} but has {int(vals[i, 0]):,} followers"
    return fr, why


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
    Rows: the posting users in user_id order, then the other ``users`` in their order. The
    signals are counted per user over all posts at once (no loop over pandas groups).
    """
    for col in ("user_id", "created_at", "text", "repost_of"):
        if col not in posts.columns:
            raise ValueError(f"posts need columns user_id, created_at, text, repost_of; missing {col!r}")
    codes, posting = pd.factorize(posts["user_id"].astype(str), sort=True)  # user_id order
    signals = _post_signals(codes, posts)
    columns = ["user_id", "n_posts", "bot_score", "signals", "bot_reasons"]
    everyone = list(dict.fromkeys([*posting.tolist(), *(users or [])]))
    m, k = len(everyone), len(posting)
    if not m:
        return pd.DataFrame([], columns=columns)
    n = np.zeros(m, dtype=np.int64)
    n[:k] = np.bincount(codes, minlength=k)
    hits = {}
    for col in ("repost_only", "dup", "burst"):
        hits[col] = np.zeros(m, dtype=np.int64)
        weights = signals[col].astype(np.float64)
        hits[col][:k] = np.bincount(codes, weights=weights, minlength=k).astype(np.int64)
    judged = n >= min_posts  # fewer posts: too little to judge, the post signals are 0
    ro = np.where(judged, hits["repost_only"] / np.maximum(n, 1), 0.0)
    dup = np.where(judged, hits["dup"] / np.maximum(n, 1), 0.0)
    burst = np.where(judged, hits["burst"] / np.maximum(n - 1, 1), 0.0)
    fr, follow_why = _follow_signals(profiles, everyone)

    # the weighted mean over the known signals, summed in the same order as one user at a time
    w = BOT_WEIGHTS
    posts_part = w["repost_only"] * ro + w["duplicates"] * dup + w["bursts"] * burst
    posts_w = w["repost_only"] + w["duplicates"] + w["bursts"]
    has_fr = ~np.isnan(fr)
    score = np.where(
        has_fr,
        (posts_part + w["follow_ratio"] * np.where(has_fr, fr, 0.0)) / (posts_w + w["follow_ratio"]),
        posts_part / posts_w,
    )

    def said(mask: np.ndarray, text: Any) -> list[str | None]:
        out: list[str | None] = [None] * m
        for i in np.flatnonzero(mask).tolist():
            out[i] = text(i)
        return out

    ro_l, dup_l, burst_l, n_l = ro.tolist(), dup.tolist(), burst.tolist(), n.tolist()
    burst_n = hits["burst"].tolist()
    parts = zip(
        said(
            judged & (ro >= 0.5),
            lambda i: f"{ro_l[i]:.0%} of {n_l[i]} posts are reposts with no words of their own",
        ),
        said(
            judged & (dup >= 0.3),
            lambda i: f"{dup_l[i]:.0%} of posts repeat another of their posts word for word",
        ),
        said(
            judged & (burst >= 0.3), lambda i: f"{burst_n[i]} posts within {_BURST_SECONDS} s of the previous"
        ),
        follow_why,
        strict=True,
    )
    fr_l = [None if np.isnan(f) else f for f in fr.tolist()]
    return pd.DataFrame(
        {
            "user_id": everyone,
            "n_posts": n,
            "bot_score": [round(s, 4) for s in np.clip(score, 0, 1).tolist()],
            "signals": [
                {"repost_only": a, "duplicates": b, "bursts": c, "follow_ratio": d}
                for a, b, c, d in zip(ro_l, dup_l, burst_l, fr_l, strict=True)
            ],
            "bot_reasons": ["; ".join(p for p in ps if p) for ps in parts],
        },
        columns=columns,
    )
