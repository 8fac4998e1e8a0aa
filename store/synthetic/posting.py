"""When people post originals: each user has posting streams (a content kind at a rate), each stream
a gamma renewal process in circadian-warped time (one warped day is one real day, but stretched where
people post more: few posts 2-6am, peaks at lunch and late evening).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from store.synthetic.kinds import (
    BOT,
    CELEBRITY,
    CELEBRITY_TYPES,
    KIND,
    MICRO_SELLER,
    MOTHERS,
    ORDINARY,
    ORGANISATION,
    ORGANISATION_TYPES,
)
from store.synthetic.people import Users

__all__ = ["PostingStreams", "clock_seconds", "posting_streams", "renewal_times"]

# Hourly posting weights (Asia/Shanghai): few posts 2-6am, peaks at lunch and late evening.
_HOUR_WEIGHTS = np.array(
    [
        3.0,
        1.8,
        1.0,
        0.55,
        0.4,
        0.5,
        1.2,
        2.8,
        3.8,
        4.2,
        4.3,
        4.6,
        5.6,
        5.2,
        4.3,
        4.2,
        4.3,
        4.6,
        5.0,
        5.6,
        6.4,
        7.0,
        6.6,
        4.8,
    ]
)
_HOUR_CDF = np.concatenate([[0.0], np.cumsum(_HOUR_WEIGHTS) / _HOUR_WEIGHTS.sum()])
_HOUR_SECONDS = np.arange(25, dtype=float) * 3600.0


class PostingStreams(NamedTuple):
    """One entry per stream: its user, content kind (int16), rate (posts per day) and gamma shape
    (above 1: more regular than Poisson; below 1: bursty)."""

    user: np.ndarray
    kind: np.ndarray
    rate: np.ndarray
    shape: np.ndarray


def posting_streams(rng: np.random.Generator, users: Users) -> PostingStreams:
    """The posting streams of every user: parents post about their child about once a week, people
    with a segment post on it, everyone chats a little, hard negatives post their look-alike
    content, and celebrities, organisations, micro-sellers and bots post their own kinds."""
    u, n = users, users.n
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(mask: np.ndarray, kind: np.ndarray | int, rate: np.ndarray | float, shape: float) -> None:
        idx = np.flatnonzero(mask)
        k = np.broadcast_to(np.asarray(kind, dtype=np.int16), (n,))[idx]
        r = np.broadcast_to(np.asarray(rate, dtype=float), (n,))[idx].copy()
        parts.append((idx, k.astype(np.int16), r, np.full(idx.size, shape)))

    ln = rng.lognormal
    ordinary = u.role == ORDINARY
    parent = ordinary & (u.segment == MOTHERS)
    # parents: regular own-child posts (about one a week), a little chatter
    parent_kind = np.where(u.is_father, KIND["dad"], KIND["mom"])
    add(parent & ~u.rarely_posts, parent_kind, 1.0 / np.clip(ln(np.log(7.0), 0.1, n), 5.0, 9.5), 8.0)
    add(parent & u.rarely_posts, parent_kind, 1.0 / 22.0, 1.0)
    add(parent, KIND["chat"], 0.005 * ln(0.0, 0.7, n), 1.0)
    # segment posts
    seg_kind = np.array([KIND["mom"], KIND["beauty"], KIND["food"], KIND["gaming"], KIND["fitness"]])
    add(ordinary & (u.segment >= 1), seg_kind[np.clip(u.segment, 0, 4)], 0.011 * ln(0.0, 0.9, n), 1.0)
    add(
        ordinary & (u.second_segment >= 1),
        seg_kind[np.clip(u.second_segment, 0, 4)],
        0.008 * ln(0.0, 0.7, n),
        1.0,
    )
    # chatter of everyone else
    add(ordinary & (u.segment != MOTHERS), KIND["chat"], 0.0035 * ln(0.0, 1.0, n), 1.0)
    # hard negatives (in the order of truth.HARD_NEGATIVE_KINDS)
    hn_kind = np.array(
        [KIND["idol"], KIND["pet"], KIND["heat"], KIND["love"], KIND["hypo"], KIND["otherkid"], KIND["shop"]]
    )
    add(
        ordinary & (u.hard_negative >= 0),
        hn_kind[np.clip(u.hard_negative, 0, 6)],
        0.027 * ln(0.0, 0.5, n),
        1.5,
    )
    add(u.role == MICRO_SELLER, KIND["shop"], 0.25 * ln(0.0, 0.4, n), 0.7)
    # celebrities, organisations, bots
    celeb = u.role == CELEBRITY
    ckind = np.array([t.content_kind for t in CELEBRITY_TYPES])[np.clip(u.celebrity_type, 0, 4)]
    add(celeb, ckind, 0.15 * ln(0.0, 0.4, n), 1.0)
    add(celeb, KIND["giveaway"], 0.02, 1.0)
    org = u.role == ORGANISATION
    n_types = len(ORGANISATION_TYPES)
    okind = np.array([KIND[t.content_kind] for t in ORGANISATION_TYPES])[
        np.clip(u.organisation_type, 0, n_types - 1)
    ]
    add(org, okind, 0.12 * ln(0.0, 0.4, n), 1.0)
    baby_shop = u.organisation_type == 0
    add(org & ~baby_shop, KIND["giveaway"], 0.02, 1.0)
    add(baby_shop, KIND["giveaway_baby"], 0.05, 1.0)
    add(u.role == BOT, KIND["bot"], 0.06 * ln(0.0, 0.5, n), 0.25)
    return PostingStreams(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def renewal_times(
    rng: np.random.Generator, rate: np.ndarray, shape: np.ndarray, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """(stream index, time) of the events in [0, horizon) of independent gamma renewal processes,
    one per stream, sorted by stream then time."""
    mean_gap = 1.0 / rate
    scale = mean_gap / shape
    idx = np.arange(rate.size)
    # stationary start: first event after a uniformly-placed fraction of a gap
    t = rng.random(rate.size) * rng.gamma(shape + 1.0, scale)
    out_i: list[np.ndarray] = []
    out_t: list[np.ndarray] = []
    while idx.size:
        keep = t < horizon
        idx, t = idx[keep], t[keep]
        out_i.append(idx)
        out_t.append(t)
        if idx.size:
            t = t + rng.gamma(shape[idx], scale[idx])
    i = np.concatenate(out_i)
    tt = np.concatenate(out_t)
    o = np.lexsort((tt, i))
    return i[o], tt[o]


def clock_seconds(tau: np.ndarray) -> np.ndarray:
    """Warped time (days, uniform activity) -> seconds since the first local midnight."""
    d = np.floor(tau)
    return d * 86400.0 + np.interp(tau - d, _HOUR_CDF, _HOUR_SECONDS)
