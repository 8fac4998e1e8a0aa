"""Amplifier selection: pick k eligible seeds that maximise the expected in-segment reach.

The default method, ``ris``, samples reverse-reachable (RR) sets that respect the hop limit:
pick a target member at random, walk the influence graph backwards for at most ``max_hops``
hops keeping each edge with its probability, and record who was found. A seed set's expected
reach is (number of targets) × (share of RR sets it touches), so greedy maximum coverage over
the RR sets picks seeds that reach many *different* members. The plain rankings (``pagerank``,
``degree``, ``followers``) are kept as methods and always reported as baselines, all under the
same Monte Carlo evaluator (``graph.diffusion.estimate_reach``) and the same random numbers.

The sample size is not fixed: OPIM-C bounds (:func:`graph.rr.opim_c`) certify, with
probability ≥ 1 − δ, that the greedy seeds reach at least (1 − 1/e − ε) of the best possible
(``θ_stop`` RR sets suffice for that); the sample then grows to ``θ_min`` for quality, because
the bound alone stops at a visibly weaker set. Both numbers, the certified ratio and the random
seed are recorded in the :class:`SeedSelection`. Per-hop decay < 1 cannot be sampled exactly by
RR sets (an edge's probability depends on the forward depth of its source), so ``ris`` refuses
it; the ranking methods and the Monte Carlo evaluator support it.

Example (a star a→b, a→c and a lone eligible d; targets are everyone):
    >>> import igraph as ig
    >>> g = ig.Graph(n=4, edges=[(0, 1), (0, 2)], directed=True)
    >>> g.vs["name"] = ["a", "b", "c", "d"]; g.es["weight"] = [1.0, 1.0]
    >>> sel = select_amplifiers(g, targets={"a", "b", "c", "d"}, eligible=["a", "b", "c", "d"],
    ...                         k=1, theta_min=2000, n_simulations=200, seed=3)
    >>> [s.user_id for s in sel.seeds], round(sel.expected_reach, 1)
    (['a'], 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import igraph as ig
import numpy as np

from graph.centrality import rank_by_followers, rank_by_out_degree, rank_by_pagerank
from graph.diffusion import (
    DiffusionModel,
    ReachEvaluator,
    edge_array,
    edge_probabilities,
    probabilities_from_arrays,
)
from graph.reach import Z95, ReachFigures, reach_figures
from graph.rr import InfluenceArrays, OpimResult, RRCollection, opim_c

if TYPE_CHECKING:
    from graph.snap import SnapEdges

__all__ = [
    "DEFAULT_EPSILON",
    "DEFAULT_MAX_RR_BYTES",
    "DEFAULT_RR_PER_TARGET",
    "DEFAULT_THETA_MIN",
    "METHODS",
    "Baseline",
    "RRSample",
    "Seed",
    "SeedSelection",
    "sample_rr_sets",
    "select_amplifiers",
]

METHODS = ("ris", "pagerank", "degree", "followers")
DEFAULT_EPSILON = 0.1
# θ_min = max(DEFAULT_THETA_MIN, DEFAULT_RR_PER_TARGET × targets): the OPIM-C bound alone stops
# at a weaker set (~90% of the best on Slashdot); quality needs each target to root enough RR
# sets (bench/bench_select.py measures it).
DEFAULT_THETA_MIN = 65_536
DEFAULT_RR_PER_TARGET = 32.0
# Memory budget for the RR samples (both samples, the inverted index and the copy made while
# growing): keeps `tajian select` on the million-user CED graph under 1 GB peak RSS (0.95 GB
# measured); a capped run says so.
DEFAULT_MAX_RR_BYTES = 400_000_000


@dataclass(frozen=True)
class Seed:
    """One selected amplifier. Reach figures are expected numbers of target members."""

    rank: int
    user_id: str
    marginal_reach: float
    cumulative_reach: float
    circle: int | None = None
    city: str | None = None


@dataclass(frozen=True)
class Baseline:
    """A naive list under the same evaluator: its seeds, its reach and its reach curve."""

    method: str
    seeds: tuple[str, ...]
    expected_reach: float
    expected_reach_stderr: float
    reach_curve: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class SeedSelection:
    """The result of a selection, recording how it was made (DESIGN.md "Contracts").

    It feeds both the seed list and the report, and round-trips through ``to_dict`` /
    ``from_dict`` (the JSON stored in the warehouse and in ``seeds.json``).
    """

    segment: str
    as_of: date | None
    window_days: int | None
    method: str
    model: Mapping[str, Any]
    params: Mapping[str, Any]
    random_seed: int
    sample_size: int
    guarantee: str
    seeds: tuple[Seed, ...]
    expected_reach: float
    expected_reach_stderr: float
    n_targets: int
    n_eligible: int
    judged_on_unknown: int
    reach_curve: tuple[tuple[int, float], ...] = ()
    baselines: Mapping[str, Baseline] = field(default_factory=dict)
    #: the 95% interval of ``expected_reach`` (the estimate's sampling error)
    expected_reach_low: float = 0.0
    expected_reach_high: float = 0.0
    #: what single campaigns would see: 2.5th–97.5th percentile of reach in the Monte Carlo
    #: simulations (None without them)
    spread: tuple[float, float] | None = None
    #: members expected to hear it from 1, 2, … seeds, from the same sample as the reach
    #: (``graph.reach.ReachFigures.overlap``), or ``{"error": why}``
    overlap: Mapping[str, Any] = field(default_factory=dict)
    #: RR sets behind expected_reach, the adds and the overlap (0: Monte Carlo adds)
    reach_sample: int = 0

    @property
    def seed_ids(self) -> list[str]:
        return [s.user_id for s in self.seeds]

    def with_context(
        self,
        *,
        segment: str | None = None,
        as_of: date | None = None,
        window_days: int | None = None,
        params: Mapping[str, Any] | None = None,
        circles: Mapping[str, int] | None = None,
        cities: Mapping[str, str | None] | None = None,
    ) -> SeedSelection:
        """A copy carrying the caller's context, which the selector itself never reads: the
        run's segment and window, extra ``params`` (added after the selector's own), and each
        seed's circle and city (like cdlib's ``NodeClustering(..., method_parameters=...)``).

        >>> sel = SeedSelection("", None, None, "ris", {}, {"k": 1}, 0, 1, "", (Seed(1, "a", 1.0, 1.0),),
        ...                     1.0, 0.0, 1, 1, 0)
        >>> ctx = sel.with_context(segment="mothers", params={"k_requested": 5}, cities={"a": "上海"})
        >>> ctx.segment, dict(ctx.params), ctx.seeds[0].city, ctx.seeds[0].circle
        ('mothers', {'k': 1, 'k_requested': 5}, '上海', None)
        """
        seeds = self.seeds
        if circles is not None or cities is not None:
            seeds = tuple(
                replace(
                    s,
                    circle=s.circle if circles is None else circles.get(s.user_id),
                    city=s.city if cities is None else cities.get(s.user_id),
                )
                for s in seeds
            )
        return replace(
            self,
            segment=self.segment if segment is None else segment,
            as_of=self.as_of if as_of is None else as_of,
            window_days=self.window_days if window_days is None else window_days,
            params={**self.params, **dict(params or {})},
            seeds=seeds,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings)."""
        d = asdict(self)
        d["as_of"] = self.as_of.isoformat() if self.as_of else None
        d["model"] = dict(self.model)
        d["params"] = dict(self.params)
        d["reach_curve"] = [list(p) for p in self.reach_curve]
        d["baselines"] = {
            k: {**asdict(b), "seeds": list(b.seeds), "reach_curve": [list(p) for p in b.reach_curve]}
            for k, b in self.baselines.items()
        }
        d["seeds"] = [asdict(s) for s in self.seeds]
        d["spread"] = list(self.spread) if self.spread is not None else None
        d["overlap"] = dict(self.overlap)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SeedSelection:
        """Rebuild a selection from :meth:`to_dict` output."""
        return cls(
            segment=d["segment"],
            as_of=date.fromisoformat(d["as_of"]) if d.get("as_of") else None,
            window_days=d.get("window_days"),
            method=d["method"],
            model=dict(d["model"]),
            params=dict(d["params"]),
            random_seed=int(d["random_seed"]),
            sample_size=int(d["sample_size"]),
            guarantee=d["guarantee"],
            seeds=tuple(Seed(**s) for s in d["seeds"]),
            expected_reach=float(d["expected_reach"]),
            expected_reach_stderr=float(d["expected_reach_stderr"]),
            n_targets=int(d["n_targets"]),
            n_eligible=int(d["n_eligible"]),
            judged_on_unknown=int(d["judged_on_unknown"]),
            reach_curve=tuple((int(k), float(v)) for k, v in d.get("reach_curve", [])),
            baselines={
                k: Baseline(
                    method=b["method"],
                    seeds=tuple(b["seeds"]),
                    expected_reach=float(b["expected_reach"]),
                    expected_reach_stderr=float(b["expected_reach_stderr"]),
                    reach_curve=tuple((int(x), float(y)) for x, y in b["reach_curve"]),
                )
                for k, b in d.get("baselines", {}).items()
            },
            expected_reach_low=float(d.get("expected_reach_low") or 0.0),
            expected_reach_high=float(d.get("expected_reach_high") or 0.0),
            spread=tuple(d["spread"]) if d.get("spread") else None,
            overlap=dict(d.get("overlap") or {}),
            reach_sample=int(d.get("reach_sample") or 0),
        )


