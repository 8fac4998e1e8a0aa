"""Benchmark: a run's select step alone (graph, circles and selection), on a copy of a warehouse
whose run is done, and a check that it writes the same rows as the run did.

It copies WAREHOUSE (never written) to --copy-dir, takes the run (the newest succeeded one, or
--run), keeps its ``seeds``, ``run_users`` and ``selections`` rows, re-runs
:func:`flows.steps.select_step` with the run's own settings on the copy and prints the step's
wall and CPU seconds (user + sys of this process, threads included), the process's peak RSS, and
whether the rows written equal the run's row for row. Run it under ``/usr/bin/time -v`` or
``py-spy record`` to measure or profile the step without the tag and report steps::

    .venv/bin/python bench/bench_select_step.py /tmp/me/r100k.duckdb [--run RUN_ID] [--copy-dir /tmp/x]

Exit status 1 when the rows differ (the step is no longer the same selection).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from flows.settings import Settings
from flows.steps import select_step

TABLES = {
    "seeds": "SELECT * EXCLUDE (run_id) FROM seeds WHERE run_id = ? ORDER BY rank",
    "run_users": "SELECT * EXCLUDE (run_id) FROM run_users WHERE run_id = ? ORDER BY user_id",
    "selections": "SELECT * EXCLUDE (run_id) FROM selections WHERE run_id = ?",
}


def _rows(path: Path, run_id: str) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(q, [run_id]).df() for t, q in TABLES.items()}


def _run(path: Path, run_id: str | None) -> tuple[str, str, Any, int, dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as con:
        where = "run_id = ?" if run_id else "status = 'succeeded'"
        row = con.execute(
            f"SELECT run_id, segment, as_of, window_days, params FROM runs WHERE {where} "
            "ORDER BY started_at DESC LIMIT 1",
            [run_id] if run_id else [],
        ).fetchone()
    if row is None:
        raise SystemExit(
            f"{path}: no {'run ' + run_id if run_id else 'succeeded run'}; run `tajian run` first"
        )
    return row[0], row[1], row[2], row[3], json.loads(row[4])


def differences(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> list[str]:
    """The tables whose rows differ (the selection's JSON compared as parsed documents)."""
    out = []
    for t in TABLES:
        a, b = before[t], after[t]
        if t == "selections":
            same = len(a) == len(b) and [json.loads(x) for x in a["selection"]] == [
                json.loads(x) for x in b["selection"]
            ]
        else:
            same = a.shape == b.shape and a.astype(object).equals(b.astype(object))
        if not same:
            out.append(f"{t}: {len(a)} rows before, {len(b)} after, not equal")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("--run", default=None, help="run id (default: the newest succeeded run)")
    ap.add_argument("--copy-dir", type=Path, default=None, help="where the copy goes (default: a temp dir)")
    args = ap.parse_args(argv)
    run_id, segment, as_of, window_days, params = _run(args.warehouse, args.run)
    settings = Settings.from_plain(params)
    with tempfile.TemporaryDirectory(dir=args.copy_dir) as tmp:
        copy = Path(tmp) / args.warehouse.name
        shutil.copyfile(args.warehouse, copy)
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        select_step(copy, run_id, segment, as_of, window_days, settings)
        wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
        after = _rows(copy, run_id)
    # read after the step (WAREHOUSE is never written): the step's peak RSS is not the bench's rows
    before = _rows(args.warehouse, run_id)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    diff = differences(before, after)
    print(
        f"select step of {run_id}: {wall:.2f} s wall, {cpu:.2f} s CPU (user+sys), "
        f"peak RSS {r1.ru_maxrss / 1024:.0f} MB; {len(after['run_users']):,} run_users rows, "
        f"{len(after['seeds'])} seeds; same rows as the run: {'yes' if not diff else 'NO'}"
    )
    for d in diff:
        print("  " + d)
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
