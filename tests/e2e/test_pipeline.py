"""The real flow on the shipped sample: every room, end to end, under Prefect's test harness."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from flows.settings import PROJECT_ROOT
from graph.eligibility import EligibilityRules, judge_eligibility
from nlp.segments import load_segment
from nlp.tagger import tag_user_segments
from store.warehouse import fetch_users, fetch_window_posts, open_warehouse, window_bounds

AS_OF = date(2026, 11, 15)


@pytest.fixture(scope="module")
def runs(prefect_harness, sample_dir, tmp_path_factory):
    """Two runs of the real flow on the sample with the same seed (the second re-runs the day)."""
    from flows.pipeline import pipeline

    base = tmp_path_factory.mktemp("e2e")
    wh, out = base / "warehouse.duckdb", base / "out"
    first = pipeline(
        segment="mothers", ingest=[str(sample_dir)], warehouse=str(wh), out_dir=str(out), seed=42
    )
    second = pipeline(
        segment="mothers", ingest=[str(sample_dir)], warehouse=str(wh), out_dir=str(out), seed=42
    )
    return first, second, wh, out


def test_k_distinct_eligible_tagged_seeds(runs):
    first, _, wh, _ = runs
    assert first["as_of"] == AS_OF.isoformat()  # newest post date of the sample
    con = open_warehouse(wh, read_only=True)
    try:
        seeds = con.execute("SELECT user_id FROM seeds WHERE run_id = ?", [first["run_id"]]).df()
        tags = con.execute("SELECT user_id, score FROM user_tags WHERE run_id = ?", [first["run_id"]]).df()
        profiles = fetch_users(con, seeds["user_id"])
    finally:
        con.close()
    # the second run replaced the first run's rows for the day
    assert len(seeds) == 0 and len(tags) == 0
    _, second, _, _ = runs
    con = open_warehouse(wh, read_only=True)
    try:
        seeds = con.execute(
            "SELECT user_id FROM seeds WHERE run_id = ? ORDER BY rank", [second["run_id"]]
        ).df()
        tags = con.execute("SELECT user_id, score FROM user_tags WHERE run_id = ?", [second["run_id"]]).df()
        profiles = fetch_users(con, seeds["user_id"])
        statuses = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    finally:
        con.close()
    assert len(seeds) == 100 and seeds["user_id"].is_unique
    assert set(seeds["user_id"]) <= set(tags["user_id"])
    judged = judge_eligibility(tags[tags["user_id"].isin(seeds["user_id"])], profiles, EligibilityRules())
    assert judged["eligible"].all()
    assert statuses == {first["run_id"]: "succeeded", second["run_id"]: "succeeded"}


def test_same_seed_gives_the_same_list_and_outputs_are_written(runs):
    first, second, _, out = runs
    folder = out / "mothers" / AS_OF.isoformat()
    assert second["report"] == str(folder / "report.html")
    for name in ("report.html", "seeds.csv", "seeds.json"):
        assert (folder / name).is_file()
    assert not [p for p in (out).iterdir() if p.name.startswith(".")]  # no staging left over
    doc = json.loads((folder / "seeds.json").read_text(encoding="utf-8"))
    assert doc["selection"]["random_seed"] == 42
    assert len(doc["selection"]["seeds"]) == 100
    assert first["expected_reach"] == second["expected_reach"]
    with open(folder / "seeds.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["user_id"] for r in rows] == [s["user_id"] for s in doc["selection"]["seeds"]]
    # every seed is confirmed in their own words, and the list says by what (我家宝宝…)
    assert all(r["own_words"] for r in rows)
    assert sum("我" in r["own_words"] for r in rows) >= 50
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "合成样例" in html and html.count("<tr data-region=") == 100  # Chinese by default
    reach = doc["selection"]["expected_reach"]
    assert reach >= max(b["expected_reach"] for b in doc["selection"]["baselines"].values())


def test_each_of_the_last_seven_windows_holds_300_eligible_mothers(runs):
    _, _, wh, _ = runs
    segment = load_segment("mothers", PROJECT_ROOT / "data" / "segments")
    con = open_warehouse(wh, read_only=True)
    try:
        counts = {}
        for back in range(7):
            day = AS_OF - timedelta(days=back)
            posts = fetch_window_posts(con, *window_bounds(day, 30))
            tags = tag_user_segments(posts[["post_id", "user_id", "created_at", "text"]], segment)
            judged = judge_eligibility(tags, fetch_users(con, tags["user_id"]), EligibilityRules())
            counts[day.isoformat()] = int(judged["eligible"].sum())
    finally:
        con.close()
    assert min(counts.values()) >= 300, counts


def test_the_report_names_the_window_and_parameters(runs):
    _, second, _, _ = runs
    html = Path(second["report"]).read_text(encoding="utf-8")
    assert "截至 2026-11-15 的 30 天" in html
    assert "随机种子 42" in html and "max_hops" in html
    assert pd.notna(second["expected_reach"])


def test_one_reach_number_in_the_headline_the_table_and_the_overlap(runs):
    """Issue 19 point 7: one estimate, so the three places agree, and the adds never go up."""
    _, second, _, out = runs
    doc = json.loads((out / "mothers" / AS_OF.isoformat() / "seeds.json").read_text(encoding="utf-8"))
    sel, overlap = doc["selection"], doc["report"]["overlap"]
    reach = sel["expected_reach"]
    assert sel["seeds"][-1]["cumulative_reach"] == pytest.approx(reach, abs=0.01)
    assert overlap["reached"] == pytest.approx(reach, abs=0.01)
    assert sel["expected_reach_low"] <= reach <= sel["expected_reach_high"]
    adds = [s["marginal_reach"] for s in sel["seeds"]]
    assert all(a >= b for a, b in itertools.pairwise(adds)), adds
    html = Path(second["report"]).read_text(encoding="utf-8")
    assert f"{reach:,.0f}" in doc["report"]["headline"] and html.count(f">{reach:,.0f}<") >= 1


def test_seed_filters_hold_for_every_seed_and_are_recorded(runs, tmp_path):
    """Issue 19 point 10: the select step with --region 广东 --gender f --min-followers 100 on a
    copy of the run's warehouse: every seed passes, the params record the filters and counts."""
    import shutil

    from flows import steps
    from flows.settings import load_settings

    _, second, wh, _ = runs
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(wh, copy)
    settings = load_settings(config_path=None).replace(regions=("广东",), gender="f", min_followers=100)
    sel = steps.select_step(copy, second["run_id"], "mothers", AS_OF, 30, settings)
    rules = sel["params"]["eligibility"]
    assert (rules["regions"], rules["gender"], rules["min_followers"]) == (["广东"], "f", 100)
    con = open_warehouse(copy, read_only=True)
    try:
        prof = fetch_users(con, [s["user_id"] for s in sel["seeds"]]).set_index("user_id")
        n_members = con.execute(
            "SELECT count(*) FROM user_tags WHERE run_id = ?", [second["run_id"]]
        ).fetchone()[0]
    finally:
        con.close()
    assert len(prof) == len(sel["seeds"]) > 0
    assert prof["location"].str.startswith("广东").all() and (prof["gender"] == "f").all()
    assert (prof["followers"] >= 100).all()
    counts = {c["filter"]: c for c in sel["params"]["filter_counts"]}
    assert set(counts) == {"regions", "gender", "min_followers"}
    assert all(c["pass"] + c["fail"] + c["unknown"] == n_members for c in counts.values())
