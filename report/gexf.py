"""``circles.gexf``: the seeds and the circles they sit in, for Gephi (written by networkx).

Example:
    >>> import tempfile, networkx as nx
    >>> path = write_circles_gexf(
    ...     [{"id": "1", "label": "<b>", "circle": 0, "rank": 1, "city": None, "member": True}],
    ...     [("1", "2", 1.5)], tempfile.mkdtemp() + "/circles.gexf")
    >>> h = nx.read_gexf(path)
    >>> h.nodes["1"]["label"], h.nodes["1"]["seed"], h.nodes["2"]["seed"]
    ('<b>', True, False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

__all__ = ["circles_graph", "write_circles_gexf"]


def circles_graph(nodes: Sequence[Mapping[str, Any]], edges: Sequence[tuple[str, str, float]]) -> nx.DiGraph:
    """A networkx graph of the seeds' circles; node attributes have no missing values (GEXF)."""
    h = nx.DiGraph()
    for nd in nodes:
        rank = nd.get("rank")
        h.add_node(
            str(nd["id"]),
            label=str(nd.get("label") or nd["id"]),
            user_id=str(nd["id"]),
            circle=int(nd["circle"]) if nd.get("circle") is not None else -1,
            city=str(nd.get("city") or ""),
            seed=rank is not None,
            rank=int(rank) if rank is not None else 0,
            member=bool(nd.get("member", False)),
            followers=int(nd["followers"]) if nd.get("followers") is not None else -1,
        )
    for a, b, w in edges:
        for end in (a, b):
            if end not in h:
                h.add_node(
                    str(end),
                    label=str(end),
                    user_id=str(end),
                    circle=-1,
                    city="",
                    seed=False,
                    rank=0,
                    member=False,
                    followers=-1,
                )
        h.add_edge(str(a), str(b), weight=float(w))
    return h


def write_circles_gexf(
    nodes: Sequence[Mapping[str, Any]], edges: Sequence[tuple[str, str, float]], path: str | Path
) -> Path:
    """Write the graph of :func:`circles_graph` to ``path`` (GEXF 1.2, UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_gexf(circles_graph(nodes, edges), path)
    return path
