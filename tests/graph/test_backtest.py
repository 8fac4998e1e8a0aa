"""graph/backtest.py on a hand-made history (figures checked by hand) and the leak check.

The hand-made history, split at 2013-03-01 Asia/Shanghai (post: author, what it reposts, day):

    train  T1: p1 a 01-01;  r1 b ← p1 01-02;  r2 c ← r1 01-03;  r3 d ← p1 01-04
           T2: p2 a 02-01;  r4 b ← p2 02-02;  r5 e ← p2 03-05 (after the split: in neither part)
           T3: p3 c 02-10;  r6 d ← p3 02-11
    test   S1: q1 a 04-01;  s1 b ← q1 04-02;  s2 c ← s1 04-03;  s3 f ← q1 04-03;  s4 g ← s2 04-04
           S2: q2 c 05-01;  s5 d ← q2 05-02;  s6 b ← q2 05-03
           S3: q3 h 06-01;  s7 a ← q3 06-02

Train graph: a→b (2 reposts), a→d, b→c, c→d. Each of a, b, c, d took part in 2 train cascades,
so the Bernoulli probabilities (no prior) are a→b 2/2, a→d 1/2, b→c 1/2, c→d 1/2.
"""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pandas as pd
import pytest

from graph import backtest as bt

SPLIT = date(2013, 3, 1)
POSTS = [
    ("p1", "a", "2013-01-01", None),
    ("r1", "b", "2013-01-02", "p1"),
    ("r2", "c", "2013-01-03", "r1"),
    ("r3", "d", "2013-01-04", "p1"),
    ("p2", "a", "2013-02-01", None),
    ("r4", "b", "2013-02-02", "p2"),
    ("r5", "e", "2013-03-05", "p2"),
    ("p3", "c", "2013-02-10", None),
    ("r6", "d", "2013-02-11", "p3"),
    ("q1", "a", "2013-04-01", None),
    ("s1", "b", "2013-04-02", "q1"),
    ("s2", "c", "2013-04-03", "s1"),
    ("s3", "f", "2013-04-03", "q1"),
    ("s4", "g", "2013-04-04", "s2"),
    ("q2", "c", "2013-05-01", None),
    ("s5", "d", "2013-05-02", "q2"),
    ("s6", "b", "2013-05-03", "q2"),
    ("q3", "h", "2013-06-01", None),
    ("s7", "a", "2013-06-02", "q3"),
]
PROFILES = [  # user, followers, seen
    ("a", 100, "2013-01-01"),
    ("c", 90_000, "2013-02-10"),
    ("b", 10, "2013-04-02"),  # seen after the split: unknown to the backtest
]


def history(rows=POSTS) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["post_id", "user_id", "created_at", "repost_of"])
    df["created_at"] = pd.to_datetime(df["created_at"]).dt.tz_localize("UTC")
    author = dict(zip(df["post_id"], df["user_id"], strict=True))
    df["parent_user"] = [author.get(p) if p else None for p in df["repost_of"]]
    return df


def profiles(rows=PROFILES) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["user_id", "followers", "seen_at"])
    df["seen_at"] = pd.to_datetime(df["seen_at"]).dt.tz_localize("UTC")
    return df


@pytest.fixture
def parts():
    tl = bt.build_timeline(history())
    sp = bt.split_timeline(tl, bt.split_instant(SPLIT))
    tg = bt.train_graph(tl, sp, prior=(0.0, 0.0))
    return tl, sp, tg


def labelled_edges(tl, tg) -> dict[tuple[str, str], float]:
    names = np.asarray(tl.users, dtype=object)
    return {(names[s], names[d]): w for s, d, w in zip(tg.src, tg.dst, tg.weight, strict=True)}


def test_split_and_train_graph(parts):
    tl, sp, tg = parts
    names = np.asarray(tl.users, dtype=object)
    assert sp.train_cascades == 3 and len(sp.test_cascades) == 3
    assert sp.late_posts == 1 and int(sp.train.sum()) == 8 and int(sp.test.sum()) == 10
    assert labelled_edges(tl, tg) == {("a", "b"): 2.0, ("a", "d"): 1.0, ("b", "c"): 1.0, ("c", "d"): 1.0}
    assert sorted(names[tg.vertices]) == ["a", "b", "c", "d"]
    learned = tg.learned["bernoulli"].edges
    got = {
        (s, d): p
        for s, d, p in zip(learned["src_user"], learned["dst_user"], learned["probability"], strict=True)
    }
    assert got == {("a", "b"): 1.0, ("a", "d"): 0.5, ("b", "c"): 0.5, ("c", "d"): 0.5}


def test_real_spread_by_depth(parts):
    tl, sp, _ = parts
    real = bt.real_spread(tl, sp)
    names = np.asarray(tl.users, dtype=object)
    got = {
        names[u]: (d1, d2)
        for u, d1, d2 in zip(real["root_user"], real["depth1"], real["depth2"], strict=True)
    }
    # S1: depth 1 b, f; depth 2 c (g is depth 3). S2: d, b. S3: a.
    assert got == {"a": (2, 3), "c": (2, 2), "h": (1, 1)}


