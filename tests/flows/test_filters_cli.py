"""`tajian run`'s seed filters as options and settings (issue 19 point 10): checked before a run
starts, with help in the analyst's language."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.errors import EXIT_USAGE
from flows.settings import SettingsError, load_settings

runner = CliRunner(env={"COLUMNS": "200", "TAJIAN_LANG": "en"})  # English lines checked


def test_run_help_lists_the_filters_in_chinese():
    out = runner.invoke(app, ["run", "--help"], env={"TAJIAN_LANG": "zh"}, terminal_width=200).output
    for option in ("--min-followers", "--max-followers", "--min-engagement", "--region", "--gender"):
        assert option in out
    assert "--exclude-verified" in out and "粉丝数下限" in out and "性别：f（女）或 m（男）" in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--gender", "x"], "gender must be f or m"),
        (["--min-followers", "500", "--max-followers", "100"], "min_followers (500) is above max_followers"),
        (["--min-engagement", "-1"], "min_engagement must be a rate >= 0"),
    ],
)
def test_bad_filters_stop_before_the_run(args, said):
    result = runner.invoke(app, ["run", *args])
    assert result.exit_code == EXIT_USAGE
    assert said in " ".join(result.output.split())


def test_filters_as_settings_from_the_file_and_the_environment(tmp_path):
    toml = tmp_path / "tajian.toml"
    toml.write_text('regions = ["广东", "上海"]\nmin_followers = 100\ngender = "f"\n', encoding="utf-8")
    s = load_settings(env={"TAJIAN_EXCLUDE_VERIFIED": "yes"}, config_path=toml)
    assert s.regions == ("广东", "上海") and s.min_followers == 100 and s.gender == "f" and s.exclude_verified
    s = load_settings(env={"TAJIAN_REGIONS": "浙江, 杭州", "TAJIAN_MIN_ENGAGEMENT": "0.02"}, config_path=None)
    assert s.regions == ("浙江", "杭州") and s.min_engagement == 0.02
    assert type(s).from_plain(s.to_plain()) == s
    with pytest.raises(SettingsError, match="TAJIAN_GENDER: setting 'gender' must be f, m or empty"):
        load_settings(env={"TAJIAN_GENDER": "women"}, config_path=None)
    with pytest.raises(SettingsError, match="setting 'max_followers' must be >= 0"):
        load_settings(env={"TAJIAN_MAX_FOLLOWERS": "-5"}, config_path=None)
