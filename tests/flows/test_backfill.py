"""Backfills: one real flow run per day, idempotent, resumable; `tajian runs` shows the grid.

Flow runs are started through ``run_backfill`` (what ``tajian backfill`` calls); the CLI is
invoked only for the commands that start no flow, since Prefect's log handlers outlive the
captured streams of a CliRunner invocation.
"""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from flows.backfill import run_backfill
from flows.cli import app
from flows.exports import ingest_paths
from flows.history import days_between, days_to_run, partition_grid
from flows.messages import use_lang
from store.warehouse import open_warehouse

runner = CliRunner(env={"COLUMNS": "200", "TAJIAN_LANG": "en"})  # English lines checked
START, END = date(2026, 11, 13), date(2026, 11, 15)


def table_counts(wh) -> dict[str, int]:
    con = open_warehouse(wh, read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("user_tags", "seeds", "selections", "posts", "interactions")
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouse(prefect_harness, sample_dir, tmp_path_factory):
    wh = tmp_path_factory.mktemp("backfill") / "w.duckdb"
    ingest_paths(wh, [sample_dir])
    return wh


def test_backfill_is_idempotent_resumable_and_shown_in_the_grid(warehouse, tmp_path):
    out = tmp_path / "out"
    seen: list[tuple[date, str]] = []
    first = run_backfill(
        "mothers",
        START,
        END,
        warehouse=warehouse,
        k=20,
        window_days=7,
        out_dir=out,
        on_day=lambda d, s: seen.append((d, s)),
    )
    assert first.done == days_between(START, END) and not first.failed and not first.skipped
    assert seen[:2] == [(START, "running"), (START, "done")]
    after_first = table_counts(warehouse)
    assert after_first["selections"] == 3 and after_first["seeds"] == 60
    assert sorted(p.name for p in (out / "mothers").iterdir()) == ["2026-11-13", "2026-11-14", "2026-11-15"]
    # the same 3 days again: everything is skipped, nothing changes
    again = run_backfill("mothers", START, END, warehouse=warehouse, k=20, window_days=7, out_dir=out)
    assert again.skipped == days_between(START, END) and not again.done
    assert table_counts(warehouse) == after_first
    # a day cut off mid-run (its newest run never finished) is run again on resume
    con = open_warehouse(warehouse)
    con.execute("""INSERT INTO runs VALUES ('cut', 'pipeline', 'mothers', DATE '2026-11-14', 30,
                   '{}', now(), NULL, 'running', NULL)""")
    con.close()
    assert days_to_run(warehouse, "mothers", START, END) == [date(2026, 11, 14)]
    resumed = run_backfill("mothers", START, END, warehouse=warehouse, k=20, window_days=7, out_dir=out)
    assert resumed.done == [date(2026, 11, 14)] and len(resumed.skipped) == 2
    assert table_counts(warehouse) == after_first  # the day's rows were replaced, not added
    # rerun: every day again, still replacing rather than adding
    rerun = run_backfill(
        "mothers", START, END, warehouse=warehouse, k=20, window_days=7, out_dir=out, rerun=True
    )
    assert len(rerun.done) == 3
    assert table_counts(warehouse) == after_first
    grid = partition_grid(warehouse, date(2026, 11, 12), END)
    assert grid.to_dict("records") == [
        {
            "segment": "mothers",
            "2026-11-12": "missing",
            "2026-11-13": "done",
            "2026-11-14": "done",
            "2026-11-15": "done",
        }
    ]
    shown = runner.invoke(app, ["runs", "--warehouse", str(warehouse), "--days", "4"])
    assert shown.exit_code == 0, shown.output
    assert "11-12" in shown.output and "■" in shown.output
    skip = runner.invoke(
        app, ["backfill", "--start", "2026-11-13", "--end", "2026-11-15", "--warehouse", str(warehouse)]
    )
    assert skip.exit_code == 0 and "3 already done, 0 to run" in skip.output


def test_a_failing_day_is_recorded_with_its_error_and_the_backfill_goes_on(warehouse, tmp_path):
    # the sample holds no posts in September, so tagging finds no members on those days
    result = run_backfill(
        "mothers", date(2026, 9, 1), date(2026, 9, 2), warehouse=warehouse, out_dir=tmp_path / "out"
    )
    assert not result.done and [d for d, _ in result.failed] == [date(2026, 9, 1), date(2026, 9, 2)]
    grid = partition_grid(warehouse, date(2026, 9, 1), date(2026, 9, 1))
    assert grid.loc[0, "2026-09-01"] == "failed"
    why = grid.attrs["errors"][("mothers", "2026-09-01")]
    # the funnel's line, in the default language (Chinese): 30 days to 2026-09-01, 0 posts, why
    assert "2026-09-01 的 30 天内没有找到妈妈（人群 mothers）" in why and "窗口内 0 条帖子" in why
    assert "卡在这一步：窗口内没有帖子" in why
    shown = runner.invoke(app, ["runs", "--warehouse", str(warehouse), "--end", "2026-09-02", "--days", "2"])
    assert "✗ mothers 2026-09-01: UserError: 截至 2026-09-01 的 30 天内没有找到妈妈" in shown.output


def test_reversed_ranges_are_refused():
    with pytest.raises(ValueError, match="结束日期不能早于开始日期；收到的是 2026-11-02 到 2026-11-01"):
        days_between(date(2026, 11, 2), date(2026, 11, 1))
    use_lang("en")
    with pytest.raises(ValueError, match="must not be before the start date"):
        days_between(date(2026, 11, 2), date(2026, 11, 1))
    result = runner.invoke(app, ["backfill", "--start", "2026-11-02", "--end", "2026-11-01"])
    assert result.exit_code == 2 and "--end must not be before --start" in result.output
