"""Settings: defaults, then tajian.toml, then TAJIAN_* variables; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.options import select_options
from flows.settings import Settings, SettingsError, load_settings


def test_defaults_then_file_then_environment(tmp_path):
    cfg = tmp_path / "tajian.toml"
    cfg.write_text(
        'k = 20\nwarehouse = "w.duckdb"\nkind_weights = {repost = 1.0, comment = 0.1}\n', encoding="utf-8"
    )
    s = load_settings(env={"TAJIAN_K": "7", "TAJIAN_EXCLUDE_VERIFIED_ORGANISATIONS": "no"}, config_path=cfg)
    assert s.k == 7 and s.warehouse == Path("w.duckdb") and s.window_days == 30
    assert s.exclude_verified_organisations is False
    assert dict(s.kind_weights) == {"repost": 1.0, "comment": 0.1}
    assert load_settings(env={}, config_path=None) == Settings()


def test_plain_round_trip():
    s = Settings(k=3)
    assert Settings.from_plain(s.to_plain()) == s


def test_errors_name_the_source_and_the_setting(tmp_path):
    want = r"environment variable TAJIAN_K: setting 'k' must be int; got 'many'"
    with pytest.raises(SettingsError, match=want):
        load_settings(env={"TAJIAN_K": "many"}, config_path=None)
    cfg = tmp_path / "tajian.toml"
    cfg.write_text("colour = 'red'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"tajian.toml: unknown setting 'colour'"):
        load_settings(env={}, config_path=cfg)
    with pytest.raises(SettingsError, match=r"TAJIAN_CONFIG names .*nope.toml, which does not exist"):
        load_settings(env={"TAJIAN_CONFIG": str(tmp_path / "nope.toml")})


def test_environment_lists_and_the_selection_options():
    env = {"TAJIAN_KIND_WEIGHTS": "repost=1,comment=0.25", "TAJIAN_SEGMENTS": "a, b", "TAJIAN_THREADS": "2"}
    s = load_settings(env=env, config_path=None)
    assert s.kind_weights == (("repost", 1.0), ("comment", 0.25)) and s.segments == ("a", "b")
    options = select_options(s)
    assert options.threads == 2 and dict(options.kind_weights) == {"repost": 1.0, "comment": 0.25}
    assert options.eligibility.follower_cap == 50_000
    with pytest.raises(SettingsError, match=r"TAJIAN_K: setting 'k' must be int; got 'true'"):
        load_settings(env={"TAJIAN_K": "true"}, config_path=None)


def test_the_selection_defaults_have_one_source_and_filters_are_normalised():
    from graph.options import SelectOptions

    # the settings' defaults are the selection's own (graph/options.py), not a copy of them
    assert select_options(Settings()) == SelectOptions()
    s = Settings(regions="广东省, 广州市,广东", gender="女")
    assert s.regions == ("广东", "广州") and s.gender == "f"
    assert Settings(gender=" ").gender == "" and Settings(gender="Male").gender == "m"
    with pytest.raises(SettingsError, match=r"setting 'gender' must be f, m or empty"):
        Settings.from_plain({"gender": "x"})


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("probability", "uniform:0", r"must be wc, uniform:P \(0 < P <= 1\) or learned"),
        ("probability", "uniform:1.5", r"must be wc, uniform:P \(0 < P <= 1\) or learned"),
        ("learned_estimator", "mle", r"must be bernoulli or jaccard; got 'mle'"),
        ("learned_prior_failures", "-1", r"must be >= 0; got '-1'"),
        ("lang", "fr", r"must be zh \(中文\) or en \(English\); got 'fr'"),
    ],
)
def test_the_spread_model_and_language_are_checked_wherever_they_come_from(name, value, expected):
    """From the environment, the file or replace(): the same check, before any run starts."""
    with pytest.raises(SettingsError, match=rf"TAJIAN_{name.upper()}: setting '{name}' {expected}"):
        load_settings(env={f"TAJIAN_{name.upper()}": value}, config_path=None)
    with pytest.raises(SettingsError, match=rf"replace\(\): setting '{name}' {expected}"):
        Settings().replace(**{name: value})
    good = {"probability": ("uniform:0.05", "uniform:0.05"), "learned_estimator": ("jaccard", "jaccard")}
    good["learned_prior_failures"] = ("2", 2.0)
    if name in good:
        given, read = good[name]
        assert getattr(load_settings(env={f"TAJIAN_{name.upper()}": given}, config_path=None), name) == read
