"""The deliverables of a real pipeline run on the shipped sample, checked as an analyst meets them:
the report opened in headless Chromium (playwright driving Debian's chromium), seeds.xlsx opened
with openpyxl, circles.gexf with networkx, and the Prefect artifacts.

The run is the real flow (two days, so the report has a previous run to compare with); then a
screen name ``<script>alert(1)</script>`` is written into the warehouse's users table and the
report step re-renders the day from the warehouse, as a re-run would.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date

import networkx as nx
import openpyxl
import pytest

from flows import steps
from flows.settings import load_settings
from report.seedlist import SEED_COLUMNS
from store.warehouse import open_warehouse
from tests.conftest import ROOT, missing

AS_OF = date(2026, 11, 15)
PROBE = "<script>alert(1)</script>"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = (
    "chart-reach",
    "chart-over-time",
    "chart-followers",
    "chart-words",
    "chart-cities",
    "chart-circles",
    "chart-overlap",
    "chart-portrait-gender",
    "chart-portrait-provinces",
    "chart-portrait-cities",
    "chart-portrait-hours",
    "chart-portrait-weekdays",
)


@pytest.fixture(scope="module")
def run(prefect_harness, sample_dir, tmp_path_factory):
    """The real flow, the day before and then the day (so there is a previous run)."""
    from flows.pipeline import pipeline

    base = tmp_path_factory.mktemp("report-e2e")
    wh, out = base / "warehouse.duckdb", base / "out"
    pipeline(
        segment="mothers",
        as_of=date(2026, 11, 14),
        ingest=[str(sample_dir)],
        warehouse=str(wh),
        out_dir=str(out),
        seed=42,
    )
    result = pipeline(segment="mothers", warehouse=str(wh), out_dir=str(out), seed=42)
    return result, wh, out


@pytest.fixture(scope="module")
def probed(run, tmp_path_factory):
    """The day's report re-rendered after the top seed's screen name became an XSS probe."""
    result, wh, _ = run
    con = open_warehouse(wh)
    try:
        first = con.execute(
            "SELECT user_id FROM seeds WHERE run_id = ? AND rank = 1", [result["run_id"]]
        ).fetchone()[0]
        con.execute("UPDATE users SET screen_name = ? WHERE user_id = ?", [PROBE, first])
    finally:
        con.close()
    settings = load_settings().replace(warehouse=wh, seed=42, out_dir=tmp_path_factory.mktemp("probe-out"))
    staged = steps.report_step(wh, result["run_id"], "mothers", AS_OF, 30, settings)
    return staged, first


def test_every_deliverable_is_published(run):
    result, _, out = run
    folder = out / "mothers" / AS_OF.isoformat()
    for name in ("report.html", "seeds.csv", "seeds.xlsx", "seeds.json", "circles.gexf"):
        assert (folder / name).is_file(), name
    assert result["seeds_xlsx"] == str(folder / "seeds.xlsx")
    assert result["circles_gexf"] == str(folder / "circles.gexf")
    doc = json.loads((folder / "seeds.json").read_text(encoding="utf-8"))
    assert len(doc["seeds"]) == 100 and doc["selection"]["random_seed"] == 42
    assert set(SEED_COLUMNS) <= set(doc["seeds"][0])
    assert any("Bot score" in n for n in doc["notes"]) == all(s["bot_score"] is None for s in doc["seeds"])
    assert doc["report"]["overlap"]["reached_by_two_or_more"] >= 0
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "What changed since the previous run" in html and "mothers-2026-11-14-w30" in html
    h = nx.read_gexf(folder / "circles.gexf")
    seeds = {n for n, d in h.nodes(data=True) if d["seed"]}
    assert seeds == {s["user_id"] for s in doc["seeds"]}
    assert h.number_of_nodes() > 100 and h.number_of_edges() > 0


def test_prefect_artifacts_link_to_the_report(run):
    from prefect.artifacts import Artifact

    result, _, _ = run
    md = Artifact.get("tajian-mothers-report")
    table = Artifact.get("tajian-mothers-seeds")
    assert md is not None and table is not None
    assert "report.html](file://" in md.data and result["as_of"] in md.data
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert len(rows) == 100


def test_seeds_xlsx_from_a_real_run_keeps_ids_and_is_formula_safe(run, probed):
    staged, first = probed
    doc = json.loads(staged.seeds_json.read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(staged.seeds_xlsx)
    ws = wb["Seeds"]
    rows = list(ws.iter_rows(min_row=2, values_only=False))
    assert len(rows) == 100
    uid = SEED_COLUMNS.index("user_id")
    assert [r[uid].value for r in rows] == [s["user_id"] for s in doc["seeds"]]
    assert all(r[uid].data_type == "s" for r in rows)
    assert rows[0][SEED_COLUMNS.index("screen_name")].value == PROBE and rows[0][uid].value == first
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def _chinese_fonts() -> str:
    return subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    ).stdout


@pytest.mark.browser
def test_report_in_chromium(chromium, probed):
    if "Noto Sans CJK" not in _chinese_fonts():
        missing("fonts-noto-cjk is not installed: Chinese would show as boxes")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    staged, first = probed
    errors: list[str] = []
    dialogs: list[str] = []
    requests: list[str] = []
    shots = ROOT / "out" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(staged.report.as_uri(), wait_until="load")
            # every chart drew: plotly built its SVG and at least one trace in each
            page.wait_for_function(
                "ids => ids.every(id => { const el = document.getElementById(id);"
                " return el && el.querySelector('.main-svg') && el.querySelector('.trace'); })",
                arg=list(CHARTS),
                timeout=20_000,
            )
            page.screenshot(path=str(shots / "report-e2e-top.png"))
            n_traces = page.evaluate("id => document.getElementById(id)._fullData.length", "chart-reach")
            assert n_traces >= 3  # ours and the naive lists
            assert page.locator("#seed-table tbody tr").count() == 100
            # the probe is shown as text and never runs
            name = page.locator("#seed-table tbody tr").first.locator("td.name a")
            assert name.inner_text() == PROBE
            assert page.locator("#seed-table tbody tr").first.locator(".id").inner_text() == first
            assert page.evaluate(
                "() => [...document.scripts].every(s => !s.textContent.includes('alert(1)')"
                " || !s.textContent.includes('<script>alert'))"
            )
            assert page.locator("#meetup-table").inner_text().count(PROBE) == 1
            # sortable: followers ascending, then descending
            header = page.locator("#seed-table th", has_text="followers")
            header.click()
            values = page.eval_on_selector_all(
                "#seed-table tbody tr td:nth-child(3)", "tds => tds.map(td => +td.dataset.v)"
            )
            assert values == sorted(values)
            header.click()
            values = page.eval_on_selector_all(
                "#seed-table tbody tr td:nth-child(3)", "tds => tds.map(td => +td.dataset.v)"
            )
            assert values == sorted(values, reverse=True)
            page.locator("#seed-table th", has_text="#").click()
            # a row opens to its evidence
            first_row = page.locator("#seed-table tbody tr").first
            first_row.locator("summary").click()
            assert first_row.locator(".evidence li").first.is_visible()
            first_row.screenshot(path=str(shots / "report-e2e-evidence.png"))
            page.screenshot(path=str(shots / "report-e2e.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [] and dialogs == []
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert (shots / "report-e2e.png").stat().st_size > 100_000
