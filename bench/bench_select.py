"""Benchmark: the selector's quality and time on real graphs (never a timed unit test).

For Slashdot and Enron, both probability models (wc, uniform:0.01) and both hop settings (2,
unlimited), it runs the whole `tajian select` process (k = 100) and reports its wall and CPU time
and peak RSS next to a plain Python process that loads the same edge list with numpy and runs
igraph PageRank; then it scores our seeds, out-degree and PageRank (reversed) top-100 lists, all
with the same Monte Carlo evaluator and random numbers. Optional `--ced`: the CED Weibo repost
graph with targets = users with >= 1 post tagged `mothers`, eligible = ordinary targets.

    .venv/bin/python bench/bench_select.py [--sims 5000] [--graphs slashdot,enron] [--ced]

Copy the printed table into bench/RESULTS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from graph.rr import InfluenceArrays, opim_c, simulate
from graph.snap import read_snap_edges

ROOT = Path(__file__).resolve().parents[1]

DATA = Path(os.environ.get("TAJIAN_REAL_DATA", ROOT.parent / "shared" / "data"))
GRAPHS = {
    "slashdot": DATA / "snap" / "soc-Slashdot0902.txt.gz",
    "enron": DATA / "snap" / "email-Enron.txt.gz",
}
# best known expected reach on Slashdot, k = 100 (issue 5): any method, 5,000 simulations
BEST_SLASHDOT = {
    ("wc", 2): 10_854,
    ("wc", 0): 21_899,
    ("uniform:0.01", 2): 982.8,
    ("uniform:0.01", 0): 1_565.8,
}

BASELINE_SCRIPT = """
import sys, numpy as np, igraph as ig
e = np.loadtxt(sys.argv[1], dtype=np.int64, comments="#")
g = ig.Graph(n=int(e.max()) + 1, edges=e, directed=True)
g.pagerank()
"""


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall s, CPU s (user + sys) and peak RSS MB of one child process (GNU time measures it, so
    the RSS is the child's own, not the forking benchmark's)."""
    t = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "TAJIAN-TIME %U %S %M", *cmd], capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    line = [x for x in proc.stderr.splitlines() if x.startswith("TAJIAN-TIME")][-1]
    user, sys_, rss = line.split()[1:]
    return wall, float(user) + float(sys_), float(rss) / 1024


def tajian_select(path: Path, prob: str, hops: int, out: Path, env=None) -> tuple[float, float, float]:
    cmd = [
        str(ROOT / ".venv" / "bin" / "tajian"),
        "select",
        "--edges",
        str(path),
        "--probability",
        prob,
        "--max-hops",
        str(hops),
        "--k",
        "100",
        "--seed",
        "1",
        "--output",
        str(out),
    ]
    return run_measured(cmd, env)


def probabilities(src: np.ndarray, dst: np.ndarray, n: int, prob: str) -> np.ndarray:
    if prob == "wc":
        indeg = np.bincount(dst, minlength=n)
        return 1.0 / indeg[dst]
    return np.full(len(src), float(prob.split(":")[1]))


def top_lists(src: np.ndarray, dst: np.ndarray, n: int) -> dict[str, np.ndarray]:
    import igraph as ig

    outdeg = np.bincount(src, minlength=n)
    rev = ig.Graph(n=n, edges=np.column_stack([dst, src]), directed=True)
    pr = np.asarray(rev.pagerank(directed=True))
    order = lambda s: np.lexsort((np.arange(n), -s))[:100]  # noqa: E731
    return {"out-degree": order(outdeg.astype(float)), "pagerank": order(pr)}


