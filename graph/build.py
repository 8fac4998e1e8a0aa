"""The influence graph: who spreads whose posts, as a weighted directed igraph graph.

An edge A→B means influence flows from A to B (B reposted, commented on, was @-mentioned by or
follows A; DESIGN.md "Data model"). Its ``weight`` adds up the interactions, each kind weighted
by ``kind_weights``; ``count`` is the number of interactions. Vertices carry ``name`` = user id
and are ordered by user id, so the same interactions always give the same graph.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"src_user": ["a", "a", "b"], "dst_user": ["b", "b", "c"],
    ...                    "kind": ["repost", "comment", "repost"]})
    >>> g = build_influence_graph(df)
    >>> g.vcount(), g.ecount(), g.es["weight"]
    (3, 2, [1.5, 1.0])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import igraph as ig
import numpy as np
import pandas as pd

from graph.options import DEFAULT_KIND_WEIGHTS  # one source of the defaults

__all__ = ["DEFAULT_KIND_WEIGHTS", "build_influence_graph", "vertex_index"]


def build_influence_graph(
    interactions: pd.DataFrame,
    kind_weights: Mapping[str, float] | None = None,
    *,
    extra_users: Iterable[str] = (),
) -> ig.Graph:
    """Build the influence graph from an ``interactions`` table (src_user, dst_user, kind).

    ``extra_users`` adds isolated vertices (e.g. segment members nobody interacted with), so
    every member has a vertex. Self-loops are dropped; kinds without a weight are refused.
    """
    weights = dict(DEFAULT_KIND_WEIGHTS if kind_weights is None else kind_weights)
    for col in ("src_user", "dst_user", "kind"):
        if col not in interactions.columns:
            raise ValueError(f"interactions need columns src_user, dst_user, kind; missing {col!r}")
    df = interactions[["src_user", "dst_user", "kind"]].astype(str)
    unknown = sorted(set(df["kind"]) - set(weights))
    if unknown:
        raise ValueError(
            f"no weight for interaction kind(s) {unknown}; expected weights for "
            f"{sorted(weights)} (set kind_weights)"
        )
    df = df[df["src_user"] != df["dst_user"]]
    w = df["kind"].map(weights).astype(float).to_numpy()
    keep = w > 0
    src_names = df["src_user"].to_numpy(dtype=object)[keep]
    dst_names = df["dst_user"].to_numpy(dtype=object)[keep]
    w = w[keep]
    everyone = pd.unique(np.concatenate([src_names, dst_names, np.asarray(list(extra_users), dtype=object)]))
    names = pd.Index(sorted(everyone.tolist()))
    n = len(names)
    g = ig.Graph(n=n, directed=True)
    g.vs["name"] = names.tolist()
    if len(w):
        src = names.get_indexer(src_names).astype(np.int64)
        dst = names.get_indexer(dst_names).astype(np.int64)
        key = src * n + dst
        uniq, inverse = np.unique(key, return_inverse=True)
        weight = np.bincount(inverse, weights=w)
        count = np.bincount(inverse)
        g.add_edges(np.column_stack([uniq // n, uniq % n]))
        g.es["weight"] = weight.tolist()
        g.es["count"] = count.astype(int).tolist()
    return g


def vertex_index(g: ig.Graph) -> dict[str, int]:
    """Map user id → vertex index."""
    return {name: i for i, name in enumerate(g.vs["name"])} if g.vcount() else {}
