"""The command line: every command explains itself; ingest loads and reports counts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.store.test_weibo_api import status

runner = CliRunner(env={"COLUMNS": "200", "TAJIAN_LANG": "en"})  # English lines checked


@pytest.mark.parametrize("command", [[], ["demo"], ["ingest"], ["run"]])
def test_help_explains_each_command(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    if command:
        assert len(result.output.split()) > 25


def test_ingest_prints_per_file_counts_and_is_idempotent(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(
        "\n".join([json.dumps(status(1, 1, "A", "x"), ensure_ascii=False), "{bad"]), encoding="utf-8"
    )
    wh = tmp_path / "w.duckdb"
    first = runner.invoke(app, ["ingest", str(f), "--warehouse", str(wh)], terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "a.jsonl" in first.output
    row = next(line for line in first.output.splitlines() if "a.jsonl" in line)
    cells = [c.strip() for c in row.split("│")]
    # format, read, loaded, updated, duplicates, quarantined
    assert cells[2:8] == ["weibo-api", "2", "1", "0", "0", "1"]
    again = runner.invoke(app, ["ingest", str(f), "--warehouse", str(wh)], terminal_width=200)
    row = next(line for line in again.output.splitlines() if "a.jsonl" in line)
    assert [c.strip() for c in row.split("│")][3:8] == ["2", "0", "0", "1", "1"]


def test_ingest_names_a_missing_path(tmp_path):
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output


def test_run_refuses_an_unknown_segment_and_a_bad_date():
    result = runner.invoke(app, ["run", "--segment", "astronauts"])
    assert result.exit_code == 2 and "no segment 'astronauts'" in result.output
    result = runner.invoke(app, ["run", "--as-of", "15/11/2026"])
    assert result.exit_code == 2 and "expected a date as YYYY-MM-DD" in result.output


def test_ingest_does_not_import_prefect():
    code = "import sys, flows.cli; sys.exit(1 if 'prefect' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_run_takes_the_spread_model_and_refuses_a_bad_one():
    result = runner.invoke(app, ["run", "--probability", "uniform:2"])
    assert result.exit_code == 2 and "probability must be wc, uniform:P" in result.output
    assert "--probability" in runner.invoke(app, ["run", "--help"], terminal_width=200).output


def test_lang_picks_the_language_of_the_messages(tmp_path):
    result = runner.invoke(app, ["run", "--lang", "fr"])
    assert result.exit_code == 2 and "--lang must be zh (中文) or en (English); got 'fr'" in result.output
    missing = str(tmp_path / "nowhere.duckdb")
    zh = runner.invoke(app, ["run", "--warehouse", missing], env={"TAJIAN_LANG": "zh"})
    en = runner.invoke(app, ["run", "--warehouse", missing, "--lang", "en"])
    assert zh.exit_code == en.exit_code != 0
    assert "这里没有数据仓库" in zh.output and "no warehouse there" in en.output
    assert "--lang" in runner.invoke(app, ["run", "--help"], terminal_width=200).output