def bench_graph(name: str, path: Path, sims: int, large: bool) -> list[str]:
    rows = []
    base_wall, base_cpu, base_rss = run_measured([sys.executable, "-c", BASELINE_SCRIPT, str(path)])
    print(
        f"\n## {name}: baseline process (numpy loadtxt + igraph PageRank): {base_wall:.2f} s wall, "
        f"{base_cpu:.2f} s CPU, {base_rss:.0f} MB",
        flush=True,
    )
    e = read_snap_edges(path)
    label_index = {lab: i for i, lab in enumerate(e.labels)}
    lists = top_lists(e.src, e.dst, e.n)
    everyone = np.ones(e.n, dtype=bool)
    header = (
        "| model | hops | ours | out-degree | PageRank | large-sample RIS | reference | ours/ref "
        "| wall s (×base) | CPU s | RSS MB |"
    )
    print(header + "\n|" + "---|" * 11, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for prob in ("wc", "uniform:0.01"):
            arrays = InfluenceArrays.build(e.n, e.src, e.dst, probabilities(e.src, e.dst, e.n, prob))
            for hops in (2, 0):
                out = Path(tmp) / f"{name}-{prob}-{hops}.csv"
                wall, cpu, rss = tajian_select(path, prob, hops, out)
                with out.open() as fh:
                    ours = np.asarray([label_index[r["node"]] for r in csv.DictReader(fh)])

                def reach(seeds: np.ndarray, hops: int = hops, arrays=arrays) -> tuple[float, float]:
                    x = simulate(arrays, seeds, everyone, max_hops=hops, n_simulations=sims, seed=12345)
                    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x)))

                r_ours = reach(ours)
                r_deg = reach(lists["out-degree"])
                r_pr = reach(lists["pagerank"])
                r_big = (float("nan"), 0.0)
                if large:
                    res = opim_c(
                        arrays,
                        np.arange(e.n, dtype=np.int32),
                        everyone,
                        100,
                        max_hops=hops,
                        seed=7,
                        theta_min=int(256 * e.n),
                        max_bytes=2_000_000_000,
                    )
                    r_big = reach(res.picks)
                if name == "slashdot":
                    ref, ref_name = BEST_SLASHDOT[(prob, hops)], "best known"
                else:
                    ref = max(r_deg[0], r_pr[0], r_big[0] if large else 0.0)
                    ref_name = "best of deg/PR/large RIS"
                limit = 20 if (prob, hops) == ("uniform:0.01", 0) else 5
                row = (
                    f"| {prob} | {hops or '∞'} | {r_ours[0]:,.1f} ± {r_ours[1]:.1f} | {r_deg[0]:,.1f} | "
                    f"{r_pr[0]:,.1f} | {r_big[0]:,.1f} | {ref:,.1f} ({ref_name}) | "
                    f"{100 * r_ours[0] / ref:.1f}% | {wall:.2f} ({wall / base_wall:.1f}×, "
                    f"limit {limit}×) | {cpu:.2f} ({cpu / base_cpu:.1f}×) | {rss:.0f} |"
                )
                print(row, flush=True)
                rows.append(row)
        # a cold start: numba compiles into an empty cache (a fresh clone)
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "numba-cache"))
        wall, cpu, rss = tajian_select(path, "wc", 2, Path(tmp) / "cold.csv", env)
        print(
            f"cold start (empty numba cache), wc 2 hops: {wall:.2f} s wall ({wall / base_wall:.1f}×), "
            f"{cpu:.2f} s CPU, {rss:.0f} MB",
            flush=True,
        )
    return rows


def bench_evaluator(sims: int) -> None:
    e = read_snap_edges(GRAPHS["slashdot"])
    arrays = InfluenceArrays.build(e.n, e.src, e.dst, probabilities(e.src, e.dst, e.n, "wc"))
    seeds = top_lists(e.src, e.dst, e.n)["out-degree"]
    everyone = np.ones(e.n, dtype=bool)
    simulate(arrays, seeds, everyone, max_hops=2, n_simulations=10, seed=1)
    for hops in (2, 0):
        t, c = time.perf_counter(), time.process_time()
        simulate(arrays, seeds, everyone, max_hops=hops, n_simulations=sims, seed=1)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(
            f"Monte Carlo evaluator, Slashdot wc, 100 out-degree seeds, hops {hops or '∞'}: "
            f"{sims / wall:,.0f} simulations/s wall ({sims / cpu:,.0f} per CPU-second)",
            flush=True,
        )


