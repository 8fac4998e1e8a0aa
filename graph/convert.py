"""Conversion between igraph and networkx graphs.

igraph does the heavy work; networkx serves reference implementations in tests. (report/ builds
its own small networkx graphs from plain node and edge lists, for the GEXF file and the circles
picture's layout: it never receives an igraph graph.)

Example:
    >>> import igraph as ig
    >>> g = ig.Graph(n=2, edges=[(0, 1)], directed=True)
    >>> g.vs["name"] = ["a", "b"]; g.es["weight"] = [2.0]
    >>> to_networkx(g)["a"]["b"]["weight"]
    2.0
"""

from __future__ import annotations

import igraph as ig
import networkx as nx

__all__ = ["from_networkx", "to_networkx"]


def to_networkx(g: ig.Graph) -> nx.DiGraph | nx.Graph:
    """Copy an igraph graph to networkx, nodes named by the ``name`` attribute, with attributes."""
    out: nx.DiGraph | nx.Graph = nx.DiGraph() if g.is_directed() else nx.Graph()
    names = g.vs["name"] if "name" in g.vs.attributes() else list(range(g.vcount()))
    for v in g.vs:
        attrs = {k: v[k] for k in g.vs.attributes() if k != "name"}
        out.add_node(names[v.index], **attrs)
    for e in g.es:
        out.add_edge(names[e.source], names[e.target], **e.attributes())
    return out


def from_networkx(h: nx.DiGraph | nx.Graph) -> ig.Graph:
    """Copy a networkx graph to igraph; node keys become the ``name`` attribute (as text)."""
    nodes = sorted(h.nodes, key=str)
    index = {n: i for i, n in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), directed=h.is_directed())
    g.vs["name"] = [str(n) for n in nodes]
    edges = list(h.edges(data=True))
    g.add_edges([(index[a], index[b]) for a, b, _ in edges])
    keys = sorted({k for _, _, d in edges for k in d})
    for k in keys:
        g.es[k] = [d.get(k) for _, _, d in edges]
    return g
