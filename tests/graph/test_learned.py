"""Learned edge probabilities (graph/learned.py) on a hand-made history, checked by hand.

Five cascades by five users (post → the post it reposts):

    C1: p1 by a;  r1 by b reposts p1;  r2 by c reposts r1
    C2: p2 by a;  r3 by b reposts p2;  r4 by d reposts p2
    C3: p3 by a;  r5 by c reposts p3
    C4: p4 by b;  r6 by c reposts p4;  r7 by a reposts r6
    C5: p5 by e;  r8 by e reposts p5 (a self-repost);  r9 by d reposts r8

Actions (cascades taken part in): A_a = 4 (C1–C4), A_b = 3 (C1, C2, C4), A_c = 3 (C1, C3, C4),
A_d = 2 (C2, C5), A_e = 1 (C5). Propagations: a→b in C1, C2; a→c in C3; a→d in C2; b→c in C1, C4;
c→a in C4; e→d in C5 (e's self-repost is an action, not an edge).
"""

from __future__ import annotations

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from graph.diffusion import DiffusionModel, edge_probabilities, probabilities_from_arrays
from graph.learned import (
    DEFAULT_PRIOR,
    attach_probabilities,
    cascade_index,
    learn_from_posts,
    learn_probabilities,
)
from graph.select import select_amplifiers

POSTS = [  # post_id, user_id, repost_of
    ("p1", "a", None),
    ("r1", "b", "p1"),
    ("r2", "c", "r1"),
    ("p2", "a", None),
    ("r3", "b", "p2"),
    ("r4", "d", "p2"),
    ("p3", "a", None),
    ("r5", "c", "p3"),
    ("p4", "b", None),
    ("r6", "c", "p4"),
    ("r7", "a", "r6"),
    ("p5", "e", None),
    ("r8", "e", "p5"),
    ("r9", "d", "r8"),
]


def history() -> pd.DataFrame:
    df = pd.DataFrame(POSTS, columns=["post_id", "user_id", "repost_of"])
    author = dict(zip(df["post_id"], df["user_id"], strict=True))
    df["parent_user"] = [author.get(p) if p else None for p in df["repost_of"]]
    return df


def probs(lp) -> dict[tuple[str, str], float]:
    e = lp.edges
    return {(s, d): p for s, d, p in zip(e["src_user"], e["dst_user"], e["probability"], strict=True)}


def test_cascades_and_depths():
    h = history()
    ci = cascade_index(h["post_id"], h["repost_of"])
    roots = ci.roots[ci.codes].tolist()
    assert roots == ["p1"] * 3 + ["p2"] * 3 + ["p3"] * 2 + ["p4"] * 3 + ["p5"] * 3
    assert ci.depth.tolist() == [0, 1, 2, 0, 1, 1, 0, 1, 0, 1, 2, 0, 1, 2]


def test_cascade_index_unknown_parent_loop_and_duplicates():
    ci = cascade_index(["a", "b", "x", "y"], ["zz", "a", "y", "x"])
    assert ci.roots[ci.codes[:2]].tolist() == ["zz", "zz"] and ci.depth[:2].tolist() == [1, 2]
    assert ci.codes[2:].tolist() == [-1, -1] and ci.in_loops == 2
    with pytest.raises(ValueError, match=r"post ids must be unique; 'a' appears more than once"):
        cascade_index(["a", "a"], [None, None])


def test_bernoulli_exact_without_smoothing():
    lp = learn_from_posts(history(), estimator="bernoulli", prior=(0.0, 0.0))
    assert probs(lp) == pytest.approx(
        {
            ("a", "b"): 2 / 4,
            ("a", "c"): 1 / 4,
            ("a", "d"): 1 / 4,
            ("b", "c"): 2 / 3,
            ("c", "a"): 1 / 3,
            ("e", "d"): 1 / 1,
        }
    )
    e = lp.edges.set_index(["src_user", "dst_user"])
    assert e.loc[("a", "b"), "successes"] == 2 and e.loc[("a", "b"), "trials"] == 4
    assert lp.n_cascades == 5


def test_jaccard_exact_without_smoothing():
    # A_u|v = A_u + A_v − A_u&v: a|b 4+3−3, a|c 4+3−3, a|d 4+2−1, b|c 3+3−2, c|a 3+4−3, e|d 1+2−1
    lp = learn_from_posts(history(), estimator="jaccard", prior=(0.0, 0.0))
    assert probs(lp) == pytest.approx(
        {
            ("a", "b"): 2 / 4,
            ("a", "c"): 1 / 4,
            ("a", "d"): 1 / 5,
            ("b", "c"): 2 / 4,
            ("c", "a"): 1 / 4,
            ("e", "d"): 1 / 2,
        }
    )


def test_smoothing_and_unseen_edges():
    a, b = DEFAULT_PRIOR
    lp = learn_from_posts(history())
    p = probs(lp)
    assert p[("e", "d")] == pytest.approx((1 + a) / (1 + a + b))  # seen once: not certain
    assert p[("a", "b")] == pytest.approx((2 + a) / (4 + a + b))
    got = lp.lookup(["b", "zz", "a"], ["a", "a", "b"])
    assert got == pytest.approx([a / (3 + a + b), a / (a + b), (2 + a) / (4 + a + b)])
    jac = learn_from_posts(history(), estimator="jaccard")
    assert jac.lookup(["b"], ["a"]) == pytest.approx([a / (3 + 4 + a + b)])


def test_learn_probabilities_table_input_and_errors():
    h = pd.DataFrame({"cascade": [1, 1, 2], "user_id": ["u", "v", "u"], "parent_user": [None, "u", None]})
    assert probs(learn_probabilities(h, prior=(0, 0))) == {("u", "v"): 0.5}
    with pytest.raises(ValueError, match=r"estimator must be one of bernoulli, jaccard; got 'x'"):
        learn_probabilities(h, estimator="x")
    with pytest.raises(ValueError, match=r"pseudo-counts must be >= 0; got a=-1, b=1"):
        learn_probabilities(h, prior=(-1, 1))
    with pytest.raises(ValueError, match=r"missing 'parent_user'"):
        learn_probabilities(h.drop(columns="parent_user"))


def test_learned_model_in_the_selector():
    lp = learn_from_posts(history(), prior=(0.0, 0.0))
    g = ig.Graph(n=5, edges=[(0, 1), (1, 2), (4, 3)], directed=True)
    g.vs["name"] = ["a", "b", "c", "d", "e"]
    g.es["weight"] = [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"needs each edge's probability in the edge attribute"):
        edge_probabilities(g, "learned")
    attach_probabilities(g, lp)
    assert edge_probabilities(g, "learned") == pytest.approx([0.5, 2 / 3, 1.0])
    sel = select_amplifiers(
        g,
        targets=["a", "b", "c", "d", "e"],
        eligible=["a", "b", "c", "d", "e"],
        k=2,
        model=DiffusionModel("learned", 2),
        theta_min=4000,
        n_simulations=2000,
        seed=1,
    )
    # e reaches itself and d for sure (2); a itself, b with 1/2 and c through b with 1/2 · 2/3
    assert [s.user_id for s in sel.seeds] == ["e", "a"]
    assert sel.expected_reach == pytest.approx(2 + 1 + 0.5 + 1 / 3, abs=0.08)
    assert "learned from how often" in DiffusionModel("learned").describe()


def test_bare_edge_list_refuses_learned():
    with pytest.raises(ValueError, match=r"a bare edge list has none: use wc or uniform:P"):
        probabilities_from_arrays(np.array([1]), None, 2, "learned")
