"""The part of the graph a run's report draws: the seeds, their circles and their strongest
contacts, as plain data (user ids, edge lists, node dicts) the report turns into pictures and
``circles.gexf``; never the whole window's graph.

Example (a and b in circle 0, a the seed; c in circle 1):
    >>> import pandas as pd
    >>> decided = pd.DataFrame({"user_id": ["a", "b", "c"], "circle": [0, 0, 1]})
    >>> edges = pd.DataFrame({"src_user": ["a", "b"], "dst_user": ["b", "c"], "kind": ["repost"] * 2})
    >>> view = seed_circle_view(edges, decided, [{"user_id": "a", "rank": 1}], {"repost": 1.0})
    >>> view.circle_nodes, view.circle_edges
    (['a', 'b'], [('a', 'b', 1.0)])
    >>> view.network({"a": "小红"}, {"a": "上海"})["nodes"][0]
    {'id': 'a', 'label': '小红', 'circle': 0, 'rank': 1, 'city': '上海'}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import igraph as ig
import pandas as pd

from graph.build import build_influence_graph

__all__ = ["CircleView", "seed_circle_users", "seed_circle_view"]


@dataclass(frozen=True)
class CircleView:
    """What the report draws of the graph (:func:`seed_circle_view`)."""

    #: the seeds and the members of their circles (for circles.gexf), at most ``node_cap`` people
    circle_nodes: list[str]
    #: the weighted edges between ``circle_nodes``
    circle_edges: list[tuple[str, str, float]]
    #: the picture's people (user id → rank, None for a contact) and their circles
    picture: dict[str, int | None]
    circles: dict[str, int]
    picture_edges: list[tuple[str, str]]

    def network(self, names: Mapping[str, str | None], cities: Mapping[str, str | None]) -> dict[str, Any]:
        """The picture's data, its people labelled with their ``names`` and ``cities``:
        ``{"nodes": [{id, label, circle, rank, city}], "edges": [(a, b)]}``."""
        nodes = [
            {
                "id": u,
                "label": names.get(u) or u,
                "circle": self.circles.get(u),
                "rank": r,
                "city": cities.get(u),
            }
            for u, r in self.picture.items()
        ]
        return {"nodes": nodes, "edges": list(self.picture_edges)}


def seed_circle_users(decided: pd.DataFrame, seeds: Sequence[Mapping[str, Any]]) -> set[str]:
    """The seeds and everyone in their circles (``decided``: the run's ``user_id``, ``circle``):
    the only users whose edges the report draws.

    >>> decided = pd.DataFrame({"user_id": ["a", "b", "c"], "circle": [0, 0, 1]})
    >>> sorted(seed_circle_users(decided, [{"user_id": "a"}]))
    ['a', 'b']
    """
    seed_ids = {str(s["user_id"]) for s in seeds}
    wanted = set(decided.loc[decided["user_id"].isin(seed_ids), "circle"].dropna())
    return seed_ids | set(decided.loc[decided["circle"].isin(wanted), "user_id"].astype(str))


def seed_circle_view(
    edges: pd.DataFrame,
    decided: pd.DataFrame,
    seeds: Sequence[Mapping[str, Any]],
    kind_weights: Mapping[str, float],
    *,
    node_cap: int = 20_000,
    picture_cap: int = 600,
) -> CircleView:
    """The seeds' circles in the window's ``edges`` (interactions), from the run's ``decided``
    circles (``run_users``: ``user_id``, ``circle``) and ``seeds`` (``user_id``, ``rank``): the
    circles for circles.gexf and the picture's seeds with their strongest same-circle contacts
    (about ``picture_cap`` people)."""
    circles = {
        str(u): int(c) for u, c in zip(decided["user_id"], decided["circle"], strict=True) if pd.notna(c)
    }
    near = seed_circle_users(decided, seeds)
    edges = edges[edges["src_user"].isin(near) & edges["dst_user"].isin(near)]
    graph = build_influence_graph(edges, dict(kind_weights), extra_users=sorted(near))
    nodes = _circle_nodes(graph, circles, seeds, node_cap)
    ranked = [{"user_id": str(s["user_id"]), "rank": int(s["rank"])} for s in seeds]
    picture = _picture(graph, circles, ranked, picture_cap)
    picture_edges = [(a, b) for a, b, _ in _edges(graph, set(picture))]
    return CircleView(nodes, _edges(graph, set(nodes)), picture, circles, picture_edges)


def _circle_nodes(
    graph: ig.Graph, circles: Mapping[str, int], seeds: Sequence[Mapping[str, Any]], cap: int
) -> list[str]:
    """The seeds and the members of their circles, at most ``cap`` people."""
    seed_ids = [str(s["user_id"]) for s in seeds]
    wanted = {circles.get(u) for u in seed_ids} - {None}
    nodes = [u for u in graph.vs["name"] if circles.get(u) in wanted] if graph.vcount() else []
    if len(nodes) > cap:  # keep the seeds and their direct contacts inside the circle
        index = {n: i for i, n in enumerate(graph.vs["name"])}
        keep = set(seed_ids)
        for u in seed_ids:
            if u in index:
                keep.update(
                    graph.vs[v]["name"]
                    for v in graph.neighbors(index[u], mode="all")
                    if circles.get(graph.vs[v]["name"]) == circles.get(u)
                )
        nodes = sorted(keep)[:cap]
    return sorted(set(nodes) | set(seed_ids))


def _edges(graph: ig.Graph, keep: set[str]) -> list[tuple[str, str, float]]:
    if not graph.ecount():
        return []
    names = graph.vs["name"]
    weights = graph.es["weight"] if "weight" in graph.es.attributes() else [1.0] * graph.ecount()
    return [
        (names[a], names[b], float(w))
        for (a, b), w in zip(graph.get_edgelist(), weights, strict=True)
        if names[a] in keep and names[b] in keep
    ]


def _picture(
    graph: ig.Graph, circles: Mapping[str, int], rows: Sequence[Mapping[str, Any]], cap: int
) -> dict[str, int | None]:
    """The picture's people: the seeds (with their rank) and their strongest contacts inside
    their own circle (None)."""
    index = {n: i for i, n in enumerate(graph.vs["name"])} if graph.vcount() else {}
    per_seed = max(2, cap // max(1, len(rows)) - 1)
    chosen: dict[str, int | None] = {r["user_id"]: r["rank"] for r in rows}
    weights = graph.es["weight"] if graph.ecount() and "weight" in graph.es.attributes() else None
    for r in rows:
        u = r["user_id"]
        if u not in index:
            continue
        contacts: dict[str, float] = {}
        for e in graph.incident(index[u], mode="all"):
            a, b = graph.es[e].tuple
            other = graph.vs[b if a == index[u] else a]["name"]
            if circles.get(other) == circles.get(u):
                contacts[other] = contacts.get(other, 0.0) + (weights[e] if weights else 1.0)
        for other, _ in sorted(contacts.items(), key=lambda x: (-x[1], x[0]))[:per_seed]:
            chosen.setdefault(other, None)
    return chosen
