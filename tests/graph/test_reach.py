"""One reach estimate: exact answers on 3–8 node graphs (every live-edge world enumerated), adds
that never go up, and the headline = the table's total = the overlap's "reached"."""

from __future__ import annotations

import itertools

import igraph as ig
import numpy as np
import pytest

from graph.diffusion import DiffusionModel
from graph.reach import reach_figures
from graph.select import select_amplifiers


def make_graph(n: int, edges: list[tuple[int, int]]) -> ig.Graph:
    g = ig.Graph(n=n, edges=edges, directed=True)
    g.vs["name"] = [f"u{i}" for i in range(n)]
    g.es["weight"] = [1.0] * len(edges)
    return g


def exact(n, edges, p, seeds, targets, max_hops):
    """(expected reach, expected members reached by ≥ 2 seeds), summing over every world."""
    reach = two = 0.0
    for live in itertools.product((False, True), repeat=len(edges)):
        weight = np.prod([p if x else 1 - p for x in live])
        out = {u: [v for (a, v), x in zip(edges, live, strict=True) if x and a == u] for u in range(n)}
        heard = dict.fromkeys(range(n), 0)
        for s in seeds:  # who hears it from seed s within max_hops hops
            seen, frontier = {s}, {s}
            for _ in range(max_hops):
                frontier = {v for u in frontier for v in out[u]} - seen
                seen |= frontier
            for v in seen:
                heard[v] += 1
        reach += weight * sum(1 for t in targets if heard[t] >= 1)
        two += weight * sum(1 for t in targets if heard[t] >= 2)
    return reach, two


def select(g, seeds, targets, probability, max_hops=2, theta=20_000):
    names = [f"u{i}" for i in seeds]
    return select_amplifiers(
        g,
        targets=[f"u{t}" for t in targets],
        eligible=names,
        k=len(names),
        model=DiffusionModel(probability, max_hops),
        theta_min=theta,
        n_simulations=200,
        baselines=(),
        seed=7,
    )


# (nodes, edges, seeds, targets): a chain, a star, two overlapping stars, a diamond, a cycle
GRAPHS = [
    (3, [(0, 1), (1, 2)], [0], [0, 1, 2]),
    (4, [(0, 1), (0, 2), (0, 3)], [0, 3], [1, 2, 3]),
    (5, [(0, 2), (0, 3), (1, 3), (1, 4)], [0, 1], [0, 1, 2, 3, 4]),
    (6, [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (5, 4)], [0, 5], [1, 2, 3, 4]),
    (8, [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (0, 4)], [0, 6, 2], list(range(8))),
]


@pytest.mark.parametrize(("n", "edges", "seeds", "targets"), GRAPHS)
def test_certain_edges_give_exact_answers_with_no_width(n, edges, seeds, targets):
    sel = select(make_graph(n, edges), seeds, targets, "uniform:1")
    want, want_two = exact(n, edges, 1.0, seeds, targets, 2)
    assert sel.expected_reach == pytest.approx(want)
    assert sel.expected_reach_low == sel.expected_reach_high == pytest.approx(want)
    assert sel.seeds[-1].cumulative_reach == pytest.approx(want)
    assert sel.overlap["reached"] == pytest.approx(want)
    assert sel.overlap["reached_by_two_or_more"] == pytest.approx(want_two)


@pytest.mark.parametrize(("n", "edges", "seeds", "targets"), GRAPHS)
def test_uncertain_edges_land_in_the_interval_and_the_three_figures_agree(n, edges, seeds, targets):
    sel = select(make_graph(n, edges), seeds, targets, "uniform:0.5")
    want, want_two = exact(n, edges, 0.5, seeds, targets, 2)
    assert sel.expected_reach_low <= want <= sel.expected_reach_high
    assert sel.expected_reach_high - sel.expected_reach_low < 0.1 * len(targets)
    assert abs(sel.overlap["reached_by_two_or_more"] - want_two) < 4 * sel.expected_reach_stderr + 0.02
    # one estimate: the headline, the table's total and the overlap's "reached" are one number
    assert sel.seeds[-1].cumulative_reach == pytest.approx(sel.expected_reach, abs=1e-3)
    assert sel.overlap["reached"] == pytest.approx(sel.expected_reach, abs=1e-3)
    adds = [s.marginal_reach for s in sel.seeds]
    assert adds == sorted(adds, reverse=True)
    # single campaigns vary far more than the estimate does
    low, high = sel.spread
    assert low <= sel.expected_reach_low and high >= sel.expected_reach_high


def test_adds_never_go_up_on_a_random_graph_and_sum_to_the_reach():
    rng = np.random.default_rng(3)
    n = 300
    edges = sorted({(int(a), int(b)) for a, b in rng.integers(0, n, size=(1200, 2)) if a != b})
    g = make_graph(n, edges)
    sel = select_amplifiers(
        g,
        targets=[f"u{i}" for i in range(0, n, 2)],
        eligible=[f"u{i}" for i in range(n)],
        k=40,
        model=DiffusionModel("wc", 2),
        theta_min=20_000,
        n_simulations=0,
        baselines=("degree",),
        seed=5,
    )
    adds = [s.marginal_reach for s in sel.seeds]
    assert all(a >= b for a, b in itertools.pairwise(adds)), adds
    assert sum(adds) == pytest.approx(sel.expected_reach, abs=0.01)
    assert sel.overlap["reached"] == pytest.approx(sel.expected_reach, abs=1e-3)
    assert sum(sel.overlap["by_count"].values()) == pytest.approx(sel.expected_reach, abs=1e-3)
    # the naive list is measured on the same sample, in its own order
    assert sel.baselines["degree"].reach_curve[-1][1] == pytest.approx(
        sel.baselines["degree"].expected_reach, abs=1e-3
    )


def test_the_given_order_is_kept_when_asked_and_per_circle_figures_add_up():
    # sets: root 0 {0}, root 1 {1, 0}, root 2 {2, 0, 3}, root 3 {3}
    ptr = np.array([0, 1, 3, 6, 7])
    nodes = np.array([0, 1, 0, 2, 0, 3, 3])
    f = reach_figures(
        ptr, nodes, 4, np.array([3, 0]), n_targets=4, greedy=False, circle_of=np.array([1, 1, 2, 2])
    )
    assert f.order == (0, 1) and f.marginals == (2.0, 2.0)
    g = reach_figures(ptr, nodes, 4, np.array([3, 0]), n_targets=4, circle_of=np.array([1, 1, 2, 2]))
    assert g.order == (1, 0) and g.marginals == (3.0, 1.0)
    assert g.per_circle == {1: (2.0, 0.0), 2: (2.0, 1.0)}
    assert g.by_count == {1: 3.0, 2: 1.0, 3: 0.0, 4: 0.0}


def test_bad_inputs_say_what_was_expected():
    with pytest.raises(ValueError, match="RR sample is empty"):
        reach_figures(np.array([0]), np.array([], dtype=np.int64), 2, np.array([0]), n_targets=2)
    with pytest.raises(ValueError, match="distinct"):
        reach_figures(np.array([0, 1]), np.array([0]), 2, np.array([0, 0]), n_targets=1)
