"""Circles and the follow graph: who sees whose posts, and how likely each follower is to react.

Circles are groups of ~5-60 people sharing a theme (segment) and mostly a city; people follow their
circle mates (mostly mutually), others of their theme and city, popular accounts and a few strangers.
Each follow edge gets a weight (per-pair affinity x same circle x shared segments x the follower's
activity); a reaction to an author's post goes to a follower drawn in proportion to those weights.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from store.synthetic.kinds import BOT, CELEBRITY, MOTHERS, ORDINARY, ORGANISATION
from store.synthetic.people import Users
from store.synthetic.rng import weighted_indices
from store.synthetic.vocabulary import Vocabulary

__all__ = ["Audiences", "assign_circles", "draw_audience_members", "follow_graph"]


@dataclass
class Audiences:
    """The follow graph by author: author ``u``'s followers are ``followers[offsets[u]:offsets[u+1]]``,
    ``cumulative_weight`` is the running sum of the edge weights in that order (float64), and
    ``total_weight[u]`` the sum of ``u``'s edges."""

    offsets: np.ndarray
    followers: np.ndarray
    cumulative_weight: np.ndarray
    total_weight: np.ndarray

    def audience_size(self) -> np.ndarray:
        """The number of followers of each user."""
        return np.diff(self.offsets)


