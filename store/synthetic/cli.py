"""``python -m store.synthetic``: generate a sample from the command line (regenerates the shipped one)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from store.synthetic.generate import generate_weibo_sample
from store.synthetic.truth import write_ground_truth

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m store.synthetic --out DIR --users N --days D --end YYYY-MM-DD``."""
    ap = argparse.ArgumentParser(
        prog="python -m store.synthetic",
        description="Generate a seeded synthetic Weibo API export (JSON lines).",
    )
    ap.add_argument("--out", required=True, type=Path, help="output folder")
    ap.add_argument("--users", type=int, default=2000, help="number of users (default 2000)")
    ap.add_argument("--days", type=int, default=40, help="number of days (default 40)")
    ap.add_argument(
        "--end",
        type=date.fromisoformat,
        default=date(2026, 11, 15),
        help="last date, Asia/Shanghai (default 2026-11-15)",
    )
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--mothers-share", type=float, default=0.26)
    ap.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="where to write the ground truth JSON (default: OUT/../<name>_truth.json)",
    )
    args = ap.parse_args(argv)
    truth = generate_weibo_sample(
        args.out,
        n_users=args.users,
        days=args.days,
        end_date=args.end,
        seed=args.seed,
        mothers_share=args.mothers_share,
        progress=lambda msg: print(msg, file=sys.stderr),
    )
    truth_path = args.truth or args.out.parent / f"{args.out.name}_truth.json"
    write_ground_truth(truth, truth_path)
    print(f"wrote {args.out} and {truth_path}", file=sys.stderr)
    return 0
