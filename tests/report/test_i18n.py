"""The analyst's language: the shipped catalogue is current and complete, the Chinese report reads
as plain Chinese, degenerate runs say so, plurals and people's names are right, and the language
setting reaches the messages.

The catalogue checks re-extract the message ids with Babel (as ``make i18n`` does) and compile the
committed ``.po`` in memory: a text changed in a template, in report/, in flows/ (the catalogue,
tr(), help texts) or in graph/'s progress lines without ``make i18n`` and its Chinese fails here,
naming the ids.
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest

from flows.catalogue import CATALOGUE
from flows.messages import current_lang, say, use_lang
from flows.settings import SettingsError, load_settings
from nlp.segments import SegmentDefinitionError, load_segment
from report.html import ReportInputs, banners, headline_text, render_report
from report.i18n import LOCALE_DIR, translations
from tests.conftest import ROOT

PO = LOCALE_DIR / "zh" / "LC_MESSAGES" / "tajian.po"
MO = PO.with_suffix(".mo")


def _extracted_ids() -> set[str | tuple[str, str]]:
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "tr": None, "progress": None}  # the Makefile's -k N_ -k tr -k progress
    ids: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        ids.add(message)
    return ids


def _po():
    from babel.messages.pofile import read_po

    with open(PO, "rb") as fh:
        return read_po(fh)


def test_every_message_id_has_a_chinese_translation():
    catalog = _po()
    missing = [m for m in _extracted_ids() if not (catalog.get(m) and catalog.get(m).string)]
    assert missing == [], "run `make i18n` and translate in report/locale/zh/LC_MESSAGES/tajian.po"
    assert not any(m.fuzzy for m in catalog if m.id)
    assert all(catalog.get(v) for v in CATALOGUE.values())  # every CLI message line too


def test_extraction_reaches_every_module_of_flows_and_report():
    """The completeness check above only sees what babel.cfg extracts: every Python module and
    template of flows/ and report/ must be in it, so a new command's messages cannot be missed."""
    from babel.messages.frontend import parse_mapping_cfg
    from babel.util import pathmatch

    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, _options = parse_mapping_cfg(fh)
    files = [*ROOT.glob("flows/**/*.py"), *ROOT.glob("report/**/*.py"), *ROOT.glob("report/templates/*.j2")]
    unread = [
        str(f.relative_to(ROOT))
        for f in files
        if not any(pathmatch(pattern, f.relative_to(ROOT).as_posix()) for pattern, _ in method_map)
    ]
    assert len(files) > 40 and unread == [], "add them to babel.cfg, then `make i18n`"
    ids = _extracted_ids()
    for module_text in (
        "wrote {page} and {n} seed lists in {seconds:.0f} s",  # flows/backtest_cli.py
        "recent runs ({path})",  # flows/runs_cli.py
        "window length in days (default 30)",  # a --help text (flows/run_cli.py)
        "{step}: {seconds:.1f} s",  # a progress line of graph/backtest.py
    ):
        assert module_text in ids


def test_shipped_mo_is_the_compiled_po():
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, _po())
    buf.seek(0)
    fresh = gettext.GNUTranslations(buf)._catalog  # type: ignore[attr-defined]
    with open(MO, "rb") as fh:
        shipped = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    assert shipped == fresh, "report/locale/zh/LC_MESSAGES/tajian.mo is stale: run `make i18n`"


_FIELD = re.compile(r"\{(\w+)[^}]*\}|%\((\w+)\)s")


def _fields(text: str) -> set[str]:
    return {a or b for a, b in _FIELD.findall(text)}


def test_translations_keep_the_placeholders():
    for m in _po():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set().union(*(_fields(i) for i in ids))
        for s in strings:
            assert _fields(s) <= wanted and _fields(ids[-1]) <= _fields(s), (m.id, s)


