"""``tajian backtest`` end to end: on a small real CED subset (marked real_data) and on a tiny
warehouse, with the files it writes checked against a plain recount."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.messages import current_lang, use_lang
from report.backtest import example_data as report_example
from report.backtest import model_check_text, render_backtest
from report.charts import plotly_js
from store.history import latest_backtest
from store.warehouse import open_warehouse

runner = CliRunner()
SPLIT = "2013-03-01"
EN = {"TAJIAN_LANG": "en"}


@pytest.fixture(autouse=True)
def _keep_the_language():
    """A command sets the process's message language (use_lang): restore it after each test."""
    before = current_lang()
    yield
    use_lang(before)


@pytest.fixture(scope="module")
def ced_subset(real_data_dir: Path, tmp_path_factory) -> Path:
    """Every cascade of the 30 smallest CED authors who posted both before and after the split
    (about 70 cascades, 17k reposts), written in CED's own format."""
    ced = real_data_dir / "ced"
    out = tmp_path_factory.mktemp("ced_subset")
    con = duckdb.connect()
    con.execute(f"CREATE TABLE o AS SELECT * FROM read_csv('{ced / 'ced_original.csv'}', all_varchar=true)")
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{ced / 'ced_reposts.csv'}', all_varchar=true)")
    con.execute(
        """CREATE TABLE pick AS
           WITH n AS (SELECT cascade, count(*) AS n FROM r GROUP BY cascade),
           x AS (SELECT o.uid, o.time_cst < '2013-03-01' AS train, n.n FROM o JOIN n USING (cascade)),
           u AS (SELECT uid FROM x GROUP BY uid
                 HAVING bool_or(train) AND bool_or(NOT train) ORDER BY sum(n), uid LIMIT 30)
           SELECT cascade FROM o WHERE uid IN (SELECT uid FROM u)"""
    )
    for name, table in (("ced_original.csv", "o"), ("ced_reposts.csv", "r")):
        con.execute(
            f"COPY (SELECT * FROM {table} WHERE cascade IN (SELECT cascade FROM pick)) "
            f"TO '{out / name}' (HEADER, DELIMITER ',')"
        )
    con.close()
    return out


