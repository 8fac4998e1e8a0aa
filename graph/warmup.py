"""Compile the numba kernels into their on-disk cache ahead of the first real run.

``make run`` / ``make test`` run this once after installing, so the first ``tajian select`` or
pipeline run on a fresh clone loads compiled kernels instead of compiling them (5–10 s on two
cores). It runs the selector and the Monte Carlo evaluator on a four-node graph under both
probability models, with and without a hop limit, which compiles every kernel signature the
product uses.

Example (skipped in the doctests: it compiles every kernel, seconds of work that ``make install``
already does):
    >>> warm_numba_cache()  # doctest: +SKIP
"""

from __future__ import annotations

import time

__all__ = ["warm_numba_cache"]


def warm_numba_cache() -> float:
    """Run every kernel once on a tiny graph; returns the seconds it took."""
    from graph.diffusion import DiffusionModel
    from graph.select import select_amplifiers
    from graph.snap import parse_snap_edges

    started = time.perf_counter()
    edges = parse_snap_edges(["a b", "a c", "b d", "c d", "d a"])
    people = ["a", "b", "c", "d"]
    for probability in ("wc", "uniform:0.5"):
        for hops in (2, 0):
            select_amplifiers(
                edges,
                targets=people,
                eligible=people,
                k=2,
                model=DiffusionModel(probability, hops),
                theta_min=64,
                n_simulations=8,
                baselines=(),
                seed=0,
            )
    return time.perf_counter() - started


if __name__ == "__main__":  # pragma: no cover - run by the Makefile
    print(f"numba kernels compiled and cached in {warm_numba_cache():.1f} s")
