"""Backtest the spread model on real cascades: learn on the past, check against the future.

The history (one row per post, with the author of the post it reposts; see
:mod:`store.history`) is split at an instant: a cascade belongs to the *train* part when its
root post (or, when that is unknown, its first post) is before the split and to the *test* part
otherwise. Train keeps only posts made
before the split (reposts of a train cascade made later are in neither part, and counted), and a
repost link counts in train only when the reposted post is in train too; follower counts are
those seen before the split. So nothing the train part yields (graph, learned probabilities,
seed lists) can depend on the test part; ``tests/graph/test_backtest.py`` checks it.

Three checks, each against what people really did in the test cascades:

* **spread prediction** (:func:`spread_prediction`): for each test cascade whose root author is
  in the train graph, the expected number of people reached within 1 and 2 hops of the root
  under each model (computed exactly, no sampling: from a single seed, each 2-hop path uses its
  own edges) against the real number of distinct reposters at depth 1 and ≤ 2: Spearman
  correlation, mean absolute error and calibration bins;
* **seed sets** (:func:`choose_seed_lists`, :func:`realized_reach`): the top-k chosen on the
  train graph by each method, and the distinct people who really reposted from them in the test
  cascades (depth 1: a repost answering a seed's post; depth 2: answering such a repost), with a
  bootstrap interval over test cascades (:func:`cascade_shares`) and the share of them the
  train graph had seen;
* **cross-infection** (:func:`cross_infection`): in the test cascades, how often a person
  reposts when exposed by 1, 2, 3… earlier participants whose posts they had reposted in train,
  beside what independent exposures would give (1 − (1 − r₁)^e).

Example (a tiny history: a's cascade before the split, a's and b's after):
    >>> import pandas as pd
    >>> t = pd.Timestamp
    >>> posts = pd.DataFrame({
    ...     "post_id": ["p1", "r1", "p2", "r2", "r3"], "user_id": ["a", "b", "a", "b", "c"],
    ...     "created_at": [t("2013-01-01", tz="UTC"), t("2013-01-02", tz="UTC"),
    ...                    t("2013-05-01", tz="UTC"), t("2013-05-02", tz="UTC"),
    ...                    t("2013-05-03", tz="UTC")],
    ...     "repost_of": [None, "p1", None, "p2", "r2"], "parent_user": [None, "a", None, "a", "b"]})
    >>> tl = build_timeline(posts)
    >>> sp = split_timeline(tl, t("2013-03-01", tz="UTC"))
    >>> int(sp.train.sum()), len(sp.test_cascades)
    (2, 1)
    >>> real_spread(tl, sp)[["depth1", "depth2"]].values.tolist()
    [[1, 2]]
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import igraph as ig
import numpy as np
import pandas as pd

from graph.diffusion import DiffusionModel, probabilities_from_arrays
from graph.learned import DEFAULT_PRIOR, ESTIMATORS, LearnedProbabilities, cascade_index, learn_from_codes
from graph.options import parse_probability
from graph.select import select_amplifiers

__all__ = [
    "DEFAULT_MODELS",
    "NAIVE_METHODS",
    "BacktestResult",
    "Difference",
    "ExposureRow",
    "ListReach",
    "SeedList",
    "Split",
    "SpreadFit",
    "Timeline",
    "TrainGraph",
    "bootstrap_weights",
    "build_timeline",
    "cascade_shares",
    "check_models",
    "choose_seed_lists",
    "cross_infection",
    "expected_spread",
    "known_followers",
    "model_probabilities",
    "real_spread",
    "realized_reach",
    "run_backtest",
    "score_lists",
    "split_instant",
    "split_timeline",
    "spread_prediction",
    "train_graph",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: the models compared; ``learned:jaccard`` is the Jaccard estimator, ``learned`` the default one
DEFAULT_MODELS = ("wc", "uniform:0.01", "learned", "learned:jaccard")
NAIVE_METHODS = ("followers", "pagerank", "degree")
TRACKS = ("all", "ordinary")


def _quiet(template: str, **fields: Any) -> None:
    """No progress lines (the default)."""


def split_instant(day: date) -> pd.Timestamp:
    """Midnight starting ``day`` in Asia/Shanghai, as a UTC timestamp.

    >>> str(split_instant(date(2013, 3, 1)))
    '2013-02-28 16:00:00+00:00'
    """
    return pd.Timestamp(datetime(day.year, day.month, day.day), tz=SHANGHAI).tz_convert("UTC")


def _ns(ts: Any) -> np.ndarray:
    s = pd.to_datetime(pd.Series(ts), utc=True)
    return s.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)


@dataclass(frozen=True)
class Timeline:
    """The history as integer arrays, one entry per post (users as codes into ``users``)."""

    users: pd.Index
    user: np.ndarray
    parent_user: np.ndarray  # −1: an original, or the reposted post is unknown
    parent_post: np.ndarray  # row of the reposted post, −1 when unknown
    cascade: np.ndarray  # −1: caught in a repost loop
    depth: np.ndarray
    time: np.ndarray  # ns since the epoch, UTC
    root_user: np.ndarray  # per cascade, −1 when its root post is unknown
    start: np.ndarray  # per cascade: its root post's time (the first post's when unknown)

    @property
    def n_users(self) -> int:
        return len(self.users)


def build_timeline(posts: pd.DataFrame) -> Timeline:
    """Arrays of a repost history (``post_id, user_id, created_at, repost_of, parent_user``)."""
    need = ("post_id", "user_id", "created_at", "repost_of", "parent_user")
    missing = [c for c in need if c not in posts.columns]
    if missing:
        raise ValueError(f"the history needs columns {', '.join(need)}; missing {', '.join(missing)}")
    ci = cascade_index(posts["post_id"], posts["repost_of"])
    n = len(posts)
    codes, users = pd.factorize(
        pd.concat([posts["user_id"].astype(object), posts["parent_user"].astype(object)], ignore_index=True)
    )
    index = pd.Index(posts["post_id"].astype(object))
    stamp = _ns(posts["created_at"])
    start = np.full(len(ci.roots), np.iinfo(np.int64).max, dtype=np.int64)
    ok = ci.codes >= 0
    np.minimum.at(start, ci.codes[ok], stamp[ok])
    root_post = index.get_indexer(pd.Index(ci.roots, dtype=object))
    start = np.where(root_post >= 0, stamp[np.maximum(root_post, 0)], start)  # the root's own time
    user = codes[:n].astype(np.int64)
    return Timeline(
        users=pd.Index(users, dtype=object),
        user=user,
        parent_user=codes[n:].astype(np.int64),
        parent_post=index.get_indexer(pd.Index(posts["repost_of"].astype(object))).astype(np.int64),
        cascade=ci.codes,
        depth=ci.depth,
        time=stamp,
        root_user=np.where(root_post >= 0, user[np.maximum(root_post, 0)], -1),
        start=start,
    )


@dataclass(frozen=True)
class Split:
    """Which posts are train (``train``) and which cascades test (``test_cascades``)."""

    at: pd.Timestamp
    train: np.ndarray  # per post
    test: np.ndarray  # per post: it belongs to a test cascade
    test_cascades: np.ndarray  # cascade codes
    train_cascades: int
    late_posts: int  # posts of train cascades made at or after the split: in neither part


def split_timeline(tl: Timeline, at: pd.Timestamp) -> Split:
    """Split by the time each cascade started (see the module docstring)."""
    cut = int(_ns([at])[0])
    ok = tl.cascade >= 0
    first = np.where(ok, tl.start[np.maximum(tl.cascade, 0)], np.iinfo(np.int64).max)
    before = ok & (first < cut)
    train = before & (tl.time < cut)
    test = ok & (first >= cut)
    return Split(
        at=at,
        train=train,
        test=test,
        test_cascades=np.unique(tl.cascade[test]),
        train_cascades=len(np.unique(tl.cascade[train])),
        late_posts=int((before & ~train).sum()),
    )


@dataclass(frozen=True)
class TrainGraph:
    """The influence graph of the train part (user codes of the timeline) and what it learned.

    ``weight`` counts the train reposts along each edge; ``vertices`` are the users who posted
    in train or were reposted there; ``learned`` maps an estimator to its probabilities.
    """

    vertices: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    learned: Mapping[str, LearnedProbabilities]

    def out_csr(self, n_users: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ptr, dst, edge)``: the out-edges of user u are ``dst[ptr[u]:ptr[u+1]]``, edge ids
        ``edge[…]`` (``src, dst`` are sorted by source already)."""
        ptr = np.zeros(n_users + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.src, minlength=n_users), out=ptr[1:])
        return ptr, self.dst, np.arange(len(self.dst))