def test_spread_prediction_by_hand(parts):
    tl, sp, tg = parts
    fits, table = bt.spread_prediction(tl, sp, tg, ["learned", "uniform:0.5"])
    # only S1 (root a) and S2 (root c) have their author in the train graph
    assert table["root_user"].tolist() == ["a", "c"]
    # learned from a: 1 hop 1 + 0.5; 2 hops b 1, d 0.5, c via b 1 · 0.5. From c: d 0.5.
    assert table["predicted1_learned"].tolist() == pytest.approx([1.5, 0.5])
    assert table["predicted2_learned"].tolist() == pytest.approx([2.0, 0.5])
    assert table["predicted2_uniform:0.5"].tolist() == pytest.approx([0.5 + 0.5 + 0.25, 0.5])
    learned = fits[0]
    assert learned.model == "learned" and learned.n_cascades == 2
    assert learned.mae1 == pytest.approx((abs(1.5 - 2) + abs(0.5 - 2)) / 2)
    assert learned.mae2 == pytest.approx((abs(2.0 - 3) + abs(0.5 - 2)) / 2)


def _brute_force(n, edges, probs, root):
    """Expected reach within 1 and 2 hops of ``root``, over every live-edge world."""
    e1 = e2 = 0.0
    for live in itertools.product([False, True], repeat=len(edges)):
        w = np.prod([p if on else 1 - p for p, on in zip(probs, live, strict=True)])
        adj = {}
        for (a, b), on in zip(edges, live, strict=True):
            if on:
                adj.setdefault(a, []).append(b)
        hop1 = set(adj.get(root, [])) - {root}
        hop2 = hop1 | {v for u in hop1 for v in adj.get(u, [])}
        e1 += w * len(hop1)
        e2 += w * len(hop2 - {root})
    return e1, e2


def test_expected_spread_matches_every_world():
    rng = np.random.default_rng(7)
    n = 5
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    edges = sorted(pairs[i] for i in rng.choice(len(pairs), size=9, replace=False))
    probs = rng.uniform(0.1, 1.0, size=len(edges)).round(2)
    probs[0] = 1.0  # a certain edge
    src = np.array([a for a, _ in edges])
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
    dst = np.array([b for _, b in edges])
    for root in range(n):
        hop1, hop2 = bt.expected_spread(ptr, dst, probs, [root])
        assert (hop1[0], hop2[0]) == pytest.approx(_brute_force(n, edges, probs, root))


def test_realized_reach_by_hand(parts):
    tl, sp, _ = parts
    names = np.asarray(tl.users, dtype=object)

    def reached(seeds):
        codes = tl.users.get_indexer(seeds)
        (_, u1), (_, u2) = bt.realized_reach(tl, sp, codes)
        return sorted(set(names[u1])), sorted(set(names[u2]))

    assert reached(["a"]) == (["b", "f"], ["b", "c", "f"])
    assert reached(["c"]) == (["b", "d", "g"], ["b", "d", "g"])
    assert reached(["a", "c"]) == (["b", "d", "f", "g"], ["b", "d", "f", "g"])  # seeds left out


def test_cross_infection_by_hand(parts):
    tl, sp, tg = parts
    rows = {r.exposures: r for r in bt.cross_infection(tl, sp, tg, np.ones((4, 3), dtype=np.int64))}
    # once: b, c in S1 (reposted), d in S2 (reposted), b and d in S3 (not); twice: d in S1 (not)
    assert (rows["1"].pairs, rows["1"].reposted, rows["1"].rate) == (5, 3, pytest.approx(0.6))
    assert (rows["2"].pairs, rows["2"].reposted) == (1, 0)
    assert rows["2"].independent == pytest.approx(1 - 0.4**2)
    assert rows["3"].pairs == 0 and rows["2+"].pairs == 1
    assert rows["1"].ci == pytest.approx((0.6, 0.6))  # every sample is the whole data here


def test_known_followers_only_before_the_split():
    got = bt.known_followers(profiles(), bt.split_instant(SPLIT))
    assert got == {"a": 100, "c": 90_000}


def test_run_backtest_lists_and_rows():
    res = bt.run_backtest(history(), profiles(), split=SPLIT, k=2, n_bootstrap=20, seed=1)
    lists = {sl.name: sl.seeds for sl in res.lists}
    assert lists["followers"] == ("c", "a")  # b's count was seen after the split
    assert lists["followers_ordinary"] == ("a", "b")  # c has 90,000 > 50,000; unknowns pass
    assert {"tajian", "tajian_ordinary", "ris_learned", "pagerank", "degree"} <= set(lists)
    assert lists["degree"] == ("a", "b")  # a spreads to b and d; ties by id
    reach = {r.name: r for r in res.reach}
    # seeds a and b. Depth 1: s1 (b, a seed: left out), s3 (f), s2 (c answers b's s1).
    # Depth 2 adds s4 (g answers c's s2).
    assert (reach["degree"].reach1, reach["degree"].reach2) == (2, 3)
    rows = pd.DataFrame(res.rows())
    got = rows[(rows["list"] == "degree") & (rows["metric"] == "reached_depth1")]["value"]
    assert got.tolist() == [2]
    assert res.counts["test_cascades_root_in_train"] == 2 and res.counts["late_posts_dropped"] == 1


