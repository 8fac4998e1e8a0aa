"""Seed-list files and the HTML report: ids as text, formula safety, escaping, offline."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace

from report.charts import plotly_js
from report.html import ReportInputs, describe_parameters, render_report, write_report
from report.seedlist import (
    SEED_COLUMNS,
    engagement_rate,
    explain_seed,
    guard_cell,
    write_seeds_csv,
    write_seeds_json,
)

ROW = {
    "rank": 1,
    "user_id": "5366486905059756",
    "screen_name": '=HYPERLINK("http://x")',
    "profile_url": "https://weibo.com/u/5366486905059756",
    "followers": 1200,
    "city": "杭州",
    "circle": 3,
    "segment_score": 0.875,
    "n_hits": 7,
    "marginal_reach": 12.3456,
    "cumulative_reach": 12.3456,
    "reason": "+1 @mention",
}


def test_guard_cell_neutralises_every_formula_start():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert guard_cell(bad) == "'" + bad
    assert guard_cell("杭州") == "杭州" and guard_cell(5) == 5


def test_csv_has_bom_text_ids_and_guarded_cells(tmp_path):
    path = write_seeds_csv([ROW], tmp_path / "seeds.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == list(SEED_COLUMNS)
    assert rows[0]["user_id"] == "5366486905059756"
    assert rows[0]["screen_name"].startswith("'=")
    assert rows[0]["reason"] == "'+1 @mention"
    assert rows[0]["city"] == "杭州" and rows[0]["marginal_reach"] == "12.346"


def test_json_carries_the_selection_and_rows(tmp_path):
    path = write_seeds_json({"method": "ris", "random_seed": 4}, [ROW], tmp_path / "s.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["selection"]["random_seed"] == 4
    assert doc["seeds"][0]["user_id"] == "5366486905059756"


def test_csv_carries_engagement_and_an_empty_bot_score(tmp_path):
    row = {**ROW, "engagement_rate": 0.0123456, "bot_score": None}
    path = write_seeds_csv([row], tmp_path / "seeds.csv")
    got = next(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert got["engagement_rate"] == "0.01235" and got["bot_score"] == ""


def test_engagement_rate_needs_posts_and_followers():
    assert engagement_rate(1, 1, 2, n_posts=2, followers=100) == 0.02
    assert engagement_rate(1, 1, 2, n_posts=0, followers=100) is None
    assert engagement_rate(1, 1, 2, n_posts=2, followers=None) is None


def test_reason_reads_as_a_sentence():
    assert explain_seed(
        marginal_reach=1.0, cumulative_reach=3.2, n_hits=1, circle=None, city=None, segment_label="mothers"
    ) == ("reaches ~1 more mothers (~3 with the seeds above); 1 post on the topic")
    assert explain_seed(
        marginal_reach=2.0,
        cumulative_reach=5.0,
        n_hits=3,
        circle=4,
        city="杭州",
        segment_label="妈妈",
        lang="zh",
    ) == ("新增覆盖约 2 位妈妈（连同排在前面的种子共约 5 位）；3 条相关帖子；圈子 4、杭州")


def test_report_escapes_user_text_and_loads_nothing_from_the_network(tmp_path):
    html = render_report(ReportInputs.example())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "我家宝宝&lt;b&gt;" in html
    # self-contained: no external scripts, stylesheets, fonts or images; plotly's JavaScript is
    # inlined exactly once (its bundle mentions URLs it never fetches for these chart types)
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*(src|href)=", html)
    assert html.count(plotly_js()) == 1 and "cdn.plot.ly/plotly" not in html.replace(plotly_js(), "")
    page = html.replace(plotly_js(), "")
    assert "@import" not in page and "url(" not in page
    # user text inside the charts is escaped too (plotly renders some tags)
    assert "&lt;i&gt;" in page and "&lt;u&gt;" in page and '"<i>"' not in page
    assert "<em>gone</em>" not in page and "&lt;em&gt;gone&lt;/em&gt;" in page
    assert 'lang="zh-CN"' in html and "Noto Sans CJK SC" in html
    assert "合成样例" in html
    real = replace(ReportInputs.example(), synthetic=False)
    assert "合成样例" not in render_report(real)
    path = write_report(real, tmp_path / "r.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_headline_compares_with_the_naive_lists():
    ex = ReportInputs.example(lang="en")
    ex = replace(ex, selection={**ex.selection, "n_eligible": 5})  # a real choice: 1 seed of 5
    html = render_report(ex)
    assert "expected to reach 3 of them (150%) within 2 steps of sharing" in html
    assert "the “most followers” list reaches 1 (ours ×3.00)" in html
    zh = render_report(replace(ex, lang="zh", people="妈妈"))
    assert "“粉丝最多”名单覆盖 1 人（我们是它的 3.00 倍）" in zh


def test_report_sections_are_all_there():
    html = render_report(ReportInputs.example(lang="en"))
    for section in ("headline", "comparison", "segment", "circles", "seeds", "changes", "quality"):
        assert f'<section id="{section}">' in html
    assert '<section id="method" class="appendix">' in html
    for chart in (
        "chart-reach",
        "chart-over-time",
        "chart-words",
        "chart-followers",
        "chart-cities",
        "chart-circles",
        "chart-overlap",
    ):
        assert f'id="{chart}"' in html
    assert "bot score: not computed" in html
    assert "seed users kept" in html and "seed users dropped" in html


def test_every_parameter_is_explained_in_words():
    sel = {
        "params": {
            "k": 100,
            "epsilon": 0.1,
            "eligibility": {"follower_cap": 50_000},
            "kind_weights": {"repost": 1.0},
            "something_new": 3,
        },
        "model": {"probability": "wc", "max_hops": 2, "decay": 1.0},
        "random_seed": 42,
    }
    rows = {name: (value, meaning) for name, value, meaning in describe_parameters(sel, "30 days")}
    assert rows["eligibility.follower_cap"][0] == "50,000"
    assert rows["kind_weights"][0] == "repost 1"
    assert rows["random_seed"][0] == "42" and rows["window"][0] == "30 days"
    assert all(meaning for name, (_, meaning) in rows.items() if name != "something_new")
    assert rows["something_new"] == ("3", "")  # a field the selector adds later still shows
