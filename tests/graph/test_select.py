"""Amplifier selection: exact picks on small graphs, a brute-force bound, invariants."""

from __future__ import annotations

import itertools
from datetime import date

import igraph as ig
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.build import build_influence_graph
from graph.diffusion import DiffusionModel, estimate_reach
from graph.select import SeedSelection, select_amplifiers


def graph(edges):
    return build_influence_graph(pd.DataFrame(edges, columns=["src_user", "dst_user"]).assign(kind="repost"))


# Two overlapping stars and a separate one: h1 reaches a..e, h2 reaches a..d (overlap), h3 x,y.
EDGES = [("h1", v) for v in "abcde"] + [("h2", v) for v in "abcd"] + [("h3", v) for v in "xy"]
PEOPLE = ["h1", "h2", "h3", *"abcdexy"]


def test_greedy_prefers_new_people_over_overlapping_ones():
    g = graph(EDGES)
    sel = select_amplifiers(
        g,
        targets=PEOPLE,
        eligible=PEOPLE,
        k=2,
        model=DiffusionModel("uniform:1", 1),
        theta_min=5000,
        n_simulations=50,
        seed=1,
    )
    assert sel.seed_ids == ["h1", "h3"]  # not h2, whose audience h1 already reaches
    assert sel.expected_reach == 9.0  # h1 + a..e, h3 + x, y
    assert [round(s.cumulative_reach) for s in sel.seeds] == [6, 9]
    assert sel.baselines["degree"].seeds[:2] == ("h1", "h2")
    assert sel.baselines["degree"].reach_curve[-1] == (2, 7.0)


def test_only_eligible_users_are_picked_and_reach_counts_targets_only():
    g = graph(EDGES)
    sel = select_amplifiers(
        g,
        targets={"x", "y", "a"},
        eligible=["h2", "h3", "q"],
        k=2,
        model=DiffusionModel("uniform:1", 2),
        theta_min=3000,
        n_simulations=20,
        seed=2,
    )
    assert set(sel.seed_ids) == {"h2", "h3"}
    assert sel.expected_reach == 3.0


def test_k_is_validated_with_a_clear_message():
    g = graph(EDGES)
    want = r"k must be between 1 and the number of eligible users \(2\); got 5"
    with pytest.raises(ValueError, match=want):
        select_amplifiers(g, targets=PEOPLE, eligible=["h1", "h2"], k=5)
    with pytest.raises(ValueError, match=r"method must be one of ris, pagerank"):
        select_amplifiers(g, targets=PEOPLE, eligible=PEOPLE, k=1, method="magic")


def test_same_inputs_and_seed_give_the_same_selection_and_json_round_trips():
    g = graph([*EDGES, ("a", "x"), ("e", "h3")])
    kw = dict(
        targets=PEOPLE,
        eligible=PEOPLE,
        k=3,
        model=DiffusionModel("uniform:0.4", 2),
        theta_min=2000,
        n_simulations=100,
        seed=11,
    )
    context = dict(segment="mothers", as_of=date(2026, 11, 15), window_days=30, cities={"h1": "上海"})
    a, b = (select_amplifiers(g, **kw).with_context(**context) for _ in range(2))
    assert a == b
    assert SeedSelection.from_dict(a.to_dict()) == a


def test_ris_is_within_the_greedy_bound_of_the_brute_force_optimum():
    edges = [
        ("a", "b"),
        ("a", "c"),
        ("b", "d"),
        ("c", "d"),
        ("d", "e"),
        ("f", "e"),
        ("f", "g"),
        ("g", "h"),
        ("h", "a"),
    ]
    g = graph(edges)
    people = sorted({u for e in edges for u in e})
    model = DiffusionModel("uniform:0.5", 2)
    best = max(
        estimate_reach(g, list(c), model, targets=None, n_simulations=1500, seed=3).mean
        for c in itertools.combinations(people, 2)
    )
    sel = select_amplifiers(
        g, targets=people, eligible=people, k=2, model=model, theta_min=20000, n_simulations=1500, seed=3
    )
    assert sel.expected_reach >= (1 - 1 / 2.718281828) * best
    assert sel.expected_reach >= 0.9 * best  # on such a small graph greedy is near optimal


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=1, max_size=30),
    st.integers(1, 6),
    st.integers(0, 10_000),
)
def test_seeds_unique_eligible_and_reach_monotone_in_k(pairs, k, seed):
    edges = [(f"u{a}", f"u{b}") for a, b in pairs if a != b] or [("u0", "u1")]
    g = graph(edges)
    people = sorted(g.vs["name"])
    eligible = people[::2]
    k = min(k, len(eligible))
    sel = select_amplifiers(
        g,
        targets=people,
        eligible=eligible,
        k=k,
        model=DiffusionModel("uniform:0.3", 2),
        theta_min=300,
        n_simulations=30,
        seed=seed,
    )
    ids = sel.seed_ids
    assert len(ids) == len(set(ids)) == k and set(ids) <= set(eligible)
    cum = [s.cumulative_reach for s in sel.seeds]
    assert all(b >= a for a, b in itertools.pairwise(cum))
    assert all(s.marginal_reach >= 0 for s in sel.seeds)


def test_an_edge_list_selects_exactly_like_the_igraph_graph_it_stands_for():
    """``tajian select`` hands the edge list straight to the selector (no igraph graph unless a
    ranking needs one): same seeds, reach figures and baselines as through igraph."""
    from graph.snap import parse_snap_edges

    rows = [f"{a} {b}" for a, b in EDGES] + ["x h1", "e b"]
    edges = parse_snap_edges(rows)
    g = ig.Graph(
        n=edges.n, edges=list(zip(edges.src.tolist(), edges.dst.tolist(), strict=True)), directed=True
    )
    g.vs["name"], g.es["weight"] = edges.labels, [1.0] * g.ecount()
    common = dict(
        targets=[*PEOPLE, "lonely"],
        eligible=[*PEOPLE, "lonely"],
        k=3,
        model=DiffusionModel("wc", 2),
        theta_min=4000,
        n_simulations=200,
        seed=5,
        baselines=("pagerank", "degree"),
    )
    a, b = select_amplifiers(edges, **common), select_amplifiers(g, **common)
    assert a.seed_ids == b.seed_ids
    assert a.expected_reach == pytest.approx(b.expected_reach)
    assert [s.marginal_reach for s in a.seeds] == pytest.approx([s.marginal_reach for s in b.seeds])
    assert {m: x.seeds for m, x in a.baselines.items()} == {m: x.seeds for m, x in b.baselines.items()}
    assert a.baselines["pagerank"].expected_reach == pytest.approx(b.baselines["pagerank"].expected_reach)
