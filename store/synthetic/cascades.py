"""Spread: reposts and comments from a Hawkes-like branching process over the follow graph.

Each status (an original or a repost) draws a Poisson number of reactions whose mean grows with the
post's appeal (shared by every reader), its author's audience weight (saturating) and fades with the
cascade's depth; each reaction goes to one follower drawn by edge weight, after an exponential wait
(a fast and a slow component) in circadian-warped time. First-hop posts also reach people outside
the graph through a "hot list". Bots react in sessions. A reaction is a repost (which can be
reposted in turn) or a comment; some comments get replies. This is deliberately not an independent
cascade with fixed per-edge probabilities (the selector's model), so neither flatters the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from store.synthetic.follows import Audiences, draw_audience_members
from store.synthetic.kinds import (
    BOT,
    BOT_WORDS,
    CELEBRITY,
    KIND,
    KIND_APPEAL,
    KIND_REACTION_GROUP,
    MOTHER_TO_PARENT_WORDS,
    MOTHERS,
    ORGANISATION,
    REACTION_GROUP,
    REPLY_WORDS,
)
from store.synthetic.people import Users

__all__ = ["MIN_DELAY", "Activity", "spread"]

MIN_DELAY = 0.0006  # days of "clock-warped" time (~30-50 s) between a status and a reaction to it
_MAX_DEPTH = 8
_RHO = 0.0195  # expected reactions per unit of (audience weight ** _GAMMA) and appeal
_GAMMA = 0.6  # attention saturates: big audiences do not react proportionally more
_DEPTH_DECAY = 0.8
_TREND = 0.4
_GIVEAWAY = REACTION_GROUP["giveaway"]


@dataclass
class Activity:
    """Every status and comment of the sample, unsorted. Times are days of warped time
    (:func:`store.synthetic.posting.clock_seconds` turns them into seconds); seeds seed each text's
    :class:`~store.synthetic.rng.SplitMix64`.

    Statuses are the originals first, then reposts generation by generation; ``status_root`` and
    ``status_parent`` are -1 for originals (a first-hop repost's parent is its root);
    ``status_kind`` is the content kind for originals and the word code for reposts;
    ``status_mention`` the user @-mentioned in the own words, or -1. Comments point at the status
    the reader saw (``comment_status``) and, for replies, at the comment answered (``comment_reply``).
    """

    status_user: np.ndarray
    status_time: np.ndarray
    status_root: np.ndarray
    status_parent: np.ndarray
    status_kind: np.ndarray
    status_seed: np.ndarray
    status_mention: np.ndarray
    status_appeal: np.ndarray
    comment_user: np.ndarray
    comment_time: np.ndarray
    comment_status: np.ndarray
    comment_reply: np.ndarray
    comment_kind: np.ndarray
    comment_seed: np.ndarray


@dataclass
class _Originals:
    """The original posts: author, content kind, time, appeal, text seed, @-mention (-1 for none)."""

    user: np.ndarray
    kind: np.ndarray
    time: np.ndarray
    appeal: np.ndarray
    seed: np.ndarray
    mention: np.ndarray


@dataclass
class _Readers:
    """How each user reacts: bots in sessions (phase and period), the "hot list" reach (cumulative
    weights over users), the chance a reaction is a repost rather than a comment."""

    is_bot: np.ndarray
    is_mom: np.ndarray
    bot_phase: np.ndarray
    bot_period: np.ndarray
    trend_cdf: np.ndarray
    repost_chance: np.ndarray


@dataclass
class _Frontier:
    """Statuses of the last generation, which can be reposted further."""

    status: np.ndarray
    user: np.ndarray
    time: np.ndarray
    root: np.ndarray
    appeal: np.ndarray


def spread(
    rng: np.random.Generator,
    users: Users,
    audiences: Audiences,
    days: float,
    o_user: np.ndarray,
    o_kind: np.ndarray,
    o_time: np.ndarray,
) -> Activity:
    """Reposts, comments and replies to the originals (author, content kind, warped time), all before
    ``days``."""
    originals = _originals(rng, users, audiences, o_user, o_kind, o_time)
    readers = _readers(rng, users)
    n_o, n = o_user.size, users.n
    seen = np.sort(np.arange(n_o, dtype=np.int64) * n + o_user)  # (root, user) pairs that have the post
    s_parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("user", "time", "root", "parent", "kind", "seed", "mention", "appeal")
    }
    c_parts: dict[str, list[np.ndarray]] = {k: [] for k in ("user", "time", "status", "kind", "seed")}
    front = _Frontier(
        status=np.arange(n_o, dtype=np.int64),
        user=o_user.astype(np.int64),
        time=o_time,
        root=np.arange(n_o, dtype=np.int64),
        appeal=originals.appeal,
    )
    next_status = n_o
    for depth in range(_MAX_DEPTH):
        if front.status.size == 0:
            break
        par, recv, tau, seen = _reactions(rng, users, audiences, readers, front, depth, days, seen)
        front, next_status = _record_generation(
            rng, audiences, readers, o_kind, front, par, recv, tau, next_status, s_parts, c_parts
        )
    return _with_replies(rng, users, readers, originals, s_parts, c_parts, days)


def _originals(
    rng: np.random.Generator,
    users: Users,
    audiences: Audiences,
    o_user: np.ndarray,
    o_kind: np.ndarray,
    o_time: np.ndarray,
) -> _Originals:
    """Appeal (post x kind x author charisma), text seeds and @-mentions of friends of the originals."""
    n_o = o_user.size
    charisma = rng.lognormal(0.0, 0.35, users.n)
    appeal = rng.lognormal(0.0, 0.55, n_o) * KIND_APPEAL[o_kind] * charisma[o_user]
    seed = rng.integers(0, 1 << 62, n_o, dtype=np.int64)
    p_mention = np.where(users.segment == MOTHERS, 0.10, 0.07)[o_user]
    p_mention[o_kind == KIND["bot"]] = 0.0
    has_audience = audiences.audience_size()[o_user] > 0
    want = (rng.random(n_o) < p_mention) & has_audience
    mention = np.full(n_o, -1, dtype=np.int64)
    mention[want] = draw_audience_members(rng, audiences, o_user[want])
    return _Originals(o_user, o_kind, o_time, appeal, seed, mention)


def _readers(rng: np.random.Generator, users: Users) -> _Readers:
    is_bot = users.role == BOT
    is_mom = users.segment == MOTHERS
    bot_phase = rng.random(users.n) * 0.3
    bot_period = rng.uniform(0.2, 0.5, users.n)
    # global "hot list" reach: ordinary people and bots, not brands or stars
    trend_w = users.activity.copy()
    trend_w[(users.role == ORGANISATION) | (users.role == CELEBRITY)] = 0.0
    trend_cdf = np.cumsum(trend_w)
    trend_cdf /= trend_cdf[-1]
    repost_chance = np.where(is_mom, 0.2, 0.4)
    repost_chance[is_bot] = 1.0
    return _Readers(is_bot, is_mom, bot_phase, bot_period, trend_cdf, repost_chance)


def _reactions(
    rng: np.random.Generator,
    users: Users,
    audiences: Audiences,
    readers: _Readers,
    front: _Frontier,
    depth: int,
    days: float,
    seen: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(frontier index reacted to, reader, time, updated ``seen``) of this generation's reactions:
    within the horizon, and only a reader's first reaction to each cascade."""
    n = users.n
    mu = _RHO * front.appeal * audiences.total_weight[front.user] ** _GAMMA * _DEPTH_DECAY**depth
    cnt = rng.poisson(mu)
    par = np.repeat(np.arange(front.status.size), cnt)
    recv = draw_audience_members(rng, audiences, front.user[par])
    if depth == 0:
        mu_t = _TREND * front.appeal * (users.followers[front.user] / 1e5) ** 0.6
        cnt_t = rng.poisson(mu_t)
        par_t = np.repeat(np.arange(front.status.size), cnt_t)
        recv_t = np.searchsorted(readers.trend_cdf, rng.random(par_t.size), side="right")
        par = np.concatenate([par, par_t])
        recv = np.concatenate([recv, recv_t.clip(0, n - 1)])
    # exponential waiting times (a fast and a slow component), in circadian-warped time
    slow = rng.random(par.size) < 0.3
    delay = MIN_DELAY + rng.exponential(np.where(slow, 0.45, 0.05))
    tau = front.time[par] + delay
    b = readers.is_bot[recv]
    if b.any():  # bots work in sessions: reactions pile up at the session start
        ph, pe = readers.bot_phase[recv[b]], readers.bot_period[recv[b]]
        tau[b] = ph + pe * np.ceil((tau[b] - ph) / pe) + rng.exponential(0.002, b.sum())
        tau[b] = np.maximum(tau[b], front.time[par[b]] + MIN_DELAY)
    keep = tau < days
    par, recv, tau = par[keep], recv[keep], tau[keep]
    keys = front.root[par] * n + recv
    o = np.lexsort((tau, keys))
    ks = keys[o]
    first = o[np.r_[True, ks[1:] != ks[:-1]]] if ks.size else o
    pos = np.searchsorted(seen, keys[first])
    hit = (pos < seen.size) & (seen[np.minimum(pos, seen.size - 1)] == keys[first])
    sel = np.sort(first[~hit])
    return par[sel], recv[sel], tau[sel], np.union1d(seen, keys[sel])


def _record_generation(
    rng: np.random.Generator,
    audiences: Audiences,
    readers: _Readers,
    o_kind: np.ndarray,
    front: _Frontier,
    par: np.ndarray,
    recv: np.ndarray,
    tau: np.ndarray,
    next_status: int,
    s_parts: dict[str, list[np.ndarray]],
    c_parts: dict[str, list[np.ndarray]],
) -> tuple[_Frontier, int]:
    """Split the reactions into reposts and comments, append them to the parts, and return the
    reposts as the next frontier (with the next free status index)."""
    grp = KIND_REACTION_GROUP[o_kind[front.root[par]]]
    q = readers.repost_chance[recv].copy()
    q[grp == _GIVEAWAY] = np.maximum(q[grp == _GIVEAWAY], 0.9)
    is_rep = rng.random(par.size) < q
    # word code: mothers answering parents use their own words; bots theirs
    word = grp.astype(np.int16)
    word[(grp == REACTION_GROUP["mom"]) & readers.is_mom[recv]] = MOTHER_TO_PARENT_WORDS
    word[readers.is_bot[recv]] = BOT_WORDS
    # reposts (giveaways ask to @ friends)
    rp = np.flatnonzero(is_rep)
    k = rp.size
    r_user = recv[rp]
    p_m = np.where(grp[rp] == _GIVEAWAY, 0.5, 0.06)
    p_m[readers.is_bot[r_user]] = 0.0
    want = (rng.random(k) < p_m) & (audiences.audience_size()[r_user] > 0)
    r_mention = np.full(k, -1, dtype=np.int64)
    r_mention[want] = draw_audience_members(rng, audiences, r_user[want])
    new_status = next_status + np.arange(k, dtype=np.int64)
    s_parts["user"].append(r_user)
    s_parts["time"].append(tau[rp])
    s_parts["root"].append(front.root[par[rp]])
    s_parts["parent"].append(front.status[par[rp]])
    s_parts["kind"].append(word[rp])
    s_parts["seed"].append(rng.integers(0, 1 << 62, k, dtype=np.int64))
    s_parts["mention"].append(r_mention)
    s_parts["appeal"].append(front.appeal[par[rp]])
    # comments (on the status the reader saw)
    cm = np.flatnonzero(~is_rep)
    c_parts["user"].append(recv[cm])
    c_parts["time"].append(tau[cm])
    c_parts["status"].append(front.status[par[cm]])
    c_parts["kind"].append(word[cm])
    c_parts["seed"].append(rng.integers(0, 1 << 62, cm.size, dtype=np.int64))
    nxt = _Frontier(
        status=new_status, user=r_user, time=tau[rp], root=front.root[par[rp]], appeal=front.appeal[par[rp]]
    )
    return nxt, next_status + k


def _joined(first: np.ndarray | None, parts: list[np.ndarray], dtype: type) -> np.ndarray:
    head = np.zeros(0, dtype=dtype) if first is None else first.astype(dtype, copy=False)
    return np.concatenate([head, *(p.astype(dtype, copy=False) for p in parts)])


def _with_replies(
    rng: np.random.Generator,
    users: Users,
    readers: _Readers,
    originals: _Originals,
    s_parts: dict[str, list[np.ndarray]],
    c_parts: dict[str, list[np.ndarray]],
    days: float,
) -> Activity:
    """Join the generations into one :class:`Activity` and add replies: the status author answers
    some comments, and some commenters answer back."""
    o = originals
    n_o = o.user.size
    s_user = _joined(o.user, s_parts["user"], np.int64)
    act = Activity(
        status_user=s_user,
        status_time=_joined(o.time, s_parts["time"], np.float64),
        status_root=_joined(np.full(n_o, -1), s_parts["root"], np.int64),
        status_parent=_joined(np.full(n_o, -1), s_parts["parent"], np.int64),
        status_kind=_joined(o.kind, s_parts["kind"], np.int16),
        status_seed=_joined(o.seed, s_parts["seed"], np.int64),
        status_mention=_joined(o.mention, s_parts["mention"], np.int64),
        status_appeal=_joined(o.appeal, s_parts["appeal"], np.float64),
        comment_user=_joined(None, c_parts["user"], np.int64),
        comment_time=_joined(None, c_parts["time"], np.float64),
        comment_status=_joined(None, c_parts["status"], np.int64),
        comment_reply=np.zeros(0, dtype=np.int64),
        comment_kind=_joined(None, c_parts["kind"], np.int16),
        comment_seed=_joined(None, c_parts["seed"], np.int64),
    )
    c_user, c_tau, c_status = act.comment_user, act.comment_time, act.comment_status
    n_c = c_user.size
    p_reply = np.where(readers.is_mom, 0.055, 0.04)
    p_reply[users.role == CELEBRITY] = 0.01
    p_reply[users.role == ORGANISATION] = 0.08
    p_reply[readers.is_bot] = 0.0
    author = s_user[c_status]
    sel = np.flatnonzero((rng.random(n_c) < p_reply[author]) & (author != c_user))
    t1 = c_tau[sel] + MIN_DELAY + rng.exponential(0.12, sel.size)
    sel, t1 = sel[t1 < days], t1[t1 < days]
    r1_user, r1_status = author[sel], c_status[sel]
    r1_idx = n_c + np.arange(sel.size, dtype=np.int64)
    back = c_user[sel]
    sel2 = np.flatnonzero(rng.random(sel.size) < 2.0 * p_reply[back])
    t2 = t1[sel2] + MIN_DELAY + rng.exponential(0.12, sel2.size)
    sel2, t2 = sel2[t2 < days], t2[t2 < days]
    n_replies = sel.size + sel2.size
    act.comment_user = np.concatenate([c_user, r1_user, back[sel2]])
    act.comment_time = np.concatenate([c_tau, t1, t2])
    act.comment_status = np.concatenate([c_status, r1_status, r1_status[sel2]])
    act.comment_reply = np.concatenate([np.full(n_c, -1, dtype=np.int64), sel, r1_idx[sel2]])
    act.comment_kind = np.concatenate([act.comment_kind, np.full(n_replies, REPLY_WORDS, dtype=np.int16)])
    act.comment_seed = np.concatenate([act.comment_seed, rng.integers(0, 1 << 62, n_replies, dtype=np.int64)])
    return act