def test_errors_say_what_to_do():
    with pytest.raises(ValueError, match=r"leaves 6 train and 0 test cascades; pick a date inside"):
        bt.run_backtest(history(), profiles(), split=date(2014, 1, 1), k=1)
    with pytest.raises(
        ValueError, match=r"k must be between 1 and the number of eligible users in the all track \(4\)"
    ):
        bt.run_backtest(history(), profiles(), split=SPLIT, k=9, n_bootstrap=0)
    with pytest.raises(ValueError, match=r"learned estimator must be one of bernoulli, jaccard"):
        bt.check_models(["learned:x"])
    with pytest.raises(ValueError, match=r"probability must be 'wc' or 'uniform:P'"):
        bt.check_models(["uniform:7"])


def synthetic(seed: int, n_users: int = 40, train: int = 30, test: int = 15) -> list[tuple]:
    """A random history: cascades rooted at random users, each repost answering a random
    earlier post of the same cascade (day offsets keep train cascades before the split)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(train + test):
        base = pd.Timestamp("2012-06-01") + pd.Timedelta(days=int(c * 8 if c < train else 280 + c))
        root = f"c{seed}_{c}"
        rows.append((root, f"u{rng.integers(n_users)}", str(base.date()), None))
        ids = [root]
        for j in range(int(rng.integers(1, 12))):
            pid = f"{root}_{j}"
            rows.append(
                (
                    pid,
                    f"u{rng.integers(n_users)}",
                    str((base + pd.Timedelta(hours=j + 1)).date()),
                    ids[rng.integers(len(ids))],
                )
            )
            ids.append(pid)
    return rows


def test_nothing_from_the_test_part_leaks_into_what_is_learned():
    """Change everything after the split (other test cascades, late reposts of train cascades,
    profiles seen later): what the train part yields must not move."""
    base = [r for r in synthetic(1) if r[2] < "2013-02-28"]
    first = base + [r for r in synthetic(1) if r[2] >= "2013-03-01"]
    later = [(f"x{i}", f"u{i % 50}", "2013-03-02", first[i][0]) for i in range(0, 60, 3)]  # late reposts
    second = base + later + [r for r in synthetic(2, n_users=60) if r[2] >= "2013-03-01"]
    prof1 = profiles([("u1", 10, "2012-07-01"), ("u2", 60_000, "2012-08-01")])
    prof2 = profiles([("u1", 10, "2012-07-01"), ("u2", 60_000, "2012-08-01"), ("u3", 10**7, "2013-05-01")])
    r1 = bt.run_backtest(history(first), prof1, split=SPLIT, k=5, n_bootstrap=5, seed=3)
    r2 = bt.run_backtest(history(second), prof2, split=SPLIT, k=5, n_bootstrap=5, seed=3)
    assert r1.counts["test_posts"] != r2.counts["test_posts"]  # the futures differ
    assert r2.counts["late_posts_dropped"] == len(later)
    for key in (
        "train_cascades",
        "train_posts",
        "train_users",
        "train_edges",
        "followers_known_before_split",
    ):
        assert r1.counts[key] == r2.counts[key], key
    assert [(sl.name, sl.seeds) for sl in r1.lists] == [(sl.name, sl.seeds) for sl in r2.lists]
    for est in ("bernoulli", "jaccard"):
        tl1, tl2 = (bt.build_timeline(history(rows)) for rows in (first, second))
        g1 = bt.train_graph(tl1, bt.split_timeline(tl1, bt.split_instant(SPLIT)))
        g2 = bt.train_graph(tl2, bt.split_timeline(tl2, bt.split_instant(SPLIT)))
        e1 = g1.learned[est].edges.sort_values(["src_user", "dst_user"]).reset_index(drop=True)
        e2 = g2.learned[est].edges.sort_values(["src_user", "dst_user"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(e1, e2)
        assert labelled_edges(tl1, g1) == labelled_edges(tl2, g2)


def test_bootstrap_shares_add_up_to_the_distinct_count():
    rng = np.random.default_rng(3)
    pos, user = rng.integers(0, 30, 500), rng.integers(0, 120, 500)
    shares = bt.cascade_shares(pos, user, 30)
    assert shares.sum() == pytest.approx(len(np.unique(user)))
    weights = bt.bootstrap_weights(30, 400, seed=1)
    samples = weights @ shares
    assert samples.mean() == pytest.approx(len(np.unique(user)), rel=0.03)  # centred on the count
