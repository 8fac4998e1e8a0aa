"""`tajian … --help` in the analyst's language (issue 19 points 6 and 8): Chinese by default,
English with --lang en or TAJIAN_LANG=en, every help text translated, laid out by display width."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from flows.cli import app
from flows.cli_help import help_lang, localize
from flows.help_format import display_width, wrap_wide
from tests.conftest import ROOT

runner = CliRunner()
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _help(*args: str, lang: str, columns: int = 80) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"TAJIAN_LANG": lang}, terminal_width=columns)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_help_text_has_its_chinese():
    """Each command's help, its short help and every option's help, in Chinese (none left English)."""
    group = get_command(app)
    localize(group, "zh")
    untranslated = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        texts = [("help", command.help), ("short_help", command.short_help)]
        texts += [(param.name, getattr(param, "help", None)) for param in command.params]
        untranslated += [f"{name} {what}" for what, text in texts if text and not CJK.search(text)]
    assert untranslated == []
    localize(group, "en")  # the English message ids come back
    assert group.commands["run"].params[1].help.startswith("last day of the window")  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_chinese_by_default_and_english_on_request(command):
    zh, en = _help(command, lang="zh"), _help(command, lang="en")
    assert zh.startswith("用法：tajian") and "选项：" in zh and "显示本帮助后退出" in zh
    assert en.startswith("Usage: tajian") and "Options:" in en and "show this help and exit" in en
    text = " ".join(en.split())
    for chinese_on_purpose in ("中文", "广东, 上海, 杭州", "塔尖", "是", "否", "不确定", "跳过", "撤销"):
        text = text.replace(chinese_on_purpose, "")  # examples and the label page's keys
    assert not CJK.search(text)


def test_the_command_list_and_the_drafts_are_in_chinese():
    top = _help(lang="zh")
    assert "运行一次流水线：打标签 → 建图 → 选种 → 报告" in top and "命令：" in top
    run = _help("run", lang="zh", columns=200)
    assert "草稿人群（尚未证明在真实微博上找得够准）：" in run and "food" in run and "[默认：mothers]" in run


def test_lang_on_the_command_line_wins():
    assert help_lang(["run", "--lang", "en", "-h"], "zh") == "en"
    assert help_lang(["run", "--lang=zh"], "en") == "zh"
    assert help_lang(["run", "--lang", "fr"], "en") == "en"  # refused later by the command


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_chinese_help_fits_the_terminal(columns):
    """No line wider than the terminal (a Chinese character takes two columns), except one holding
    a path too long to cut; the help column starts at the same place on every option's line."""
    lines = _help("run", lang="zh", columns=columns).splitlines()
    paths = ("data/segments/<name>.toml", "out/<segment>/<as_of>/")
    too_wide = [line for line in lines if display_width(line) > columns and not any(p in line for p in paths)]
    assert too_wide == []
    helps = [re.match(r"(  --\S+(?: \S+)?\s{2,})\S", line) for line in lines]
    starts = {display_width(match.group(1)) for match in helps if match}
    assert len(starts) == 1, starts  # "--region 地区" takes 13 columns, not 11


def test_wrap_wide_breaks_between_chinese_characters_not_inside_words():
    assert wrap_wide("窗口（默认 30）的天数", 8) == ["窗口（默", "认 30）", "的天数"]
    assert wrap_wide("export files or folders", 10) == ["export", "files or", "folders"]
    # no line starts with ） or ends with （
    assert wrap_wide("学得（见 tajian）。", 6) == ["学得", "（见", "tajian）。"]
    widths = [display_width(line) for line in wrap_wide("把导出数据载入数据仓库：逐个文件列出", 9)]
    assert widths == [8, 8, 8, 8, 4]


def test_the_drafts_listed_are_those_of_the_settings_data_folder(tmp_path):
    """TAJIAN_DATA_DIR names another data folder: --segment lists its drafts, not the project's."""
    (tmp_path / "segments").mkdir()
    food = (ROOT / "data" / "segments" / "food.toml").read_text(encoding="utf-8")
    (tmp_path / "segments" / "snacks.toml").write_text(
        food.replace('name = "food"', 'name = "snacks"'), "utf-8"
    )
    env = {"TAJIAN_LANG": "en", "TAJIAN_DATA_DIR": str(tmp_path)}
    out = " ".join(runner.invoke(app, ["run", "--help"], env=env, terminal_width=200).output.split())
    assert "drafts, not yet shown to be found well enough in real posts: snacks [default" in out