@dataclass(frozen=True)
class RRSample:
    """Reverse-reachable sets in CSR form: set i holds ``nodes[ptr[i]:ptr[i+1]]``."""

    ptr: np.ndarray
    nodes: np.ndarray
    n_targets: int

    @property
    def size(self) -> int:
        return len(self.ptr) - 1


def _arrays(g: ig.Graph, probability: str) -> InfluenceArrays:
    edges = edge_array(g)
    return InfluenceArrays.build(
        g.vcount(), edges[:, 0], edges[:, 1], edge_probabilities(g, probability, edges=edges)
    )


def _edge_list_arrays(edges: SnapEdges, n: int, probability: str) -> InfluenceArrays:
    """Influence arrays straight from an edge list (each edge weight 1), skipping igraph."""
    return InfluenceArrays.build(
        n, edges.src, edges.dst, probabilities_from_arrays(edges.dst, None, n, probability)
    )


def _edge_list_graph(edges: SnapEdges, names: list[str]) -> ig.Graph:
    """An igraph graph of an edge list, only for the centrality rankings."""
    g = ig.Graph(n=len(names), directed=True)
    g.add_edges(np.column_stack([edges.src, edges.dst]).tolist())
    g.vs["name"] = names
    g.es["weight"] = [1.0] * g.ecount()
    return g


