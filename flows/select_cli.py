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

from flows.console import LangOption, print_progress
from flows.console import cli_settings as _settings
from flows.messages import say, tr
from report.i18n import N_

__all__ = ["read_targets", "select_command"]


def read_targets(path: Path) -> list[str]:
    """Target node labels: the first whitespace-separated field of each line; ``#`` comments."""
    if not path.is_file():
        raise FileNotFoundError(tr("{path}: no such targets file").format(path=path))
    opener = __import__("gzip").open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        out = []
        for line in fh:
            s = line.strip()
            if s and not s.startswith("#"):
                out.append(s.split()[0])
    if not out:
        raise ValueError(tr("{path}: no target labels (one node label per line expected)").format(path=path))
    return list(dict.fromkeys(out))


#: the help of ``tajian select`` (an English message id: its Chinese is in report/locale)
HELP = N_("Pick K seeds on a SNAP edge list with the Tajian selector (hop-limited RIS, OPIM-C bound).")


def select_command(
    edges: Annotated[
        Path,
        typer.Option(help=N_("SNAP edge list: 'src dst' per line, # comments, .gz ok; src influences dst")),
    ],
    output: Annotated[Path, typer.Option(help=N_("CSV to write: rank,node,marginal_reach,cumulative_reach"))],
    probability: Annotated[str, typer.Option(help=N_("wc (weighted cascade) or uniform:P"))] = "wc",
    max_hops: Annotated[int, typer.Option(help=N_("hop limit of the cascade (0 = unlimited)"))] = 2,
    k: Annotated[int, typer.Option(help=N_("number of seeds"))] = 100,
    seed: Annotated[int, typer.Option(help=N_("random seed (same inputs + seed = same list)"))] = 0,
    targets: Annotated[
        Path | None, typer.Option(help=N_("file of target node labels, one per line (default: every node)"))
    ] = None,
    method: Annotated[str, typer.Option(help=N_("ris (default) | pagerank | degree"))] = "ris",
    epsilon: Annotated[float, typer.Option(help=N_("the guarantee is 1 - 1/e - epsilon"))] = 0.1,
    theta_min: Annotated[
        int | None, typer.Option(help=N_("minimum number of RR sets (default 65,536)"))
    ] = None,
    rr_per_target: Annotated[
        float,
        typer.Option(
            help=N_(
                "RR-set entries per target the sample needs for quality (in at least a quarter as many sets)"
            )
        ),
    ] = 32.0,
    simulations: Annotated[
        int, typer.Option(help=N_("Monte Carlo simulations to check the reach (0 = none)"))
    ] = 0,
    lang: LangOption = None,
) -> None:
    "''``tajian select``: see :data:`HELP`.''"
    err = sys.stderr
    started = time.monotonic()
    _settings(lang)  # the messages' language
    if method not in ("ris", "pagerank", "degree"):
        raise typer.BadParameter(
            tr("method must be ris, pagerank or degree; got {value}").format(value=repr(method))
        )
    if k < 1:
        raise typer.BadParameter(tr("k must be at least 1; got {k}").format(k=k))
    from graph.diffusion import DiffusionModel
    from graph.select import select_amplifiers
    from graph.snap import read_snap_edges

    try:
        model = DiffusionModel(probability, max_hops)
        data = read_snap_edges(edges)
        wanted = read_targets(targets) if targets else None
    except (ValueError, FileNotFoundError) as exc:
        print(tr("error: {why}").format(why=exc), file=err)
        raise typer.Exit(2) from None
    read = tr(
        "{file}: {nodes:,} nodes, {edges:,} edges ({loops:,} self-loops, {duplicates:,} duplicates dropped)"
    )
    print(
        read.format(
            file=edges,
            nodes=data.n,
            edges=len(data.src),
            loops=data.dropped_self_loops,
            duplicates=data.dropped_duplicates,
        ),
        file=err,
    )
    target_list = wanted if wanted is not None else data.labels
    if wanted is not None:
        known = set(data.labels)
        outside = sum(1 for t in wanted if t not in known)
        if outside:
            alone = tr("{n:,} of {of:,} targets are not in the edge list (they can only reach themselves)")
            print(say("note", detail=alone.format(n=outside, of=len(wanted))), file=err)
    eligible = data.labels
    if k > len(eligible):
        most = tr("k must be at most the number of nodes ({n:,}); got {k}").format(n=len(eligible), k=k)
        print(tr("error: {why}").format(why=most), file=err)
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
            progress=print_progress,
        )
    except ValueError as exc:
        print(tr("error: {why}").format(why=exc), file=err)
        raise typer.Exit(1) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["rank", "node", "marginal_reach", "cumulative_reach"])
        for s in sel.seeds:
            w.writerow([s.rank, s.user_id, f"{s.marginal_reach:.3f}", f"{s.cumulative_reach:.3f}"])
    how = tr("Monte Carlo") if simulations else tr("independent RR sample")
    reach = tr("expected reach of {k} seeds: {reach:,.1f} ± {stderr:,.1f} ({how}); {sets:,} RR sets")
    print(
        reach.format(
            k=len(sel.seeds),
            reach=sel.expected_reach,
            stderr=sel.expected_reach_stderr,
            how=how,
            sets=sel.sample_size,
        ),
        file=err,
    )
    print(tr("guarantee: {text}").format(text=sel.guarantee), file=err)
    print(
        tr("wrote {path} in {seconds:.1f} s").format(path=output, seconds=time.monotonic() - started),
        file=err,
    )
