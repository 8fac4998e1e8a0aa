"""Benchmark: `tajian ingest` then `tajian run` on a generated export, each stage timed.

Usage (the export from ``bench/bench_synthetic.py USERS --days 40 --keep DIR``)::

    .venv/bin/python bench/bench_synthetic.py 100000 --days 40 --keep /tmp/syn100k
    .venv/bin/python bench/bench_scale.py /tmp/syn100k --work /tmp/scale100k

Each command runs as its own process, as a user types it, on a fresh warehouse in ``--work``;
for each it prints wall time, CPU time (user + system: on a shared machine the wall time
depends on the load, the CPU time much less) and peak RSS of the process (``wait4``). The run's
steps come from its run record (``run_steps``: tag, graph + circles + selection, report,
publish). Print ``uptime`` beside the figures in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]


def timed_process(label: str, argv: list[str]) -> tuple[float, float, float]:
    """Run ``argv`` to the end; print and return (wall s, CPU s, peak RSS MB) of its process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall, cpu = time.perf_counter() - started, usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024
    print(f"{label:<36} wall {wall:8.1f} s   cpu {cpu:8.1f} s   peak RSS {peak:7,.0f} MB", flush=True)
    if proc.returncode:
        sys.stdout.write(out.decode("utf-8", "replace")[-4000:])
        raise SystemExit(f"{label} failed (exit {proc.returncode})")
    return wall, cpu, peak


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("export", type=Path, help="a folder written by bench/bench_synthetic.py --keep")
    ap.add_argument("--work", type=Path, required=True, help="scratch folder (emptied first)")
    ap.add_argument("--segment", default="mothers")
    args = ap.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    wh, out = args.work / "w.duckdb", args.work / "out"
    tajian = [sys.executable, "-m", "flows.cli"]
    print(f"uptime: {Path('/proc/loadavg').read_text().strip()}")
    timed_process("tajian ingest", [*tajian, "ingest", str(args.export), "--warehouse", str(wh)])
    timed_process(
        f"tajian run --segment {args.segment}",
        [*tajian, "run", "--segment", args.segment, "--warehouse", str(wh), "--out-dir", str(out)],
    )
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute(
            """SELECT s.step, s.seconds FROM run_steps s JOIN runs r USING (run_id)
               WHERE r.status = 'succeeded' ORDER BY s.finished_at"""
        ).fetchall()
    finally:
        con.close()
    for step, seconds in rows:
        print(f"  step {step:<32} wall {seconds:8.1f} s")
    print(f"uptime: {Path('/proc/loadavg').read_text().strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