def assign_circles(rng: np.random.Generator, users: Users, vocab: Vocabulary) -> np.ndarray:
    """Circle id of each user (int32, numbered densely by first appearance in user order)."""
    n = users.n
    theme = np.where(users.segment >= 0, users.segment, 5).astype(np.int64)
    theme[users.role == BOT] = 6
    theme[(users.role == ORGANISATION) | (users.role == CELEBRITY)] = 7
    label = vocab.city_label_index[users.city].astype(np.int64)
    order = np.lexsort((rng.random(n), label, theme))
    key = (theme * 1000 + label)[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], n]
    circle = np.full(n, -1, dtype=np.int64)
    next_id = 0
    theme_circles: dict[int, list[int]] = defaultdict(list)
    leftovers: dict[int, list[np.ndarray]] = defaultdict(list)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        length = e - s
        th = int(key[s] // 1000)
        if length < 5:  # too few people here: they join a group of the same theme elsewhere
            leftovers[th].append(order[s:e])
            continue
        k = max(1, round(length / 14))
        sizes = rng.lognormal(0.0, 0.45, k)
        cuts = np.cumsum(sizes) / sizes.sum() * length
        idx = np.minimum(np.searchsorted(cuts, np.arange(length) + 0.5), k - 1)
        circle[order[s:e]] = next_id + idx
        theme_circles[th].extend(range(next_id, next_id + k))
        next_id += k
    for th in sorted(leftovers):
        members = np.concatenate(leftovers[th])
        options = theme_circles.get(th)
        if options:
            circle[members] = np.asarray(options)[rng.integers(0, len(options), members.size)]
        else:
            circle[members] = next_id
            next_id += 1
    # a little noise: some people sit in a circle of another city or theme
    movers = np.flatnonzero((rng.random(n) < 0.04) & (users.role == ORDINARY))
    circle[movers] = circle[rng.integers(0, n, movers.size)]
    # renumber circles densely by first appearance in user order
    _, first = np.unique(circle, return_index=True)
    remap = np.empty(int(circle.max()) + 1, dtype=np.int32)
    remap[circle[np.sort(first)]] = np.arange(first.size, dtype=np.int32)
    return remap[circle]


def follow_graph(rng: np.random.Generator, users: Users, vocab: Vocabulary) -> Audiences:
    """Draw who follows whom (circles must be assigned) and weigh each edge. (Large arrays are
    deleted as soon as they are used: a million users make ~15 million edges.)"""
    src, dst = _follow_edges(rng, users, vocab)
    weight = _edge_weights(rng, users, src, dst)
    offsets = np.searchsorted(src, np.arange(users.n + 1))
    del src
    cum = np.cumsum(weight, dtype=np.float64)
    del weight
    before = np.where(offsets[:-1] > 0, cum[np.maximum(offsets[:-1] - 1, 0)], 0.0)
    last = np.where(offsets[1:] > 0, cum[np.maximum(offsets[1:] - 1, 0)], 0.0)
    total = np.where(np.diff(offsets) > 0, last - before, 0.0)
    return Audiences(offsets=offsets, followers=dst, cumulative_weight=cum, total_weight=total)


_Edges = tuple[np.ndarray, np.ndarray]  # (followed, follower), int32


def _edges(src: np.ndarray, dst: np.ndarray) -> _Edges:
    return src.astype(np.int32), dst.astype(np.int32)


def _follow_edges(rng: np.random.Generator, users: Users, vocab: Vocabulary) -> _Edges:
    """(followed, follower) of every distinct edge, sorted by followed then follower; no self-follows."""
    circle_edges, mutual_edges = _circle_follows(rng, users)
    edges = [
        circle_edges,
        mutual_edges,
        _local_follows(rng, users, vocab),
        _popular_follows(rng, users),
        _stranger_follows(rng, users),
        *_fan_follows(rng, users),
    ]
    del circle_edges, mutual_edges
    return _distinct_edges(edges, users.n)


def _circle_follows(rng: np.random.Generator, users: Users) -> tuple[_Edges, _Edges]:
    """People follow circle mates (parents more, celebrities and organisations few, bots none),
    mostly mutually: (the follows, the follow-backs)."""
    circle = users.circle
    order = np.argsort(circle, kind="stable")
    c_start = np.searchsorted(circle[order], np.arange(int(circle.max()) + 2))
    c_size = np.diff(c_start)
    lam = np.where(users.segment == MOTHERS, 7.0, 4.5)
    lam[(users.role == CELEBRITY) | (users.role == ORGANISATION)] = 1.0
    lam[users.role == BOT] = 0.0
    k = np.minimum(rng.poisson(lam), c_size[circle] - 1).clip(0)
    v = np.repeat(np.arange(users.n, dtype=np.int32), k)
    cv = circle[v]
    mate = order[c_start[cv] + (rng.random(v.size) * c_size[cv]).astype(np.int64)]
    return _edges(mate, v), _edges(v, mate)


def _local_follows(rng: np.random.Generator, users: Users, vocab: Vocabulary) -> _Edges:
    """People follow others of their theme (segment) and city outside their circle."""
    theme = np.where(users.segment >= 0, users.segment, 5).astype(np.int64)
    key = theme * 1000 + vocab.city_label_index[users.city]
    k_order = np.argsort(key, kind="stable")
    k_sorted = key[k_order]
    k = rng.poisson(np.where(users.segment == MOTHERS, 2.0, 1.2))
    k[np.isin(users.role, (BOT, CELEBRITY, ORGANISATION))] = 0
    v = np.repeat(np.arange(users.n, dtype=np.int32), k)
    lo = np.searchsorted(k_sorted, key[v], side="left")
    hi = np.searchsorted(k_sorted, key[v], side="right")
    return _edges(k_order[lo + (rng.random(v.size) * (hi - lo)).astype(np.int64)], v)


def _popular_follows(rng: np.random.Generator, users: Users) -> _Edges:
    """People follow popular accounts (preferential: heavy-tailed in-degrees); bots follow lots."""
    bots = users.role == BOT
    special = (users.role == CELEBRITY) | (users.role == ORGANISATION)
    pop_w = users.followers.astype(float) ** 0.85
    pop_w[bots] = 0.0
    k = rng.poisson(np.where(bots, 120.0, 2.5))
    k[special] = rng.poisson(1.0, int(special.sum()))
    v = np.repeat(np.arange(users.n, dtype=np.int32), k)
    return _edges(weighted_indices(rng, pop_w, v.size), v)


def _stranger_follows(rng: np.random.Generator, users: Users) -> _Edges:
    """A few random follows (bots: many)."""
    k = rng.poisson(np.where(users.role == BOT, 250.0, 0.7))
    v = np.repeat(np.arange(users.n, dtype=np.int32), k)
    return _edges(rng.integers(0, users.n, v.size), v)


def _fan_follows(rng: np.random.Generator, users: Users) -> list[_Edges]:
    """Fans follow their idol; some mothers follow a baby shop."""
    out = []
    fans = np.flatnonzero(users.idol >= 0)
    idol_users = np.flatnonzero(users.celebrity_type == 0)
    if idol_users.size:
        ok_fans = fans[users.idol[fans] < idol_users.size]
        out.append(_edges(idol_users[users.idol[ok_fans]], ok_fans))
    shops = np.flatnonzero(users.organisation_type == 0)
    if shops.size:
        m = np.flatnonzero((users.segment == MOTHERS) & (rng.random(users.n) < 0.3))
        out.append(_edges(shops[rng.integers(0, shops.size, m.size)], m))
    return out


def _distinct_edges(edges: list[_Edges], n: int) -> _Edges:
    """The edges without self-follows and duplicates, sorted (``edges`` is emptied to save memory)."""
    srcs, dsts = [e[0] for e in edges], [e[1] for e in edges]
    edges.clear()
    src = np.concatenate(srcs)
    srcs.clear()
    dst = np.concatenate(dsts)
    dsts.clear()
    loop = src == dst
    keys = src[~loop].astype(np.int64) * n
    keys += dst[~loop]
    del src, dst, loop
    keys.sort()
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    return (keys // n).astype(np.int32), (keys % n).astype(np.int32)


def _edge_weights(rng: np.random.Generator, users: Users, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Each edge's weight: per-pair affinity x same circle x shared segments x the follower's
    activity (float32 to save memory)."""
    circle, is_mom = users.circle, users.segment == MOTHERS
    f32 = np.float32
    w = rng.lognormal(0.0, 0.5, src.size).astype(f32)
    w *= np.where(circle[src] == circle[dst], f32(6.0), f32(1.0))
    s1, d1, d2 = users.segment[src], users.segment[dst], users.second_segment[dst]
    share = (s1 >= 0) & ((s1 == d1) | (s1 == d2))
    del s1
    s2 = users.second_segment[src]
    share |= (s2 >= 0) & ((s2 == d1) | (s2 == d2))
    del s2, d1, d2
    both_mom = is_mom[src] & is_mom[dst]
    w *= np.where(both_mom, f32(4.0), np.where(share, f32(2.0), f32(1.0)))
    del both_mom, share
    w *= users.activity[dst].astype(f32)
    return w


def draw_audience_members(rng: np.random.Generator, audiences: Audiences, owners: np.ndarray) -> np.ndarray:
    """One weighted draw from each owner's audience (owners must have a non-empty audience)."""
    if owners.size == 0:
        return np.zeros(0, dtype=np.int64)
    first = audiences.offsets[owners]
    cum = audiences.cumulative_weight
    lo = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    target = lo + rng.random(owners.size) * audiences.total_weight[owners]
    idx = np.searchsorted(cum, target, side="right")
    idx = np.clip(idx, first, audiences.offsets[owners + 1] - 1)
    return audiences.followers[idx].astype(np.int64)
