"""Issue 19, point 11: the small things a new user trips over first (real ``python -m flows.cli``
processes: what a terminal shows)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from store.readers import FORMATS
from store.warehouse import finish_run, open_warehouse, start_run

ROOT = Path(__file__).resolve().parents[2]


def tajian(*args: str, cwd: Path | None = None, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        check=False,
        timeout=120,
    )


def test_version_and_short_help():
    got = tajian("--version")
    assert got.returncode == 0 and got.stdout.startswith("tajian "), got.stderr
    for args in (["-h"], ["ingest", "-h"], ["runs", "-h"]):
        got = tajian(*args)
        assert got.returncode == 0 and got.stdout.startswith("用法：tajian"), (args, got.stderr)


def test_format_help_lists_every_format():
    text = " ".join(tajian("ingest", "--help", columns=200).stdout.split())
    assert "store/readers.py" not in text
    for name in FORMATS:
        assert name in text


def test_runs_refuses_a_warehouse_that_is_not_there(tmp_path):
    typo = tmp_path / "typo.duckdb"
    got = tajian("runs", "--warehouse", str(typo))
    assert got.returncode == 1
    assert str(typo) in got.stderr and "--warehouse" in got.stderr
    assert "Traceback" not in got.stderr and len(got.stderr.strip().splitlines()) == 1
    assert not typo.exists()


def test_run_refuses_a_warehouse_that_is_not_there(tmp_path):
    typo = tmp_path / "typo.duckdb"
    got = tajian("run", "--warehouse", str(typo))
    assert got.returncode == 1 and str(typo) in got.stderr and "tajian ingest" in got.stderr
    assert not typo.exists() and not list(tmp_path.iterdir())


def test_runs_shows_whole_names_and_dates_in_a_narrow_terminal(tmp_path):
    wh = tmp_path / "w.duckdb"
    run_id = "mothers_and_fathers-2026-11-15-w30-20261207T035959-abcdef"
    con = open_warehouse(wh)
    start_run(
        con,
        run_id=run_id,
        flow="pipeline",
        segment="mothers_and_fathers",
        as_of=date(2026, 11, 15),
        window_days=30,
        params={},
    )
    finish_run(con, run_id, status="succeeded")
    con.close()
    got = tajian("runs", "--warehouse", str(wh), "--end", "2026-11-15", columns=80)
    assert got.returncode == 0, got.stderr
    legend = "… 运行中"  # the grid's legend, in the default language
    assert "…" not in got.stdout.replace(legend, "")
    assert run_id in got.stdout and "mothers_and_fathers " in got.stdout
    assert "2026-11-15" in got.stdout and "11-15" in got.stdout.split(legend)[1]


def test_evaluate_names_a_fix_it_has(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("mid,content,label\n1,我家宝宝会走了,1\n", encoding="utf-8")
    got = tajian("evaluate", str(labels))
    assert got.returncode == 2
    assert "--id-column" not in got.stderr and "--text-column" not in got.stderr
    assert "id,text,label" in got.stderr and "mid, content, label" in got.stderr
