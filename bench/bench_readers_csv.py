"""Rows per second of the CSV export readers (weibo-crawler post CSV, weibo-search CSV).

Builds one large file per format by repeating the test fixtures' rows with fresh ids (so the mix
of originals, reposts, ``//@`` chains and ``@`` mentions is the fixtures'), then times the reader
(decode + parse + build the batch) and, with ``--load``, the whole ingest: the reader plus the
load into a fresh warehouse file (best of ``--repeat``), and the small-file cost: one fixture
file read 50 times. Usage::

    .venv/bin/python bench/bench_readers_csv.py [--rows 500000] [--repeat 3] [--load]
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from pathlib import Path

from store.warehouse import load_batch, open_warehouse
from store.weibo_crawler import read_weibo_crawler
from store.weibo_search import read_weibo_search

ROOT = Path(__file__).resolve().parents[1]

FIX = ROOT / "tests" / "store" / "fixtures"


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def build(src: Path, dst: Path, n: int, id_cols: list[str]) -> None:
    header, rows = _rows(src)
    idx = [header.index(c) for c in id_cols if c in header]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for i in range(n):
        r = list(rows[i % len(rows)])
        k = i // len(rows)
        for j in idx:
            if j < len(r) and r[j].strip():
                tab = "\t" if r[j].endswith("\t") else ""
                r[j] = f"{int(r[j].strip()) + 10_000_000 * (k + 1)}{tab}"
        w.writerow(r)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(buf.getvalue(), encoding="utf-8-sig", newline="")


def bench(name: str, reader, path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        batch = reader(path)
        best = min(best, time.perf_counter() - t0)
    rate = batch.rows_read / best
    print(
        f"{name:<24} {batch.rows_read:>9,} rows  {best:6.2f} s  {rate:>10,.0f} rows/s  "
        f"({len(batch.posts):,} posts, {len(batch.interactions):,} interactions, "
        f"{len(batch.quarantine)} quarantined, {path.stat().st_size / 1e6:.0f} MB)"
    )
    return rate


def bench_ingest(name: str, reader, path: Path, repeat: int, tmp: Path) -> float:
    best = float("inf")
    for k in range(repeat):
        db = tmp / f"w{k}.duckdb"
        con = open_warehouse(db)
        t0 = time.perf_counter()
        batch = reader(path)
        report = load_batch(con, batch)
        best = min(best, time.perf_counter() - t0)
        con.close()
        db.unlink()
    rate = report.rows_read / best
    print(
        f"{name + ' ingest':<24} {report.rows_read:>9,} rows  {best:6.2f} s  {rate:>10,.0f} rows/s  "
        f"(read + load into a fresh warehouse; {report.loaded:,} loaded, {report.duplicates:,} duplicates)"
    )
    return rate


def bench_small(name: str, reader, path: Path, times: int = 50) -> float:
    reader(path)
    t0 = time.perf_counter()
    for _ in range(times):
        reader(path)
    each = (time.perf_counter() - t0) / times
    print(f"{name + ' small file':<24} {each * 1000:8.1f} ms per file ({path.name}, warm)")
    return each


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--load", action="store_true", help="also time read + load into a warehouse")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        crawler = Path(tmp) / "阿花妈妈" / "1001.csv"
        build(FIX / "weibo_crawler" / "阿花妈妈" / "1001.csv", crawler, args.rows, ["id", "源微博id"])
        search = Path(tmp) / "宝宝辅食" / "宝宝辅食.csv"
        build(
            FIX / "weibo_search" / "结果文件" / "宝宝辅食" / "宝宝辅食.csv",
            search,
            args.rows,
            ["id", "retweet_id"],
        )
        bench("weibo-crawler post CSV", read_weibo_crawler, crawler, args.repeat)
        bench("weibo-search CSV", read_weibo_search, search, args.repeat)
        if args.load:
            bench_ingest("weibo-crawler post CSV", read_weibo_crawler, crawler, args.repeat, Path(tmp))
            bench_ingest("weibo-search CSV", read_weibo_search, search, args.repeat, Path(tmp))
            bench_small(
                "weibo-crawler post CSV", read_weibo_crawler, FIX / "weibo_crawler" / "阿花妈妈" / "1001.csv"
            )
            bench_small(
                "weibo-search CSV",
                read_weibo_search,
                FIX / "weibo_search" / "结果文件" / "宝宝辅食" / "宝宝辅食.csv",
            )


if __name__ == "__main__":
    main()
