"""Amplifier selection: pick k eligible seeds that maximise the expected in-segment reach.

The default method, ``ris``, samples reverse-reachable (RR) sets that respect the hop limit:
pick a target member at random, walk the influence graph backwards for at most ``max_hops``
hops keeping each edge with its probability, and record who was found. A seed set's expected
reach is (number of targets) × (share of RR sets it touches), so greedy maximum coverage over
the RR sets picks seeds that reach many *different* members. The plain rankings (``pagerank``,
``degree``, ``followers``) are kept as methods and always reported as baselines, all under the
same Monte Carlo evaluator (``graph.diffusion.estimate_reach``) and the same random numbers.

This version uses a fixed number of RR sets (``sample_size``) and states so in ``guarantee``;
the adaptive (1 − 1/e − ε) stopping rule comes with the full selector.

Example (a star a→b, a→c and a lone eligible d; targets are everyone):
    >>> import igraph as ig
    >>> g = ig.Graph(n=4, edges=[(0, 1), (0, 2)], directed=True)
    >>> g.vs["name"] = ["a", "b", "c", "d"]; g.es["weight"] = [1.0, 1.0]
    >>> sel = select_amplifiers(g, targets={"a", "b", "c", "d"}, eligible=["a", "b", "c", "d"],
    ...                         k=1, sample_size=2000, n_simulations=200, seed=3)
    >>> [s.user_id for s in sel.seeds], round(sel.expected_reach, 1)
    (['a'], 3.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import igraph as ig
import numpy as np

from graph.centrality import rank_by_followers, rank_by_out_degree, rank_by_pagerank
from graph.diffusion import DiffusionModel, ReachEvaluator, edge_array, edge_probabilities

__all__ = [
    "METHODS",
    "Baseline",
    "RRSample",
    "Seed",
    "SeedSelection",
    "sample_rr_sets",
    "select_amplifiers",
]

METHODS = ("ris", "pagerank", "degree", "followers")


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

    @property
    def seed_ids(self) -> list[str]:
        return [s.user_id for s in self.seeds]

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
                    method=b["method"], seeds=tuple(b["seeds"]),
                    expected_reach=float(b["expected_reach"]),
                    expected_reach_stderr=float(b["expected_reach_stderr"]),
                    reach_curve=tuple((int(x), float(y)) for x, y in b["reach_curve"]),
                )
                for k, b in d.get("baselines", {}).items()
            },
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


def _in_csr(g: ig.Graph, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = g.vcount()
    edges = edge_array(g)
    order = np.argsort(edges[:, 1], kind="stable")
    src, dst, pr = edges[order, 0], edges[order, 1], probs[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=n), out=indptr[1:])
    return indptr, src, pr


def _gather(indptr: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    starts = indptr[nodes]
    counts = indptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - np.cumsum(counts) + counts, counts)


def sample_rr_sets(
    g: ig.Graph, target_idx: np.ndarray, model: DiffusionModel, size: int, seed: int
) -> RRSample:
    """Sample ``size`` hop-limited RR sets rooted at uniformly drawn targets (vertex indices)."""
    if model.decay != 1:
        raise ValueError(
            f"the RIS selector samples the model exactly only without per-hop decay; got decay "
            f"{model.decay:g}. Use decay 1, or a centrality method (pagerank, degree, followers)"
        )
    if size < 1:
        raise ValueError(f"sample_size must be at least 1; got {size}")
    n = g.vcount()
    rng = np.random.default_rng(seed)
    indptr, src, pr = _in_csr(g, edge_probabilities(g, model.probability))
    limit = model.max_hops if model.max_hops > 0 else n
    roots = target_idx[rng.integers(0, len(target_idx), size=size)]
    stamp = np.full(n, -1, dtype=np.int64)
    ptr = np.zeros(size + 1, dtype=np.int64)
    chunks: list[np.ndarray] = []
    total = 0
    for i, root in enumerate(roots):
        stamp[root] = i
        found = [np.asarray([root], dtype=np.int64)]
        frontier = found[0]
        for _ in range(limit):
            idx = _gather(indptr, frontier)
            if idx.size == 0:
                break
            cand = src[idx[rng.random(idx.size) < pr[idx]]]
            cand = np.unique(cand[stamp[cand] != i])
            if cand.size == 0:
                break
            stamp[cand] = i
            found.append(cand)
            frontier = cand
        block = np.concatenate(found) if len(found) > 1 else found[0]
        chunks.append(block)
        total += block.size
        ptr[i + 1] = total
    return RRSample(ptr=ptr, nodes=np.concatenate(chunks), n_targets=len(target_idx))


def _coverage_order(
    rr: RRSample, n: int, eligible_mask: np.ndarray, k: int, forced: Sequence[int] | None
) -> tuple[list[int], list[int]]:
    """Greedy max coverage (or the coverage of a ``forced`` order): picks and new sets covered."""
    set_ids = np.repeat(np.arange(rr.size), np.diff(rr.ptr))
    order = np.argsort(rr.nodes, kind="stable")
    node_sets = set_ids[order]
    node_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rr.nodes, minlength=n), out=node_ptr[1:])
    counts = np.bincount(rr.nodes, minlength=n).astype(np.int64)
    covered = np.zeros(rr.size, dtype=bool)
    chosen = np.zeros(n, dtype=bool)
    picks: list[int] = []
    gains: list[int] = []
    steps = len(forced) if forced is not None else k
    for step in range(steps):
        if forced is not None:
            best = forced[step]
        else:
            score = np.where(eligible_mask & ~chosen, counts, -1)
            best = int(np.argmax(score))
            if score[best] < 0:
                break
        chosen[best] = True
        sets = node_sets[node_ptr[best] : node_ptr[best + 1]]
        new = sets[~covered[sets]]
        covered[new] = True
        if new.size:
            members = rr.nodes[_gather(rr.ptr, new)]
            counts -= np.bincount(members, minlength=n)
        picks.append(best)
        gains.append(int(new.size))
    return picks, gains


def _curve_points(k: int) -> list[int]:
    pts = {1, 2, 5, k} | set(range(10, k + 1, 10))
    return sorted(p for p in pts if 1 <= p <= k)


def select_amplifiers(
    g: ig.Graph,
    *,
    targets: Iterable[str],
    eligible: Iterable[str],
    k: int = 100,
    method: str = "ris",
    model: DiffusionModel | None = None,
    seed: int = 0,
    sample_size: int = 20_000,
    n_simulations: int = 500,
    followers: Mapping[str, int | None] | None = None,
    circles: Mapping[str, int] | None = None,
    cities: Mapping[str, str | None] | None = None,
    unknown_fields: Mapping[str, str] | None = None,
    baselines: Sequence[str] = ("followers", "pagerank", "degree"),
    segment: str = "",
    as_of: date | None = None,
    window_days: int | None = None,
    params: Mapping[str, Any] | None = None,
) -> SeedSelection:
    """Pick ``k`` seeds among ``eligible`` users maximising expected reach into ``targets``.

    ``targets`` and ``eligible`` are user ids (eligible users need not be in the graph: they
    then reach only themselves). Same inputs and ``seed`` give the same selection.
    """
    model = model or DiffusionModel()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    target_set = set(targets)
    eligible_list = sorted(set(eligible))
    if not target_set:
        raise ValueError("no target members: the segment has no tagged users in this window")
    if not isinstance(k, int) or not 1 <= k <= len(eligible_list):
        raise ValueError(
            f"k must be between 1 and the number of eligible users ({len(eligible_list)}); got {k}"
        )
    followers = followers or {}
    # Every target and eligible user needs a vertex (isolated ones reach only themselves).
    names = list(g.vs["name"]) if g.vcount() else []
    missing = sorted((target_set | set(eligible_list)) - set(names))
    if missing:
        g = g.copy()
        g.add_vertices(len(missing), attributes={"name": missing})
        names = list(g.vs["name"])
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    target_idx = np.asarray(sorted(index[t] for t in target_set), dtype=np.int64)
    eligible_mask = np.zeros(n, dtype=bool)
    eligible_mask[[index[u] for u in eligible_list]] = True

    rr = sample_rr_sets(g, target_idx, model, sample_size, seed)
    scale = len(target_set) / rr.size

    def ranking(m: str) -> list[str]:
        if m == "pagerank":
            return rank_by_pagerank(g, among=eligible_list)[:k]
        if m == "degree":
            return rank_by_out_degree(g, among=eligible_list)[:k]
        if m == "followers":
            return rank_by_followers(followers, among=eligible_list)[:k]
        raise ValueError(m)

    if method == "ris":
        picks, gains = _coverage_order(rr, n, eligible_mask, k, None)
        chosen = [names[i] for i in picks]
    else:
        chosen = ranking(method)
        picks, gains = _coverage_order(rr, n, eligible_mask, k, [index[u] for u in chosen])

    evaluator = ReachEvaluator(g, model, target_set)

    def curve(seq: list[str]) -> tuple[tuple[tuple[int, float], ...], float, float]:
        pts = []
        last = None
        for p in _curve_points(len(seq)):
            last = evaluator.estimate(seq[:p], n_simulations=n_simulations, seed=seed + 1)
            pts.append((p, round(last.mean, 3)))
        return tuple(pts), last.mean if last else 0.0, last.stderr if last else 0.0

    reach_curve, reach, stderr = curve(chosen)
    circles = circles or {}
    cities = cities or {}
    cumulative = 0.0
    seeds = []
    for rank, (user, gain) in enumerate(zip(chosen, gains, strict=True), 1):
        marginal = gain * scale
        cumulative += marginal
        seeds.append(
            Seed(rank=rank, user_id=user, marginal_reach=round(marginal, 3),
                 cumulative_reach=round(cumulative, 3), circle=circles.get(user),
                 city=cities.get(user))
        )
    base: dict[str, Baseline] = {}
    for m in baselines:
        if m == method:
            continue
        seq = ranking(m)
        c, r, se = curve(seq)
        base[m] = Baseline(method=m, seeds=tuple(seq), expected_reach=r,
                           expected_reach_stderr=se, reach_curve=c)
    unknown_fields = unknown_fields or {}
    judged_on_unknown = sum(1 for u in chosen if unknown_fields.get(u))
    guarantee = (
        f"none yet: a fixed sample of {rr.size:,} hop-limited RR sets (no adaptive "
        f"(1-1/e-ε) stopping rule); reach checked by {n_simulations} Monte Carlo simulations"
        if method == "ris"
        else f"none: plain {method} ranking"
    )
    return SeedSelection(
        segment=segment,
        as_of=as_of,
        window_days=window_days,
        method=method,
        model=model.as_dict(),
        params={"k": k, "sample_size": sample_size, "n_simulations": n_simulations,
                **dict(params or {})},
        random_seed=seed,
        sample_size=rr.size,
        guarantee=guarantee,
        seeds=tuple(seeds),
        expected_reach=round(reach, 3),
        expected_reach_stderr=round(stderr, 3),
        n_targets=len(target_set),
        n_eligible=len(eligible_list),
        judged_on_unknown=judged_on_unknown,
        reach_curve=reach_curve,
        baselines=base,
    )
