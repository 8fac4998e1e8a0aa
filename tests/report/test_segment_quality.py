"""Issue 19: the report's appendix gives the run's step times, and the audience section says how
well the segment is found (measured on labelled posts, or plainly not measured), in the analyst's
language; the facts come from nlp.segment_status, the words from report/ through gettext."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

from nlp.segment_status import segment_status
from report.html import ReportInputs, render_report
from report.segment_text import quality_line
from tests.conftest import ROOT

MEASURED = {
    "precision": 0.9123,
    "precision_ci": [0.8611, 0.9432],
    "recall": 0.4,
    "recall_ci": [0.3, 0.5],
    "f1": 0.55,
    "f1_ci": [0.45, 0.65],
    "n": 212,
    "at": "2026-12-01T10:00:00+00:00",
}
STEPS = (("tag", 12.34), ("graph, circles and selection", 3.0))


def _page(lang: str, status: dict | None, steps: tuple = STEPS) -> str:
    ex = ReportInputs.example(lang=lang)
    return render_report(replace(ex, network=None, step_seconds=steps, segment_status=status))


def _status(measured: dict | None = None, **kw) -> dict:
    return {"segment": "mothers", "draft": False, "scorer": "classifier", "model_missing": False,
            "measured": measured, **kw}  # fmt: skip


def _method(html: str) -> str:
    return html[html.index('<section id="method"') :]


def test_the_appendix_gives_each_steps_time_in_both_languages():
    page = _page("zh", None)
    zh = _method(page)
    steps = "本次运行各步骤用时：找出目标人群（给帖子打标签） 12.3 秒；传播关系图、圈子和种子挑选 3.0 秒。"
    assert steps in zh
    en = _method(_page("en", None))
    assert (
        "Time each step of the run took: finding the audience (tagging posts) 12.3 s; the spreading "
        "graph, circles and seed selection 3.0 s." in en
    )
    assert 'id="segment-quality"' not in page  # no facts given: no line


def test_a_measured_segment_shows_its_line_and_an_unmeasured_one_says_so():
    zh = _page("zh", _status(MEASURED), steps=())
    assert (
        "找妈妈找得准不准：在 212 条随机抽取的标注帖子上测得：精确率 0.91 [0.86, 0.94]，召回率 0.40 "
        "[0.30, 0.50]，F1 0.55 [0.45, 0.65]（2026-12-01 测量）。" in zh
    )
    assert 'id="step-times"' not in zh  # no step recorded: no line
    en = _page("en", _status(None, scorer="rules", model_missing=True, draft=True))
    assert "How well mothers are found is not measured" in en
    assert "is a draft segment" in en and "tajian train --segment mothers" in en
    # the words without a page: measured in English, and unmeasured in Chinese
    assert quality_line(_status(MEASURED), "mothers", "en").startswith(
        "How well mothers are found: measured on 212 labelled posts chosen at random: precision 0.91 "
        "[0.86, 0.94]"
    )
    assert quality_line(_status(None), "妈妈", "zh").startswith("找妈妈找得准不准尚未测量")
    # a model's figures do not describe the rules that scored a run whose model was missing
    missing = _status(MEASURED, scorer="rules", model_missing=True)
    assert quality_line(missing, "妈妈", "zh").startswith("找妈妈找得准不准尚未测量")


def test_segment_status_gives_facts_not_words(tmp_path):
    segments, models = tmp_path / "data" / "segments", tmp_path / "data" / "models"
    segments.mkdir(parents=True)
    models.mkdir()
    shutil.copy(ROOT / "data" / "segments" / "food.toml", segments)
    assert segment_status("food", segments) == {
        "segment": "food", "draft": True, "scorer": "rules", "model_missing": True, "measured": None,
    }  # fmt: skip
    (models / "food.joblib").write_bytes(b"")  # only its presence is looked at here
    (models / "food.joblib.json").write_text(json.dumps({"measured": MEASURED}), encoding="utf-8")
    facts = segment_status("food", segments)
    assert facts["scorer"] == "classifier" and not facts["model_missing"]
    assert facts["measured"] == MEASURED
    assert not any(isinstance(v, str) and not v.isascii() for v in facts.values())  # no zh words in nlp/


def test_the_shipped_mothers_model_shows_its_held_out_figures():
    """make model records the model's figures on the held-out test halves (scripts/evaluate_model.py
    --record): the report says what they were measured on, with the members' share (their base rate)."""
    status = segment_status("mothers")
    held = status["measured"]
    assert held["labels"] == "held-out" and held["n"] > held["positives"] > 0
    zh = quality_line(status, "妈妈", "zh")
    share = f"{held['positives'] / held['n']:.0%}"
    assert zh.startswith(
        f"找妈妈找得准不准：在 {held['n']:,} 条模型从未见过的人工标注帖子上测得（其中 {share} 是目标人群）"
    )
    assert f"精确率 {held['precision']:.2f} [" in zh
    en = quality_line(status, "mothers", "en")
    assert (
        f"measured on {held['n']:,} hand-labelled posts the model never saw ({share} of them members)" in en
    )


def test_a_measured_draft_says_it_was_measured_and_is_not_yet_good_enough():
    """food after its labels: measured, still a draft; the note must not say it was never measured."""
    from report.segment_text import segment_notes

    status = {"segment": "food", "draft": True, "scorer": "classifier", "model_missing": False}
    (never,) = segment_notes({**status, "measured": None}, "en")
    (measured,) = segment_notes({**status, "measured": MEASURED}, "en")
    assert "has not been measured" in never and "has not been measured" not in measured
    assert "measured on real posts, but not yet found well enough" in measured
    assert segment_notes({**status, "measured": MEASURED}, "zh")[0].startswith(
        "“food”是草稿人群：已在真实帖子上测量"
    )
