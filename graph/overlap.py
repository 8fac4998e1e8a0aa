"""Cross-infection: how many members are expected to be reached by two or more seeds.

The objective is unique reach, but the report shows overlap (DESIGN.md "Objective"): seeds inside
tight circles that re-infect each other matter for word of mouth. The estimate uses
reverse-reachable (RR) sets under the same hop-limited model as the selector: pick a target member
at random, walk the influence graph backwards for at most ``max_hops`` hops keeping each edge with
its probability (times ``decay ** depth``), and count how many seeds the walk found. In that
random world those seeds would each reach the member, so

    E[members reached by ≥ m seeds] = n_targets × share of RR sets holding ≥ m seeds.

Example (a→b, c→b: both seeds reach b for sure; each seed also reaches itself):
    >>> import igraph as ig
    >>> g = ig.Graph(n=3, edges=[(0, 1), (2, 1)], directed=True)
    >>> g.vs["name"] = ["a", "b", "c"]; g.es["weight"] = [1.0, 1.0]
    >>> o = seed_overlap(g, ["a", "c"], targets={"a", "b", "c"}, probability="uniform:1",
    ...                  max_hops=1, sample_size=3000, seed=1)
    >>> round(o.reached_by_two_or_more), round(o.reached)
    (1, 3)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import igraph as ig
import numpy as np

from graph.diffusion import edge_array, edge_probabilities

__all__ = ["SeedOverlap", "seed_overlap"]


@dataclass(frozen=True)
class SeedOverlap:
    """Expected numbers of target members by how many seeds reach them.

    ``by_count[m]`` is the expected number of members reached by exactly ``m`` seeds (m ≥ 1,
    the last bucket is "m or more"); ``per_circle`` maps a circle id to
    ``(expected members reached, expected members reached by ≥ 2 seeds)`` by the member's circle.
    """

    n_targets: int
    sample_size: int
    reached: float
    reached_by_two_or_more: float
    by_count: Mapping[int, float] = field(default_factory=dict)
    per_circle: Mapping[int, tuple[float, float]] = field(default_factory=dict)


def seed_overlap(
    g: ig.Graph,
    seeds: Iterable[str],
    *,
    targets: Iterable[str],
    probability: str = "wc",
    max_hops: int = 2,
    decay: float = 1.0,
    sample_size: int = 10_000,
    seed: int = 0,
    circles: Mapping[str, int] | None = None,
    max_bucket: int = 4,
) -> SeedOverlap:
    """Estimate how many ``targets`` are reached by 1, 2, … seeds (RR-set sampling, seeded).

    Targets and seeds missing from the graph are isolated vertices (a seed reaches itself).
    """
    names = list(g.vs["name"]) if g.vcount() else []
    index = {n: i for i, n in enumerate(names)}
    target_list = sorted(set(targets))
    extra = sorted((set(target_list) | set(seeds)) - set(index))
    seed_list = list(dict.fromkeys(seeds))
    n = len(names) + len(extra)
    for name in extra:
        index[name] = len(index)
    if not target_list:
        return SeedOverlap(0, 0, 0.0, 0.0)
    if sample_size < 1:
        raise ValueError(f"sample_size must be at least 1; got {sample_size}")
    probs = edge_probabilities(g, probability) if g.ecount() else np.zeros(0)
    edges = edge_array(g)
    order = np.argsort(edges[:, 1], kind="stable")
    src, pr = edges[order, 0], probs[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(edges[:, 1], minlength=n), out=indptr[1:])
    is_seed = np.zeros(n, dtype=bool)
    is_seed[[index[s] for s in seed_list]] = True
    target_idx = np.asarray([index[t] for t in target_list], dtype=np.int64)
    rng = np.random.default_rng(seed)
    roots = rng.integers(0, len(target_idx), size=sample_size)
    limit = max_hops if max_hops > 0 else n
    stamp = np.full(n, -1, dtype=np.int64)
    hits = np.zeros(sample_size, dtype=np.int64)
    for i, r in enumerate(roots):
        root = target_idx[r]
        stamp[root] = i
        frontier = np.asarray([root], dtype=np.int64)
        count = int(is_seed[root])
        for depth in range(limit):
            starts, ends = indptr[frontier], indptr[frontier + 1]
            lens = ends - starts
            total = int(lens.sum())
            if total == 0:
                break
            idx = np.arange(total, dtype=np.int64) + np.repeat(starts - np.cumsum(lens) + lens, lens)
            p = pr[idx] if decay == 1 else pr[idx] * decay**depth
            cand = src[idx[rng.random(total) < p]]
            cand = np.unique(cand[stamp[cand] != i])
            if cand.size == 0:
                break
            stamp[cand] = i
            count += int(is_seed[cand].sum())
            frontier = cand
        hits[i] = count
    scale = len(target_idx) / sample_size
    capped = np.minimum(hits, max_bucket)
    by_count = {m: float(np.count_nonzero(capped == m) * scale) for m in range(1, max_bucket + 1)}
    per_circle: dict[int, tuple[float, float]] = {}
    if circles:
        root_names = [target_list[r] for r in roots]
        root_circle = np.asarray([circles.get(u, -1) for u in root_names], dtype=np.int64)
        for c in np.unique(root_circle):
            if c < 0:
                continue
            mask = root_circle == c
            per_circle[int(c)] = (
                float(np.count_nonzero(hits[mask] >= 1) * scale),
                float(np.count_nonzero(hits[mask] >= 2) * scale),
            )
    return SeedOverlap(
        n_targets=len(target_idx),
        sample_size=sample_size,
        reached=float(np.count_nonzero(hits >= 1) * scale),
        reached_by_two_or_more=float(np.count_nonzero(hits >= 2) * scale),
        by_count=by_count,
        per_circle=per_circle,
    )
