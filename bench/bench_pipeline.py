"""Benchmark: each pipeline step on the shipped sample, and the selector on a real graph.

Run with `make bench` (or `.venv/bin/python bench/bench_pipeline.py [--ced]`). Prints wall time
and peak memory per step; copy the figures into bench/RESULTS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import gzip
import platform
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from flows import exports, publish, steps, tagging
from flows.settings import Settings
from graph.build import build_influence_graph
from graph.diffusion import DiffusionModel, estimate_reach
from graph.select import select_amplifiers

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    print(f"{label:<42} {time.perf_counter() - t:8.2f} s   peak RSS {peak_mb():7.0f} MB", flush=True)
    return out


def bench_sample() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wh = Path(tmp) / "w.duckdb"
        settings = Settings(warehouse=wh, out_dir=Path(tmp) / "out")
        reports = timed(
            "ingest sample (weibo-api jsonl)",
            exports.ingest_paths,
            wh,
            [ROOT / "data" / "samples" / "weibo_api"],
        )
        print(f"  rows read {sum(r.rows_read for r in reports):,}")
        as_of = steps.resolve_as_of(wh, None)
        run = steps.begin_run(wh, flow="bench", segment="mothers", as_of=as_of, window_days=30, params={})
        n = timed(
            "tag mothers (30-day window)",
            tagging.tag_step,
            wh,
            run,
            "mothers",
            as_of,
            30,
            settings.segments_dir,
        )
        print(f"  members tagged {n:,}")
        timed(
            "select 100 seeds (ris + 3 baselines)", steps.select_step, wh, run, "mothers", as_of, 30, settings
        )
        staged = timed(
            "write report + seed list", publish.report_step, wh, run, "mothers", as_of, 30, settings
        )
        publish.publish_outputs(wh, run, "mothers", as_of, staged, settings.out_dir)


def bench_ced(path: Path) -> None:
    def read() -> pd.DataFrame:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            df = pd.read_csv(
                fh, sep="\t", comment="#", header=None, names=["src_user", "dst_user"], dtype=str
            )
        return df.assign(kind="repost")

    edges = timed("CED: read 1.2M edges", read)
    g = timed("CED: build influence graph", build_influence_graph, edges)
    print(f"  {g.vcount():,} users, {g.ecount():,} edges")
    people = np.asarray(g.vs["name"])
    rng = np.random.default_rng(0)
    targets = set(people[rng.random(len(people)) < 0.2].tolist())
    sel = timed(
        "CED: select 100 (ris, θ=20k, 2 hops)",
        select_amplifiers,
        g,
        targets=targets,
        eligible=people.tolist(),
        k=100,
        theta_min=20_000,
        n_simulations=100,
        baselines=("pagerank",),
        seed=1,
    )
    pagerank = sel.baselines["pagerank"].expected_reach
    print(f"  expected reach {sel.expected_reach:,.0f} (pagerank {pagerank:,.0f})")
    timed(
        "CED: 100 Monte Carlo runs of 100 seeds",
        estimate_reach,
        g,
        sel.seed_ids,
        DiffusionModel(),
        targets=targets,
        n_simulations=100,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--ced",
        type=Path,
        help="CED edge list (skipped when missing)",
        default=ROOT.parent / "shared" / "data" / "ced" / "ced_edges.txt.gz",
    )
    args = ap.parse_args()
    print(
        f"{date.today()} · {platform.node()} · {platform.processor() or platform.machine()} · "
        f"Python {platform.python_version()}"
    )
    bench_sample()
    if args.ced.is_file():
        bench_ced(args.ced)
    else:
        print(f"CED edge list not found at {args.ced}; skipped")


if __name__ == "__main__":
    main()
