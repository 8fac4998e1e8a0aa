"""Which scorer the tag step uses: the segment file's ``post_scorer`` decides."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from flows.tagging import load_post_classifier
from nlp.segments import DEFAULT_SEGMENTS_DIR, load_segment


def test_rules_segments_load_no_model():
    assert load_segment("beauty").post_scorer == "rules"
    assert load_post_classifier(load_segment("beauty"), DEFAULT_SEGMENTS_DIR) is None


def test_mothers_is_scored_by_its_shipped_classifier():
    definition = load_segment("mothers")
    assert definition.post_scorer == "classifier"
    model = load_post_classifier(definition, DEFAULT_SEGMENTS_DIR)
    assert model is not None
    decision = model.decide(model.predict_proba(["我家宝宝今天会翻身了", "今天股市大跌"])[:, 1], 0.5)
    assert decision.labels.tolist() == [1, 0] and 0 < decision.threshold < 1


def test_a_classifier_segment_without_its_model_falls_back_to_its_rules(tmp_path: Path):
    """Issue 22: not trained yet is not an error; the rules score posts and the run says so."""
    from nlp.segment_status import segment_status
    from report.segment_text import segment_notes

    segments = tmp_path / "data" / "segments"
    segments.mkdir(parents=True)
    text = (DEFAULT_SEGMENTS_DIR / "mothers.toml").read_text(encoding="utf-8")
    (segments / "mothers.toml").write_text(
        text.replace('post_scorer = "rules"', 'post_scorer = "classifier"'), encoding="utf-8"
    )
    definition = load_segment("mothers", segments)
    assert definition.post_scorer == "classifier"
    assert load_post_classifier(definition, segments) is None
    status = segment_status("mothers", segments)
    assert status["scorer"] == "rules" and status["model_missing"] and status["measured"] is None
    (note,) = segment_notes(status, "en")
    assert "tajian train --segment mothers" in note


def test_the_shipped_model_loads_when_a_segment_asks_for_it(tmp_path: Path):
    """The committed data/models/mothers.joblib matches the committed mothers.toml (else the
    run would refuse it: retrain with `make model`)."""
    models = tmp_path / "data" / "models"
    shutil.copytree(DEFAULT_SEGMENTS_DIR.parent / "models", models)
    shutil.copytree(DEFAULT_SEGMENTS_DIR, tmp_path / "data" / "segments")  # the model is checked against it
    shutil.copytree(DEFAULT_SEGMENTS_DIR.parent / "dict", tmp_path / "data" / "dict")  # and its dictionary
    definition = load_segment("mothers")
    asked = replace(definition, post_scorer="classifier")
    model = load_post_classifier(asked, tmp_path / "data" / "segments")
    assert model.predict_proba(["我家宝宝今天会翻身了"]).shape == (1, 2)
