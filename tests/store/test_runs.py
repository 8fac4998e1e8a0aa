"""store.runs: the flows' named queries, on a real DuckDB file with two hand-made runs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from store import runs
from store.warehouse import (
    discard_run,
    finish_run,
    publish_run,
    read_run_users,
    start_run,
    write_run_users,
    write_seeds,
    write_selection,
    write_user_tags,
)


def _run(con, run_id: str, day: date, seeds: list[str], reach: float) -> None:
    start_run(con, run_id=run_id, flow="pipeline", segment="mothers", as_of=day, window_days=30, params={})
    tags = pd.DataFrame(
        {
            "user_id": ["a", "b"],
            "segment": "mothers",
            "score": [0.5, 0.9],
            "n_posts": [1, 2],
            "n_hits": [1, 3],
            "evidence": "[]",
        }
    )
    write_user_tags(con, run_id, tags)
    write_seeds(
        con,
        run_id,
        pd.DataFrame(
            {
                "segment": "mothers",
                "rank": range(1, len(seeds) + 1),
                "user_id": seeds,
                "marginal_reach": 1.0,
                "cumulative_reach": 1.0,
                "community": 0,
                "reason": [f"why {u}" for u in seeds],
            }
        ),
    )
    write_selection(con, run_id, "mothers", day, {"expected_reach": reach, "seeds": []})


@pytest.fixture
def wh(tmp_path):
    path = tmp_path / "w.duckdb"
    with runs.warehouse(path) as con:
        _run(con, "r1", date(2026, 11, 1), ["b", "a"], 7.5)
        publish_run(con, "r1", "mothers", date(2026, 11, 1))
        _run(con, "r2", date(2026, 11, 2), ["a"], 3.0)
        finish_run(con, "r2", status="failed", error="boom")
    return path


def test_warehouse_closes_the_connection(wh):
    with runs.warehouse(wh, read_only=True) as con:
        assert runs.count_pending_interactions(con) == 0
    with pytest.raises(Exception, match="closed"):
        con.execute("SELECT 1")


def test_run_reads(wh):
    with runs.warehouse(wh, read_only=True) as con:
        assert runs.read_run_tags(con, "r1")["user_id"].tolist() == ["b", "a"]  # best score first
        members = runs.read_run_members(con, "r1")
        tags = runs.read_run_tags(con, "r1").drop(columns=["evidence", "rule"])
        pd.testing.assert_frame_equal(members, tags)  # the same rows, without the texts
        assert runs.read_selection(con, "r1") == {"expected_reach": 7.5, "seeds": []}
        assert runs.read_selection(con, "nope") is None
        assert runs.read_seed_reasons(con, "r1") == {"b": "why b", "a": "why a"}
        assert runs.read_loads(con).empty
        assert runs.quarantine_reasons(con) == []
        assert runs.loaded_before(con, "0" * 64) is False


def test_previous_run_is_the_last_succeeded_one(wh):
    with runs.warehouse(wh, read_only=True) as con:
        prev = runs.previous_run(con, "r2", "mothers")
        assert (prev["run_id"], prev["as_of"], prev["reach"]) == ("r1", "2026-11-01", 7.5)
        assert prev["seeds"] == {"b": 1, "a": 2} and sorted(prev["dropped_ids"]) == ["a", "b"]
        assert runs.previous_run(con, "r1", "mothers") is None


def test_run_states(wh):
    with runs.warehouse(wh, read_only=True) as con:
        states = runs.latest_day_states(con, "mothers")
        assert states["as_of"].tolist() == [date(2026, 11, 1), date(2026, 11, 2)]
        assert states["status"].tolist() == ["succeeded", "failed"]
        assert runs.latest_day_states(con, "food").empty
        recent = runs.recent_runs(con, limit=1)
        assert recent["run_id"].tolist() == ["r2"] and recent["error"].tolist() == ["boom"]


def test_run_users_round_trip_and_go_with_a_discarded_run(wh):
    judged = pd.DataFrame(
        {
            "user_id": ["a", "b"],
            "eligible": [True, False],
            "excluded_by": ["", "bot-like (score 0.90: bursts)"],
            "unknown_fields": ["followers", ""],
        }
    )
    activity = pd.DataFrame({"user_id": ["a", "b"], "bot_score": [0.1, 0.9], "bot_reasons": ["", "bursts"]})
    frame = runs.run_users_frame(
        ["c", "a", "b", "a"], circles={"a": 1, "b": 1}, cities={"a": "上海"}, judged=judged, activity=activity
    )
    with runs.warehouse(wh) as con:
        assert write_run_users(con, "r2", frame) == 3
        got = read_run_users(con, "r2").set_index("user_id")
        assert got.loc["a", "why"] == "passed on unknown fields: followers" and bool(got.loc["a", "eligible"])
        assert got.loc["b", "why"].startswith("bot-like") and got.loc["b", "bot_score"] == 0.9
        assert got.loc["a", "city"] == "上海" and got.loc["b", "circle"] == 1
        assert got.loc["c", "eligible"] is None or pd.isna(got.loc["c", "eligible"])  # not a member
        assert pd.isna(got.loc["c", "circle"]) and pd.isna(got.loc["c", "bot_score"])
        discard_run(con, "r2", "boom")
        assert read_run_users(con, "r2").empty


def test_run_users_need_their_columns(wh):
    with runs.warehouse(wh) as con, pytest.raises(ValueError, match="missing \\['city'"):
        write_run_users(con, "r1", pd.DataFrame({"user_id": ["a"], "circle": [1]}))


def test_step_times_are_kept_in_order_and_go_with_a_discarded_run(wh):
    with runs.warehouse(wh) as con:
        assert runs.read_run_steps(con, "r2") == []
        runs.record_step(con, "r2", "tag", 12.5)
        runs.record_step(con, "r2", "graph, circles and selection", 3.25)
        runs.record_step(con, "r1", "tag", 1.0)
        assert runs.read_run_steps(con, "r2") == [("tag", 12.5), ("graph, circles and selection", 3.25)]
        with pytest.raises(ValueError, match="negative time; got -1 s for 'report'"):
            runs.record_step(con, "r2", "report", -1)
        discard_run(con, "r2", "boom")
        assert runs.read_run_steps(con, "r2") == [] and runs.read_run_steps(con, "r1") == [("tag", 1.0)]