def _train_links(tl: Timeline, sp: Split) -> np.ndarray:
    """Train posts that repost a train post by someone else."""
    has = tl.parent_post >= 0
    parent_in_train = np.zeros(len(tl.user), dtype=bool)
    parent_in_train[has] = sp.train[tl.parent_post[has]]
    return sp.train & parent_in_train & (tl.parent_user != tl.user)


def train_graph(
    tl: Timeline,
    sp: Split,
    *,
    estimators: Sequence[str] = ESTIMATORS,
    prior: tuple[float, float] = DEFAULT_PRIOR,
) -> TrainGraph:
    """Edges author-of-reposted → reposter over train links, and the learned probabilities."""
    link = _train_links(tl, sp)
    nu = max(tl.n_users, 1)
    pair, weight = np.unique(tl.parent_user[link] * nu + tl.user[link], return_counts=True)
    parent = np.where(link, tl.parent_user, -1)[sp.train]
    learned = {
        est: learn_from_codes(
            tl.cascade[sp.train], tl.user[sp.train], parent, tl.users, estimator=est, prior=prior
        )
        for est in estimators
    }
    return TrainGraph(
        vertices=np.unique(np.concatenate([tl.user[sp.train], tl.parent_user[link]])),
        src=pair // nu,
        dst=pair % nu,
        weight=weight.astype(float),
        learned=learned,
    )


