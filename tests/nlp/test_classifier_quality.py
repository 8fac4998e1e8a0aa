"""The shipped mothers classifier on the held-out halves of the two hand-labelled gold sets.

``tests/data/mothers_gold.csv`` (random and candidate posts) and ``tests/data/mothers_crawl.csv``
(a keyword-crawl-like sample: any child word) are split once by
:func:`nlp.corpora.split_gold_files` (fixed seed; by thread: every reply of a CED cascade on one
side, across both files). ``make model`` trains on the dev halves (plus the rule labels of the real
corpora and tests/nlp/mothers_labelled.csv); the test halves below were never used for training.
The floors sit 0.02-0.03 under the figures measured with the model shipped in data/models (see
MEASURED), so a real regression trips them.

Each CED reply is scored with its context, its cascade's source post
(:func:`nlp.corpora.ced_source_texts`, read from the real data; reserved source posts are never
read), as the pipeline scores a repost with the post it answers.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from nlp.classifier import PostClassifier
from nlp.clean import clean_own_text
from nlp.corpora import ced_source_texts, gold_groups, read_gold, split_gold_files
from nlp.evaluation import binary_scores
from nlp.model_files import DEFAULT_MODELS_DIR, load_model
from nlp.post_rules import score_post
from nlp.prior import PriorShift
from nlp.segments import load_segment

REPO = Path(__file__).resolve().parents[2]
GOLD_FILES = ("tests/data/mothers_gold.csv", "tests/data/mothers_crawl.csv")
SIDECAR = DEFAULT_MODELS_DIR / "mothers.joblib.json"

#: Measured with the shipped model on the test halves (953 gold posts, 90 parents, 750 of them
#: passing the prefilter with 89 parents; 542 crawl posts, 17 parents, 465 passing with 17):
#: - ROC AUC among the prefiltered posts: gold 0.873, crawl 0.776;
#: - gold half at prior "auto": the prior is estimated at 0.230 (true share among the prefiltered
#:   posts 89/750 = 0.119: its negatives were drawn as look-alikes, so it is overestimated);
#:   classifier P 0.500 R 0.600 F1 0.546 (54 TP, 54 FP, 36 FN), rules P 0.560 R 0.467 F1 0.509;
#: - crawl half (drawn like real input): prior estimated 0.034, true 17/465 = 0.037;
#: - the 60%-parents mix (all 106 prefiltered parents of both halves + 71 prefiltered non-parents
#:   drawn with numpy default_rng(0)) at prior "auto" (estimated 0.648): F1 0.802 (mean of 30 draws
#:   in scripts/evaluate_model.py: 0.831, lowest 0.797); the keyword regex labels every post of the
#:   mix 1: F1 0.7491.
MEASURED = {
    "auc_gold": 0.873,
    "auc_crawl": 0.776,
    "gold_precision": 0.500,
    "gold_recall": 0.600,
    "crawl_prior_estimate": (0.034, 0.037),
    "mix_f1": 0.802,
    "mix_regex_f1": 0.7491,
}
AUC_GOLD_FLOOR = 0.85
AUC_CRAWL_FLOOR = 0.75
PRECISION_FLOOR = 0.47
RECALL_FLOOR = 0.56
PRIOR_TOLERANCE = 0.02
MIX_F1_FLOOR = 0.78
MIX_SHARE = 0.6


@pytest.fixture(scope="module")
def halves() -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    for path in GOLD_FILES:
        if not (REPO / path).is_file():
            pytest.fail(f"the gold set is missing: {REPO / path}")
    return split_gold_files([read_gold(REPO / path) for path in GOLD_FILES])


@pytest.fixture(scope="module")
def model() -> PostClassifier:
    return load_model("mothers")


@pytest.fixture(scope="module")
def scored(halves, model, real_data_dir) -> dict[str, pd.DataFrame]:
    """Each test half with its context, P(segment) and whether it passes the prefilter."""
    seg = load_segment("mothers")
    out = {}
    for name, (_, test) in zip(("gold", "crawl"), halves, strict=True):
        context = ced_source_texts(test["id"], real_data_dir)
        proba = model.predict_proba(test["text"].tolist(), context=context)[:, 1]
        relevant = [bool(seg.prefilter.search(clean_own_text(t))) for t in test["text"]]
        out[name] = test.assign(context=context, proba=proba, relevant=relevant)
    return out


# -- the model never saw the test halves ----------------------------------------------------------


def test_the_split_gives_disjoint_dev_and_test_halves(halves) -> None:
    dev_ids = [i for dev, _ in halves for i in dev["id"]]
    test_ids = [i for _, test in halves for i in test["id"]]
    assert set(dev_ids).isdisjoint(test_ids)
    # and no thread (CED cascade) has replies on both sides, across the two files
    assert set(gold_groups(dev_ids)).isdisjoint(gold_groups(test_ids))


def test_model_was_trained_without_the_test_halves(halves) -> None:
    meta = json.loads(SIDECAR.read_text(encoding="utf-8"))
    held = meta["training"].get("held_out", {})
    assert held.get("split") == "nlp.corpora.split_gold_files (test halves)", (
        f"{SIDECAR}: the model does not hold out the gold test halves (got {held!r}); run `make model`"
    )
    assert held["rows"] == sum(len(test) for _, test in halves)
    used = {g["path"]: g for g in meta["training"]["gold"]}
    for path, (dev, test) in zip(GOLD_FILES, halves, strict=True):
        digest = hashlib.sha256((REPO / path).read_bytes()).hexdigest()
        assert used[path]["sha256"] == digest, (
            f"{path} changed since the model was trained: its test half may have moved into "
            "training; run `make model` and update MEASURED and the floors"
        )
        assert used[path]["used"] == "dev half"
        assert (used[path]["rows"], used[path]["held_out_rows"]) == (len(dev), len(test))


def test_model_was_trained_with_context() -> None:
    meta = json.loads(SIDECAR.read_text(encoding="utf-8"))
    assert meta["training"].get("context", "none").startswith("CED reposts"), meta["training"]


# -- quality on the held-out posts ----------------------------------------------------------------


@pytest.mark.real_data
def test_ranking_among_prefiltered_posts(scored) -> None:
    for name, floor in (("gold", AUC_GOLD_FLOOR), ("crawl", AUC_CRAWL_FLOOR)):
        half = scored[name]
        assert (half["proba"] > 0).tolist() == half["relevant"].tolist()  # the prefilter decides
        rel = half[half["relevant"]]
        auc = roc_auc_score(rel["label"], rel["proba"])
        assert auc >= floor, f"{name} test half: ROC AUC {auc:.3f} (measured {MEASURED['auc_' + name]})"


@pytest.mark.real_data
def test_gold_half_at_the_estimated_prior(scored, model) -> None:
    half = scored["gold"]
    decision = model.decide(half["proba"].to_numpy(), "auto")
    assert decision.estimated and decision.n_relevant == int(half["relevant"].sum())
    clf = binary_scores(half["label"], decision.labels)
    measured = (MEASURED["gold_precision"], MEASURED["gold_recall"])
    assert clf["precision"] >= PRECISION_FLOOR, f"{clf} (measured P, R {measured})"
    assert clf["recall"] >= RECALL_FLOOR, f"{clf} (measured P, R {measured})"
    seg = load_segment("mothers")
    rules = binary_scores(
        half["label"],
        [int(score_post(t, seg, c).positive) for t, c in zip(half["text"], half["context"], strict=True)],
    )
    assert clf["f1"] >= rules["f1"], f"classifier {clf} vs rules {rules}"


@pytest.mark.real_data
def test_prior_estimate_on_the_crawl_half(scored, model) -> None:
    """The crawl half is drawn like real input (every child-word post), so its share of parents is
    what a run estimates; the gold half's look-alike negatives make it overestimated there."""
    half = scored["crawl"]
    rel = half[half["relevant"]]
    true_share = float(rel["label"].mean())
    estimate = PriorShift(model.training_prior_).fit(rel["proba"]).prior_
    assert abs(estimate - true_share) <= PRIOR_TOLERANCE, (
        f"estimated {estimate:.3f}, true share {true_share:.3f} (measured {MEASURED['crawl_prior_estimate']})"
    )
    assert model.decide(half["proba"].to_numpy(), "auto").prior == round(estimate, 6)


