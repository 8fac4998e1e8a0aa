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

__all__ = ["DEFAULT_KIND_WEIGHTS", "build_influence_graph", "vertex_index"]

DEFAULT_KIND_WEIGHTS: Mapping[str, float] = {
    "repost": 1.0,
    "comment": 0.5,
    "mention": 0.5,
    "follow": 0.2,
}


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
            raise ValueError(
                f"interactions need columns src_user, dst_user, kind; missing {col!r}"
            )
    df = interactions[["src_user", "dst_user", "kind"]].astype(str)
    unknown = sorted(set(df["kind"]) - set(weights))
    if unknown:
        raise ValueError(
            f"no weight for interaction kind(s) {unknown}; expected weights for "
            f"{sorted(weights)} (set kind_weights)"
        )
    df = df[df["src_user"] != df["dst_user"]]
    df = df.assign(w=df["kind"].map(weights).astype(float))
    df = df[df["w"] > 0]
    agg = (
        df.groupby(["src_user", "dst_user"], sort=True)
        .agg(weight=("w", "sum"), count=("w", "size"))
        .reset_index()
    )
    names = np.unique(
        np.concatenate(
            [agg["src_user"].to_numpy(str), agg["dst_user"].to_numpy(str),
             np.asarray(list(extra_users), dtype=str)]
        )
    )
    index = {n: i for i, n in enumerate(names.tolist())}
    g = ig.Graph(n=len(names), directed=True)
    g.vs["name"] = names.tolist()
    if len(agg):
        src = agg["src_user"].map(index).to_numpy()
        dst = agg["dst_user"].map(index).to_numpy()
        g.add_edges(np.column_stack([src, dst]).tolist())
        g.es["weight"] = agg["weight"].astype(float).tolist()
        g.es["count"] = agg["count"].astype(int).tolist()
    return g


def vertex_index(g: ig.Graph) -> dict[str, int]:
    """Map user id → vertex index."""
    return {name: i for i, name in enumerate(g.vs["name"])} if g.vcount() else {}
