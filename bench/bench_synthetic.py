"""Benchmark: generate a synthetic Weibo export at scale and report throughput and peak memory.

Usage::

    .venv/bin/python bench/bench_synthetic.py                 # 1,000,000 users, 40 days
    .venv/bin/python bench/bench_synthetic.py 200000 --days 30 --keep /tmp/syn

Prints users/s, lines/s, output size and peak RSS (``resource.getrusage``). The output goes to a
temporary folder that is deleted afterwards unless ``--keep DIR`` is given.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from store.synthetic import generate_weibo_sample


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("users", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 15))
    ap.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = ap.parse_args(argv)

    out = args.keep or Path(tempfile.mkdtemp(prefix="bench_synthetic_"))
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"  {time.perf_counter() - t0:7.1f}s  peak {_peak_rss_mb():6,.0f} MB  {msg}", flush=True)

    try:
        generate_weibo_sample(
            out, n_users=args.users, days=args.days, end_date=args.end, seed=args.seed, progress=progress
        )
        elapsed = time.perf_counter() - t0
        files = [out / "weibo_statuses.jsonl", out / "weibo_comments.jsonl"]
        lines = sum(_count_lines(f) for f in files)
        size = sum(f.stat().st_size for f in files)
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    print(f"users={args.users} days={args.days} seed={args.seed}")
    print(
        f"elapsed={elapsed:.1f}s users/s={args.users / elapsed:,.0f} "
        f"lines={lines:,} lines/s={lines / elapsed:,.0f} output={size / 1e6:,.0f} MB "
        f"peak_rss={_peak_rss_mb():,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
