"""Learned spread probabilities: how often v passed on what u posted, from a repost history.

After Goyal, Bonchi & Lakshmanan, "Learning influence probabilities in social networks" (WSDM
2010). An *action* is taking part in a cascade (posting its original or reposting inside it);
``A_u`` is the number of cascades u took part in, and ``A_u2v`` the number of cascades in which v
reposted a post of u's (an explicit repost link, not just "v acted after u"). Then

* Bernoulli: p(u→v) = A_u2v / A_u — of what u posted, the share v passed on;
* Jaccard:   p(u→v) = A_u2v / A_u|v, with A_u|v = A_u + A_v − A_u&v the cascades either took
  part in.

Raw ratios make an edge seen once in a user's only cascade certain (1/1). Both estimators are
therefore smoothed with a Beta(a, b) prior: p = (A_u2v + a) / (trials + a + b), so that edge gets
(1 + a) / (2 + a + b) and an edge never seen gets a / (trials + a + b) (``trials`` = A_u, or
A_u + A_v for Jaccard when the two never met). Everything here is a pure function of the history
it is given: whoever calls it decides which part of the history that is (the backtest passes
only its train part).

Example (u posts twice; v reposts one of them, w both):
    >>> import pandas as pd
    >>> h = pd.DataFrame({"cascade": ["c1", "c1", "c1", "c2", "c2"],
    ...                   "user_id": ["u", "v", "w", "u", "w"],
    ...                   "parent_user": [None, "u", "u", None, "u"]})
    >>> lp = learn_probabilities(h, prior=(0.0, 0.0))
    >>> sorted(zip(lp.edges["dst_user"], lp.edges["probability"]))
    [('v', 0.5), ('w', 1.0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import igraph as ig
import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_PRIOR",
    "ESTIMATORS",
    "CascadeIndex",
    "LearnedProbabilities",
    "attach_probabilities",
    "cascade_index",
    "learn_from_codes",
    "learn_from_posts",
    "learn_probabilities",
]

ESTIMATORS = ("bernoulli", "jaccard")
#: Beta(a, b) pseudo-counts: an edge seen once in one cascade gets 1.1 / 2.1 ≈ 0.52, an edge of a
#: user with no history 0.1 / 1.1 ≈ 0.09.
DEFAULT_PRIOR = (0.1, 1.0)


@dataclass(frozen=True)
class CascadeIndex:
    """Each post's cascade (``codes`` into ``roots``, the root post ids; -1 for a post caught in a
    repost loop) and its depth (0 for the root, 1 for a repost of it, …)."""

    codes: np.ndarray
    roots: np.ndarray
    depth: np.ndarray

    @property
    def in_loops(self) -> int:
        return int((self.codes < 0).sum())


def _jump(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pointer jumping: each node's top ancestor and distance to it; ``bad`` marks loops."""
    n = len(parent)
    node = np.arange(n)
    up = np.where(parent >= 0, parent, node)
    dist = (parent >= 0).astype(np.int64)
    for _ in range(64):  # 2^64 hops: any chain ends; what does not is a loop
        done = up[up] == up
        if done.all():
            break
        dist = dist + np.where(done, 0, dist[up])
        up = up[up]
    bad = parent[up] >= 0  # a real root has no parent; the top of a loop has one
    return up, dist, bad


def cascade_index(post_id: Sequence[str], repost_of: Sequence[str | None]) -> CascadeIndex:
    """The cascade (root post) and depth of each post, from its ``repost_of`` link.

    A post whose ``repost_of`` is not in ``post_id`` hangs from that unknown post, which is then
    the cascade's root. Post ids must be unique.

    >>> ci = cascade_index(["a", "b", "c", "d"], [None, "a", "b", "x"])
    >>> ci.roots[ci.codes].tolist(), ci.depth.tolist()
    (['a', 'a', 'a', 'x'], [0, 1, 2, 1])
    """
    posts = pd.Series(list(post_id), dtype=object)
    parents = pd.Series(list(repost_of), dtype=object)
    if posts.duplicated().any():
        dup = posts[posts.duplicated()].iloc[0]
        raise ValueError(f"post ids must be unique; {dup!r} appears more than once")
    has = parents.notna().to_numpy()
    codes, universe = pd.factorize(pd.concat([posts, parents[has]], ignore_index=True))
    n_posts = len(posts)
    parent = np.full(len(universe), -1, dtype=np.int64)
    parent[codes[:n_posts][has]] = codes[n_posts:]
    up, dist, bad = _jump(parent)
    mine = codes[:n_posts]
    top = up[mine]
    root_codes, cascade = np.unique(top, return_inverse=True)
    cascade = np.where(bad[mine], -1, cascade)
    return CascadeIndex(
        codes=cascade.astype(np.int64),
        roots=np.asarray(universe, dtype=object)[root_codes],
        depth=np.where(bad[mine], -1, dist[mine]),
    )


