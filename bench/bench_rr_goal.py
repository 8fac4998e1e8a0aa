"""Quality of the RIS seeds against the RR-sample goal: one cell of the issue 5 table, several
``rr_per_target`` values, each scored by the same Monte Carlo evaluator (5,000 simulations).

    .venv/bin/python bench/bench_rr_goal.py slashdot|enron wc|uniform:P HOPS RR_PER_TARGET...

e.g. ``bench/bench_rr_goal.py enron uniform:0.01 0 16 32 64``. Prints the expected reach of our
100 seeds, the selection's CPU seconds and the sample size θ.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from graph.diffusion import DiffusionModel, probabilities_from_arrays
from graph.rr import InfluenceArrays, simulate
from graph.select import select_amplifiers
from graph.snap import read_snap_edges

ROOT = Path(__file__).resolve().parents[1]

DATA = Path(os.environ.get("TAJIAN_REAL_DATA", ROOT.parent / "shared" / "data"))
GRAPHS = {
    "slashdot": DATA / "snap" / "soc-Slashdot0902.txt.gz",
    "enron": DATA / "snap" / "email-Enron.txt.gz",
}


def main() -> None:
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    name, prob, hops = sys.argv[1], sys.argv[2], int(sys.argv[3])
    e = read_snap_edges(GRAPHS[name])
    arrays = InfluenceArrays.build(e.n, e.src, e.dst, probabilities_from_arrays(e.dst, None, e.n, prob))
    index = {label: i for i, label in enumerate(e.labels)}
    everyone = np.ones(e.n, dtype=bool)
    for rpt in (float(x) for x in sys.argv[4:]):
        t = time.process_time()
        sel = select_amplifiers(
            e,
            targets=e.labels,
            eligible=e.labels,
            k=100,
            model=DiffusionModel(prob, hops),
            seed=1,
            rr_per_target=rpt,
            n_simulations=0,
            baselines=(),
        )
        cpu = time.process_time() - t
        seeds = np.array(sorted(index[s] for s in sel.seed_ids), dtype=np.int64)
        r = simulate(arrays, seeds, everyone, max_hops=hops, n_simulations=5000, seed=99)
        print(
            f"{name} {prob} hops={hops} rr_per_target={rpt:g}: reach {r.mean():,.1f} ± "
            f"{r.std() / np.sqrt(len(r)):.1f}  select CPU {cpu:.1f} s  θ={sel.sample_size:,}",
            flush=True,
        )


if __name__ == "__main__":
    main()