def _require_exact_model(model: DiffusionModel) -> None:
    if model.decay != 1:
        raise ValueError(
            f"the RIS selector samples the model exactly only without per-hop decay; got decay "
            f"{model.decay:g}. Use decay 1, or a centrality method (pagerank, degree, followers)"
        )


def sample_rr_sets(
    g: ig.Graph, target_idx: np.ndarray, model: DiffusionModel, size: int, seed: int
) -> RRSample:
    """Sample ``size`` hop-limited RR sets rooted at uniformly drawn targets (vertex indices)."""
    _require_exact_model(model)
    if size < 1:
        raise ValueError(f"sample_size must be at least 1; got {size}")
    coll = RRCollection(
        _arrays(g, model.probability), np.asarray(target_idx, dtype=np.int32), model.max_hops, seed, 1
    )
    coll.extend_to(size)
    return RRSample(ptr=coll.ptr, nodes=coll.nodes.astype(np.int64), n_targets=len(target_idx))


def _curve_points(k: int) -> list[int]:
    pts = {1, 2, 5, k} | set(range(10, k + 1, 10))
    return sorted(p for p in pts if 1 <= p <= k)


def _quality_goal(res: OpimResult) -> str:
    if res.entries_min > 0:
        return (
            f"goal: {res.entries_min:,} entries in at least {res.theta_floor:,} sets, or "
            f"θ_min = {res.theta_min:,} sets"
        )
    return f"θ_min = {res.theta_min:,}"


def _guarantee_text(res: OpimResult, n_simulations: int) -> str:
    target = f"1 − 1/e − ε = {res.target_ratio:.3f} (ε = {res.epsilon:g})"
    if res.theta_stop is not None:
        head = (
            f"(1 − 1/e − ε) guarantee: with probability ≥ 1 − δ (δ = {res.delta:.2g}) the expected "
            f"reach of these seeds is at least {res.ratio:.3f} × the best possible among eligible "
            f"users under this model (target {target}). OPIM-C bounds met the target at "
            f"θ_stop = {res.theta_stop:,} RR sets; the sample grew to θ = {res.theta:,} sets "
            f"({res.entries_select:,} entries) for quality ({_quality_goal(res)}); every reach figure "
            f"(headline, adds, overlap) from one independent sample of {res.theta_check:,}"
        )
    else:
        head = (
            f"weaker than the target {target}: the sample stopped at θ = {res.theta:,} RR sets"
            + (" (memory budget)" if res.capped else "")
            + f"; the certified ratio there is {res.ratio:.3f} with probability ≥ 1 − δ "
            f"(δ = {res.delta:.2g})"
        )
    check = (
        f"; the range single campaigns would see from {n_simulations:,} Monte Carlo simulations"
        if n_simulations
        else ""
    )
    return (
        head + " (hop-limited RR sets, greedy max coverage, a second independent sample of the "
        "same size until the bound is met)" + check
    )