def _mix(scored) -> pd.DataFrame:
    """A keyword-crawl-like corpus with 60% parents: every prefiltered parent of both test halves and
    a seeded draw of prefiltered non-parents (gold half first, then crawl, in file order)."""
    pool = pd.concat([scored["gold"], scored["crawl"]], ignore_index=True)
    pool = pool[pool["relevant"]].reset_index(drop=True)
    pos = np.flatnonzero(pool["label"].to_numpy() == 1)
    neg = np.flatnonzero(pool["label"].to_numpy() == 0)
    n_neg = round(len(pos) * (1 - MIX_SHARE) / MIX_SHARE)
    pick = np.concatenate([pos, np.random.default_rng(0).choice(neg, n_neg, replace=False)])
    return pool.iloc[pick].reset_index(drop=True)


@pytest.mark.real_data
def test_a_mix_with_60_percent_parents(scored, model) -> None:
    mix = _mix(scored)
    assert (len(mix), int(mix["label"].sum())) == (177, 106)
    # scored afresh as one corpus, with its contexts
    proba = model.predict_proba(mix["text"].tolist(), context=mix["context"].tolist())[:, 1]
    np.testing.assert_allclose(proba, mix["proba"])
    decision = model.decide(proba, "auto")
    assert decision.estimated
    clf = binary_scores(mix["label"], decision.labels)
    assert clf["f1"] >= MIX_F1_FLOOR, f"{clf} (measured F1 {MEASURED['mix_f1']})"
    seg = load_segment("mothers")
    regex = binary_scores(
        mix["label"], [int(bool(seg.prefilter.search(clean_own_text(t)))) for t in mix["text"]]
    )
    assert regex["f1"] == pytest.approx(MEASURED["mix_regex_f1"], abs=1e-4)  # every post matches: 1
    assert clf["f1"] > regex["f1"], f"classifier {clf} vs keyword regex {regex}"


