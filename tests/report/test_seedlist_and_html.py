"""Seed-list files and the HTML report: ids as text, formula safety, escaping, offline."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace

from report.html import ReportInputs, render_report, write_report
from report.seedlist import (
    SEED_COLUMNS,
    explain_seed,
    guard_cell,
    write_seeds_csv,
    write_seeds_json,
)

ROW = {
    "rank": 1, "user_id": "5366486905059756", "screen_name": "=HYPERLINK(\"http://x\")",
    "profile_url": "https://weibo.com/u/5366486905059756", "followers": 1200, "city": "杭州",
    "circle": 3, "segment_score": 0.875, "n_hits": 7, "marginal_reach": 12.3456,
    "cumulative_reach": 12.3456, "reason": "+1 @mention",
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


def test_reason_reads_as_a_sentence():
    assert explain_seed(marginal_reach=1.0, cumulative_reach=3.2, n_hits=1, circle=None,
                        city=None, segment_label="mothers") == (
        "adds ~1 mothers within reach (~3 with the seeds above); 1 post about the segment")


def test_report_escapes_user_text_and_loads_nothing_from_the_network(tmp_path):
    html = render_report(ReportInputs.example())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "我家宝宝&lt;b&gt;" in html
    # self-contained: no external scripts, stylesheets, fonts or images
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*(src|href)=", html)
    assert "@import" not in html and "url(" not in html
    assert 'lang="zh-CN"' in html and "Noto Sans CJK SC" in html
    assert "Synthetic sample" in html
    real = replace(ReportInputs.example(), synthetic=False)
    assert "Synthetic sample" not in render_report(real)
    path = write_report(real, tmp_path / "r.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_headline_compares_with_the_naive_lists():
    html = render_report(ReportInputs.example())
    assert "expected to reach 3 of them (150%) within two hops" in html
    assert "the most followers list reaches 1" in html
    assert "×3.00" in html
