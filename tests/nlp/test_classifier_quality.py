"""The shipped mothers classifier on the held-out half of the hand-labelled gold set.

``tests/data/mothers_gold.csv`` (see ``tests/data/LABELS.md``) is split once by
:func:`nlp.classifier.gold_split` (fixed seed, stable by id). ``make model`` trains on the rule
labels of the real corpora plus the dev half; the test half below was never used for training or
tuning. The floors sit a little under the measured figures, so a regression is caught. Measured
with the model shipped in data/models (see its sidecar): see MEASURED.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from nlp.classifier import DEFAULT_MODELS_DIR, binary_scores, gold_split, load_model, read_gold
from nlp.segments import load_segment
from nlp.tagger import score_post

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "tests" / "data" / "mothers_gold.csv"
SIDECAR = DEFAULT_MODELS_DIR / "mothers.joblib.json"

#: Figures of the shipped model on the test half when it was trained (precision, recall, F1).
#: 953 posts, 90 positive (1,906 posts, 180 positive in all). The set is hard (CED replies whose
#: meaning needs the cascade, "unsure" rows labelled 0; the candidate_diary/candidate_voice rows add
#: parents who write "我也是妈妈", "作为家长", "儿子说…", which neither the rules nor the model catch
#: well: recall 0.24 / 0.22 on those strata): far from the issue's 0.85 goal; see the sidecar.
MEASURED = {"classifier": (0.4861, 0.3889, 0.4321), "rules": (0.4568, 0.4111, 0.4327)}
F1_FLOOR = 0.40
PRECISION_FLOOR = 0.44
RECALL_FLOOR = 0.35


@pytest.fixture(scope="module")
def test_half():
    if not GOLD.is_file():
        pytest.fail(f"the gold set is missing: {GOLD}")
    return gold_split(read_gold(GOLD))[1]


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


def test_classifier_quality_on_held_out_gold(test_half) -> None:
    model = load_model("mothers")
    got = binary_scores(test_half["label"], model.predict(test_half["text"].tolist()))
    assert got["f1"] >= F1_FLOOR, f"F1 fell to {got} (measured {MEASURED['classifier']})"
    assert got["precision"] >= PRECISION_FLOOR, got
    assert got["recall"] >= RECALL_FLOOR, got


def test_classifier_is_not_worse_than_the_rules(test_half) -> None:
    seg = load_segment("mothers")
    texts = test_half["text"].tolist()
    rules = binary_scores(test_half["label"], [int(score_post(t, seg).positive) for t in texts])
    clf = binary_scores(test_half["label"], load_model("mothers").predict(texts))
    assert clf["f1"] >= rules["f1"] - 0.02, f"classifier {clf} vs rules {rules}"
