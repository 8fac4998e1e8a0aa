"""One reach estimate for a seed list: the headline, the seed table and the overlap all read it.

A sample of hop-limited reverse-reachable (RR) sets, drawn independently of the sample the seeds
were picked on, is a sample of random spreads: set i holds every user whose recommendation
would reach the member at its root in one simulated spread. Each target member t is the root
of n_t sets, and the share of them a seed list touches estimates the chance the list reaches t
(post-stratified by root: a graph without chance gives exact answers). With N targets of which
R were drawn as roots, each set weighs w = N / (R × n_root), and

* expected reach = the weight of the sets holding at least one seed, with a 95% interval
  (normal, from the per-member binomial variances; clipped to [0, N]);
* "adds": the seeds in greedy order *on this sample* (each next seed the one adding the most
  weight not yet covered); coverage is submodular, so the adds never go up down the table, and
  they sum to the expected reach;
* overlap: the weight of the sets holding m seeds is the expected number of members who hear
  it from m seeds, per circle of the root member too.

Example (a→b, c→b with certain edges, seeds a and c, targets a, b, c: every spread reaches all
three, and b hears it from both):
    >>> import numpy as np
    >>> ptr = np.array([0, 1, 4, 5]); nodes = np.array([0, 1, 0, 2, 2], dtype=np.int32)
    >>> f = reach_figures(ptr, nodes, 3, np.array([0, 2]), n_targets=3)
    >>> f.reach, f.marginals, f.reached_by_two_or_more, (f.low, f.high)
    (3.0, (2.0, 1.0), 1.0, (3.0, 3.0))
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Z95", "ReachFigures", "reach_figures"]

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95% interval


@dataclass(frozen=True)
class ReachFigures:
    """Expected members reached by a seed list, its table and its overlap, from one sample.

    ``order`` indexes the seeds as given, in greedy order on the sample; ``marginals[i]`` is
    what ``order[i]`` adds (non-increasing); ``reach`` is their sum, ``low``/``high`` its 95%
    interval. ``by_count[m]``: members expected to hear it from exactly m seeds (the last bucket
    is "m or more"); ``per_circle[c]``: (reached, reached by ≥ 2) among circle c's members.
    """

    n_targets: int
    sample_size: int
    order: tuple[int, ...]
    marginals: tuple[float, ...]
    reach: float
    low: float
    high: float
    stderr: float
    reached_by_two_or_more: float
    by_count: Mapping[int, float] = field(default_factory=dict)
    per_circle: Mapping[int, tuple[float, float]] = field(default_factory=dict)

    def overlap(self) -> dict[str, Any]:
        """The overlap as the selection stores it (JSON-ready)."""
        return {
            "reached": self.reach,
            "reached_by_two_or_more": self.reached_by_two_or_more,
            "by_count": {m: v for m, v in self.by_count.items()},
            "sample_size": self.sample_size,
            "per_circle": {str(c): list(v) for c, v in self.per_circle.items()},
        }


def _greedy(
    seed_sets: list[np.ndarray], w: np.ndarray, theta: int
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Lazy greedy over the seeds: (order, weight each newly covers). Ties: the earlier seed."""
    covered = np.zeros(theta, dtype=bool)
    heap = [(-float(w[sets].sum()), i) for i, sets in enumerate(seed_sets)]
    heapq.heapify(heap)
    order, gains = [], []
    while heap:
        _, i = heapq.heappop(heap)
        sets = seed_sets[i]
        g = float(w[sets[~covered[sets]]].sum())
        if heap and g < -heap[0][0]:
            heapq.heappush(heap, (-g, i))
            continue
        covered[sets] = True
        order.append(i)
        gains.append(g)
    return tuple(order), tuple(gains)


def _in_order(seed_sets: list[np.ndarray], w: np.ndarray, theta: int) -> tuple[float, ...]:
    covered = np.zeros(theta, dtype=bool)
    gains = []
    for sets in seed_sets:
        gains.append(float(w[sets[~covered[sets]]].sum()))
        covered[sets] = True
    return tuple(gains)


def reach_figures(
    ptr: np.ndarray,
    nodes: np.ndarray,
    n: int,
    seeds: np.ndarray,
    *,
    n_targets: int,
    greedy: bool = True,
    circle_of: np.ndarray | None = None,
    max_bucket: int = 4,
) -> ReachFigures:
    """The reach figures of ``seeds`` (distinct vertex indices < ``n``) on RR sets in CSR form.

    Each set's first node is its root (a target member). ``greedy=False`` keeps the seeds'
    given order (their adds may then go up). ``circle_of`` maps a vertex index to its circle
    (-1: none) for the per-circle figures.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    ptr, nodes = np.asarray(ptr, dtype=np.int64), np.asarray(nodes)  # per-entry arrays stay 4 bytes
    theta = len(ptr) - 1
    if theta < 1:
        raise ValueError(f"the RR sample is empty; expected at least 1 set, got {theta}")
    if len(np.unique(seeds)) != len(seeds):
        raise ValueError("seeds must be distinct vertex indices; got a repeated one")
    roots = nodes[ptr[:-1]]
    _, root_of, n_t = np.unique(roots, return_inverse=True, return_counts=True)
    w = (n_targets / len(n_t)) / n_t[root_of]  # each set's weight in members
    pos = np.full(n, -1, dtype=np.int32)
    pos[seeds] = np.arange(len(seeds), dtype=np.int32)
    set_id = np.repeat(np.arange(theta, dtype=np.int32), np.diff(ptr))
    hit = pos[nodes] >= 0
    by_seed, in_set = pos[nodes[hit]], set_id[hit]
    srt = np.argsort(by_seed, kind="stable")
    seed_sets = np.split(in_set[srt], np.cumsum(np.bincount(by_seed, minlength=len(seeds)))[:-1])
    if greedy:
        order, marginals = _greedy(seed_sets, w, theta)
    else:
        order, marginals = tuple(range(len(seeds))), _in_order(seed_sets, w, theta)
    hits = np.bincount(in_set, minlength=theta)
    p_t = np.bincount(root_of, weights=(hits > 0).astype(float)) / n_t
    se = n_targets / len(n_t) * math.sqrt(float((p_t * (1 - p_t) / n_t).sum()))
    reach = float(w[hits > 0].sum())
    capped = np.minimum(hits, max_bucket)
    per_circle: dict[int, tuple[float, float]] = {}
    if circle_of is not None:
        root_circle = np.asarray(circle_of)[roots]
        for c in np.unique(root_circle[root_circle >= 0]):
            mask = root_circle == c
            per_circle[int(c)] = (float(w[mask & (hits >= 1)].sum()), float(w[mask & (hits >= 2)].sum()))
    return ReachFigures(
        n_targets=n_targets,
        sample_size=theta,
        order=order,
        marginals=marginals,
        reach=reach,
        low=max(0.0, reach - Z95 * se),
        high=min(float(n_targets), reach + Z95 * se),
        stderr=se,
        reached_by_two_or_more=float(w[hits >= 2].sum()),
        by_count={m: float(w[capped == m].sum()) for m in range(1, max_bucket + 1)},
        per_circle=per_circle,
    )