def _estimator(spec: str, default: str = "bernoulli") -> str | None:
    if spec == "learned":
        return default
    if spec.startswith("learned:"):
        return spec.split(":", 1)[1]
    return None


def check_models(models: Sequence[str]) -> list[str]:
    """The model specs, checked: ``wc``, ``uniform:P``, ``learned`` or ``learned:ESTIMATOR``."""
    out = []
    for m in models:
        m = m.strip()
        est = _estimator(m)
        if est is not None and est not in ESTIMATORS:
            raise ValueError(
                f"model {m!r}: the learned estimator must be one of {', '.join(ESTIMATORS)}; "
                "e.g. learned or learned:jaccard"
            )
        if est is None:
            parse_probability(m)
        if m not in out:
            out.append(m)
    if not out:
        raise ValueError("no models to compare; expected e.g. wc,uniform:0.01,learned")
    return out


def model_probabilities(tg: TrainGraph, spec: str, n_users: int, estimator: str = "bernoulli") -> np.ndarray:
    """Each train edge's probability under ``spec`` (edge order of ``tg``); ``learned`` means
    the ``estimator`` given."""
    est = _estimator(spec, estimator)
    if est is not None:
        return tg.learned[est].lookup_codes(tg.src, tg.dst)
    return probabilities_from_arrays(tg.dst, tg.weight, n_users, spec)


