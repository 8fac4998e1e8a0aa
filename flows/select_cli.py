"""``tajian select``: the selector on a plain SNAP edge list, for comparisons with other tools.

Kept light on purpose (no Prefect, no warehouse): it starts fast and its run time is the
selector's. Writes ``rank,node,marginal_reach,cumulative_reach`` with ``node`` as labelled in the
file; the reach figures are expected numbers of targets reached (every node by default).

Example::

    tajian select --edges soc-Slashdot0902.txt.gz --probability wc --max-hops 2 --k 100 \\
        --seed 1 --output seeds.csv
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["read_targets", "select_command"]


def read_targets(path: Path) -> list[str]:
    """Target node labels: the first whitespace-separated field of each line; ``#`` comments."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such targets file")
    opener = __import__("gzip").open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        out = []
        for line in fh:
            s = line.strip()
            if s and not s.startswith("#"):
                out.append(s.split()[0])
    if not out:
        raise ValueError(f"{path}: no target labels (one node label per line expected)")
    return list(dict.fromkeys(out))


def select_command(
    edges: Annotated[
        Path, typer.Option(help="SNAP edge list: 'src dst' per line, # comments, .gz ok; src influences dst")
    ],
    output: Annotated[Path, typer.Option(help="CSV to write: rank,node,marginal_reach,cumulative_reach")],
    probability: Annotated[str, typer.Option(help="wc (weighted cascade) or uniform:P")] = "wc",
    max_hops: Annotated[int, typer.Option(help="hop limit of the cascade (0 = unlimited)")] = 2,
    k: Annotated[int, typer.Option(help="number of seeds")] = 100,
    seed: Annotated[int, typer.Option(help="random seed (same inputs + seed = same list)")] = 0,
    targets: Annotated[
        Path | None, typer.Option(help="file of target node labels, one per line (default: every node)")
    ] = None,
    method: Annotated[str, typer.Option(help="ris (default) | pagerank | degree")] = "ris",
    epsilon: Annotated[float, typer.Option(help="the guarantee is 1 - 1/e - epsilon")] = 0.1,
    theta_min: Annotated[int | None, typer.Option(help="minimum number of RR sets (default 65,536)")] = None,
    rr_per_target: Annotated[
        float,
        typer.Option(
            help="RR-set entries per target the sample needs for quality (in at least a quarter as many sets)"
        ),
    ] = 32.0,
    simulations: Annotated[
        int, typer.Option(help="Monte Carlo simulations to check the reach (0 = none)")
    ] = 0,
) -> None:
    """Pick K seeds on a SNAP edge list with the Tajian selector (hop-limited RIS, OPIM-C bound)."""
    err = sys.stderr
    started = time.monotonic()
    if method not in ("ris", "pagerank", "degree"):
        raise typer.BadParameter(f"method must be ris, pagerank or degree; got {method!r}")
    if k < 1:
        raise typer.BadParameter(f"k must be at least 1; got {k}")
    from graph.diffusion import DiffusionModel
    from graph.select import select_amplifiers
    from graph.snap import read_snap_edges

    try:
        model = DiffusionModel(probability, max_hops)
        data = read_snap_edges(edges)
        wanted = read_targets(targets) if targets else None
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=err)
        raise typer.Exit(2) from None
    print(
        f"{edges}: {data.n:,} nodes, {len(data.src):,} edges "
        f"({data.dropped_self_loops:,} self-loops, {data.dropped_duplicates:,} duplicates dropped)",
        file=err,
    )
    target_list = wanted if wanted is not None else data.labels
    if wanted is not None:
        known = set(data.labels)
        outside = sum(1 for t in wanted if t not in known)
        if outside:
            print(
                f"note: {outside:,} of {len(wanted):,} targets are not in the edge list "
                "(they can only reach themselves)",
                file=err,
            )
    eligible = data.labels
    if k > len(eligible):
        print(f"error: k must be at most the number of nodes ({len(eligible):,}); got {k}", file=err)
        raise typer.Exit(2)
    try:
        sel = select_amplifiers(
            data,
            targets=target_list,
            eligible=eligible,
            k=k,
            method=method,
            model=model,
            seed=seed,
            epsilon=epsilon,
            theta_min=theta_min,
            rr_per_target=rr_per_target,
            n_simulations=simulations,
            baselines=(),
            progress=lambda msg: print(f"  {msg}", file=err, flush=True),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        raise typer.Exit(1) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["rank", "node", "marginal_reach", "cumulative_reach"])
        for s in sel.seeds:
            w.writerow([s.rank, s.user_id, f"{s.marginal_reach:.3f}", f"{s.cumulative_reach:.3f}"])
    how = "Monte Carlo" if simulations else "independent RR sample"
    print(
        f"expected reach of {len(sel.seeds)} seeds: {sel.expected_reach:,.1f} "
        f"± {sel.expected_reach_stderr:,.1f} ({how}); {sel.sample_size:,} RR sets",
        file=err,
    )
    print(f"guarantee: {sel.guarantee}", file=err)
    print(f"wrote {output} in {time.monotonic() - started:.1f} s", file=err)
