"""Issue 19, points 1 and 5: ``tajian ingest`` says which format it read each file as, why rows
were quarantined (counted, with the fix), what "pending" means, and warns when the warehouse also
holds the synthetic sample (real ``python -m flows.cli`` processes, real DuckDB files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from store.quality import quarantine_summary, sample_sources
from store.warehouse import open_warehouse
from tests.store.test_weibo_api import status

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,点赞数,"
    "发布时间,发布工具,微博图片url,微博视频url,retweet_id,ip,user_authentication,会员类型,会员等级"
)


def excel_resaved_search_csv(path: Path, mangled: int = 3) -> Path:
    """A weibo-search result whose ids Excel turned into numbers like 4.91E+15, plus one good row."""
    rows = [
        f"{4.91 + i / 100:.2f}E+15,B{i},1001,阿花,宝宝辅食第{i}天,,,,,0,0,0,2026-11-13 10:00,"
        "iPhone,,,,广东,普通用户,,"
        for i in range(mangled)
    ]
    rows.append("5001,Nb1,1002,小红,宝宝会走路了,,,,,1,2,3,2026-11-13 11:00,iPhone,,,,上海,普通用户,,")
    path.write_text("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8")
    return path


def tajian(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})},
        cwd=ROOT,
        check=False,
        timeout=180,
    )


def test_quarantine_summary_counts_reasons_of_a_kind_together(tmp_path):
    f = excel_resaved_search_csv(tmp_path / "宝宝.csv")
    from store.readers import read_export
    from store.warehouse import load_batch

    con = open_warehouse(tmp_path / "w.duckdb")
    load_batch(con, read_export(f))
    (top,) = quarantine_summary(con, str(f))
    assert top.count == 3
    assert "4.91E+15" in top.reason and "Excel" in top.reason and "line" not in top.reason


def test_sample_sources_finds_the_sample_by_place_and_by_content(tmp_path):
    samples = tmp_path / "samples"
    samples.mkdir()
    data = json.dumps(status(1, 1, "A", "宝宝"), ensure_ascii=False) + "\n"
    (samples / "s.jsonl").write_text(data, encoding="utf-8")
    (tmp_path / "copy.jsonl").write_text(data, encoding="utf-8")
    (tmp_path / "mine.jsonl").write_text(data.replace('"宝宝"', '"别的"'), encoding="utf-8")
    from store.readers import read_export
    from store.warehouse import load_batch

    con = open_warehouse(tmp_path / "w.duckdb")
    for name in ("samples/s.jsonl", "copy.jsonl", "mine.jsonl"):
        load_batch(con, read_export(tmp_path / name))
    found = sample_sources(con, samples)
    assert sorted(Path(s).name for s in found) == ["copy.jsonl", "s.jsonl"]


def test_ingest_names_format_reasons_fix_pending_and_the_sample(tmp_path):
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "s.jsonl").write_text(
        json.dumps(status(1, 1, "A", "宝宝 @小红"), ensure_ascii=False) + "\n", encoding="utf-8"
    )
    wh = tmp_path / "w.duckdb"
    env = {"TAJIAN_SAMPLES_DIR": str(samples), "TAJIAN_LANG": "en"}  # the lines checked in English
    first = tajian("ingest", str(samples / "s.jsonl"), "--warehouse", str(wh), env=env)
    assert first.returncode == 0, first.stderr
    assert "weibo-api" in first.stdout and "pending:" in " ".join(first.stdout.split())
    assert "synthetic sample" not in first.stderr  # the sample alone: nothing mixed

    mine = excel_resaved_search_csv(tmp_path / "宝宝.csv")
    got = tajian("ingest", str(mine), "--warehouse", str(wh), env=env)
    assert got.returncode == 0, got.stderr
    row = next(line for line in got.stdout.splitlines() if "宝宝.csv" in line)
    assert [c.strip() for c in row.split("│")][1:5] == ["宝宝.csv", "weibo-search", "4", "1"]
    err = got.stderr
    assert "3 row(s) quarantined" in err and "  3 × field 'id' is '4.91E+15'" in err
    assert "fix:" in err and "From Text/CSV" in err
    warning = [line for line in err.splitlines() if "synthetic sample" in line]
    assert len(warning) == 1 and str(wh) in warning[0] and "s.jsonl" in warning[0]


def test_ingest_speaks_the_analysts_language(tmp_path):
    """The table, its caption, the quarantine reasons and the rows/s line follow the language
    (Chinese here; test_ingest_names_format_reasons_fix_pending_and_the_sample checks English)."""
    mine = excel_resaved_search_csv(tmp_path / "宝宝.csv")
    zh = tajian("ingest", str(mine), "--warehouse", str(tmp_path / "w.duckdb"), env={"TAJIAN_LANG": "zh"})
    assert zh.returncode == 0, zh.stderr
    out, err = " ".join(zh.stdout.split()), zh.stderr
    assert "已导入的导出文件" in out and "┃ 文件 ┃ 格式 ┃ 读取 ┃ 已导入 ┃" in out and "待匹配：" in out
    assert "导入：1 个文件，4 行，用时" in out and "每秒" in out and "rows/s" not in out
    assert "3 行被隔离" in err and "3 × 字段 'id' 的值是 '4.91E+15'；应为数字形式的微博 id" in err
    assert "quarantined" not in err and "expected" not in err


def test_many_files_show_those_that_need_a_look_and_one_row_summing_the_others():
    """Above TABLE_MAX_FILES files the table keeps the files with quarantined rows, notes or
    nothing loaded, and sums the others in one row (the figures still add up); --verbose keeps
    a row per file."""
    from flows.ingest_table import TABLE_MAX_FILES, _table_rows

    def load(k: int, **kw) -> dict:
        row = {"source": f"/x/f{k}.jsonl", "format": "weibo-api", "rows_read": 2, "loaded": 1, "updated": 0,
               "duplicates": 1, "quarantined": 0, "interactions_added": 1, "interactions_pending": k,
               "seconds": 0.5}  # fmt: skip
        return row | kw

    loads = [load(k) for k in range(TABLE_MAX_FILES + 5)]
    loads[3] = load(3, rows_read=3, quarantined=1, notes=("a copied post dropped",))
    loads[7] = load(7, loaded=0, duplicates=0, rows_read=0)
    rows, summed = _table_rows(loads, verbose=False)
    assert [r["source"] for r in rows[:2]] == ["/x/f3.jsonl", "/x/f7.jsonl"] and summed == len(loads) - 2
    total = rows[2]
    for key in ("rows_read", "loaded", "duplicates", "quarantined", "interactions_added"):
        assert sum(r[key] for r in rows) == sum(r[key] for r in loads)
    assert total["interactions_pending"] == len(loads) - 1 and total["format"] == "weibo-api"
    assert total["seconds"] == 0.5 * summed and str(summed) in total["source"]
    assert _table_rows(loads, verbose=True) == (loads, 0)
    assert _table_rows(loads[:TABLE_MAX_FILES], verbose=False) == (loads[:TABLE_MAX_FILES], 0)