@dataclass(frozen=True)
class LearnedProbabilities:
    """Learned edge probabilities over user codes (``users[i]`` is user i).

    ``src, dst, successes, trials, probability`` are per observed edge (sorted by ``src, dst``);
    ``actions[i]`` is A_u of user i.
    """

    users: pd.Index
    src: np.ndarray
    dst: np.ndarray
    successes: np.ndarray
    trials: np.ndarray
    probability: np.ndarray
    actions: np.ndarray
    estimator: str = "bernoulli"
    prior: tuple[float, float] = DEFAULT_PRIOR
    n_cascades: int = 0
    params: dict = field(default_factory=dict)

    @property
    def edges(self) -> pd.DataFrame:
        """One row per observed edge: src_user, dst_user, successes, trials, probability."""
        names = np.asarray(self.users, dtype=object)
        return pd.DataFrame(
            {
                "src_user": names[self.src],
                "dst_user": names[self.dst],
                "successes": self.successes,
                "trials": self.trials,
                "probability": self.probability,
            }
        )

    def lookup(self, src: Sequence[str] | np.ndarray, dst: Sequence[str] | np.ndarray) -> np.ndarray:
        """The probability of each edge ``src[i] → dst[i]`` (user ids); an edge the history
        never showed gets the prior's share, a / (trials + a + b)."""
        s = self.users.get_indexer(pd.Index(list(src), dtype=object))
        d = self.users.get_indexer(pd.Index(list(dst), dtype=object))
        return self.lookup_codes(s, d)

    def lookup_codes(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """:meth:`lookup` by user codes (indices into ``users``; −1 = a user never seen)."""
        a, b = self.prior
        s, d = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
        acts_s = np.where(s >= 0, self.actions[np.maximum(s, 0)], 0) if len(self.actions) else 0 * s
        acts_d = np.where(d >= 0, self.actions[np.maximum(d, 0)], 0) if len(self.actions) else 0 * d
        trials = acts_s + (acts_d if self.estimator == "jaccard" else 0)
        out = np.asarray(a / (trials + a + b) if a + b > 0 else np.zeros(len(s)), dtype=float)
        if len(self.src) == 0:
            return out
        n = len(self.users)
        keys = self.src.astype(np.int64) * n + self.dst
        want = np.where((s >= 0) & (d >= 0), s * n + d, -1)
        at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
        found = (want >= 0) & (keys[at] == want)
        out[found] = self.probability[at[found]]
        return out

    def describe(self) -> str:
        a, b = self.prior
        return (
            f"{self.estimator} estimator (Goyal et al. 2010) over {self.n_cascades:,} cascades, "
            f"{len(self.src):,} edges seen; smoothed with a Beta({a:g}, {b:g}) prior"
        )


def _check(estimator: str, prior: tuple[float, float]) -> None:
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}; got {estimator!r}")
    a, b = prior
    if a < 0 or b < 0:
        raise ValueError(f"the prior's pseudo-counts must be >= 0; got a={a:g}, b={b:g}")


