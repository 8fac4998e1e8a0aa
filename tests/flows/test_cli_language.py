"""Issue 19: every command's human output follows the language setting (Chinese by default,
English with --lang en / TAJIAN_LANG=en): a few commands checked in both, in-process (CliRunner),
on tiny inputs."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner(env={"COLUMNS": "200", "TAJIAN_LANG": "zh"})


def test_select_speaks_chinese_by_default_and_english_with_lang_en(tmp_path: Path):
    edges = tmp_path / "e.txt"
    edges.write_text("# a star\n1 2\n1 3\n1 4\n2 3\n", encoding="utf-8")
    args = ["select", "--edges", str(edges), "--k", "1", "--output", str(tmp_path / "s.csv")]
    zh = runner.invoke(app, args)
    assert zh.exit_code == 0, zh.output
    assert "4 个节点，4 条边" in zh.output and "个种子的预期覆盖" in zh.output and "已写出" in zh.output
    assert "nodes" not in zh.output and "wrote" not in zh.output
    en = runner.invoke(app, [*args, "--lang", "en"])
    assert "4 nodes, 4 edges" in en.output and "wrote " in en.output and "节点" not in en.output


def test_option_errors_and_the_settings_language(tmp_path: Path):
    bad = ["backfill", "--start", "2026-11-02", "--end", "2026-11-01"]
    assert "--end 不能早于 --start" in runner.invoke(app, bad).output
    english = runner.invoke(app, bad, env={"TAJIAN_LANG": "en"})
    assert "--end must not be before --start" in english.output
    train = runner.invoke(app, ["train", "--segment", "mothers", "--warehouse", str(tmp_path / "no.duckdb")])
    assert train.exit_code == 1 and "错误：" in train.output and "那里没有数据仓库" in train.output