def _one_estimate(
    check: RRCollection,
    chosen: list[str],
    index: Mapping[str, int],
    n: int,
    n_targets: int,
    circles: Mapping[str, int],
) -> ReachFigures:
    """The chosen seeds' figures on the independent sample (greedy order, overlap per circle)."""
    circle_of = np.full(n, -1, dtype=np.int64)
    for user, c in circles.items():
        if user in index and c is not None:
            circle_of[index[user]] = int(c)
    idx = np.asarray([index[u] for u in chosen], dtype=np.int64)
    return reach_figures(check.ptr, check.nodes, n, idx, n_targets=n_targets, circle_of=circle_of)


def _mc_adds(
    evaluator: ReachEvaluator, chosen: list[str], n_simulations: int, seed: int, threads: int | None
) -> tuple[list[float], float, float, float, float]:
    """Monte Carlo adds in the list's order (per-hop decay, which RR sets cannot sample):
    (adds, reach = their sum, stderr, 95% interval of the estimate)."""
    marg, prev, last = [], 0.0, None
    for p in range(1, len(chosen) + 1):
        last = evaluator.estimate(chosen[:p], n_simulations=n_simulations, seed=seed, threads=threads)
        marg.append(max(0.0, last.mean - prev))
        prev = max(prev, last.mean)
    se = last.stderr if last else 0.0
    reach = float(sum(marg))
    return marg, reach, se, max(0.0, reach - Z95 * se), reach + Z95 * se


def _baseline(
    method: str,
    seq: list[str],
    check: RRCollection | None,
    index: Mapping[str, int],
    n: int,
    n_targets: int,
    evaluator: ReachEvaluator,
    n_simulations: int,
    seed: int,
    threads: int | None = None,
) -> Baseline:
    """A naive list's reach and curve in its own order, on the same sample as ours."""
    if check is not None:
        idx = np.asarray([index[u] for u in seq], dtype=np.int64)
        fig = reach_figures(check.ptr, check.nodes, n, idx, n_targets=n_targets, greedy=False)
        cum = np.cumsum(fig.marginals)
        curve = tuple((p, round(float(cum[p - 1]), 3)) for p in _curve_points(len(seq)))
        reach, se = fig.reach, fig.stderr
    elif n_simulations:
        pts = [
            (p, evaluator.estimate(seq[:p], n_simulations, seed + 1, threads=threads))
            for p in _curve_points(len(seq))
        ]
        curve = tuple((p, round(e.mean, 3)) for p, e in pts)
        reach, se = (pts[-1][1].mean, pts[-1][1].stderr) if pts else (0.0, 0.0)
    else:
        curve, reach, se = (), 0.0, 0.0
    return Baseline(
        method=method,
        seeds=tuple(seq),
        expected_reach=round(reach, 3),
        expected_reach_stderr=round(se, 3),
        reach_curve=curve,
    )


