"""Circles: Leiden communities of the undirected influence graph.

Tight circles that re-infect each other matter for word of mouth, and same-city circles make
offline meet-ups possible; each seed is reported with its circle.

A run only needs the circles of the segment's members and the people they reach within two hops
(the spread model's horizon), so ``around`` limits the work to that part of the graph, and Leiden
runs a bounded number of iterations (``n_iterations``) instead of until nothing moves: on a
1M-user graph the unbounded run took minutes, and the later iterations move few users.

Example:
    >>> import igraph as ig
    >>> g = ig.Graph(n=6, edges=[(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)],
    ...              directed=True)
    >>> g.vs["name"] = list("abcdef"); g.es["weight"] = [1.0] * 7
    >>> circles = detect_circles(g, seed=1)
    >>> circles["a"] == circles["b"] == circles["c"], circles["a"] != circles["d"]
    (True, True)
    >>> sorted(detect_circles(g, seed=1, around=["a"], hops=1))
    ['a', 'b', 'c']
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import igraph as ig

__all__ = ["DEFAULT_HOPS", "DEFAULT_ITERATIONS", "detect_circles", "neighbourhood"]

#: Leiden iterations: each one is a full pass; measured on the synthetic 100k-user graph the
#: third pass moved under 0.1% of the users (bench/RESULTS.md, "Circles").
DEFAULT_ITERATIONS = 3
#: The spread model's default horizon (``max_hops``): who is more than two hops from every
#: member cannot be reached through one and needs no circle.
DEFAULT_HOPS = 2


def neighbourhood(g: ig.Graph, around: Iterable[str], hops: int) -> list[int]:
    """The vertex indices within ``hops`` steps (either direction) of the users ``around``
    (names not in the graph are skipped), in index order. One breadth-first search in C from
    a temporary vertex joined to every one of them (on a copy of ``g``), so 200k members cost
    one pass, not 200k.
    """
    return _neighbourhood_in_place(g.copy(), around, hops)


def _neighbourhood_in_place(g: ig.Graph, around: Iterable[str], hops: int) -> list[int]:
    """:func:`neighbourhood`, adding (and leaving) the temporary vertex on ``g`` itself."""
    if hops < 0:
        raise ValueError(f"hops must be 0 or more; got {hops}")
    names = {n: i for i, n in enumerate(g.vs["name"])} if g.vcount() else {}
    start = sorted({names[u] for u in around if u in names})
    if not start:
        return []
    hub = g.vcount()
    g.add_vertices(1)
    g.add_edges([(hub, v) for v in start])
    return sorted(v for v in g.neighborhood(hub, order=hops + 1, mode="all") if v != hub)


def detect_circles(
    g: ig.Graph,
    *,
    seed: int = 0,
    resolution: float = 1.0,
    around: Iterable[str] | None = None,
    hops: int = DEFAULT_HOPS,
    n_iterations: int = DEFAULT_ITERATIONS,
) -> dict[str, int]:
    """Map user id → circle id (0 = the largest circle), by Leiden modularity, seeded.

    With ``around`` (the members), only the users within ``hops`` of them get a circle, found on
    that part of the graph; without it, every user. ``n_iterations`` bounds Leiden's passes
    (-1: until stable, the old behaviour). Isolated users get a circle of their own. Circle ids
    are ordered by size, then by the smallest user id in the circle, so they do not depend on
    the algorithm's internal order.
    """
    if n_iterations == 0 or n_iterations < -1:
        raise ValueError(f"n_iterations must be -1 (until stable) or at least 1; got {n_iterations}")
    if g.vcount() == 0:
        return {}
    und = g.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
    if around is not None:
        und = und.induced_subgraph(_neighbourhood_in_place(und, around, hops))
    if und.vcount() == 0:
        return {}
    weights = und.es["weight"] if und.ecount() and "weight" in und.es.attributes() else None
    state = random.getstate()
    try:
        ig.set_random_number_generator(random.Random(seed))
        parts = und.community_leiden(
            objective_function="modularity",
            weights=weights,
            resolution=resolution,
            n_iterations=n_iterations,
        )
    finally:
        ig.set_random_number_generator(random)
        random.setstate(state)
    names = und.vs["name"]
    groups: dict[int, list[str]] = {}
    for v, c in enumerate(parts.membership):
        groups.setdefault(c, []).append(names[v])
    ordered = sorted(groups.values(), key=lambda members: (-len(members), min(members)))
    return {name: cid for cid, members in enumerate(ordered) for name in members}
