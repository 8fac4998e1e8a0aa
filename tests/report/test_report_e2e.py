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

from flows import publish
from flows.settings import load_settings
from report.seedlist import SEED_COLUMNS
from report.xlsx import XLSX_COLUMNS
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
    staged = publish.report_step(wh, result["run_id"], "mothers", AS_OF, 30, settings)
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
    assert any("机器人分" in n for n in doc["notes"]) == all(s["bot_score"] is None for s in doc["seeds"])
    assert doc["report"]["overlap"]["reached_by_two_or_more"] >= 0
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "与上次运行相比的变化" in html and "mothers-2026-11-14-w30" in html  # Chinese by default
    assert doc["report"]["lang"] == "zh" and "妈妈：100 位种子用户" in html
    assert 'id="segment-quality"' in html and "找妈妈找得准不准" in html  # measured or plainly not
    assert "本次运行各步骤用时：找出目标人群（给帖子打标签） " in html  # the run's step times
    h = nx.read_gexf(folder / "circles.gexf")
    seeds = {n for n, d in h.nodes(data=True) if d["seed"]}
    assert seeds == {s["user_id"] for s in doc["seeds"]}
    assert h.number_of_nodes() > 100 and h.number_of_edges() > 0


def test_lang_en_gives_the_report_and_the_xlsx_in_english(run, tmp_path):
    result, wh, _ = run
    settings = load_settings().replace(warehouse=wh, seed=42, out_dir=tmp_path, lang="en")
    staged = publish.report_step(wh, result["run_id"], "mothers", AS_OF, 30, settings)
    html = staged.report.read_text(encoding="utf-8")
    assert "Mothers: the 100 seed users (synthetic sample)" in html and 'lang="en"' in html
    assert "What changed since the previous run" in html and "Appendix: how this list was made" in html
    assert "Time each step of the run took: finding the audience (tagging posts) " in html
    assert "种子名单" not in html and "种子用户" not in html
    assert openpyxl.load_workbook(staged.seeds_xlsx).sheetnames == ["Seeds", "Meet-ups", "About"]


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
    ws = wb.worksheets[0]  # the list: a header row, then one row per seed
    assert ws.title == "种子名单" and ws.max_row == 101
    assert [c.value for c in ws[1]][4:7] == ["状态", "联系人", "备注"]
    rows = list(ws.iter_rows(min_row=2, values_only=False))
    assert len(rows) == 100
    uid = XLSX_COLUMNS.index("user_id")
    assert [r[uid].value for r in rows] == [s["user_id"] for s in doc["seeds"]]
    assert all(r[uid].data_type == "s" for r in rows)
    assert rows[0][XLSX_COLUMNS.index("screen_name")].value == PROBE and rows[0][uid].value == first
    evidence = XLSX_COLUMNS.index("evidence")
    first_post = next(e["text"] for e in doc["seeds"][0]["evidence"] if e.get("kind", "post") == "post")
    assert first_post.lstrip("=+-@") in rows[0][evidence].value
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def _check_filters(page) -> None:
    """Each filter hides the rows that do not match and keeps every row in the page."""
    rows = page.locator("#seed-table tbody tr")
    visible = "#seed-table tbody tr:not([hidden])"
    region = page.eval_on_selector("#f-region", "s => s.options[1].value")
    page.select_option("#f-region", region)
    shown = page.eval_on_selector_all(visible, "trs => trs.map(tr => tr.dataset.region)")
    assert 0 < len(shown) < 100 and set(shown) == {region} and rows.count() == 100
    assert page.locator("#f-count").inner_text() == f"显示 {len(shown)} / 100 位"
    page.select_option("#f-region", "")
    page.fill("#f-fmin", "1000")
    page.fill("#f-fmax", "5000")
    followers = page.eval_on_selector_all(visible, "trs => trs.map(tr => +tr.dataset.followers)")
    assert followers and all(1000 <= f <= 5000 for f in followers) and len(followers) < 100
    page.fill("#f-fmin", "")
    page.fill("#f-fmax", "")
    page.fill("#f-score", "0.99")
    scores = page.eval_on_selector_all(visible, "trs => trs.map(tr => +tr.dataset.score)")
    assert all(s >= 0.99 for s in scores) and len(scores) < 100
    page.fill("#f-score", "")
    circle = page.eval_on_selector("#f-circle", "s => s.options[1].value")
    page.select_option("#f-circle", circle)
    circles = page.eval_on_selector_all(visible, "trs => trs.map(tr => tr.dataset.circle)")
    assert circles and set(circles) == {circle}
    assert rows.count() == 100


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
        missing("playwright is not installed: it is in requirements.lock (make install)")
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
            page.goto(staged.report.as_uri(), wait_until="load", timeout=120_000)  # a 5 MB page on a busy box
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
            # the list is near the top of the page, before the charts
            assert page.locator("#seed-table").bounding_box()["y"] < 1200
            assert page.locator("h1").inner_text() == "妈妈：100 位种子用户（合成样例）"
            _check_filters(page)
            page.screenshot(path=str(shots / "report-e2e-filtered.png"))
            page.locator("#f-reset").click()
            # sortable: followers ascending, then descending
            header = page.locator("#seed-table th", has_text="粉丝数")
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