def _shared_cascades(
    src: np.ndarray, dst: np.ndarray, acts: np.ndarray, n_c: int, n_users: int
) -> np.ndarray:
    """A_u&v for each edge: cascades both ends took part in. ``acts`` are the sorted unique
    action keys ``user * n_c + cascade``; the walk goes over the cascades of the end with fewer."""
    counts = np.bincount(acts // n_c, minlength=n_users)
    ptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    cascades_of = acts % n_c  # sorted by user: CSR rows
    fewer = counts[src] <= counts[dst]
    small, other = np.where(fewer, src, dst), np.where(fewer, dst, src)
    reps = counts[small]
    edge = np.repeat(np.arange(len(src)), reps)
    offsets = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    want = other[edge].astype(np.int64) * n_c + cascades_of[ptr[small[edge]] + offsets]
    at = np.minimum(np.searchsorted(acts, want), len(acts) - 1)
    return np.bincount(edge[acts[at] == want], minlength=len(src))


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(a[i], b[i])`` pairs, sorted (no combined key: no overflow)."""
    if len(a) == 0:
        return a, b
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    keep = np.ones(len(a), dtype=bool)
    keep[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[keep], b[keep]


def learn_from_codes(
    cascade: np.ndarray,
    user: np.ndarray,
    parent: np.ndarray,
    users: pd.Index,
    *,
    estimator: str = "bernoulli",
    prior: tuple[float, float] = DEFAULT_PRIOR,
) -> LearnedProbabilities:
    """:func:`learn_probabilities` over integer codes: per post its ``cascade`` (0…C−1), its
    author ``user`` and ``parent`` (the reposted post's author; −1 for none), both indices
    into ``users``."""
    _check(estimator, prior)
    cascade = np.asarray(cascade, dtype=np.int64)
    user = np.asarray(user, dtype=np.int64)
    parent = np.asarray(parent, dtype=np.int64)
    n_c = int(cascade.max(initial=-1)) + 1
    nu = max(len(users), 1)
    acts = np.unique(user * max(n_c, 1) + cascade)
    actions = np.bincount(acts // max(n_c, 1), minlength=len(users))
    link = (parent >= 0) & (parent != user)
    pair, _ = _unique_pairs(parent[link] * nu + user[link], cascade[link])
    pair, successes = np.unique(pair, return_counts=True)
    src, dst = pair // nu, pair % nu
    trials = actions[src].astype(np.int64)
    if estimator == "jaccard":
        trials = trials + actions[dst] - _shared_cascades(src, dst, acts, max(n_c, 1), len(users))
    a, b = prior
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (successes + a) / (trials + a + b)
    return LearnedProbabilities(
        users=users,
        src=src,
        dst=dst,
        successes=successes,
        trials=trials,
        probability=np.clip(np.nan_to_num(p), 0.0, 1.0),
        actions=actions,
        estimator=estimator,
        prior=(float(a), float(b)),
        n_cascades=n_c,
    )


def learn_probabilities(
    history: pd.DataFrame, *, estimator: str = "bernoulli", prior: tuple[float, float] = DEFAULT_PRIOR
) -> LearnedProbabilities:
    """Learn p(u→v) from ``history``: one row per post with ``cascade``, ``user_id`` and
    ``parent_user`` (the author of the post it reposts; missing for an original, or when
    unknown). Self-reposts count as actions, never as edges.
    """
    _check(estimator, prior)
    for col in ("cascade", "user_id", "parent_user"):
        if col not in history.columns:
            raise ValueError(f"the history needs columns cascade, user_id, parent_user; missing {col!r}")
    h = history[history["cascade"].notna()]
    n = len(h)
    user_codes, users = pd.factorize(
        pd.concat([h["user_id"].astype(object), h["parent_user"].astype(object)], ignore_index=True)
    )
    cascade, _ = pd.factorize(h["cascade"])
    return learn_from_codes(
        cascade,
        user_codes[:n],
        user_codes[n:],
        pd.Index(users, dtype=object),
        estimator=estimator,
        prior=prior,
    )


def learn_from_posts(
    posts: pd.DataFrame, *, estimator: str = "bernoulli", prior: tuple[float, float] = DEFAULT_PRIOR
) -> LearnedProbabilities:
    """:func:`learn_probabilities` over a repost history (``post_id, user_id, repost_of,
    parent_user``, as :func:`store.history.fetch_repost_history` returns it): each post's
    cascade is its chain's root post."""
    ci = cascade_index(posts["post_id"], posts["repost_of"])
    h = pd.DataFrame(
        {
            "cascade": np.where(ci.codes >= 0, ci.codes, -1),
            "user_id": posts["user_id"].to_numpy(dtype=object),
            "parent_user": posts["parent_user"].to_numpy(dtype=object),
        }
    )
    return learn_probabilities(h[h["cascade"] >= 0], estimator=estimator, prior=prior)


def attach_probabilities(g: ig.Graph, learned: LearnedProbabilities) -> ig.Graph:
    """Set each edge's ``probability`` attribute (what the ``learned`` diffusion model reads)
    from ``learned``; edges the history never showed get the prior's share. Returns ``g``."""
    if g.ecount() == 0:
        return g
    names = np.asarray(g.vs["name"], dtype=object)
    edges = np.asarray(g.get_edgelist(), dtype=np.int64)
    g.es["probability"] = learned.lookup(names[edges[:, 0]], names[edges[:, 1]]).tolist()
    return g
