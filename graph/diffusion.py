"""The diffusion model and its Monte Carlo evaluator.

Independent cascade on the influence graph, limited to ``max_hops``: seeds are depth 0 and count
in the reach; a node activated at depth ``max_hops`` is reached but does not spread further
(``max_hops = 0`` means unlimited). An edge A→B activates B with probability p(A→B), multiplied
by ``decay ** h`` when A was activated at depth h. Reach counts only target members.

The evaluator runs numba kernels (:mod:`graph.rr`) on a few threads; simulation ``i`` draws
its own random numbers from ``(seed, i)``, so estimates are reproducible whatever the thread
count, and report their standard error.

Edge probabilities:

* ``wc`` (weighted cascade, the default): p(A→B) = w(A→B) / total weight into B;
* ``uniform:P``: every edge has probability P;
* ``learned``: each edge's own probability, learned from the history of who passed on whose
  posts (:mod:`graph.learned`), held in the edge attribute ``probability``.

Example:
    >>> import igraph as ig
    >>> g = ig.Graph(n=3, edges=[(0, 1), (1, 2)], directed=True)
    >>> g.vs["name"] = ["a", "b", "c"]; g.es["weight"] = [1.0, 1.0]
    >>> model = DiffusionModel(probability="wc", max_hops=1)
    >>> estimate_reach(g, ["a"], model, targets=None, n_simulations=100, seed=1).mean
    2.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import igraph as ig
import numpy as np

from graph.options import parse_probability
from graph.rr import InfluenceArrays, simulate

__all__ = [
    "DiffusionModel",
    "ReachEstimate",
    "ReachEvaluator",
    "edge_array",
    "edge_probabilities",
    "estimate_reach",
    "probabilities_from_arrays",
]


@dataclass(frozen=True)
class DiffusionModel:
    """Hop-limited independent cascade: edge probabilities, hop limit and per-hop decay."""

    probability: str = "wc"
    max_hops: int = 2
    decay: float = 1.0

    def __post_init__(self) -> None:
        parse_probability(self.probability)
        if not isinstance(self.max_hops, int) or self.max_hops < 0:
            raise ValueError(f"max_hops must be a whole number >= 0 (0 = unlimited); got {self.max_hops!r}")
        if not (0 < self.decay <= 1):
            raise ValueError(f"decay must be in (0, 1]; got {self.decay!r}")

    def as_dict(self) -> dict[str, Any]:
        return {"probability": self.probability, "max_hops": self.max_hops, "decay": self.decay}

    def describe(self) -> str:
        """The model in words an analyst understands."""
        kind, p = parse_probability(self.probability)
        prob = {
            "wc": "each person passes a post on to a follower with a probability equal to that "
            "follower's share of attention (weighted cascade)",
            "learned": "each person passes a post on to each contact with the probability learned "
            "from how often that contact passed on their earlier posts (Goyal et al. 2010)",
            "uniform": f"each person passes a post on to each contact with probability {p or 0:g}",
        }[kind]
        hops = "without a hop limit" if self.max_hops == 0 else f"for at most {self.max_hops} hops"
        decay = "" if self.decay == 1 else f", weakening by a factor {self.decay:g} per hop"
        return f"Word of mouth spreads {hops}{decay}: {prob}."


def edge_probabilities(
    g: ig.Graph, probability: str = "wc", *, edges: np.ndarray | None = None
) -> np.ndarray:
    """Probability of each edge (in edge order) under the ``wc``, ``uniform:P`` or ``learned``
    model (``learned`` reads the edge attribute ``probability``).

    ``edges`` may pass :func:`edge_array` of ``g`` when the caller has it already.
    """
    m = g.ecount()
    if m == 0:
        return np.zeros(0)
    if parse_probability(probability)[0] == "learned":
        if "probability" not in g.es.attributes():
            raise ValueError(
                "the learned model needs each edge's probability in the edge attribute "
                "'probability' (graph.learned.attach_probabilities); this graph has none"
            )
        return np.clip(np.asarray(g.es["probability"], dtype=float), 0.0, 1.0)
    w = np.asarray(g.es["weight"], dtype=float) if "weight" in g.es.attributes() else np.ones(m)
    dst = (edge_array(g) if edges is None else edges)[:, 1]
    return probabilities_from_arrays(dst, w, g.vcount(), probability)


def probabilities_from_arrays(
    dst: np.ndarray, weight: np.ndarray | None, n: int, probability: str = "wc"
) -> np.ndarray:
    """:func:`edge_probabilities` for edges given as arrays (``dst`` vertex indices, ``weight``
    per edge, ``None`` = 1 each) on ``n`` vertices.

    >>> probabilities_from_arrays(np.array([1, 1, 2]), None, 3).tolist()
    [0.5, 0.5, 1.0]
    """
    kind, p = parse_probability(probability)
    m = len(dst)
    if m == 0:
        return np.zeros(0)
    if kind == "learned":  # the weights are the learned probabilities
        if weight is None:
            raise ValueError(
                "the learned model needs each edge's probability, learned from a repost history; "
                "a bare edge list has none: use wc or uniform:P"
            )
        return np.clip(np.asarray(weight, dtype=float), 0.0, 1.0)
    if kind == "uniform":
        return np.full(m, p, dtype=float)
    w = np.ones(m) if weight is None else np.asarray(weight, dtype=float)
    into = np.bincount(dst, weights=w, minlength=n)
    return np.minimum(1.0, w / into[dst])


def edge_array(g: ig.Graph) -> np.ndarray:
    """Edges as an (m, 2) int64 array of (source, target) vertex indices."""
    if g.ecount() == 0:
        return np.zeros((0, 2), dtype=np.int64)
    return np.asarray(g.get_edgelist(), dtype=np.int64)


@dataclass(frozen=True)
class ReachEstimate:
    """Monte Carlo estimate of expected reach, with its standard error, and the range of the
    simulated spreads themselves (``low``/``high``: 2.5th and 97.5th percentiles of the members
    reached in one spread, i.e. what 95% of campaigns would see under the model)."""

    mean: float
    stderr: float
    n_simulations: int
    low: float = 0.0
    high: float = 0.0


class ReachEvaluator:
    """Monte Carlo evaluator of one model on one graph, reused across many seed sets.

    Builds the out-edge arrays and the target mask once; :meth:`estimate` then runs the
    simulations. ``targets=None`` counts every vertex.
    """

    def __init__(self, g: ig.Graph, model: DiffusionModel, targets: set[str] | None) -> None:
        self.model = model
        self.targets = targets
        names = g.vs["name"] if g.vcount() else []
        self._index = {name: i for i, name in enumerate(names)}
        n = len(names)
        self._n = n
        if targets is None:
            self._is_target = np.ones(n, dtype=bool)
        else:
            self._is_target = np.zeros(n, dtype=bool)
            hit = [self._index[t] for t in targets if t in self._index]
            self._is_target[hit] = True
        edges = edge_array(g)
        self._arrays = InfluenceArrays.build(
            n, edges[:, 0], edges[:, 1], edge_probabilities(g, model.probability)
        )

    @classmethod
    def from_arrays(
        cls,
        arrays: InfluenceArrays,
        names: list[str],
        model: DiffusionModel,
        targets: set[str] | None,
        *,
        index: dict[str, int] | None = None,
    ) -> ReachEvaluator:
        """An evaluator over prepared arrays (vertex ``i`` is ``names[i]``), skipping igraph;
        ``index`` may pass ``{name: i}`` when the caller has it (a million-node graph's dict
        is ~100 MB)."""
        self = cls.__new__(cls)
        self.model, self.targets, self._n, self._arrays = model, targets, len(names), arrays
        self._index = index if index is not None else {name: i for i, name in enumerate(names)}
        self._is_target = np.ones(self._n, dtype=bool)
        if targets is not None:
            self._is_target[:] = False
            self._is_target[[self._index[t] for t in targets if t in self._index]] = True
        return self

    def estimate(
        self, seeds: list[str], n_simulations: int = 1000, seed: int = 0, threads: int | None = None
    ) -> ReachEstimate:
        """Expected number of targets reached by ``seeds`` (user ids).

        Simulation ``i`` draws its own random numbers from ``(seed, i)``, so the estimate does
        not depend on the number of ``threads`` (None: every CPU this process may use).
        """
        if n_simulations < 1:
            raise ValueError(f"n_simulations must be at least 1; got {n_simulations}")
        unique = list(dict.fromkeys(seeds))
        outside = [s for s in unique if s not in self._index]
        base = sum(1 for s in outside if self.targets is None or s in self.targets)
        seed_idx = np.asarray(sorted(self._index[s] for s in unique if s in self._index), dtype=np.int64)
        if seed_idx.size == 0:
            return ReachEstimate(float(base), 0.0, n_simulations, float(base), float(base))
        results = simulate(
            self._arrays,
            seed_idx,
            self._is_target,
            max_hops=self.model.max_hops,
            n_simulations=n_simulations,
            seed=seed,
            decay=self.model.decay,
            threads=threads,
        )
        mean = float(results.mean()) + base
        stderr = float(results.std(ddof=1) / math.sqrt(n_simulations)) if n_simulations > 1 else 0.0
        low, high = (float(x) + base for x in np.percentile(results, [2.5, 97.5]))
        return ReachEstimate(mean, stderr, n_simulations, low, high)


def estimate_reach(
    g: ig.Graph,
    seeds: list[str],
    model: DiffusionModel,
    *,
    targets: set[str] | None,
    n_simulations: int = 1000,
    seed: int = 0,
) -> ReachEstimate:
    """Expected number of targets reached by ``seeds`` (user ids), by Monte Carlo.

    ``targets=None`` counts every vertex. Seeds not in the graph reach only themselves.
    For many seed sets on one graph, build a :class:`ReachEvaluator` once instead.
    """
    return ReachEvaluator(g, model, targets).estimate(seeds, n_simulations, seed)