def _body(html: str) -> str:
    """The page's visible text above the appendix (no scripts, charts or styles)."""
    body = html[html.index("<body>") : html.index('<section id="method"')]
    body = re.sub(r"<script>.*?</script>|<style>.*?</style>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_the_chinese_report_speaks_plain_chinese():
    ex = ReportInputs.example()
    sel = {**ex.selection, "n_eligible": 5, "guarantee": "OPIM-C θ_stop = 3,288"}
    ex = replace(ex, selection=sel, network=None)  # no circle picture: faster, and not what is checked
    html = render_report(ex)
    body = _body(html)
    for word in ("种子用户", "种子名单", "圈子", "覆盖", "附录"):
        assert word in html
    for jargon in ("cross-infection", "θ", "OPIM", "reverse-reachable", "RR set", "amplifier", "Synthetic"):
        assert jargon not in body, jargon
    assert "OPIM-C" in html[html.index('<section id="method"') :]  # the details go to the appendix
    # the seed list comes before every chart
    assert html.index('id="seed-table"') < html.index('id="chart-reach"')
    english = render_report(replace(ex, lang="en", people="mothers"))
    assert "种子" not in _body(english) and "The seed list" in english and 'lang="en"' in english


def test_a_run_where_everyone_is_a_seed_says_the_comparison_means_nothing():
    ex = ReportInputs.example(lang="en")
    sel = {**ex.selection, "n_eligible": 42, "expected_reach": 42.0}
    sel["baselines"] = {"followers": {"expected_reach": 42.0, "reach_curve": [[1, 42.0]]}}
    run = replace(ex, n_members=42, selection=sel, seed_rows=list(ex.seed_rows) * 42, network=None)
    (everyone,) = banners(run)
    assert everyone.startswith("Only 42 mothers were found, and 42 of them can be seeds: every one of them")
    assert "means nothing" in everyone
    assert "rests on a handful" in banners(replace(run, n_members=12))[1]
    assert "×1.00" not in headline_text(run) and "×1.00" not in render_report(run)
    zh = replace(run, lang="zh", people="妈妈")
    assert banners(zh)[0].startswith("只找到 42 位妈妈，其中 42 位符合种子条件：每一位都进了名单")
    assert banners(replace(ex, selection={**ex.selection, "n_eligible": 500}, n_members=900)) == []


def test_plurals_and_people_names():
    food = load_segment("food", ROOT / "data" / "segments")
    assert (food.called("zh"), food.called("en")) == ("美食爱好者", "food lovers")
    one = replace(ReportInputs.example(lang="en"), n_members=1, people=food.called("en"), network=None)
    assert headline_text(one).startswith("Synthetic sample — One of the food lovers posted in the window.")
    assert "this 1 seed user is expected" in headline_text(one)
    assert banners(one)[0].startswith("Only one of the food lovers was found")
    assert "Food lovers: the 1 seed user" in render_report(one)
    zh = replace(one, lang="zh", people=food.called("zh"))
    assert "这段时间内有 1 位美食爱好者发帖" in headline_text(zh)


def test_people_accepts_only_known_languages(tmp_path):
    text = (ROOT / "data" / "segments" / "food.toml").read_text(encoding="utf-8")
    (tmp_path / "food.toml").write_text(
        text.replace('en = "food lovers"', 'fr = "gourmets"'), encoding="utf-8"
    )
    with pytest.raises(SegmentDefinitionError, match=r"unknown field 'people\.fr'"):
        load_segment("food", tmp_path)


def test_the_language_setting_reaches_the_messages():
    assert load_settings(env={}, config_path=None).lang == "zh"
    assert load_settings(env={"TAJIAN_LANG": "en"}, config_path=None).lang == "en"
    with pytest.raises(SettingsError, match=r"TAJIAN_LANG: setting 'lang' must be zh \(中文\) or en"):
        load_settings(env={"TAJIAN_LANG": "fr"}, config_path=None)
    before = current_lang()
    try:
        use_lang("en")
        assert say("interrupted") == "interrupted; nothing of the unfinished run was kept"
        use_lang("zh")
        assert say("interrupted") == "已中断；未完成的运行没有留下任何内容"
        assert say("interrupted", lang="en").startswith("interrupted")
    finally:
        use_lang(before)
    assert translations("zh").gettext("a text nobody translated") == "a text nobody translated"


def test_the_catalogue_ships_with_the_package():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["*"]
    rel = MO.relative_to(ROOT / "report")
    assert any(Path(rel).match(p) for p in patterns)