@pytest.mark.real_data
def test_the_context_rule_helps_the_rules_on_the_gold_half(scored) -> None:
    half = scored["gold"]
    seg = load_segment("mothers")
    with_context = binary_scores(
        half["label"],
        [int(score_post(t, seg, c).positive) for t, c in zip(half["text"], half["context"], strict=True)],
    )
    alone = binary_scores(half["label"], [int(score_post(t, seg).positive) for t in half["text"]])
    assert with_context["tp"] >= alone["tp"] and with_context["f1"] >= alone["f1"], (with_context, alone)


# -- a third held-out set: long first-person posts with a child word (mothers_diary.csv) ----------

DIARY_FILE = "tests/data/mothers_diary.csv"
#: Measured 2026-12-07 with the shipped model, which never trained on this file (482 posts, 47
#: parents, all passing the prefilter; `scripts/evaluate_model.py`): ROC AUC 0.836; at the file's own
#: estimated prior (0.244; true 0.098) P 0.41 (23/56) R 0.49 (23/47) F1 0.45; rules F1 0.27;
#: long diary posts by parents (kind diary, 32): recall 0.59.
DIARY_MEASURED = {"auc": 0.836, "precision": 0.41, "recall": 0.49, "diary_recall": 0.59}
DIARY_AUC_FLOOR = 0.81
DIARY_PRECISION_FLOOR = 0.36
DIARY_RECALL_FLOOR = 0.44


@pytest.mark.real_data
def test_the_diary_set_the_model_never_saw(model, real_data_dir) -> None:
    meta = json.loads(SIDECAR.read_text(encoding="utf-8"))
    assert not any(Path(g["path"]).name == "mothers_diary.csv" for g in meta["training"]["gold"]), (
        "the model trained on mothers_diary.csv: score only its held-out threads (scripts/evaluate_model.py)"
    )
    diary = read_gold(REPO / DIARY_FILE)
    proba = model.predict_proba(diary["text"].tolist(), context=ced_source_texts(diary["id"], real_data_dir))[
        :, 1
    ]
    assert (proba > 0).all()  # every row was drawn from prefiltered posts
    auc = roc_auc_score(diary["label"], proba)
    assert auc >= DIARY_AUC_FLOOR, f"ROC AUC {auc:.3f} (measured {DIARY_MEASURED})"
    clf = binary_scores(diary["label"], model.decide(proba, "auto").labels)
    assert clf["precision"] >= DIARY_PRECISION_FLOOR and clf["recall"] >= DIARY_RECALL_FLOOR, (
        f"{clf} (measured {DIARY_MEASURED})"
    )
    seg = load_segment("mothers")
    rules = binary_scores(diary["label"], [int(score_post(t, seg).positive) for t in diary["text"]])
    assert clf["f1"] > rules["f1"], f"classifier {clf} vs rules {rules}"
