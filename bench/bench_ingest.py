"""Benchmark: export loading speed (rows/s) and the whole CED dataset (time, peak memory).

    .venv/bin/python bench/bench_ingest.py [--users 20000] [--ced ../shared/data/ced]
    .venv/bin/python bench/bench_ingest.py --from DIR   # only: `tajian ingest DIR`'s load

``--from DIR`` loads the export files of a folder (e.g. one kept by ``bench/bench_synthetic.py
USERS --days D --keep DIR``) into a fresh warehouse the way ``tajian ingest`` does
(:func:`store.stream.load_exports`: a large file in parts, the next part parsed while this one
loads) and prints rows/s, the process's CPU seconds and its peak RSS; run it under
``/usr/bin/time -v`` at two sizes to see that memory does not grow with the file.

Weibo API JSON lines come from the synthetic generator at the given scale (files of 5,000
lines or more are parsed by the SQL fast path, ``store.weibo_api_sql``; the line-by-line
reference parser is timed on the same files for comparison); CED is the real dataset. Each
figure covers reading + parsing + loading into a fresh DuckDB file, in this process; peak RSS is
the process's high-water mark after the step.
"""

from __future__ import annotations

import argparse
import platform
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from store.readers import find_export_files, read_export
from store.stream import load_exports
from store.synthetic import generate_weibo_sample
from store.warehouse import load_batch, open_warehouse
from store.weibo_api import parse_weibo_api

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_files(files: list[Path], warehouse: Path) -> tuple[int, float, float]:
    con = open_warehouse(warehouse)
    rows = 0
    t0 = time.perf_counter()
    parse_s = 0.0
    for f in files:
        t = time.perf_counter()
        batch = read_export(f)
        parse_s += time.perf_counter() - t
        rows += load_batch(con, batch).rows_read
    con.close()
    return rows, parse_s, time.perf_counter() - t0


def ingest_folder(folder: Path) -> None:
    """What ``tajian ingest FOLDER`` does to a fresh warehouse, timed."""
    files = find_export_files([folder])
    mb = sum(f.stat().st_size for f in files) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        con = open_warehouse(Path(tmp) / "w.duckdb")
        t, cpu = time.perf_counter(), time.process_time()
        rows = 0
        for path, outcome in load_exports(con, files):
            if not hasattr(outcome, "rows_read"):
                raise SystemExit(f"{path}: {outcome}")
            rows += outcome.rows_read
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        con.close()
    print(
        f"ingest {folder} ({len(files)} files, {mb:,.0f} MB): {rows:,} rows in {wall:.1f} s = "
        f"{rows / wall:,.0f} rows/s; {cpu:.1f} CPU-s ({rows / cpu:,.0f} rows per CPU-s); "
        f"peak RSS {peak_mb():,.0f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--users", type=int, default=20_000)
    ap.add_argument("--ced", type=Path, default=ROOT.parent / "shared" / "data" / "ced")
    ap.add_argument("--from", dest="folder", type=Path, help="only load these exports, as tajian ingest does")
    args = ap.parse_args()
    print(f"{date.today()} · {platform.node()} · {platform.machine()} · Python {platform.python_version()}")
    if args.folder is not None:
        ingest_folder(args.folder)
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "api"
        generate_weibo_sample(out, n_users=args.users, days=30, seed=1)
        files = sorted(out.glob("*.jsonl"))
        mb = sum(f.stat().st_size for f in files) / 1e6
        rows, parse_s, total = load_files(files, Path(tmp) / "api.duckdb")
        print(
            f"weibo-api jsonl ({mb:.0f} MB, {mb * 1e6 / rows:,.0f} bytes/row): {rows:,} rows; "
            f"parse {rows / parse_s:,.0f} rows/s, parse+load {rows / total:,.0f} rows/s; "
            f"peak RSS {peak_mb():,.0f} MB"
        )
        t = time.perf_counter()
        for f in files:
            parse_weibo_api(f.read_text(encoding="utf-8").split("\n"), str(f), engine="python")
        print(f"  the line-by-line reference parser alone: {rows / (time.perf_counter() - t):,.0f} rows/s")
        if (args.ced / "ced_reposts.csv").is_file():
            files = [args.ced / "ced_original.csv", args.ced / "ced_reposts.csv"]
            rows, parse_s, total = load_files(files, Path(tmp) / "ced.duckdb")
            print(
                f"CED (2 CSV files): {rows:,} rows in {total:.1f} s (parse {parse_s:.1f} s) = "
                f"{rows / total:,.0f} rows/s; peak RSS {peak_mb():,.0f} MB"
            )
        else:
            print(f"CED not found at {args.ced}; skipped")


if __name__ == "__main__":
    main()
