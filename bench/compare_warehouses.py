"""Compare two warehouses' ingested contents table by table (posts, users, interactions,
quarantine, loads), each sorted on every column, leaving out the load times (``loaded_at``,
which differ between any two loads). Exit status 0 when they hold the same rows.

    .venv/bin/python bench/compare_warehouses.py BEFORE.duckdb AFTER.duckdb

Prints, per table, the row counts and how many rows are only in one of them (with a few of
them), so a change to the loader can show it loads exactly what the code before it loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

TABLES = ("posts", "users", "interactions", "quarantine", "loads")
#: columns that record when a load ran, not what it loaded
SKIPPED = {"loaded_at"}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in SKIPPED]


def compare(before: Path, after: Path, show: int = 3) -> int:
    """Print the differences; return how many rows differ in all (0: the same contents)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS b (READ_ONLY)")
    differing = 0
    for table in TABLES:
        cols = ", ".join(f'"{c}"' for c in _columns(con, f"a.{table}"))
        n_a = con.execute(f"SELECT count(*) FROM a.{table}").fetchone()[0]
        n_b = con.execute(f"SELECT count(*) FROM b.{table}").fetchone()[0]
        # EXCEPT ALL keeps multiplicities: a row twice in one and once in the other differs
        only_a = con.execute(
            f"SELECT {cols} FROM a.{table} EXCEPT ALL SELECT {cols} FROM b.{table} ORDER BY ALL"
        ).fetchall()
        only_b = con.execute(
            f"SELECT {cols} FROM b.{table} EXCEPT ALL SELECT {cols} FROM a.{table} ORDER BY ALL"
        ).fetchall()
        differing += len(only_a) + len(only_b)
        same = "same" if not (only_a or only_b) else "DIFFERENT"
        print(
            f"{table:13} {n_a:>10,} vs {n_b:>10,} rows: {same} "
            f"(only before {len(only_a):,}, only after {len(only_b):,})"
        )
        for row in only_a[:show]:
            print(f"    before only: {row}")
        for row in only_b[:show]:
            print(f"    after only:  {row}")
    return differing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    return 1 if compare(args.before, args.after) else 0


if __name__ == "__main__":
    sys.exit(main())
