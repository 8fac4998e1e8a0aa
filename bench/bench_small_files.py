"""Benchmark: many small exports loaded one by one into a large warehouse (the daily run, or a
folder of weibo-crawler timelines: one file per user).

Loads the real CED dataset (1.28M posts, 1.07M users, 1.27M interactions) into a fresh
warehouse, then ``--files`` small weibo-crawler timelines made from the test fixture (7 rows
each, every file with its own post and user ids and its own mentioned names, so each load adds
new posts, users and placeholder users) and reports, per file: the parse (read_export) and the
load (load_batch, one transaction) in milliseconds, the mean over all files. The same files
are also loaded into an empty warehouse, to show what the warehouse's size costs.

    .venv/bin/python bench/bench_small_files.py [--files 100] [--ced ../shared/data/ced]

``--one-row N`` instead measures ``tajian ingest`` itself (issue 20: ≥ 200 files/s) on N
one-row Weibo API files, the first N status lines of the generator's 20,000-user export
(``bench/bench_synthetic.py 20000 --days 40 --seed 7``), one file each, into a fresh warehouse:
wall and CPU (user + sys) of the ``python -m flows.cli ingest`` process, its peak RSS, the load
average before and after. ``--folder DIR`` keeps (or reuses) the files.

    .venv/bin/python bench/bench_small_files.py --one-row 2000 [--folder /tmp/small2000]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from store.readers import read_export
from store.warehouse import load_batch, open_warehouse

ROOT = Path(__file__).resolve().parents[1]

FIXTURE = ROOT / "tests" / "store" / "fixtures" / "weibo_crawler" / "阿花妈妈" / "1001.csv"


def make_timelines(folder: Path, n: int) -> list[Path]:
    """``n`` copies of the fixture timeline, each with fresh ids and mentioned names."""
    rows = list(csv.reader(io.StringIO(FIXTURE.read_text(encoding="utf-8-sig"), newline="")))
    header = rows[0]
    id_cols = [header.index(c) for c in ("id", "源微博id", "源用户id")]
    text_col = header.index("正文")
    paths = []
    for k in range(n):
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(header)
        for row in rows[1:]:
            row = list(row)
            for j in id_cols:
                if j < len(row) and row[j].strip():
                    tab = "\t" if row[j].endswith("\t") else ""
                    row[j] = f"{int(row[j].strip()) + 1_000_000 * (k + 1)}{tab}"
            row[text_col] = row[text_col].replace("小红", f"小红{k}")
            w.writerow(row)
        path = folder / f"用户{k}" / f"{3_000_000 + k}.csv"
        path.parent.mkdir(parents=True)
        path.write_text(out.getvalue(), encoding="utf-8-sig")
        paths.append(path)
    return paths


def load_each(files: list[Path], warehouse: Path) -> tuple[float, float]:
    con = open_warehouse(warehouse)
    parse_s = load_s = 0.0
    for f in files:
        t0 = time.perf_counter()
        batch = read_export(f)
        t1 = time.perf_counter()
        load_batch(con, batch)
        t2 = time.perf_counter()
        parse_s += t1 - t0
        load_s += t2 - t1
    con.close()
    return parse_s / len(files) * 1000, load_s / len(files) * 1000


def one_row_files(folder: Path, n: int) -> list[Path]:
    """``n`` one-row files: the first ``n`` status lines of the generator's 20,000-user export."""
    folder.mkdir(parents=True, exist_ok=True)
    files = sorted(folder.glob("s*.jsonl"))
    if len(files) >= n:
        return files[:n]
    from store.synthetic import generate_weibo_sample

    with tempfile.TemporaryDirectory() as tmp:
        generate_weibo_sample(tmp, n_users=20_000, days=40, end_date=date(2026, 11, 15), seed=7)
        with open(Path(tmp) / "weibo_statuses.jsonl", encoding="utf-8") as lines:
            for k, line in zip(range(n), lines, strict=False):
                (folder / f"s{k:05d}.jsonl").write_text(line, encoding="utf-8")
    return sorted(folder.glob("s*.jsonl"))[:n]


def ingest_cli(files: list[Path], folder: Path) -> None:
    """Time ``tajian ingest`` of the files' folder into a fresh warehouse, and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "w.duckdb"
        load_before = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "flows.cli", "ingest", str(folder), "--warehouse", str(warehouse)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "TAJIAN_LANG": "en"},
            check=False,
        )
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"tajian ingest failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    n = len(files)
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {date.today()}")
    print(f"tajian ingest of {n:,} one-row files ({folder}), fresh warehouse:")
    print(f"  wall {wall:.1f} s = {n / wall:,.1f} files/s; CPU (user + sys) {cpu:.1f} s", end="")
    print(f" = {cpu / n * 1e3:.1f} ms a file; peak RSS {after.ru_maxrss / 1024:,.0f} MB")
    print(f"  load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}")
    print("  " + next((x for x in done.stdout.splitlines() if x.startswith("ingest:")), "").strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--ced", type=Path, default=ROOT.parent / "shared" / "data" / "ced")
    ap.add_argument("--one-row", type=int, default=0, help="time tajian ingest of N one-row files")
    ap.add_argument("--folder", type=Path, default=None, help="with --one-row: keep (or reuse) them here")
    args = ap.parse_args()
    if args.one_row:
        if args.folder is not None:
            ingest_cli(one_row_files(args.folder, args.one_row), args.folder)
            return
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "small"
            ingest_cli(one_row_files(folder, args.one_row), folder)
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = make_timelines(Path(tmp) / "timelines", args.files)
        read_export(files[0])  # warm: imports, DuckDB's first connection
        empty = load_each(files, Path(tmp) / "empty.duckdb")
        big = Path(tmp) / "ced.duckdb"
        con = open_warehouse(big)
        t0 = time.perf_counter()
        for f in sorted(args.ced.glob("ced_*.csv")):
            load_batch(con, read_export(f, fmt="ced"))
        ced_s = time.perf_counter() - t0
        sizes = [
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("posts", "users", "interactions")
        ]
        con.close()
        large = load_each(files, big)
    print(f"machine: {platform.node()}, {platform.processor() or platform.machine()}, {date.today()}")
    print(
        f"CED warehouse built in {ced_s:.1f} s: {sizes[0]:,} posts, {sizes[1]:,} users, "
        f"{sizes[2]:,} interactions"
    )
    print(f"{args.files} small weibo-crawler timelines (7 rows each), mean per file:")
    print(f"  into an empty warehouse: parse {empty[0]:6.1f} ms, load {empty[1]:6.1f} ms")
    print(f"  into the CED warehouse:  parse {large[0]:6.1f} ms, load {large[1]:6.1f} ms")


if __name__ == "__main__":
    main()
