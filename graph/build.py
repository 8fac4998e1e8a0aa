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
    kinds, kind_names = pd.factorize(df["kind"], use_na_sentinel=False)
    unknown = sorted(set(kind_names.tolist()) - set(weights))
    if unknown:
        raise ValueError(
            f"no weight for interaction kind(s) {unknown}; expected weights for "
            f"{sorted(weights)} (set kind_weights)"
        )
    w = np.asarray([float(weights[k]) for k in kind_names.tolist()], dtype=float)[kinds]
    keep = (w > 0) & (df["src_user"] != df["dst_user"]).to_numpy(dtype=bool)  # no self-loops
    w = w[keep]
    # one factorize of every id (sorted: vertices in user id order) gives the edges' ends too
    ends = [df["src_user"][keep], df["dst_user"][keep], pd.Series(list(extra_users), dtype=str)]
    codes, names = pd.factorize(pd.concat(ends, ignore_index=True), sort=True)
    if (codes[: 2 * len(w)] < 0).any():
        missing = int((codes[: 2 * len(w)] < 0).sum())
        raise ValueError(
            f"interactions need a src_user and a dst_user on every row; got {missing} missing "
            "(drop those rows first)"
        )
    n = len(names)
    g = ig.Graph(n=n, directed=True)
    g.vs["name"] = names.tolist()
    if len(w):
        src = codes[: len(w)].astype(np.int64)
        dst = codes[len(w) : 2 * len(w)].astype(np.int64)
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
