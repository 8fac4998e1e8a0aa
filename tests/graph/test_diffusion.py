"""The hop-limited independent cascade evaluator, against exact answers on tiny graphs."""

from __future__ import annotations

import itertools

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from graph.build import build_influence_graph
from graph.diffusion import DiffusionModel, edge_probabilities, estimate_reach
from graph.options import parse_probability


def make(edges: list[tuple[str, str]], weights: list[float] | None = None) -> ig.Graph:
    df = pd.DataFrame(edges, columns=["src_user", "dst_user"]).assign(kind="repost")
    g = build_influence_graph(df)
    if weights is not None:
        g.es["weight"] = weights
    return g


def exact_reach(
    g: ig.Graph, seeds: list[str], probs: np.ndarray, max_hops: int, targets: set[str] | None
) -> float:
    """Brute force over all 2^m live-edge worlds: BFS from the seeds up to max_hops."""
    names = g.vs["name"]
    el = g.get_edgelist()
    total = 0.0
    for live in itertools.product([False, True], repeat=len(el)):
        pr = np.prod([p if on else 1 - p for p, on in zip(probs, live, strict=True)])
        if pr == 0:
            continue
        depth = {names.index(s): 0 for s in seeds}
        frontier = list(depth)
        hop = 0
        while frontier and (max_hops == 0 or hop < max_hops):
            nxt = []
            for (a, b), on in zip(el, live, strict=True):
                if on and a in frontier and b not in depth:
                    depth[b] = hop + 1
                    nxt.append(b)
            frontier, hop = nxt, hop + 1
        total += pr * sum(1 for v in depth if targets is None or names[v] in targets)
    return total


def test_build_aggregates_weights_drops_self_loops_and_sorts_vertices():
    df = pd.DataFrame(
        {
            "src_user": ["b", "b", "a", "c"],
            "dst_user": ["c", "c", "b", "c"],
            "kind": ["repost", "mention", "comment", "repost"],
        }
    )
    g = build_influence_graph(df, extra_users=["z"])
    assert g.vs["name"] == ["a", "b", "c", "z"]
    assert {(g.vs[e.source]["name"], g.vs[e.target]["name"]): (e["weight"], e["count"]) for e in g.es} == {
        ("a", "b"): (0.5, 1),
        ("b", "c"): (1.5, 2),
    }
    with pytest.raises(ValueError, match=r"no weight for interaction kind\(s\) \['like'\]"):
        build_influence_graph(df.assign(kind="like"))
    with pytest.raises(ValueError, match="a src_user and a dst_user on every row; got 1 missing"):
        build_influence_graph(df.assign(dst_user=["c", None, "b", "c"]))
    # ids sort by code point, as Python sorts text ('Z' < 'a' < 'é'), whatever the column's dtype
    mixed = pd.DataFrame({"src_user": ["é", "a"], "dst_user": ["Z", "é"], "kind": ["repost"] * 2})
    assert build_influence_graph(mixed).vs["name"] == ["Z", "a", "é"]
    assert build_influence_graph(mixed.astype("str")).vs["name"] == ["Z", "a", "é"]


def test_weighted_cascade_probabilities_share_attention_into_each_node():
    g = make([("a", "c"), ("b", "c"), ("a", "b")], weights=[2.0, 3.0, 1.0])  # a→b, a→c, b→c
    p = dict(
        zip(
            [(g.vs[a]["name"], g.vs[b]["name"]) for a, b in g.get_edgelist()],
            edge_probabilities(g, "wc"),
            strict=True,
        )
    )
    assert p == {("a", "c"): 0.75, ("b", "c"): 0.25, ("a", "b"): 1.0}
    assert edge_probabilities(g, "uniform:0.1").tolist() == [0.1, 0.1, 0.1]


def test_hop_limit_on_a_certain_chain():
    g = make([("a", "b"), ("b", "c"), ("c", "d")])  # wc: every edge has p = 1
    for hops, want in [(1, 2), (2, 3), (3, 4), (0, 4)]:
        est = estimate_reach(g, ["a"], DiffusionModel("wc", hops), targets=None, n_simulations=20, seed=0)
        assert est.mean == want and est.stderr == 0
    only_d = estimate_reach(g, ["a"], DiffusionModel("wc", 0), targets={"d"}, n_simulations=5)
    assert only_d.mean == 1


def test_seeds_outside_the_graph_reach_themselves_only():
    g = make([("a", "b")])
    est = estimate_reach(g, ["a", "x"], DiffusionModel("wc", 2), targets={"x", "b"}, n_simulations=10)
    assert est.mean == 2


@pytest.mark.parametrize("hops", [1, 2, 0])
def test_monte_carlo_matches_brute_force(hops):
    g = make([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e"), ("b", "c")])
    model = DiffusionModel("uniform:0.5", hops)
    probs = edge_probabilities(g, model.probability)
    want = exact_reach(g, ["a"], probs, hops, {"c", "d", "e"})
    est = estimate_reach(g, ["a"], model, targets={"c", "d", "e"}, n_simulations=4000, seed=7)
    assert abs(est.mean - want) < 4 * est.stderr + 1e-9


def test_decay_weakens_later_hops():
    g = make([("a", "b"), ("b", "c")])
    est = estimate_reach(
        g, ["a"], DiffusionModel("uniform:1", 2, decay=0.5), targets=None, n_simulations=4000, seed=1
    )
    assert abs(est.mean - 2.5) < 4 * est.stderr  # a, b surely, c with p = 0.5


def test_same_seed_same_estimate():
    g = make([("a", "b"), ("b", "c"), ("a", "c")])
    m = DiffusionModel("uniform:0.3", 2)
    assert estimate_reach(g, ["a"], m, targets=None, seed=5) == estimate_reach(
        g, ["a"], m, targets=None, seed=5
    )


def test_model_validation_messages():
    with pytest.raises(ValueError, match=r"probability must be 'wc' or 'uniform:P'.*got 'uniform:2'"):
        parse_probability("uniform:2")
    with pytest.raises(ValueError, match=r"max_hops must be a whole number >= 0"):
        DiffusionModel("wc", -1)
    with pytest.raises(ValueError, match=r"decay must be in \(0, 1\]; got 0"):
        DiffusionModel("wc", 2, decay=0)
    assert "at most 2 hops" in DiffusionModel().describe()