def _nodes(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["node"]
    return [r[0] for r in rows[1:]]


def _recount_depth1(folder: Path, seeds: set[str]) -> int:
    """Distinct non-seed people whose test-cascade repost answers a seed's post, from the CSVs."""
    o = pd.read_csv(folder / "ced_original.csv", dtype=str)
    r = pd.read_csv(folder / "ced_reposts.csv", dtype=str, keep_default_na=False)
    test = set(o.loc[o["time_cst"] >= SPLIT, "cascade"])
    r = r[r["cascade"].isin(test)]
    author = r.drop_duplicates(["cascade", "mid"]).set_index(["cascade", "mid"])["uid"]
    parent_author = [
        root if not p else author.get((c, p))
        for c, p, root in zip(r["cascade"], r["parent"], r["root_uid"], strict=True)
    ]
    hit = [u for u, a in zip(r["uid"], parent_author, strict=True) if a in seeds and u not in seeds]
    return len(set(hit))


@pytest.mark.real_data
@pytest.mark.slow
def test_backtest_on_a_real_ced_subset(ced_subset: Path, tmp_path: Path):
    out = tmp_path / "bt"
    result = runner.invoke(
        app,
        [
            "backtest",
            str(ced_subset),
            "--split",
            SPLIT,
            "--k",
            "20",
            "--output-dir",
            str(out),
            "--bootstrap",
            "100",
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("seeds_tajian.csv", "seeds_tajian_ordinary.csv", "seeds_followers.csv", "seeds_pagerank.csv",
                 "seeds_degree.csv", "seeds_ris_learned.csv", "seeds_degree_ordinary.csv", "backtest.csv",
                 "backtest.json", "spread.csv", "backtest.html"):  # fmt: skip
        assert (out / name).is_file(), name
    ours = _nodes(out / "seeds_tajian.csv")
    assert len(ours) == 20 and len(set(ours)) == 20
    rows = pd.read_csv(out / "backtest.csv", dtype={"list": str})
    for name in ("followers", "degree", "tajian", "ris_learned"):
        seeds = set(_nodes(out / f"seeds_{name}.csv"))
        got = rows[(rows["list"] == name) & (rows["metric"] == "reached_depth1") & (rows["track"] == "all")]
        assert got["value"].astype(float).tolist() == [_recount_depth1(ced_subset, seeds)], name
    spread = rows[(rows["section"] == "spread") & (rows["metric"] == "spearman2")]
    assert set(spread["model"]) == {"wc", "uniform:0.01", "learned", "learned:jaccard"}
    assert spread["n"].min() > 5
    summary = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    assert summary["params"]["split"] == SPLIT and summary["counts"]["test_cascades_root_in_train"] > 5
    html = (out / "backtest.html").read_text(encoding="utf-8")
    assert "预测的覆盖人数会成真吗？" in html and html.count(plotly_js()) == 1  # Chinese by default
    assert "<script src" not in html.replace(plotly_js(), "")  # opens offline
    assert "两层上都胜过所有简单名单" in html or "没有胜过所有简单名单" in html


def _tiny_warehouse(path: Path) -> None:
    rows = [
        ("p1", "a", "2013-01-01", None), ("r1", "b", "2013-01-02", "p1"), ("r2", "c", "2013-01-03", "r1"),
        ("p2", "a", "2013-02-01", None), ("r3", "b", "2013-02-02", "p2"), ("r4", "d", "2013-02-03", "p2"),
        ("q1", "a", "2013-04-01", None), ("s1", "b", "2013-04-02", "q1"), ("s2", "c", "2013-04-03", "s1"),
        ("q2", "b", "2013-05-01", None), ("s3", "c", "2013-05-02", "q2"),
    ]  # fmt: skip
    con = open_warehouse(path)
    for pid, uid, day, parent in rows:
        con.execute(
            "INSERT INTO posts (post_id, platform, user_id, created_at, repost_of) "
            "VALUES (?, 'weibo', ?, ?, ?)",
            [pid, uid, f"{day} 12:00:00+00", parent],
        )
    con.execute(
        "INSERT INTO users (user_id, platform, followers, seen_at) VALUES ('a', 'weibo', 80000, '2013-01-01')"
    )
    con.close()


def test_backtest_on_a_warehouse_records_its_summary(tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    _tiny_warehouse(wh)
    out = tmp_path / "bt"
    args = ["backtest", str(wh), "--split", SPLIT, "--k", "1", "--output-dir", str(out), "--bootstrap", "10"]
    result = runner.invoke(app, [*args, "--probability", "learned"])
    assert result.exit_code == 0, result.output
    assert _nodes(out / "seeds_followers.csv") == ["a"]
    assert _nodes(out / "seeds_followers_ordinary.csv") != ["a"]  # a has 80,000 followers > 50,000
    con = open_warehouse(wh, read_only=True)
    try:
        summary = latest_backtest(con)
    finally:
        con.close()
    assert summary["params"]["probability"] == "learned" and summary["source"] == str(wh)
    text = model_check_text(summary, "learned", "en")
    assert text.startswith(
        f"In the last backtest ({wh}, trained before {SPLIT}), this model (learned (Bernoulli))"
    )
    assert "Spearman" in text and model_check_text(summary, "uniform:0.3") == ""
    zh = model_check_text(summary, "learned")
    assert zh.startswith(
        f"在最近一次回测中（{wh}，用 {SPLIT} 之前的数据训练），这个模型（从历史学到的概率（伯努利））"
    )
    assert "两层上都胜过" in result.output or "没有胜过" in result.output  # the verdict, in Chinese


def test_errors_are_one_line_with_the_fix(tmp_path: Path):
    r = runner.invoke(
        app, ["backtest", str(tmp_path), "--split", "1 March", "--output-dir", str(tmp_path / "o")], env=EN
    )
    assert r.exit_code == 2 and "--split must be a date as YYYY-MM-DD; got '1 March'" in r.output
    r = runner.invoke(
        app, ["backtest", str(tmp_path / "nope"), "--split", SPLIT, "--output-dir", str(tmp_path)], env=EN
    )
    assert r.exit_code == 2 and "no such folder or file; expected a CED folder" in r.output
    r = runner.invoke(
        app, ["backtest", str(tmp_path), "--split", SPLIT, "--output-dir", str(tmp_path)], env=EN
    )
    assert r.exit_code == 2 and "not a CED folder; expected ced_reposts.csv and ced_original.csv" in r.output
    wh = tmp_path / "w.duckdb"
    _tiny_warehouse(wh)
    r = runner.invoke(
        app, ["backtest", str(wh), "--split", SPLIT, "--k", "50", "--output-dir", str(tmp_path / "o")], env=EN
    )
    assert (
        r.exit_code == 1
        and "k must be between 1 and the number of eligible users in the all track (4)" in r.output
    )
    r = runner.invoke(
        app,
        ["backtest", str(wh), "--split", SPLIT, "--models", "wc,learned:x", "--output-dir", str(tmp_path)],
        env=EN,
    )
    assert r.exit_code == 2 and "learned estimator must be one of bernoulli, jaccard" in r.output
    r = runner.invoke(app, ["backtest", str(tmp_path), "--split", "1 March", "--output-dir", str(tmp_path)])
    assert r.exit_code == 2 and "错误：--split 应为 YYYY-MM-DD 格式的日期；收到 '1 March'" in r.output


def test_the_page_escapes_user_text():
    html = render_backtest(report_example())
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<i>note</i>" not in html and "&lt;i&gt;note&lt;/i&gt;" in html
    for chart in ("chart-reach-all", "chart-reach-ordinary", "chart-calibration-2", "chart-exposure"):
        assert f'id="{chart}"' in html


def test_the_page_is_chinese_by_default_and_english_with_en():
    zh, en = render_backtest(report_example()), render_backtest(report_example(), "en")
    assert (
        '<html lang="zh-CN">' in zh
        and "预测的覆盖人数会成真吗？" in zh
        and "用过去挑的种子名单，用未来打分" in zh
    )
    assert "不限制谁能当种子：我们最好的名单（塔尖，加权级联）真实覆盖了 10 / 14 人" in zh
    assert "接触 1 次" in zh and "平均真实转发人数" in zh  # the charts' words too
    for english in ("Does the predicted reach come true?", "Seed lists chosen", "Ours beat", "exposures"):
        assert english not in zh, english
    assert '<html lang="en">' in en and "Does the predicted reach come true?" in en and "种子" not in en
    assert "With no eligibility limit: the best of our lists (Tajian, weighted cascade)" in en


@pytest.mark.slow
def test_a_run_selects_under_learned_probabilities(sample_dir: Path, tmp_path: Path):
    """select_step with probability = learned: the window's graph gets each edge's probability
    from the repost history before the window ends (the sample has reposts)."""
    from flows import exports, steps, tagging
    from flows.settings import load_settings

    wh = tmp_path / "w.duckdb"
    exports.ingest_paths(wh, [sample_dir])
    settings = load_settings(env={}, config_path=None).replace(
        warehouse=wh, probability="learned", n_simulations=50, theta_min=5000
    )
    as_of = steps.resolve_as_of(wh, None)
    run_id = steps.begin_run(wh, flow="test", segment="mothers", as_of=as_of, window_days=30, params={})
    assert tagging.tag_step(wh, run_id, "mothers", as_of, 30, settings.segments_dir) > 0
    learned = steps.select_step(wh, run_id, "mothers", as_of, 30, settings)
    wc = steps.select_step(wh, run_id, "mothers", as_of, 30, settings.replace(probability="wc"))
    assert learned["model"]["probability"] == "learned" and len(learned["seeds"]) == settings.k
    assert learned["expected_reach"] != wc["expected_reach"]  # other probabilities, other reach