def _out_edges(ptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edge indices of the out-edges of ``nodes`` (CSR ``ptr``) and, per edge, its position in
    ``nodes``."""
    lens = ptr[nodes + 1] - ptr[nodes]
    owner = np.repeat(np.arange(len(nodes)), lens)
    offsets = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    return ptr[nodes][owner] + offsets, owner


def expected_spread(
    ptr: np.ndarray, dst: np.ndarray, prob: np.ndarray, roots: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Expected people reached within 1 and within 2 hops of each root alone, besides the root.

    Exact: from a single seed, v is reached within 2 hops unless its edge from the root and every
    path root→w→v fail, and those paths share no edge, so
    P(v) = 1 − (1 − p(r,v)) · Π_w (1 − p(r,w) p(w,v)).

    >>> ptr = np.array([0, 2, 3, 3]); dst = np.array([1, 2, 2]); p = np.array([0.5, 0.5, 0.5])
    >>> [x.tolist() for x in expected_spread(ptr, dst, p, [0])]   # c: 1 − 0.5 · 0.75
    [[1.0], [1.125]]
    """
    hop1 = np.zeros(len(roots))
    hop2 = np.zeros(len(roots))
    for i, r in enumerate(roots):
        first = np.arange(ptr[r], ptr[r + 1])
        w, pw = dst[first], prob[first]
        hop1[i] = float(pw.sum())
        second, owner = _out_edges(ptr, w)
        v2, x2 = dst[second], pw[owner] * prob[second]
        keep = v2 != r
        v = np.concatenate([w, v2[keep]])
        x = np.concatenate([pw, x2[keep]])
        if len(v) == 0:
            continue
        uniq, inv = np.unique(v, return_inverse=True)
        certain = np.bincount(inv, weights=(x >= 1.0).astype(float), minlength=len(uniq)) > 0
        logs = np.bincount(inv, weights=np.log1p(-np.minimum(x, 1.0 - 1e-12)), minlength=len(uniq))
        hop2[i] = float(np.where(certain, 1.0, -np.expm1(logs)).sum())
    return hop1, hop2


def real_spread(tl: Timeline, sp: Split) -> pd.DataFrame:
    """Per test cascade: its root author, and the distinct people (not the root's author) who
    reposted at depth 1 and at depth ≤ 2."""
    cas = sp.test_cascades
    m = sp.test & (tl.depth >= 1) & (tl.depth <= 2)
    c, u, d = tl.cascade[m], tl.user[m], tl.depth[m]
    other = u != tl.root_user[c]
    pos = np.searchsorted(cas, c)

    def distinct(mask: np.ndarray) -> np.ndarray:
        pairs = np.unique(np.stack([pos[mask], u[mask]]), axis=1)
        return np.bincount(pairs[0], minlength=len(cas))

    return pd.DataFrame(
        {
            "cascade": cas,
            "root_user": tl.root_user[cas],
            "depth1": distinct(other & (d == 1)),
            "depth2": distinct(other),
        }
    )


@dataclass(frozen=True)
class SpreadFit:
    """How one model's predicted spread matched the real one over the same test cascades."""

    model: str
    n_cascades: int
    spearman1: float
    spearman2: float
    mae1: float
    mae2: float
    mean_predicted1: float
    mean_predicted2: float
    mean_real1: float
    mean_real2: float
    #: (mean predicted, mean real, cascades) per bin of predicted 2-hop spread, low to high
    bins2: tuple[tuple[float, float, int], ...] = ()
    bins1: tuple[tuple[float, float, int], ...] = ()


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    ra, rb = pd.Series(a).rank().to_numpy(), pd.Series(b).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def _bins(pred: np.ndarray, real: np.ndarray, n_bins: int = 10) -> tuple[tuple[float, float, int], ...]:
    order = np.argsort(pred, kind="stable")
    parts = [p for p in np.array_split(order, min(n_bins, len(order))) if len(p)]
    return tuple((float(pred[p].mean()), float(real[p].mean()), len(p)) for p in parts)


def spread_prediction(
    tl: Timeline,
    sp: Split,
    tg: TrainGraph,
    models: Sequence[str],
    *,
    estimator: str = "bernoulli",
) -> tuple[list[SpreadFit], pd.DataFrame]:
    """Each model's predicted spread from the root of every test cascade whose root author is
    in the train graph, against the real spread; and the per-cascade table."""
    real = real_spread(tl, sp)
    in_train = np.zeros(tl.n_users, dtype=bool)
    in_train[tg.vertices] = True
    real = real[(real["root_user"] >= 0) & in_train[np.maximum(real["root_user"], 0)]].reset_index(drop=True)
    ptr, dst, _ = tg.out_csr(tl.n_users)
    roots = real["root_user"].to_numpy()
    r1, r2 = real["depth1"].to_numpy(float), real["depth2"].to_numpy(float)
    fits = []
    table = real.assign(root_user=np.asarray(tl.users, dtype=object)[roots] if len(roots) else [])
    for spec in models:
        hop1, hop2 = expected_spread(ptr, dst, model_probabilities(tg, spec, tl.n_users, estimator), roots)
        table[f"predicted1_{spec}"], table[f"predicted2_{spec}"] = hop1, hop2
        fits.append(
            SpreadFit(
                model=spec,
                n_cascades=len(roots),
                spearman1=_spearman(hop1, r1),
                spearman2=_spearman(hop2, r2),
                mae1=float(np.abs(hop1 - r1).mean()) if len(roots) else float("nan"),
                mae2=float(np.abs(hop2 - r2).mean()) if len(roots) else float("nan"),
                mean_predicted1=float(hop1.mean()) if len(roots) else float("nan"),
                mean_predicted2=float(hop2.mean()) if len(roots) else float("nan"),
                mean_real1=float(r1.mean()) if len(roots) else float("nan"),
                mean_real2=float(r2.mean()) if len(roots) else float("nan"),
                bins2=_bins(hop2, r2),
                bins1=_bins(hop1, r1),
            )
        )
    return fits, table


@dataclass(frozen=True)
class SeedList:
    """One compared list: ``name`` is its file stem (``tajian``, ``ris_learned``, ``degree``,
    each with ``_ordinary`` in the ordinary track)."""

    name: str
    track: str
    method: str
    model: str
    seeds: tuple[str, ...]
    guarantee: str = ""


def known_followers(profiles: pd.DataFrame, at: pd.Timestamp) -> dict[str, int]:
    """Each user's follower count as last seen before ``at`` (profiles seen later, or at an
    unknown time, are not used)."""
    if profiles.empty:
        return {}
    seen = pd.to_datetime(profiles["seen_at"], utc=True)
    p = profiles.assign(seen_at=seen)
    p = p[p["followers"].notna() & p["seen_at"].notna() & (p["seen_at"] < at)]
    p = p.sort_values(["user_id", "seen_at"], kind="stable").drop_duplicates("user_id", keep="last")
    return {str(u): int(f) for u, f in zip(p["user_id"], p["followers"], strict=True)}


def _train_igraph(tl: Timeline, tg: TrainGraph) -> ig.Graph:
    """The train graph as igraph, vertices in user-id order and edges in (source, target) order,
    so that it depends on the train part alone (not on how the whole history was coded)."""
    names = np.asarray(tl.users, dtype=object)[tg.vertices].astype(str)
    order = np.argsort(names, kind="stable")
    local = np.full(tl.n_users, -1, dtype=np.int64)
    local[tg.vertices[order]] = np.arange(len(order))
    a, b = local[tg.src], local[tg.dst]
    edge_order = np.lexsort((b, a))
    g = ig.Graph(n=len(order), directed=True)
    g.add_edges(np.column_stack([a[edge_order], b[edge_order]]))
    g.vs["name"] = names[order].tolist()
    g.es["weight"] = tg.weight[edge_order].tolist()
    g["edge_order"] = edge_order  # the train graph's edge behind each igraph edge
    return g


def _slug(spec: str) -> str:
    return spec.replace(":", "_")


def choose_seed_lists(
    tl: Timeline,
    tg: TrainGraph,
    followers: Mapping[str, int],
    *,
    k: int,
    models: Sequence[str],
    default_model: str,
    estimator: str = "bernoulli",
    max_hops: int = 2,
    follower_cap: int = 50_000,
    seed: int = 0,
    progress: Callable[..., None] | None = None,
) -> list[SeedList]:
    """The top-``k`` of each method on the train graph, in two tracks: ``all`` (no limit) and
    ``ordinary`` (follower count ≤ ``follower_cap`` where known; unknown passes, as in
    ``tajian run``). Ours (RIS) under each model; the naive rankings once per track."""
    progress = progress or _quiet
    g = _train_igraph(tl, tg)
    names = g.vs["name"]
    lists: list[SeedList] = []
    for track in TRACKS:
        eligible = (
            names
            if track == "all"
            else [u for u in names if followers.get(u) is None or followers[u] <= follower_cap]
        )
        if not 1 <= k <= len(eligible):
            raise ValueError(
                f"k must be between 1 and the number of eligible users in the {track} track "
                f"({len(eligible):,}); got {k}"
            )
        suffix = "" if track == "all" else "_ordinary"
        for i, spec in enumerate(models):
            est = _estimator(spec, estimator)
            if est is not None:
                probs = tg.learned[est].lookup_codes(tg.src, tg.dst)
                g.es["probability"] = probs[g["edge_order"]].tolist()
            started = time.monotonic()
            sel = select_amplifiers(
                g,
                targets=names,
                eligible=eligible,
                k=k,
                method="ris",
                model=DiffusionModel("learned" if est else spec, max_hops),
                seed=seed,
                n_simulations=0,
                followers=followers,
                baselines=NAIVE_METHODS if i == 0 else (),
            )
            progress(
                "{track} track, ris under {model}: {seconds:.0f} s",
                track=track,
                model=spec,
                seconds=time.monotonic() - started,
            )
            stem = "tajian" if spec == default_model else f"ris_{_slug(spec)}"
            lists.append(SeedList(stem + suffix, track, "ris", spec, tuple(sel.seed_ids), sel.guarantee))
            for m, b in sel.baselines.items():
                lists.append(SeedList(m + suffix, track, m, "", tuple(b.seeds)))
    return lists


def realized_reach(
    tl: Timeline, sp: Split, seed_codes: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The (test cascade position, user) pairs really reached from the seeds, at depth 1 and
    at depth ≤ 2, the seeds themselves left out."""
    is_seed = np.zeros(tl.n_users + 1, dtype=bool)  # the extra slot answers index −1
    is_seed[np.asarray(seed_codes, dtype=np.int64)] = True
    d1 = sp.test & is_seed[tl.parent_user]
    d2 = sp.test & np.append(d1, False)[tl.parent_post]
    keep = ~is_seed[tl.user]
    pos = np.searchsorted(sp.test_cascades, tl.cascade)

    def pairs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        both = np.unique(np.stack([pos[mask], tl.user[mask]]), axis=1)
        return both[0], both[1]

    return pairs(d1 & keep), pairs((d1 | d2) & keep)


def cascade_shares(pos: np.ndarray, user: np.ndarray, n_cascades: int) -> np.ndarray:
    """Each test cascade's share of the distinct people reached: a person reached in m cascades
    counts 1/m in each, so the shares add up to the distinct count.

    A bootstrap over cascades then resamples an additive total: a resample's mean is the count
    itself. (Counting the distinct people of a resample instead is biased low: a resample holds
    only about 63% of the cascades, the rest being repeats.)

    >>> cascade_shares(np.array([0, 1, 1]), np.array([7, 7, 8]), 3).tolist()
    [0.5, 1.5, 0.0]
    """
    if len(user) == 0:
        return np.zeros(n_cascades)
    codes, _ = pd.factorize(user)
    per_user = np.bincount(codes)
    return np.bincount(pos, weights=1.0 / per_user[codes], minlength=n_cascades)


@dataclass(frozen=True)
class ListReach:
    """What one list really reached in the test cascades (distinct people, seeds left out)."""

    name: str
    track: str
    method: str
    model: str
    reach1: int
    reach2: int
    ci1: tuple[float, float]
    ci2: tuple[float, float]
    seen1: float  # share of the depth-1 people the train graph had seen
    seen2: float
    seeds_posting: int  # seeds with at least one post in the test cascades


def _interval(samples: np.ndarray) -> tuple[float, float]:
    if len(samples) == 0:
        return (float("nan"), float("nan"))
    lo, hi = np.percentile(samples, [2.5, 97.5])
    return (float(lo), float(hi))


def score_lists(
    tl: Timeline, sp: Split, tg: TrainGraph, lists: Sequence[SeedList], weights: np.ndarray
) -> tuple[list[ListReach], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Each list's real reach with its bootstrap interval; and the bootstrap samples (depth 1,
    depth ≤ 2) by list name, for paired differences."""
    in_train = np.zeros(tl.n_users, dtype=bool)
    in_train[tg.vertices] = True
    index = tl.users
    posting = np.zeros(tl.n_users, dtype=bool)
    posting[tl.user[sp.test]] = True
    out, samples = [], {}
    for sl in lists:
        codes = index.get_indexer(pd.Index(list(sl.seeds), dtype=object))
        codes = codes[codes >= 0]
        (p1, u1), (p2, u2) = realized_reach(tl, sp, codes)
        n_c = len(sp.test_cascades)
        s1 = weights @ cascade_shares(p1, u1, n_c) if len(weights) else np.zeros(0)
        s2 = weights @ cascade_shares(p2, u2, n_c) if len(weights) else np.zeros(0)
        samples[sl.name] = (s1, s2)
        r1, r2 = np.unique(u1), np.unique(u2)
        out.append(
            ListReach(
                name=sl.name,
                track=sl.track,
                method=sl.method,
                model=sl.model,
                reach1=len(r1),
                reach2=len(r2),
                ci1=_interval(s1),
                ci2=_interval(s2),
                seen1=float(in_train[r1].mean()) if len(r1) else float("nan"),
                seen2=float(in_train[r2].mean()) if len(r2) else float("nan"),
                seeds_posting=int(posting[codes].sum()),
            )
        )
    return out, samples


def bootstrap_weights(n_cascades: int, n_samples: int, seed: int) -> np.ndarray:
    """How many times each test cascade is drawn in each bootstrap sample (samples × cascades)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, max(n_cascades, 1), size=(n_samples, n_cascades))
    return np.stack([np.bincount(d, minlength=n_cascades) for d in draws]) if n_samples else np.zeros((0, 0))


@dataclass(frozen=True)
class ExposureRow:
    """People exposed in a test cascade by ``exposures`` earlier participants whose posts they
    had reposted in train: how many such (person, cascade) pairs, how many reposted, the rate
    with its bootstrap interval, and the rate independent exposures would give."""

    exposures: str  # "1", "2", "3", "4", "5+"
    pairs: int
    reposted: int
    rate: float
    ci: tuple[float, float]
    independent: float


def _participants(tl: Timeline, sp: Split) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (test cascade, user) once, with the user's first post time, sorted by both."""
    t = np.flatnonzero(sp.test)
    order = t[np.lexsort((tl.time[t], tl.user[t], tl.cascade[t]))]
    c, u = tl.cascade[order], tl.user[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (c[1:] != c[:-1]) | (u[1:] != u[:-1])
    return c[first], u[first], tl.time[order][first]


def _exposure_chunk(
    tl: Timeline, parts: tuple[np.ndarray, np.ndarray, np.ndarray], ptr: np.ndarray, dst: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the participants' train out-neighbours in their cascades: (cascade, exposures,
    reposted) per exposed person. Adopters count only the exposures before their own post."""
    pc, pu, pt = parts
    nu = tl.n_users
    edges, owner = _out_edges(ptr, pu)
    ec, ev, et = pc[owner], dst[edges], pt[owner]
    keep = ev != tl.root_user[ec]
    ec, ev, et = ec[keep], ev[keep], et[keep]
    key = ec * nu + ev
    pkey = pc * nu + pu  # sorted: participants come sorted by cascade, then user
    at = np.minimum(np.searchsorted(pkey, key), max(len(pkey) - 1, 0))
    adopted = (pkey[at] == key) if len(pkey) else np.zeros(len(key), dtype=bool)
    counted = ~adopted | (et < pt[at])
    uniq, inv = np.unique(key, return_inverse=True)
    exposures = np.bincount(inv, weights=counted, minlength=len(uniq)).astype(np.int64)
    reposted = np.bincount(inv, weights=adopted, minlength=len(uniq)) > 0
    return uniq // nu, exposures, reposted


def cross_infection(
    tl: Timeline, sp: Split, tg: TrainGraph, weights: np.ndarray, *, max_pairs: int = 20_000_000
) -> list[ExposureRow]:
    """Repost rate by number of exposures (see :class:`ExposureRow`), over the test cascades."""
    pc, pu, pt = _participants(tl, sp)
    ptr, dst, _ = tg.out_csr(tl.n_users)
    lens = ptr[pu + 1] - ptr[pu]
    bins = 5
    n_pos = len(sp.test_cascades)
    pairs = np.zeros((n_pos, bins), dtype=np.int64)
    adopted = np.zeros((n_pos, bins), dtype=np.int64)
    high = np.zeros(0, dtype=np.int64)  # exposures of the "5+" pairs
    # chunks of whole cascades, about max_pairs exposures each
    cuts = np.flatnonzero(np.diff(pc)) + 1
    bounds = np.concatenate([[0], cuts, [len(pc)]])
    load = np.concatenate([[0], np.cumsum(lens)])
    i = 0
    while i < len(bounds) - 1:
        j = i + 1
        while j < len(bounds) - 1 and load[bounds[j + 1]] - load[bounds[i]] <= max_pairs:
            j += 1
        a, b = bounds[i], bounds[j]
        c, e, r = _exposure_chunk(tl, (pc[a:b], pu[a:b], pt[a:b]), ptr, dst)
        ok = e >= 1
        pos = np.searchsorted(sp.test_cascades, c[ok])
        col = np.minimum(e[ok], bins) - 1
        np.add.at(pairs, (pos, col), 1)
        np.add.at(adopted, (pos, col), r[ok].astype(np.int64))
        high = np.concatenate([high, e[ok][e[ok] >= bins]])
        i = j
    return _exposure_rows(pairs, adopted, high, weights)


def _exposure_rows(
    pairs: np.ndarray, adopted: np.ndarray, high: np.ndarray, weights: np.ndarray
) -> list[ExposureRow]:
    n, a = pairs.sum(axis=0), adopted.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = a / n
        boot = (weights @ adopted) / (weights @ pairs) if len(weights) else np.zeros((0, len(n)))
    r1 = rate[0] if n[0] else float("nan")
    rows = []
    for i in range(len(n)):
        if i < len(n) - 1:
            independent = 1 - (1 - r1) ** (i + 1)
        else:
            independent = float(np.mean(1 - (1 - r1) ** high)) if len(high) else float("nan")
        rows.append(
            ExposureRow(
                exposures=str(i + 1) if i < len(n) - 1 else f"{len(n)}+",
                pairs=int(n[i]),
                reposted=int(a[i]),
                rate=float(rate[i]) if n[i] else float("nan"),
                ci=_interval(boot[:, i][np.isfinite(boot[:, i])]),
                independent=float(independent),
            )
        )
    two = pairs[:, 1:].sum(axis=1), adopted[:, 1:].sum(axis=1)
    n2, a2 = int(two[0].sum()), int(two[1].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        boot2 = (weights @ two[1]) / (weights @ two[0]) if len(weights) else np.zeros(0)
    expected = sum(r.independent * r.pairs for r in rows[1:] if r.pairs)
    rows.append(
        ExposureRow(
            exposures="2+",
            pairs=n2,
            reposted=a2,
            rate=a2 / n2 if n2 else float("nan"),
            ci=_interval(boot2[np.isfinite(boot2)]),
            independent=expected / n2 if n2 else float("nan"),
        )
    )
    return rows


@dataclass(frozen=True)
class Difference:
    """Ours minus the best naive list of the same track, at one depth, with a paired bootstrap
    interval (the same resampled cascades for both lists)."""

    track: str
    ours: str
    naive: str
    depth: str  # "1" or "<=2"
    difference: int
    ci: tuple[float, float]


def _by_figure(attr: str, row: Any) -> tuple[Any, str]:
    """Sort key: a reach row's figure ``attr``, then its name (ties broken the same way each time)."""
    return getattr(row, attr), row.name


def _differences(
    reach: Sequence[ListReach], samples: Mapping[str, tuple[np.ndarray, np.ndarray]]
) -> list[Difference]:
    out = []
    for track in TRACKS:
        rows = [r for r in reach if r.track == track]
        naive = [r for r in rows if r.method != "ris"]
        if not naive:
            continue
        for depth, attr, i in (("1", "reach1", 0), ("<=2", "reach2", 1)):
            best = max(naive, key=functools.partial(_by_figure, attr))
            for r in rows:
                if r.method == "ris":
                    diff = samples[r.name][i] - samples[best.name][i]
                    out.append(
                        Difference(
                            track,
                            r.name,
                            best.name,
                            depth,
                            getattr(r, attr) - getattr(best, attr),
                            _interval(diff),
                        )
                    )
    return out


@dataclass(frozen=True)
class BacktestResult:
    """Everything one backtest measured (plain data: the CLI writes it, the report draws it)."""

    params: Mapping[str, Any]
    counts: Mapping[str, int]
    spread: Sequence[SpreadFit]
    spread_table: pd.DataFrame
    lists: Sequence[SeedList]
    reach: Sequence[ListReach]
    differences: Sequence[Difference]
    exposure: Sequence[ExposureRow]
    timings: Mapping[str, float] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """The figures as one long table: section, track, list, model, metric, value, ci_low,
        ci_high, n (what ``backtest.csv`` holds)."""
        out: list[dict[str, Any]] = []

        def add(section, metric, value, *, track="", name="", model="", ci=(None, None), n=None):
            out.append(
                {
                    "section": section,
                    "track": track,
                    "list": name,
                    "model": model,
                    "metric": metric,
                    "value": value,
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                    "n": n,
                }
            )

        for key, v in self.counts.items():
            add("data", key, v)
        for r in self.reach:
            common = {"track": r.track, "name": r.name, "model": r.model}
            add("seeds", "reached_depth1", r.reach1, ci=r.ci1, **common)
            add("seeds", "reached_depth2", r.reach2, ci=r.ci2, **common)
            add("seeds", "seen_in_train_depth1", r.seen1, **common)
            add("seeds", "seen_in_train_depth2", r.seen2, **common)
            add("seeds", "seeds_posting_in_test", r.seeds_posting, **common)
        for d in self.differences:
            depth = "depth1" if d.depth == "1" else "depth2"
            add("seeds", f"minus_{d.naive}_{depth}", d.difference, track=d.track, name=d.ours, ci=d.ci)
        for f in self.spread:
            for metric in ("spearman1", "spearman2", "mae1", "mae2", "mean_predicted1", "mean_predicted2"):
                add("spread", metric, getattr(f, metric), model=f.model, n=f.n_cascades)
            add("spread", "mean_real1", f.mean_real1, model=f.model, n=f.n_cascades)
            add("spread", "mean_real2", f.mean_real2, model=f.model, n=f.n_cascades)
        for e in self.exposure:
            add("cross_infection", f"repost_rate_{e.exposures}", e.rate, ci=e.ci, n=e.pairs)
            add("cross_infection", f"independent_rate_{e.exposures}", e.independent, n=e.pairs)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the report and ``backtest.json`` (everything but the per-cascade table)."""
        return {
            "params": dict(self.params),
            "counts": dict(self.counts),
            "spread": [asdict(f) for f in self.spread],
            "lists": [asdict(sl) for sl in self.lists],
            "reach": [asdict(r) for r in self.reach],
            "differences": [asdict(d) for d in self.differences],
            "exposure": [asdict(e) for e in self.exposure],
            "timings": dict(self.timings),
        }

    def summary(self) -> dict[str, Any]:
        """A small JSON-ready summary (what a run's report quotes about its model)."""
        return {
            "params": dict(self.params),
            "counts": dict(self.counts),
            "spread": {
                f.model: {
                    "n_cascades": f.n_cascades,
                    "spearman1": f.spearman1,
                    "spearman2": f.spearman2,
                    "mae1": f.mae1,
                    "mae2": f.mae2,
                    "mean_predicted2": f.mean_predicted2,
                    "mean_real2": f.mean_real2,
                }
                for f in self.spread
            },
            "seeds": {
                r.name: {"track": r.track, "reach1": r.reach1, "reach2": r.reach2, "ci2": list(r.ci2)}
                for r in self.reach
            },
            "cross_infection": {
                e.exposures: {"rate": e.rate, "independent": e.independent, "pairs": e.pairs}
                for e in self.exposure
            },
        }


def run_backtest(
    posts: pd.DataFrame,
    profiles: pd.DataFrame,
    *,
    split: date,
    k: int = 100,
    models: Sequence[str] = DEFAULT_MODELS,
    probability: str = "wc",
    estimator: str = "bernoulli",
    prior: tuple[float, float] = DEFAULT_PRIOR,
    max_hops: int = 2,
    follower_cap: int = 50_000,
    n_bootstrap: int = 1000,
    seed: int = 42,
    progress: Callable[..., None] | None = None,
) -> BacktestResult:
    """The whole backtest on a repost history (see the module docstring). ``probability`` is
    the model of the list called ``tajian``; it joins ``models`` when missing there."""
    progress = progress or _quiet
    models = check_models([probability, *models])
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}; got {estimator!r}")
    if n_bootstrap < 0:
        raise ValueError(f"the number of bootstrap samples must be >= 0; got {n_bootstrap}")
    clock: dict[str, float] = {}

    def step(name: str, started: float) -> None:
        clock[name] = round(time.monotonic() - started, 2)
        progress("{step}: {seconds:.1f} s", step=name, seconds=clock[name])

    t0 = time.monotonic()
    tl = build_timeline(posts)
    at = split_instant(split)
    sp = split_timeline(tl, at)
    if sp.train_cascades == 0 or len(sp.test_cascades) == 0:
        raise ValueError(
            f"the split {split} leaves {sp.train_cascades:,} train and {len(sp.test_cascades):,} "
            "test cascades; pick a date inside the history's time span"
        )
    used = sorted(e for e in {_estimator(m, estimator) for m in models} if e is not None)
    tg = train_graph(tl, sp, estimators=used or [estimator], prior=prior)
    step("history, split and train graph", t0)
    t0 = time.monotonic()
    fits, table = spread_prediction(tl, sp, tg, models, estimator=estimator)
    step("spread prediction", t0)
    t0 = time.monotonic()
    followers = known_followers(profiles, at)
    lists = choose_seed_lists(
        tl,
        tg,
        followers,
        k=k,
        models=models,
        default_model=probability,
        estimator=estimator,
        max_hops=max_hops,
        follower_cap=follower_cap,
        seed=seed,
        progress=progress,
    )
    step("seed lists", t0)
    t0 = time.monotonic()
    weights = bootstrap_weights(len(sp.test_cascades), n_bootstrap, seed)
    reach, samples = score_lists(tl, sp, tg, lists, weights)
    step("real reach of the lists", t0)
    t0 = time.monotonic()
    exposure = cross_infection(tl, sp, tg, weights)
    step("cross-infection", t0)
    counts = {
        "posts": len(tl.user),
        "users": tl.n_users,
        "cascades": len(tl.root_user),
        "posts_in_repost_loops": int((tl.cascade < 0).sum()),
        "train_cascades": sp.train_cascades,
        "train_posts": int(sp.train.sum()),
        "late_posts_dropped": sp.late_posts,
        "train_users": len(tg.vertices),
        "train_edges": len(tg.src),
        "test_cascades": len(sp.test_cascades),
        "test_posts": int(sp.test.sum()),
        "test_cascades_root_in_train": len(table),
        "followers_known_before_split": len(followers),
    }
    params = {
        "split": split.isoformat(),
        "split_instant_utc": at.isoformat(),
        "k": k,
        "models": list(models),
        "probability": probability,
        "estimator": estimator,
        "prior": list(prior),
        "max_hops": max_hops,
        "follower_cap": follower_cap,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
    }
    return BacktestResult(
        params=params,
        counts=counts,
        spread=fits,
        spread_table=table,
        lists=lists,
        reach=reach,
        differences=_differences(reach, samples),
        exposure=exposure,
        timings=clock,
    )