def bench_ced(sims: int) -> None:
    import pandas as pd

    from graph.diffusion import DiffusionModel
    from graph.select import select_amplifiers
    from nlp.post_rules import score_post
    from nlp.segments import load_segment

    t = time.perf_counter()
    seg = load_segment("mothers")
    reposts = pd.read_csv(DATA / "ced" / "ced_reposts.csv", usecols=["uid", "text"], dtype=str)
    orig = pd.read_csv(DATA / "ced" / "ced_original.csv", dtype={"uid": str})
    texts = pd.concat([reposts[["uid", "text"]], orig[["uid", "text"]]], ignore_index=True)
    texts = texts[texts["text"].notna() & (texts["text"].str.len() > 0)]
    positive = [score_post(x, seg).positive for x in texts["text"]]
    members = set(texts.loc[positive, "uid"].astype(str))
    print(
        f"\n## CED: {len(members):,} users with >= 1 post tagged mothers "
        f"({time.perf_counter() - t:.0f} s to tag {len(texts):,} texts)",
        flush=True,
    )
    e = read_snap_edges(DATA / "ced" / "ced_edges.txt.gz")
    import igraph as ig

    g = ig.Graph(n=e.n, edges=np.column_stack([e.src, e.dst]), directed=True)
    g.vs["name"] = e.labels
    g.es["weight"] = [1.0] * len(e.src)
    prof = orig.drop_duplicates("uid").set_index("uid")
    followers = {u: (None if pd.isna(f) else int(f)) for u, f in prof["user_followers"].items()}
    excluded = {u for u, f in followers.items() if f is not None and f > 50_000}
    vt = prof["user_verified_type"]
    excluded |= {u for u, v in vt.items() if not pd.isna(v) and int(v) in range(1, 8)}
    eligible = sorted(m for m in members if m not in excluded)
    unknown = {u: ("" if u in prof.index else "followers,verified") for u in eligible}
    everyone_ok = sorted(set(e.labels) - excluded)
    for label, pool in (
        ("eligible = ordinary members", eligible),
        ("eligible = every ordinary user of the graph", everyone_ok),
    ):
        unknown = {u: ("" if u in prof.index else "followers,verified") for u in pool}
        t = time.perf_counter()
        sel = select_amplifiers(
            g,
            targets=members,
            eligible=pool,
            k=min(100, len(pool)),
            model=DiffusionModel("wc", 2),
            seed=1,
            n_simulations=sims,
            followers=followers,
            unknown_fields=unknown,
            baselines=("followers", "pagerank", "degree"),
        )
        print(
            f"\n### {label}: {len(pool):,} eligible; select (θ = {sel.sample_size:,}, θ_stop = "
            f"{sel.params['theta_stop']}) in {time.perf_counter() - t:.1f} s incl. baselines; "
            f"{sel.judged_on_unknown} of {len(sel.seeds)} seeds judged on unknown profile fields",
            flush=True,
        )
        print(f"| list | expected members reached (wc, 2 hops, {sims:,} simulations) |\n|---|---|")
        print(f"| Tajian (ris) | {sel.expected_reach:,.2f} ± {sel.expected_reach_stderr:.2f} |")
        for name, b in sel.baselines.items():
            print(f"| {name} | {b.expected_reach:,.2f} ± {b.expected_reach_stderr:.2f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sims", type=int, default=5000)
    ap.add_argument("--graphs", default="slashdot,enron")
    ap.add_argument("--ced", action="store_true")
    ap.add_argument("--no-large", action="store_true", help="skip the large-sample RIS reference")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if args.graphs:
        bench_evaluator(2000)
    for name in [g for g in args.graphs.split(",") if g]:
        bench_graph(name, GRAPHS[name], args.sims, large=not args.no_large and name == "enron")
    if args.ced:
        bench_ced(min(args.sims, 1000))


if __name__ == "__main__":
    main()
