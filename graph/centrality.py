"""Plain centrality rankings: the naive lists the selector is compared with.

Each ranking returns user ids, best first, ties broken by user id so that the order is
deterministic. PageRank runs on the reversed graph: edges point the way influence flows, so a
user whose posts flow to many well-connected people ranks high.

Example:
    >>> import igraph as ig
    >>> g = ig.Graph(n=3, edges=[(0, 1), (0, 2), (1, 2)], directed=True)
    >>> g.vs["name"] = ["a", "b", "c"]; g.es["weight"] = [1.0, 1.0, 1.0]
    >>> rank_by_out_degree(g)
    ['a', 'b', 'c']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import igraph as ig

__all__ = ["rank_by_followers", "rank_by_out_degree", "rank_by_pagerank"]


def _order(names: list[str], scores: list[float], among: Iterable[str] | None) -> list[str]:
    allowed = None if among is None else set(among)
    pairs = [(s, n) for n, s in zip(names, scores, strict=True) if allowed is None or n in allowed]
    pairs.sort(key=lambda p: (-p[0], p[1]))
    return [n for _, n in pairs]


def rank_by_pagerank(g: ig.Graph, among: Iterable[str] | None = None, damping: float = 0.85) -> list[str]:
    """User ids by PageRank of the reversed, weighted influence graph (influence flows out)."""
    if g.vcount() == 0:
        return []
    rev = ig.Graph(n=g.vcount(), edges=[(b, a) for a, b in g.get_edgelist()], directed=True)
    weights = g.es["weight"] if "weight" in g.es.attributes() and g.ecount() else None
    scores = rev.pagerank(directed=True, damping=damping, weights=weights)
    return _order(g.vs["name"], scores, among)


def rank_by_out_degree(g: ig.Graph, among: Iterable[str] | None = None) -> list[str]:
    """User ids by the number of distinct people they spread to."""
    return _order(g.vs["name"], g.outdegree(), among)


def rank_by_followers(followers: Mapping[str, int | None], among: Iterable[str] | None = None) -> list[str]:
    """User ids by follower count (unknown counts rank last)."""
    names = sorted(followers) if among is None else sorted(set(among))
    scores = [float(followers.get(n) or 0) if followers.get(n) is not None else -1.0 for n in names]
    return _order(names, scores, None)
