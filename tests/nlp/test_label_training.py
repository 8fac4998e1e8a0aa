"""A segment trained from a labelled CSV (tests/data/food_labels.csv, real posts labelled with
``tajian label``), the sidecar saying which labels and code made it, and the stale-model guard."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nlp.label_training import (
    calibration_labels,
    calibration_side,
    curve_rows,
    held_out_labels,
    held_out_rule,
    labels_sha256,
    pool_prior,
    train_from_labels,
    training_labels,
)
from nlp.measure import record_measure
from nlp.model_files import ModelMismatchError, load_model, save_model
from nlp.segment_status import segment_status
from report.segment_text import segment_notes
from store.labels import import_labels, read_labels
from tests.conftest import ROOT

LABELS = ROOT / "tests" / "data" / "food_labels.csv"


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    wh = tmp_path_factory.mktemp("wh") / "w.duckdb"
    import_labels(wh, "food", LABELS)
    return read_labels(wh, "food")


def test_the_held_out_random_labels_are_never_trained_on(labels):
    used = training_labels(labels)
    held = held_out_labels(labels)
    side = calibration_labels(labels)
    assert set(used["label"]) == {"yes", "no"}
    assert not set(used["post_id"]) & set(held["post_id"])
    assert set(side["post_id"]) <= set(used["post_id"])
    yes_no = labels["label"].isin(["yes", "no"])
    # food has a held-out set drawn for it (h22e): it alone is measured on, every random label trains
    drawn = labels[(labels["chosen_by"] == "held_out") & yes_no]
    random = labels[(labels["chosen_by"] == "random") & yes_no]
    assert sorted(held["post_id"]) == sorted(drawn["post_id"])
    assert sorted(side["post_id"]) == sorted(random["post_id"])
    # the held-out figures of tests/data/LABELS.md: at least 250 posts with 30 food posts
    assert len(held) >= 250 and (held["label"] == "yes").sum() >= 30
    assert pool_prior(labels) == round((side["label"] == "yes").mean(), 4)


def test_the_split_is_fixed_by_post_id():
    sides = calibration_side(["a", "b", "c", "d", "p1", "p2"]).tolist()
    assert sides == [True, True, False, False, True, True]
    assert calibration_side("c").tolist() == [False]
    frame = pd.DataFrame(
        {
            "post_id": ["a", "c", "d", "b", "x1"],
            "text": ["t"] * 5,
            "label": ["yes", "no", "unsure", "no", "yes"],
            "chosen_by": ["random", "random", "random", "active", "import"],
        }
    )
    assert training_labels(frame)["post_id"].tolist() == ["a", "b", "x1"]
    assert held_out_labels(frame)["post_id"].tolist() == ["c"]
    assert calibration_labels(frame)["post_id"].tolist() == ["a"]
    # more labels do not move a post across the split
    more = pd.concat([frame, frame.assign(post_id=["e", "f", "g", "h", "i"])], ignore_index=True)
    assert set(held_out_labels(frame)["post_id"]) <= set(held_out_labels(more)["post_id"])
    # a held-out set drawn for it replaces the split: every random label trains, the set measures
    drawn = pd.concat(
        [
            frame,
            pd.DataFrame(
                {
                    "post_id": ["h1", "h2", "h3"],
                    "text": ["t"] * 3,
                    "label": ["yes", "unsure", "no"],
                    "chosen_by": ["held_out"] * 3,
                }
            ),
        ],
        ignore_index=True,
    )
    assert held_out_labels(drawn)["post_id"].tolist() == ["h1", "h3"]
    assert calibration_labels(drawn)["post_id"].tolist() == ["a", "c"]
    assert training_labels(drawn)["post_id"].tolist() == ["a", "c", "b", "x1"]
    assert "chosen_by held_out" in held_out_rule(drawn) and "sha256" in held_out_rule(frame)


def test_the_curve_is_fitted_on_random_labels_when_there_are_enough():
    by = ["active", "random", "random", "active", "random"]
    assert curve_rows(by, [1, 1, 0, 0, 0], 3).tolist() == [False, True, True, False, True]
    assert curve_rows(by, [1, 1, 0, 0, 0], 4).tolist() == [True] * 5  # too few random labels
    assert curve_rows(by, [0, 0, 0, 1, 0], 3).tolist() == [True] * 5  # random ones all "no"
    with pytest.raises(ValueError, match="same length; got"):
        curve_rows(by, [1, 0], 3)


@pytest.mark.slow
def test_train_from_a_labelled_csv_and_refuse_it_once_stale(labels, tmp_path):
    small = labels.groupby(["chosen_by", "label"]).head(40)  # a few seconds, not minutes
    corpus = labels["text"].tolist()[::3]
    model, training = train_from_labels("food", small, corpus, seed=0)
    assert training["labels_sha256"] == labels_sha256(small)
    side = len(calibration_labels(small))  # random yes/no of the training side
    assert training["labels_used"]["yes"] + training["labels_used"]["no"] == 80 + side
    assert training["labels_random_training_side"] == side
    assert set(training["code_sha256"]) >= {"nlp/label_training.py", "nlp/classifier.py"}
    path = save_model(model, tmp_path / "food.joblib", training=training)
    side = path.with_name(path.name + ".json")
    meta = json.loads(side.read_text(encoding="utf-8"))
    assert meta["training"]["labels_held_out_random"] == len(held_out_labels(small))
    assert load_model("food", path=path).predict_proba(["今天做了红烧肉，太好吃了"])[0, 1] > 0
    # measured figures go into the sidecar without making the model stale
    record_measure(path, {"precision": 0.9, "n": 100})
    load_model("food", path=path)
    # the segment file changes after training (as an edit of food.toml would): refused
    meta = json.loads(side.read_text(encoding="utf-8"))
    meta["segment_sha256"] = "0" * 64
    side.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelMismatchError, match="segment_sha256: model has '0000"):
        load_model("food", path=path)


def test_a_segment_without_a_model_falls_back_to_its_rules(tmp_path):
    segments = tmp_path / "segments"
    segments.mkdir()
    text = (ROOT / "data" / "segments" / "food.toml").read_text(encoding="utf-8")
    (segments / "food.toml").write_text(text, encoding="utf-8")
    status = segment_status("food", segments)  # no tmp_path/models/food.joblib
    assert status["draft"] is True
    assert status["scorer"] == "rules" and status["model_missing"]
    draft, untrained = segment_notes(status, "zh")
    assert "草稿" in draft and "tajian train --segment food" in untrained
    assert status["measured"] is None