def select_amplifiers(
    g: ig.Graph | SnapEdges,
    *,
    targets: Iterable[str],
    eligible: Iterable[str],
    k: int = 100,
    method: str = "ris",
    model: DiffusionModel | None = None,
    seed: int = 0,
    epsilon: float = DEFAULT_EPSILON,
    theta_min: int | None = None,
    rr_per_target: float = DEFAULT_RR_PER_TARGET,
    delta: float | None = None,
    max_rr_bytes: int = DEFAULT_MAX_RR_BYTES,
    n_simulations: int = 500,
    followers: Mapping[str, int | None] | None = None,
    unknown_fields: Mapping[str, str] | None = None,
    baselines: Sequence[str] = ("followers", "pagerank", "degree"),
    progress: Callable[..., None] | None = None,
    threads: int | None = None,
    circles: Mapping[str, int] | None = None,
) -> SeedSelection:
    """Pick ``k`` seeds among ``eligible`` users maximising expected reach into ``targets``.

    ``targets`` and ``eligible`` are user ids (eligible users need not be in the graph: they
    then reach only themselves). ``ris`` samples hop-limited RR sets until the OPIM-C bounds
    certify a (1 − 1/e − ε) approximation (``θ_stop``) and there are at least ``theta_min`` of
    them. ``n_simulations = 0`` skips the Monte Carlo check (reach figures then come from the
    independent RR sample). Same inputs and ``seed`` give the same selection. The run's context
    (segment, window, circles, cities, extra params) is the caller's to add:
    :meth:`SeedSelection.with_context`; ``circles`` (user → circle) only splits the overlap
    figures by circle. ``threads`` (None: every CPU this process may use) never changes the result.

    ``g`` is the influence graph (igraph, with vertex ``name`` and edge ``weight``) or an edge
    list read by :func:`graph.snap.read_snap_edges` (weights 1; no igraph graph is built unless a
    centrality ranking needs one, which keeps ``tajian select`` fast).
    """
    model = model or DiffusionModel()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if theta_min is None:
        theta_min = DEFAULT_THETA_MIN
    if theta_min < 0:
        raise ValueError(f"theta_min must be >= 0; got {theta_min}")
    if rr_per_target < 0:
        raise ValueError(f"rr_per_target must be >= 0; got {rr_per_target}")
    if n_simulations < 0:
        raise ValueError(f"n_simulations must be >= 0 (0 = no Monte Carlo check); got {n_simulations}")
    target_set = set(targets)
    eligible_list = sorted(set(eligible))
    if not target_set:
        raise ValueError("no target members: the segment has no tagged users in this window")
    if not isinstance(k, int) or not 1 <= k <= len(eligible_list):
        raise ValueError(
            f"k must be between 1 and the number of eligible users ({len(eligible_list)}); got {k}"
        )
    if method == "ris":
        _require_exact_model(model)
    followers = followers or {}
    # Every target and eligible user needs a vertex (isolated ones reach only themselves).
    graph_cache: list[ig.Graph] = [g] if isinstance(g, ig.Graph) else []
    edge_list = None if isinstance(g, ig.Graph) else g
    if edge_list is not None:
        names = list(edge_list.labels)
    else:
        names = list(graph_cache[0].vs["name"]) if graph_cache[0].vcount() else []
    index = {name: i for i, name in enumerate(names)}
    missing = sorted({u for u in target_set if u not in index} | {u for u in eligible_list if u not in index})
    if missing:
        if graph_cache:
            graph_cache[0] = graph_cache[0].copy()
            graph_cache[0].add_vertices(len(missing), attributes={"name": missing})
        index.update((name, len(names) + i) for i, name in enumerate(missing))
        names += missing
    n = len(names)
    target_idx = np.asarray(sorted(index[t] for t in target_set), dtype=np.int32)
    eligible_mask = np.zeros(n, dtype=bool)
    eligible_mask[[index[u] for u in eligible_list]] = True
    if edge_list is None:
        arrays = _arrays(graph_cache[0], model.probability)
    else:
        arrays = _edge_list_arrays(edge_list, n, model.probability)

    def graph() -> ig.Graph:
        if not graph_cache and edge_list is not None:
            graph_cache.append(_edge_list_graph(edge_list, names))
        return graph_cache[0]

    # Quality needs each target to root enough RR-set entries (rr_per_target of them); large sets
    # carry more, so the sample may stop at a quarter as many sets (never below theta_min).
    # Without a hop limit, reach under a small p hangs on rare long cascades: twice the sets
    # (Enron, p = 0.01: 98.99% -> 99.5% of the best baseline; the limit there is 20x, not 5x).
    per_target = rr_per_target * (2 if model.max_hops == 0 else 1)
    theta_floor = max(theta_min, math.ceil(per_target * len(target_set)))
    entries_min = math.ceil(rr_per_target * len(target_set))
    sets_floor = max(theta_min, math.ceil(rr_per_target / 4 * len(target_set)))

    def ranking(m: str) -> list[str]:
        if m == "pagerank":
            return rank_by_pagerank(graph(), among=eligible_list)[:k]
        if m == "degree":
            return rank_by_out_degree(graph(), among=eligible_list)[:k]
        if m == "followers":
            return rank_by_followers(followers, among=eligible_list)[:k]
        raise ValueError(m)

    run: OpimResult | None = None
    check: RRCollection | None = None
    if method == "ris":
        run = opim_c(
            arrays,
            target_idx,
            eligible_mask,
            k,
            max_hops=model.max_hops,
            seed=seed,
            epsilon=epsilon,
            delta=delta,
            theta_min=theta_floor,
            max_bytes=max_rr_bytes,
            progress=progress,
            entries_min=entries_min,
            theta_floor=sets_floor,
            threads=threads,
        )
        chosen = [names[i] for i in run.picks]
        check, theta = run.check, run.theta_check
    else:
        chosen = ranking(method)
        theta = max(1, min(theta_floor, 2**20))  # only for the reach figures
        if model.decay == 1:
            check = RRCollection(arrays, target_idx, model.max_hops, seed, 2)
            check.extend_to(theta, threads)
    evaluator = ReachEvaluator.from_arrays(arrays, names, model, target_set, index=index)
    circles = circles or {}
    fig = _one_estimate(check, chosen, index, n, len(target_set), circles) if check is not None else None
    if fig is not None:  # one sample: table (greedy order, adds never go up), headline, overlap
        chosen = [chosen[i] for i in fig.order]
        marginals = list(fig.marginals)
        reach, stderr, low, high = fig.reach, fig.stderr, fig.low, fig.high
        overlap: dict[str, Any] = fig.overlap()
    else:  # decay < 1 with a ranking method: Monte Carlo adds, in the ranking's order
        marginals, reach, stderr, low, high = _mc_adds(
            evaluator, chosen, max(n_simulations, 1), seed + 1, threads
        )
        overlap = {"error": "per-hop decay < 1: the overlap needs the exact sampler (decay 1)"}
    seeds, cumulative = [], 0.0
    for rank, (user, marginal) in enumerate(zip(chosen, marginals, strict=True), 1):
        cumulative += marginal
        seeds.append(
            Seed(
                rank=rank,
                user_id=user,
                marginal_reach=round(marginal, 3),
                cumulative_reach=round(cumulative, 3),
            )
        )
    reach_curve = tuple((p, seeds[p - 1].cumulative_reach) for p in _curve_points(len(seeds)))
    spread: tuple[float, float] | None = None
    mc_params: dict[str, Any] = {}
    if n_simulations:  # what single campaigns would see: the spread of simulated outcomes
        est = evaluator.estimate(chosen, n_simulations=n_simulations, seed=seed + 1, threads=threads)
        spread = (est.low, est.high)
        mc_params = {"monte_carlo_mean": round(est.mean, 3), "monte_carlo_stderr": round(est.stderr, 3)}
    base: dict[str, Baseline] = {}
    for m in baselines:
        if m == method:
            continue
        seq = ranking(m)
        base[m] = _baseline(m, seq, check, index, n, len(target_set), evaluator, n_simulations, seed, threads)
    unknown_fields = unknown_fields or {}
    judged_on_unknown = sum(1 for u in chosen if unknown_fields.get(u))
    if run is not None:
        guarantee = _guarantee_text(run, n_simulations)
        ris_params = {
            "epsilon": epsilon,
            "delta": run.delta,
            "theta_min": theta_floor,
            "theta_min_floor": theta_min,
            "rr_per_target": rr_per_target,
            "rr_entries_min": entries_min,
            "theta_floor": sets_floor,
            "theta_stop": run.theta_stop,
            "theta": run.theta,
            "theta_check": run.theta_check,
            "theta_max": run.theta_max,
            "certified_ratio": round(run.ratio, 4),
            "target_ratio": round(run.target_ratio, 4),
            "rr_sets_total": run.theta + run.theta_check,
            "rr_entries": run.rr_entries,
            "iterations": run.iterations,
            "memory_capped": run.capped,
        }
    else:
        guarantee = f"none: plain {method} ranking"
        ris_params = {"theta_min": theta_floor}
    return SeedSelection(
        segment="",
        as_of=None,
        window_days=None,
        method=method,
        model=model.as_dict(),
        params={"k": k, **ris_params, "n_simulations": n_simulations, **mc_params},
        random_seed=seed,
        sample_size=run.theta if run is not None else theta,
        guarantee=guarantee,
        seeds=tuple(seeds),
        expected_reach=round(reach, 3),
        expected_reach_stderr=round(stderr, 3),
        expected_reach_low=round(low, 3),
        expected_reach_high=round(high, 3),
        spread=None if spread is None else (round(spread[0], 3), round(spread[1], 3)),
        overlap=overlap,
        reach_sample=theta if fig is not None else 0,
        n_targets=len(target_set),
        n_eligible=len(eligible_list),
        judged_on_unknown=judged_on_unknown,
        reach_curve=reach_curve,
        baselines=base,
    )
