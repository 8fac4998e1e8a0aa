"""Hop-limited RR sampling, the OPIM-C stopping rule and the fast Monte Carlo cascade.

The pieces the selector (:mod:`graph.select`) and the evaluator (:mod:`graph.diffusion`) are
built from, on plain arrays: ``n`` vertices, edges ``src → dst`` (influence flows from src to
dst) and their probabilities. The heavy loops are numba kernels in :mod:`graph._kernels`, run
on a few threads; results depend only on the inputs and the seed, never on the thread count.

Example (a certain chain a→b→c, everyone a target, 1 hop):
    >>> import numpy as np
    >>> arrays = InfluenceArrays.build(3, np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0]))
    >>> float(simulate(arrays, np.array([0]), np.ones(3, dtype=bool), max_hops=1,
    ...                n_simulations=10, seed=0).mean())
    2.0
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graph import _kernels

__all__ = [
    "InfluenceArrays",
    "OpimResult",
    "RRCollection",
    "n_threads",
    "opim_c",
    "simulate",
]

_RR_STREAM_SELECT = 1  # R1: the sample greedy picks from
_RR_STREAM_CHECK = 2  # R2: the independent sample that checks the pick


def n_threads() -> int:
    """Threads for the kernels when the caller gives none: the CPUs this process may use (the
    ``threads`` setting, read in ``flows/settings.py``, is passed down as ``threads=``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _csr(n: int, key: np.ndarray, other: np.ndarray, probs: np.ndarray):
    # by node, then by probability bucket (powers of 2, largest first), then by neighbour: the
    # kernels' thinning needs the buckets, the neighbour order keeps memory access local
    with np.errstate(divide="ignore"):
        bucket = np.floor(-np.log2(np.clip(probs, 1e-300, 1.0)))
    order = np.lexsort((other, bucket, key))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=n), out=ptr[1:])
    col = other[order].astype(np.int32)
    pr = probs[order].astype(np.float32)
    ub = np.where(pr > 0, np.minimum(1.0, 2.0 ** -bucket[order]), 0.0).astype(np.float32)
    # per node: one shared probability (geometric skipping) or -1
    node_p = np.full(n, -1.0)
    nonempty = np.flatnonzero(ptr[1:] > ptr[:-1])
    if nonempty.size:
        starts = ptr[nonempty]
        lo = np.minimum.reduceat(pr, starts)
        hi = np.maximum.reduceat(pr, starts)
        same = lo == hi
        node_p[nonempty[same]] = lo[same]
    with np.errstate(divide="ignore", invalid="ignore"):
        log1mp = np.where((node_p > 0) & (node_p < 1), np.log1p(-np.clip(node_p, 0, 0.999999)), 0.0)
    return ptr, col, pr, ub, node_p, log1mp


@dataclass(frozen=True)
class InfluenceArrays:
    """The influence graph as in- and out-CSR arrays with edge probabilities."""

    n: int
    in_ptr: np.ndarray
    in_src: np.ndarray
    in_pr: np.ndarray
    in_ub: np.ndarray
    in_p: np.ndarray
    in_log1mp: np.ndarray
    out_ptr: np.ndarray
    out_dst: np.ndarray
    out_pr: np.ndarray
    out_ub: np.ndarray
    out_p: np.ndarray
    out_log1mp: np.ndarray

    @classmethod
    def build(cls, n: int, src: np.ndarray, dst: np.ndarray, probs: np.ndarray) -> InfluenceArrays:
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        probs = np.asarray(probs, dtype=np.float64)
        if not (src.shape == dst.shape == probs.shape):
            raise ValueError("src, dst and probs must have the same length")
        if n >= 2**31 - 1:
            raise ValueError(f"graphs of up to 2^31 - 2 vertices are supported; got {n:,}")
        ins = _csr(n, dst, src, probs)
        outs = _csr(n, src, dst, probs)
        return cls(n, *ins, *outs)


