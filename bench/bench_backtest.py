"""Benchmark: `tajian backtest` on the whole CED dataset (issue 21), never a timed unit test.

Runs the real command in a child process under GNU time (wall, CPU, peak RSS), then prints the
figures it wrote (OUT/backtest.json) as Markdown tables: each list's real reach in both tracks
with its 95% bootstrap interval, ours minus the best naive list (paired bootstrap), the spread
prediction of each model, and the cross-infection rates.

    .venv/bin/python bench/bench_backtest.py [--split 2013-03-01] [--k 100] [--out DIR]

Copy the printed tables into bench/RESULTS.md with the machine, its load and the date. The goal:
under 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TAJIAN_REAL_DATA", ROOT.parent / "shared" / "data"))


def run_measured(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall s, CPU s and peak RSS MB of one child process, and its stderr."""
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "TAJIAN-TIME %U %S %M", *cmd], capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    line = [x for x in proc.stderr.splitlines() if x.startswith("TAJIAN-TIME")][-1]
    user, system, rss_kb = line.split()[1:]
    return wall, float(user) + float(system), int(rss_kb) / 1024, proc.stderr + proc.stdout


def _ci(ci: list[float]) -> str:
    return f"{ci[0]:,.0f}–{ci[1]:,.0f}"


def tables(doc: dict) -> str:
    out = ["| track | list | depth 1 (95% CI) | depth ≤ 2 (95% CI) | seen in train | seeds posting in test |"]
    out.append("|---|---|---|---|---|---|")
    for r in doc["reach"]:
        label = f"ris {r['model']}" if r["method"] == "ris" else r["method"]
        out.append(
            f"| {r['track']} | {label} (`seeds_{r['name']}.csv`) | {r['reach1']:,} ({_ci(r['ci1'])}) | "
            f"{r['reach2']:,} ({_ci(r['ci2'])}) | {r['seen2']:.1%} | {r['seeds_posting']} |"
        )
    out += [
        "",
        "| track | ours | minus best naive | depth | difference (95% paired CI) |",
        "|---|---|---|---|---|",
    ]
    for d in doc["differences"]:
        out.append(
            f"| {d['track']} | {d['ours']} | {d['naive']} | {d['depth']} | "
            f"{d['difference']:+,} ({_ci(d['ci'])}) |"
        )
    out += [
        "",
        "| model | cascades | Spearman 1 hop | Spearman ≤ 2 | MAE 1 | MAE ≤ 2 | mean predicted ≤ 2 "
        "| mean real ≤ 2 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in doc["spread"]:
        out.append(
            f"| {f['model']} | {f['n_cascades']} | {f['spearman1']:.3f} | {f['spearman2']:.3f} | "
            f"{f['mae1']:,.1f} | "
            f"{f['mae2']:,.1f} | {f['mean_predicted2']:,.1f} | {f['mean_real2']:,.1f} |"
        )
    out += ["", "| exposures | pairs | reposted | rate (95% CI) | if independent |", "|---|---|---|---|---|"]
    for e in doc["exposure"]:
        ci = "–" if e["ci"][0] != e["ci"][0] else f"{e['ci'][0]:.2%}–{e['ci'][1]:.2%}"
        rate = "–" if e["rate"] != e["rate"] else f"{e['rate']:.2%}"
        out.append(
            f"| {e['exposures']} | {e['pairs']:,} | {e['reposted']:,} | {rate} ({ci}) | "
            f"{e['independent']:.2%} |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA / "ced")
    ap.add_argument("--split", default="2013-03-01")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="tajian-backtest-"))
    cmd = [str(ROOT / ".venv" / "bin" / "tajian"), "backtest", str(args.data), "--split", args.split]
    cmd += ["--k", str(args.k), "--output-dir", str(out)]
    wall, cpu, rss, log = run_measured(cmd)
    print(f"command: {' '.join(cmd)}")
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {rss:,.0f} MB, load average {os.getloadavg()}")
    print("\n".join(x for x in log.splitlines() if x.startswith("  ")))
    doc = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    print(json.dumps(doc["counts"]))
    print(tables(doc))


if __name__ == "__main__":
    main()
