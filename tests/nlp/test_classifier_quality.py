"""The shipped mothers classifier on the held-out half of the hand-labelled gold set.

``tests/data/mothers_gold.csv`` (see ``tests/data/LABELS.md``) is split once by
:func:`nlp.corpora.gold_split` (fixed seed; by thread: every reply of a CED cascade on one
side). ``make model`` trains on the rule labels of the real corpora plus the dev half; the test
half below was never used for training. The floors sit a little under the measured figures, so a
regression is caught. Measured with the model shipped in data/models (see its sidecar): see
MEASURED.

Each CED reply is scored with its context, its cascade's source post
(:func:`nlp.corpora.ced_source_texts`, read from the real data; reserved source posts are
never read), as the pipeline scores a repost with the post it answers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from nlp.corpora import ced_source_texts, gold_split, read_gold
from nlp.evaluation import binary_scores
from nlp.model_files import DEFAULT_MODELS_DIR, load_model
from nlp.segments import load_segment
from nlp.tagger import score_post

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "tests" / "data" / "mothers_gold.csv"
SIDECAR = DEFAULT_MODELS_DIR / "mothers.joblib.json"

#: Figures of the shipped model on the test half when it was trained (precision, recall, F1).
#: 953 posts, 90 positive (1,906 posts, 180 positive in all). The set is hard (CED replies whose
#: meaning needs the cascade, "unsure" rows labelled 0; the candidate_diary/candidate_voice rows add
#: parents who write "我也是妈妈", "作为家长", "儿子说…", which neither the rules nor the model catch
#: well): far from the issue's 0.85 goal; see the sidecar.
#: Split by thread since 2026-11-22 (third session). The split by post before it put 40 of the 90
#: test positives in a cascade with a dev positive; its figures: classifier (0.5143, 0.4000,
#: 0.4500), rules (0.4699, 0.4333, 0.4509). Caveat: the lexicon and the [context] rule were tuned
#: on the earlier dev half, and 474 of these 953 test posts (42 positives) were in it.
#: Threshold chosen by CV since 2026-11-22 (fourth session): ``make model`` sets the model's
#: threshold to the best F1 of 5-fold CV by thread on the dev half (see the sidecar's
#: training.threshold); larger gold weights, other C, no class weight and extra rule/context/
#: first-person features gave no CV gain of 0.02. With the threshold alone (0.03) this half gave
#: classifier (0.5000, 0.4778, 0.4886). Then four lexicon patterns picked from the dev half's
#: false negatives (我也是妈妈/同为人母/作为家长, 我怀女儿, 我的大宝, 我和孩子/我对女儿; dev rules
#: F1 0.428 -> 0.495) and a retrained model (threshold 0.05, dev CV F1 0.510); this half, scored
#: once after that choice, gives the figures below. On the 479 posts never tuned on (not in the
#: earlier dev half; 48 positives): classifier (0.5526, 0.4375, 0.4884), rules (0.5556, 0.4167,
#: 0.4762); before this session: classifier (0.5517, 0.3333, 0.4156), rules (0.5484, 0.3542,
#: 0.4304).
#: The [context] rule changes no prediction on this test half (the cascades it helped are in dev).
#: 5-fold CV by thread over the whole gold set (scripts/train_model.py --cv): see bench/RESULTS.md.
MEASURED = {"classifier": (0.5570, 0.4889, 0.5207), "rules": (0.5600, 0.4667, 0.5091),
            "classifier without context": (0.5570, 0.4889, 0.5207),
            "rules without context": (0.5600, 0.4667, 0.5091)}
F1_FLOOR = 0.50
PRECISION_FLOOR = 0.53
RECALL_FLOOR = 0.46
RULES_F1_FLOOR = 0.49


@pytest.fixture(scope="module")
def test_half():
    if not GOLD.is_file():
        pytest.fail(f"the gold set is missing: {GOLD}")
    return gold_split(read_gold(GOLD))[1]


@pytest.fixture(scope="module")
def test_context(test_half, real_data_dir):
    return ced_source_texts(test_half["id"], real_data_dir)


def test_model_was_trained_without_the_test_half() -> None:
    meta = json.loads(SIDECAR.read_text(encoding="utf-8"))
    held = meta["training"].get("held_out", {})
    assert held.get("path") == "tests/data/mothers_gold.csv", (
        f"{SIDECAR}: the model does not hold out the gold test half (got {held!r}); run `make model`"
    )
    digest = hashlib.sha256(GOLD.read_bytes()).hexdigest()
    assert held.get("sha256") == digest, (
        f"{GOLD} changed since the model was trained (sidecar {held.get('sha256')}, file {digest}): its "
        "test half may have moved into training; run `make model` and update MEASURED and the floors"
    )
    used = [g for g in meta["training"]["gold"] if g["path"] == held["path"]]
    assert [g["used"] for g in used] == ["dev half"]


def test_model_was_trained_with_context() -> None:
    meta = json.loads(SIDECAR.read_text(encoding="utf-8"))
    assert meta["training"].get("context", "none").startswith("CED reposts"), meta["training"]


def test_threshold_was_chosen_by_cv_on_the_dev_half() -> None:
    meta = json.loads(SIDECAR.read_text(encoding="utf-8"))
    chosen = meta["training"].get("threshold", {})
    by = str(chosen.get("chosen_by", ""))
    assert by.startswith("best F1 of 5-fold CV by thread on the gold dev half"), (
        f"{SIDECAR}: the threshold was not chosen on the dev half (got {chosen!r}); run `make model`"
    )
    model = load_model("mothers")
    assert model.threshold == chosen["value"] == meta["params"]["threshold"]
    assert chosen["cv_at_value"]["f1"] >= chosen["cv_at_0.5"]["f1"]


def test_classifier_quality_on_held_out_gold(test_half, test_context) -> None:
    model = load_model("mothers")
    got = binary_scores(test_half["label"], model.predict(test_half["text"].tolist(), context=test_context))
    assert got["f1"] >= F1_FLOOR, f"F1 fell to {got} (measured {MEASURED['classifier']})"
    assert got["precision"] >= PRECISION_FLOOR, got
    assert got["recall"] >= RECALL_FLOOR, got


def _rules(test_half, context) -> dict:
    seg = load_segment("mothers")
    return binary_scores(test_half["label"], [int(score_post(t, seg, c).positive)
                                              for t, c in zip(test_half["text"], context, strict=True)])


def test_rules_quality_on_held_out_gold(test_half, test_context) -> None:
    with_context = _rules(test_half, test_context)
    assert with_context["f1"] >= RULES_F1_FLOOR, f"F1 fell to {with_context} (measured {MEASURED['rules']})"
    alone = _rules(test_half, [None] * len(test_half))
    assert with_context["tp"] >= alone["tp"] and with_context["f1"] >= alone["f1"], (with_context, alone)


def test_classifier_is_not_worse_than_the_rules(test_half, test_context) -> None:
    rules = _rules(test_half, test_context)
    clf = binary_scores(test_half["label"],
                        load_model("mothers").predict(test_half["text"].tolist(), context=test_context))
    assert clf["f1"] >= rules["f1"] - 0.02, f"classifier {clf} vs rules {rules}"