def _blocks(count: int, threads: int, first: int = 0, min_block: int = 2048) -> list[tuple[int, int]]:
    if count <= 0:
        return []
    n_blocks = max(1, min(4 * threads, math.ceil(count / min_block)))
    edges = np.linspace(0, count, n_blocks + 1).astype(np.int64)
    return [(first + int(a), int(b - a)) for a, b in itertools.pairwise(edges) if b > a]


def _run_blocks(fn: Callable[[int, int], Any], blocks: list[tuple[int, int]], threads: int) -> list[Any]:
    if threads <= 1 or len(blocks) <= 1:
        return [fn(a, c) for a, c in blocks]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda b: fn(*b), blocks))


@dataclass
class RRCollection:
    """A growing sample of hop-limited RR sets from one random stream (CSR: ``ptr``, ``nodes``)."""

    arrays: InfluenceArrays
    targets: np.ndarray
    max_hops: int
    seed: int
    stream: int
    ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    @property
    def size(self) -> int:
        return len(self.ptr) - 1

    @property
    def entries(self) -> int:
        return int(self.ptr[-1])

    def extend_to(self, size: int, threads: int | None = None) -> None:
        """Draw RR sets until there are ``size`` of them (set i is the same whatever the split)."""
        have = self.size
        if size <= have:
            return
        threads = threads or n_threads()
        a = self.arrays

        def block(first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
            return _kernels.rr_block(
                a.in_ptr,
                a.in_src,
                a.in_pr,
                a.in_ub,
                a.in_p,
                a.in_log1mp,
                self.targets,
                self.max_hops,
                self.seed,
                self.stream,
                first,
                count,
            )

        parts = _run_blocks(block, _blocks(size - have, threads, first=have), threads)
        ptrs = [self.ptr]
        offset = int(self.ptr[-1])
        for p, _ in parts:
            ptrs.append(p[1:] + offset)
            offset += int(p[-1])
        self.ptr = np.concatenate(ptrs)
        self.nodes = np.concatenate([self.nodes, *(nd for _, nd in parts)])


def simulate(
    arrays: InfluenceArrays,
    seeds: np.ndarray,
    is_target: np.ndarray,
    *,
    max_hops: int,
    n_simulations: int,
    seed: int,
    decay: float = 1.0,
    threads: int | None = None,
) -> np.ndarray:
    """Targets reached in each of ``n_simulations`` hop-limited cascades from ``seeds``."""
    threads = threads or n_threads()
    seeds = np.asarray(seeds, dtype=np.int32)
    is_target = np.asarray(is_target, dtype=np.bool_)
    a = arrays

    def block(first: int, count: int) -> np.ndarray:
        return _kernels.cascade_block(
            a.out_ptr,
            a.out_dst,
            a.out_pr,
            a.out_ub,
            a.out_p,
            a.out_log1mp,
            seeds,
            is_target,
            max_hops,
            float(decay),
            seed,
            first,
            count,
        )

    parts = _run_blocks(block, _blocks(n_simulations, threads, min_block=64), threads)
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


@dataclass(frozen=True)
class OpimResult:
    """What the stopping rule decided: the picks, their estimated gains and the certificate."""

    picks: np.ndarray  # vertex indices, in greedy order
    gains_select: np.ndarray  # sets newly covered in R1 (the selection sample)
    gains_check: np.ndarray  # sets newly covered in R2 (independent: unbiased reach estimates)
    theta: int  # RR sets in R1 (the selection sample) at the end
    theta_check: int  # RR sets in R2 (the check sample) at the end
    theta_stop: int | None  # first size at which the bound reached the target ratio
    theta_min: int
    theta_max: int  # the OPIM-C worst-case size for the target ratio
    ratio: float  # certified approximation ratio at the end (holds with probability >= 1 - delta)
    target_ratio: float
    epsilon: float
    delta: float
    iterations: int
    capped: bool  # stopped by the memory budget before reaching theta_min / the bound
    lower_bound: float  # certified lower bound on the picks' expected reach
    upper_bound: float  # certified upper bound on the optimum's expected reach
    rr_entries: int
    entries_select: int = 0  # node occurrences in R1
    entries_min: int = 0  # the quality goal in entries (0: counted in sets, theta_min)
    theta_floor: int = 0  # fewest sets with the entries goal
    check: RRCollection | None = None  # R2 itself: the one sample every reach figure reads


def _mostly_informative(ptr: np.ndarray) -> bool:
    """True when fewer than half of the RR sets are their root alone."""
    sizes = np.diff(ptr)
    return bool(len(sizes)) and bool(np.count_nonzero(sizes == 1) < len(sizes) / 2)


def _log_binom(n: int, k: int) -> float:
    if k <= 0 or k >= n:
        return 0.0
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def opim_c(
    arrays: InfluenceArrays,
    target_idx: np.ndarray,
    eligible_mask: np.ndarray,
    k: int,
    *,
    max_hops: int,
    seed: int,
    epsilon: float = 0.1,
    delta: float | None = None,
    theta_min: int = 0,
    max_bytes: int = 500_000_000,
    threads: int | None = None,
    progress: Callable[..., None] | None = None,
    entries_min: int = 0,
    theta_floor: int = 0,
) -> OpimResult:
    """Greedy max coverage on hop-limited RR sets with the OPIM-C stopping rule.

    Two independent samples: R1 (greedy picks S* on it) and R2 (estimates S*'s reach without
    bias). With ``N`` targets, after each round the bounds (Tang et al., SIGMOD 2018)

        σ_upper(OPT) = (√(Λ1_upper + a/2) + √(a/2))² · N/θ
        σ_lower(S*)  = ((√(Λ2(S*) + 2a/9) − √(a/2))² − a/18) · N/θ,   a = ln(3·i_max/δ)

    hold together with probability ≥ 1 − δ over all rounds, so S* is a σ_lower/σ_upper
    approximation. The sample doubles until that ratio reaches 1 − 1/e − ε (``theta_stop``) and
    the sample has at least ``theta_min`` sets; ``theta_max`` (the OPIM-C worst case) bounds it.
    ``progress(template, **fields)`` hears each round: an English template to translate (the
    caller's language) and fill with ``str.format``.

    With ``entries_min`` > 0, when most RR sets hold more than their root, the quality goal is
    counted in RR-set *entries* instead: the sample stops growing once it holds ``entries_min``
    node occurrences and at least ``theta_floor`` sets, even below ``theta_min``. Large RR sets
    (weighted cascade, where every node has one live in-edge on average) each say much about
    who reaches whom, so a fixed number of sets wastes time there. Where most sets are the root
    alone (uniform p = 0.01) a few giant sets would inflate the average, so the set count stays
    the goal (measured in bench/RESULTS.md: the entries rule kept ≥ 99.9% of the reach under
    weighted cascade, but fell to 97–99% under p = 0.01 without a hop limit).
    """
    if not 0 < epsilon < 1 - 1 / math.e:
        raise ValueError(f"epsilon must be between 0 and 1 - 1/e (0.632); got {epsilon!r}")
    threads = threads or n_threads()
    target_idx = np.asarray(target_idx, dtype=np.int32)
    eligible_mask = np.asarray(eligible_mask, dtype=np.bool_)
    n_targets = len(target_idx)
    n_elig = int(eligible_mask.sum())
    if n_targets == 0:
        raise ValueError("no targets to reach")
    if not 1 <= k <= n_elig:
        raise ValueError(f"k must be between 1 and the number of eligible nodes ({n_elig}); got {k}")
    delta = delta if delta is not None else 1.0 / max(n_targets, 2)
    if not 0 < delta < 1:
        raise ValueError(f"delta must be between 0 and 1; got {delta!r}")
    target_ratio = 1 - 1 / math.e - epsilon
    # OPT >= the eligible targets a k-set can hold (a seed reaches itself); at least 1.
    is_target = np.zeros(arrays.n, dtype=bool)
    is_target[target_idx] = True
    opt_lb = max(1, min(k, int((is_target & eligible_mask).sum())))
    c = 1 - 1 / math.e
    log6 = math.log(6 / delta)
    theta_max = math.ceil(
        2
        * n_targets
        * (c * math.sqrt(log6) + math.sqrt(c * (_log_binom(n_elig, k) + log6))) ** 2
        / (epsilon**2 * opt_lb)
    )
    theta0 = max(1, math.ceil(theta_max * epsilon**2 * opt_lb / n_targets))
    top = max(theta_max, theta_min, theta0)
    i_max = max(1, math.ceil(math.log2(top / theta0))) + 2
    a = math.log(3 * i_max / delta)
    r1 = RRCollection(arrays, target_idx, max_hops, seed, _RR_STREAM_SELECT)
    r2 = RRCollection(arrays, target_idx, max_hops, seed, _RR_STREAM_CHECK)
    theta = theta0
    theta_stop: int | None = None
    capped = False
    it = 0
    while True:
        it += 1
        r1.extend_to(theta, threads)
        # R2 only checks: as large as R1 until the bound is met, then a quarter of it is plenty
        r2.extend_to(theta if theta_stop is None else max(theta_stop, theta // 4), threads)
        theta2 = r2.size
        bound_every = 1 if arrays.n * k <= 50_000_000 else 10
        picks, gains1, upper_cov = _kernels.greedy_cover(
            r1.ptr, r1.nodes, arrays.n, eligible_mask, k, bound_every
        )
        picks = picks[picks >= 0]
        gains1 = gains1[: len(picks)]
        gains2 = _kernels.ordered_cover(r2.ptr, r2.nodes, arrays.n, picks.astype(np.int64))
        cov2 = float(gains2.sum())
        upper = (math.sqrt(upper_cov + a / 2) + math.sqrt(a / 2)) ** 2 * n_targets / theta
        lower = max(
            0.0, ((math.sqrt(cov2 + 2 * a / 9) - math.sqrt(a / 2)) ** 2 - a / 18) * n_targets / theta2
        )
        ratio = lower / upper if upper > 0 else 1.0
        if progress:
            progress(
                "θ={theta:,}: certified ratio {ratio:.3f} (target {target:.3f})",
                theta=theta,
                ratio=ratio,
                target=target_ratio,
            )
        if theta_stop is None and (ratio >= target_ratio or theta >= theta_max):
            theta_stop = theta  # the bound is met, or θ_max guarantees it in the worst case
        goal = theta_min
        if entries_min > 0 and _mostly_informative(r1.ptr):
            # enough entries at the average set size seen so far
            per_set_entries = max(r1.entries, 1) / theta
            goal = max(theta_floor, min(theta_min, math.ceil(entries_min / per_set_entries)))
        if (theta_stop is not None and theta >= goal) or theta >= top or it >= i_max or capped:
            break
        nxt = 2 * theta if theta_stop is None else goal
        nxt = max(min(top, nxt), theta + 1)
        # memory per R1 set (ptr and set ids 8 + 4 per entry, inverted index 4 per entry, the
        # copy made while growing, a quarter-size R2): about 20 + 14 bytes per entry
        per_set = 20 + 14 * max(r1.entries, 1) / theta
        if per_set * nxt > max_bytes:
            # the memory budget: one last round at the size it affords
            capped = True
            nxt = int(max_bytes / per_set)
            if nxt <= theta:
                break
        theta = nxt
    return OpimResult(
        picks=picks.astype(np.int64),
        gains_select=gains1,
        gains_check=gains2,
        theta=theta,
        theta_check=theta2,
        theta_stop=theta_stop,
        theta_min=theta_min,
        theta_max=theta_max,
        ratio=ratio,
        target_ratio=target_ratio,
        epsilon=epsilon,
        delta=delta,
        iterations=it,
        capped=capped,
        lower_bound=lower,
        upper_bound=upper,
        rr_entries=r1.entries + r2.entries,
        entries_select=r1.entries,
        entries_min=entries_min,
        theta_floor=theta_floor,
        check=r2,
    )
