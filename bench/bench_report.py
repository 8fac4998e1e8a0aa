"""Benchmark: the report step alone (:func:`flows.publish.report_step`) on a finished run.

Works on a copy of the warehouse (the step notes its staging folder in the day's lease), so the
warehouse given is never written. Prints wall and CPU seconds (user + sys of this process) and
peak RSS; the staging folder is kept under ``--out`` for comparing outputs between versions.

    .venv/bin/python bench/bench_report.py --warehouse /tmp/me/r100k.duckdb --out /tmp/rep/a
    .venv/bin/python bench/bench_report.py --warehouse W --run RUN_ID --out DIR --keep-copy
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from flows import publish
from flows.settings import load_settings


def newest_run(warehouse: Path) -> tuple[str, str, object, int]:
    """The newest run with a selection: its run_id, segment, as_of and window_days."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            """SELECT r.run_id, r.segment, r.as_of, r.window_days FROM runs r
               JOIN selections s USING (run_id) ORDER BY r.started_at DESC LIMIT 1"""
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise SystemExit(f"{warehouse}: expected a run with a selection, got none; run tajian run first")
    return row[0], row[1], row[2], int(row[3])


def run_of(warehouse: Path, run_id: str) -> tuple[str, str, object, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "SELECT run_id, segment, as_of, window_days FROM runs WHERE run_id = ?", [run_id]
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise SystemExit(f"{warehouse}: expected run {run_id}, got no such run")
    return row[0], row[1], row[2], int(row[3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--run", default="newest", help="run id, or 'newest' (default)")
    ap.add_argument("--out", type=Path, required=True, help="folder for the staged outputs")
    ap.add_argument("--work", type=Path, default=None, help="where the warehouse copy goes")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_report_", dir=args.work))
    copy = work / "w.duckdb"
    shutil.copyfile(args.warehouse, copy)
    run_id, segment, as_of, window = newest_run(copy) if args.run == "newest" else run_of(copy, args.run)
    settings = load_settings(env={}, config_path=None).model_copy(
        update={"warehouse": copy, "out_dir": work / "out"}
    )
    t0, c0 = time.perf_counter(), os.times()
    staged = publish.report_step(copy, run_id, segment, as_of, window, settings)
    wall, c1 = time.perf_counter() - t0, os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    shutil.rmtree(args.out, ignore_errors=True)
    shutil.copytree(staged.folder, args.out)
    shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"run {run_id}: report step {wall:.2f} s wall, {cpu:.2f} s CPU (user+sys), peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
