"""Tagging judged the way it is used: users in a weibo-search export, through `tajian ingest` and a
real flow run (issue 16, point 4), beside the keyword-regex baseline on the same users.

The export (tests/e2e/user_fixture.py) gives held-out hand-labelled parent posts and real off-topic
posts to made-up users with heavy-tailed post counts, and non-members whose posts hold child words:
fans, pet owners, shops, news accounts, jokes and other people's children. The floors are the
figures measured when this test was written, less a margin (see bench/RESULTS.md, "Users, not
posts"); the issue's goals (F1 >= 0.90, precision >= 0.90 in every band) are not met yet.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from store.warehouse import open_warehouse
from tests.e2e.user_fixture import FIXTURE_AS_OF, build_user_fixture, regex_members, user_scores

pytestmark = [pytest.mark.real_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def fixture_run(real_data_dir, prefect_harness, tmp_path_factory):
    from flows.pipeline import pipeline

    base = tmp_path_factory.mktemp("users")
    truth = build_user_fixture(real_data_dir, base / "export")
    wh = base / "warehouse.duckdb"
    loaded = CliRunner().invoke(app, ["ingest", str(base / "export"), "--warehouse", str(wh)])
    assert loaded.exit_code == 0, loaded.output
    result = pipeline(segment="mothers", warehouse=str(wh), out_dir=str(base / "out"), k=20, seed=7)
    con = open_warehouse(wh, read_only=True)
    try:
        tags = con.execute(
            "SELECT user_id, rule, business, confirmed_by, evidence FROM user_tags WHERE run_id = ?",
            [result["run_id"]],
        ).df()
        seeds = con.execute("SELECT user_id FROM seeds WHERE run_id = ?", [result["run_id"]]).df()
        funnel = con.execute("SELECT * FROM tag_funnels WHERE run_id = ?", [result["run_id"]]).df()
    finally:
        con.close()
    export = next((base / "export").rglob("*.csv"))
    return truth, tags, seeds, funnel, regex_members(export), {**result, "export": export}


def test_the_run_covers_the_fixture_window(fixture_run):
    *_, result = fixture_run
    assert date.fromisoformat(result["as_of"]) == FIXTURE_AS_OF


def test_user_level_quality_beats_the_keyword_regex(fixture_run):
    truth, tags, _, _, regex, _ = fixture_run
    ours = user_scores(truth, set(tags["user_id"]))
    baseline = user_scores(truth, regex)
    print("\nTajian\n", ours.round(2), "\nkeyword regex\n", baseline.round(2))
    # measured 2026-12-07: F1 0.58 (precision 0.54, recall 0.62); keyword regex F1 0.25
    assert ours.loc["all", "f1"] >= 0.52
    assert ours.loc["all", "f1"] > baseline.loc["all", "f1"] + 0.2
    assert ours.loc["all", "precision"] >= 0.45
    for band in ("1-3", "4-29"):
        assert ours.loc[band, "recall"] >= 0.45, band
        assert ours.loc[band, "f1"] > baseline.loc[band, "f1"], band


def test_seeds_are_members_and_no_shop_is_a_seed(fixture_run):
    truth, tags, seeds, *_ = fixture_run
    kind = dict(zip(truth["user_id"], truth["kind"], strict=True))
    seed_kinds = pd.Series([kind.get(u, "unknown") for u in seeds["user_id"]])
    assert len(seeds) > 0
    assert "shop" not in set(seed_kinds)
    # measured 2026-12-07: 0.75 (15 of 20); 0.6 (12 of 20) before seeds had to be confirmed
    assert (seed_kinds == "parent").mean() >= 0.7
    sellers = tags[tags["business"].notna()]
    assert set(sellers["user_id"]).isdisjoint(seeds["user_id"])  # a member marked as selling is no seed
    # every seed is confirmed in their own words (a first-person post or the profile); some
    # members are not, and so are no seeds
    confirmed = dict(zip(tags["user_id"], tags["confirmed_by"], strict=True))
    assert {confirmed[u] for u in seeds["user_id"]} <= {"post", "profile"}
    assert (tags["confirmed_by"] == "unconfirmed").any()
    # the pool the seeds are drawn from: measured 2026-12-07, precision 0.68 (30 of 44) with the
    # words in the author's own sentence (nlp.post_rules.confirming_words), 0.65 (30 of 46) before
    pool = user_scores(truth, set(tags.loc[tags["confirmed_by"].isin(["post", "profile"]), "user_id"]))
    assert pool.loc["all", "precision"] >= 0.62


def test_the_run_records_its_funnel_and_the_evidence_kinds(fixture_run):
    _, tags, _, funnel, _, _ = fixture_run
    row = funnel.iloc[0]
    assert row["n_members"] == len(tags)
    assert row["n_positive_posts"] <= row["n_relevant"] <= row["n_posts"]
    assert row["prior"] is not None and 0 < row["prior"] < 1 and row["prior_estimated"]
    by_rule = json.loads(row["by_rule"])
    assert sum(by_rule.values()) == len(tags)
    kinds = {item["kind"] for ev in tags["evidence"] for item in json.loads(ev)}
    assert "post" in kinds
    profiled = tags[tags["rule"].isin(["profile", "both"])]
    for ev in profiled["evidence"]:
        assert any(item["kind"] == "profile" and item["field"] == "screen_name" for item in json.loads(ev))


def test_the_commerce_check_marks_sellers_and_no_parent(fixture_run):
    from nlp.commerce import business_accounts

    truth, *_ = fixture_run
    export = pd.read_csv(fixture_run[-1]["export"], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    own = export[export["retweet_id"] == ""]
    found = business_accounts(pd.DataFrame({"user_id": own["user_id"], "text": own["微博正文"]}))
    kind = dict(zip(truth["user_id"], truth["kind"], strict=True))
    flagged = [kind[u] for u in found.loc[found["business"], "user_id"]]
    # measured 2026-12-07: 2 of the 16 promo/giveaway/shop users, no one else (most of them enter
    # giveaways or promote an event rather than sell)
    assert set(flagged) == {"shop"} and len(flagged) >= 2
