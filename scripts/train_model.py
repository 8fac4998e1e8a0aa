"""Train the post classifier of a segment and write data/models/<segment>.joblib (+ sidecar).

Training data: the real corpora in TAJIAN_REAL_DATA (default ../shared/data; reserved rows are
never read into training), labelled by the segment's rules (weak labels: positives, vetoed and
clearly negative posts; unclear posts are left out; negatives from the 500k CED repost comments are
subsampled), plus gold labels from CSV files (id,text,label) that override the rule label of the
same post. With ``--gold-dev-only`` only the dev half of a gold file (nlp.corpora.gold_split)
goes into training; its test half is what tests/nlp/test_classifier_quality.py scores.

Threshold: with ``--gold-dev-only`` (as ``make model`` runs it) the probability at which the
model says 1 is chosen by 5-fold cross-validation grouped by thread (StratifiedGroupKFold on
nlp.corpora.gold_groups) on the gold dev half only: each fold's model is trained as the
shipped one is (weak labels + the other gold files + the other dev folds; the fold and the test
half left out), and the threshold of ``THRESHOLD_GRID`` with the best F1 over the out-of-fold
probabilities becomes the model's ``threshold`` parameter (kept in the model and its sidecar, so
the tagger and ``tajian classify`` use it). The test half plays no part in it. ``--threshold``
sets it by hand instead.

Context: every CED repost or comment (weak-labelled or gold) is read with its cascade's source
post (nlp.corpora.ced_source_texts; reserved source posts are never read), in training and
in the --evaluate/--cv figures of both the rules and the classifier; ``--no-context`` scores
posts alone. Weak labels are the rules on the post alone.

Usage::

    python scripts/train_model.py --segment mothers --gold tests/data/mothers_gold.csv --gold-dev-only
    python scripts/train_model.py --evaluate tests/data/mothers_gold.csv   # P/R/F1, no model written
    python scripts/train_model.py --cv tests/data/mothers_gold.csv --dev-half \
        --gold tests/nlp/mothers_labelled.csv   # CV by thread on the dev half, F1 per threshold
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nlp.classifier import PostClassifier  # noqa: E402
from nlp.clean import clean_own_text  # noqa: E402
from nlp.corpora import (  # noqa: E402
    GOLD_SPLIT_SEED,
    ced_source_texts,
    gold_groups,
    gold_split,
    load_real_corpora,
    read_gold,
)
from nlp.evaluation import binary_scores  # noqa: E402
from nlp.model_files import save_model  # noqa: E402
from nlp.segments import load_segment  # noqa: E402
from nlp.tagger import score_post  # noqa: E402
from nlp.weak_labels import weak_labels  # noqa: E402

SEED = 0
#: Negatives kept from the CED repost comments (short, mostly about rumours; 500k of them).
CED_REPOST_NEGATIVES = 30_000
#: A gold post counts this many rule-labelled posts. 3, 10, 30 and 100 (each with its own CV-chosen
#: threshold) did no better, within 0.02 F1, in 5-fold CV by thread on the gold dev half
#: (2026-11-22, fourth session; ``--cv tests/data/mothers_gold.csv --dev-half --gold-weight N``).
GOLD_WEIGHT = 1.0
#: Thresholds tried when the model's threshold is chosen by cross-validation on the gold dev half.
#: The calibrated probability is the rule-labelled corpus's (about 0.3% positive), so the best
#: threshold for the gold posts (about 9% positive, all candidates) lies far below 0.5.
THRESHOLD_GRID = (0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
#: Folds of that cross-validation (and of --cv).
CV_FOLDS = 5


def real_data_dir() -> Path:
    path = Path(os.environ.get("TAJIAN_REAL_DATA", REPO.parent / "shared" / "data"))
    if not (path / "reserved.csv").is_file():
        sys.exit(f"error: the real data is not at {path} (no reserved.csv); set TAJIAN_REAL_DATA")
    return path


def weak_training_set(segment: str, data_dir: Path, seed: int = SEED) -> pd.DataFrame:
    """Columns id, source, text, label: rule labels on the real corpora, negatives subsampled."""
    corpus = load_real_corpora(data_dir)
    corpus["own"] = corpus["text"].map(clean_own_text)
    corpus = corpus[corpus["own"] != ""].drop_duplicates("own").reset_index(drop=True)
    corpus["label"] = weak_labels(corpus["own"].tolist(), segment)
    corpus = corpus[corpus["label"] >= 0]
    rng = np.random.default_rng(seed)
    ced_neg = corpus.index[(corpus["source"] == "ced_repost") & (corpus["label"] == 0)]
    drop = rng.permutation(ced_neg)[CED_REPOST_NEGATIVES:] if len(ced_neg) > CED_REPOST_NEGATIVES else []
    return corpus.drop(index=drop).drop(columns="own").reset_index(drop=True)


def add_gold(train: pd.DataFrame, gold: pd.DataFrame, exclude: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gold rows replace the weak row of the same id or own text; ``exclude`` rows are removed."""
    gold = gold[["id", "text", "label"]].assign(source="gold")
    own = train["text"].map(clean_own_text)
    drop = train["id"].isin(gold["id"]) | own.isin(set(gold["text"].map(clean_own_text)))
    if exclude is not None:
        drop |= train["id"].isin(exclude["id"]) | own.isin(set(exclude["text"].map(clean_own_text)) - {""})
        excl_own = set(exclude["text"].map(clean_own_text)) - {""}
        gold = gold[~gold["text"].map(clean_own_text).isin(excl_own) & ~gold["id"].isin(exclude["id"])]
    return pd.concat([train[~drop], gold], ignore_index=True)


def rules_predict(texts: list[str], segment: str, context: list[str | None] | None = None) -> list[int]:
    seg = load_segment(segment)
    context = context if context is not None else [None] * len(texts)
    return [int(score_post(t, seg, c).positive) for t, c in zip(texts, context, strict=True)]


def contexts_of(df: pd.DataFrame, data_dir: Path | None) -> list[str | None] | None:
    """The context of each row (its CED cascade's source post, by id), or None with --no-context."""
    return None if data_dir is None else ced_source_texts(df["id"], data_dir)


def _gold_id(df: pd.DataFrame) -> pd.DataFrame:
    """Gold ids as the corpus ids (source:row_key) when the file has those columns."""
    if {"source", "row_key"} <= set(df.columns):
        df = df.assign(id=df["source"] + ":" + df["row_key"])
    return df


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def fit(train: pd.DataFrame, segment: str, params: dict, gold_weight: float,
        context_dir: Path | None = None) -> PostClassifier:
    weights = np.where(train["source"] == "gold", gold_weight, 1.0)
    context = contexts_of(train, context_dir)
    return PostClassifier(segment, **params).fit(train["text"].tolist(), train["label"].to_numpy(),
                                                 sample_weight=weights, context=context)


def cross_validate(gold: pd.DataFrame, weak: pd.DataFrame, extra: list[pd.DataFrame], segment: str,
                   params: dict, gold_weight: float, context_dir: Path | None,
                   exclude: pd.DataFrame | None = None, started: float | None = None) -> np.ndarray:
    """Out-of-fold P(segment) of every ``gold`` row (a gold file as read, with its own ids, which
    :func:`nlp.corpora.gold_groups` reads): CV_FOLDS folds by thread, each fold's model
    trained on ``weak`` + the ``extra`` gold frames + the other folds, with the fold itself and
    ``exclude`` (e.g. the gold test half) removed from training."""
    folds = StratifiedGroupKFold(CV_FOLDS, shuffle=True, random_state=SEED)
    proba = np.zeros(len(gold))
    for k, (tr, te) in enumerate(folds.split(gold, gold["label"], gold_groups(gold["id"]))):
        held = _gold_id(gold.iloc[te])
        left_out = held if exclude is None else pd.concat([held, exclude], ignore_index=True)
        train = weak
        for g in [*extra, _gold_id(gold.iloc[tr])]:
            train = add_gold(train, g, left_out)
        model = fit(train, segment, params, gold_weight, context_dir)
        proba[te] = model.predict_proba(held["text"].tolist(), context=contexts_of(held, context_dir))[:, 1]
        took = f" ({time.monotonic() - started:.0f} s)" if started is not None else ""
        print(f"fold {k + 1}/{CV_FOLDS} done{took}", flush=True)
    return proba


def best_threshold(labels: object, proba: np.ndarray) -> tuple[float, dict[float, dict]]:
    """(the threshold of THRESHOLD_GRID with the best F1, the scores at each); ties: the lowest."""
    scores = {th: binary_scores(labels, (proba >= th).astype(int)) for th in THRESHOLD_GRID}
    return max(THRESHOLD_GRID, key=lambda th: (scores[th]["f1"], -th)), scores


def report(name: str, gold: pd.DataFrame, model: PostClassifier, segment: str,
           context_dir: Path | None = None) -> None:
    texts = gold["text"].tolist()
    ctx = contexts_of(gold, context_dir)
    print(f"{name} ({len(gold)} posts, {int(gold['label'].sum())} positive):")
    print("  rules     ", binary_scores(gold["label"], rules_predict(texts, segment, ctx)))
    print("  classifier", binary_scores(gold["label"], model.predict(texts, context=ctx)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segment", default="mothers")
    ap.add_argument("--gold", type=Path, action="append", default=[],
                    help="gold CSV id,text,label to add to training (repeatable)")
    ap.add_argument("--gold-dev-only", action="store_true",
                    help="of the first --gold file, train on its dev half only (its test half stays unseen)")
    ap.add_argument("--gold-weight", type=float, default=GOLD_WEIGHT,
                    help=f"weight of a gold post against a rule-labelled one (default {GOLD_WEIGHT:g})")
    ap.add_argument("--output", type=Path, default=None,
                    help="model path (default data/models/<segment>.joblib)")
    ap.add_argument("--evaluate", type=Path, default=None,
                    help="gold CSV: train on weak labels + the other --gold files + its dev half, print "
                         "P/R/F1 of rules and classifier on its test half; writes no model")
    ap.add_argument("--cv", type=Path, default=None,
                    help="gold CSV: stratified 5-fold cross-validation (each fold's model trained on weak "
                         "labels + the other --gold files + the other folds); writes no model")
    ap.add_argument("--dev-half", action="store_true",
                    help="with --cv: cross-validate on the dev half of that file only (its test half is "
                         "also kept out of training)")
    ap.add_argument("--C", type=float, default=None)
    ap.add_argument("--threshold", type=float, default=None,
                    help="probability at which the model says 1 (default: chosen by CV on the gold dev "
                         "half with --gold-dev-only, else 0.5)")
    ap.add_argument("--no-rule-features", action="store_true")
    ap.add_argument("--no-context", action="store_true",
                    help="score every post alone (no CED source post as context), in training and figures")
    args = ap.parse_args(argv)

    params: dict = {"random_state": SEED, "rule_features": not args.no_rule_features}
    if args.C is not None:
        params["C"] = args.C
    if args.threshold is not None:
        params["threshold"] = args.threshold
    started = time.monotonic()
    data_dir = real_data_dir()
    context_dir = None if args.no_context else data_dir
    weak = weak_training_set(args.segment, data_dir)
    print(f"weak labels: {len(weak):,} posts, {int(weak['label'].sum()):,} positive "
          f"({time.monotonic() - started:.0f} s)")
    extra = [_gold_id(read_gold(p)) for p in args.gold]

    if args.cv is not None:
        gold = read_gold(args.cv)
        exclude = None
        what = ""
        if args.dev_half:
            gold, test = gold_split(gold)
            exclude = _gold_id(test)
            what = "the dev half of "
        # folds by thread: the replies of one CED cascade stay in one fold (nlp.corpora.gold_groups)
        proba = cross_validate(gold, weak, extra, args.segment, params, args.gold_weight, context_dir,
                               exclude, started)
        texts = gold["text"].tolist()
        print(f"{CV_FOLDS}-fold CV by thread on {what}{args.cv} ({len(gold)} posts, "
              f"{int(gold['label'].sum())} positive):")
        rules = rules_predict(texts, args.segment, contexts_of(_gold_id(gold), context_dir))
        print("  rules     ", binary_scores(gold["label"], rules))
        best, scores = best_threshold(gold["label"], proba)
        for th in sorted({*THRESHOLD_GRID, params.get("threshold", 0.5)}):
            got = scores.get(th) or binary_scores(gold["label"], (proba >= th).astype(int))
            print(f"  classifier@{th:g}", got, "<- best F1" if th == best else "")
        return 0

    sources = [(p, g, "all rows") for p, g in zip(args.gold, extra, strict=True)]
    held, held_path = None, None
    if args.evaluate is not None:
        held_path = args.evaluate
        dev, test = gold_split(read_gold(held_path))  # split on the file's own ids
        sources.append((held_path, _gold_id(dev), "dev half"))
    elif args.gold_dev_only and args.gold:
        held_path = args.gold[0]
        dev, test = gold_split(read_gold(held_path))
        sources[0] = (held_path, _gold_id(dev), "dev half")
    if held_path is not None:
        held = _gold_id(test)
    threshold: dict[str, object] = {"value": params.get("threshold", 0.5),
                                    "chosen_by": "--threshold" if args.threshold is not None else "default"}
    if args.threshold is None and held_path is not None:
        others = [g for _p, g, used in sources if used != "dev half"]
        print(f"choosing the threshold: {CV_FOLDS}-fold CV by thread on the dev half of {held_path}")
        proba = cross_validate(dev, weak, others, args.segment, params, args.gold_weight, context_dir,
                               held, started)
        best, scores = best_threshold(dev["label"], proba)
        params["threshold"] = best
        threshold = {"value": best,
                     "chosen_by": f"best F1 of {CV_FOLDS}-fold CV by thread on the gold dev half "
                                  f"(out-of-fold probabilities; the test half left out)",
                     "grid": list(THRESHOLD_GRID), "cv_at_value": scores[best], "cv_at_0.5": scores[0.5]}
        print(f"threshold {best:g}: CV {scores[best]} (at 0.5: {scores[0.5]})")
    training: dict[str, object] = {
        "real_data": ["weibo_senti_100k dev+test", "weiboNER", "ced originals",
                      f"ced reposts (negatives subsampled to {CED_REPOST_NEGATIVES:,})"],
        "reserved_rows": "excluded (and every row with the same own text)",
        "weak_rows": len(weak), "weak_positive": int(weak["label"].sum()),
        "gold_weight": args.gold_weight,
        "threshold": threshold,
        "context": ("none" if context_dir is None
                    else "CED reposts: their cascade's source post (not reserved)"),
        "gold": [{"path": _rel(p), "sha256": _sha256(p), "used": used, "rows": len(g)}
                 for p, g, used in sources],
    }
    if held_path is not None:
        training["held_out"] = {"path": _rel(held_path), "sha256": _sha256(held_path),
                                "split": "nlp.corpora.gold_split (test half)", "seed": GOLD_SPLIT_SEED,
                                "rows": len(held)}
    train = weak
    for _path, g, _used in sources:
        train = add_gold(train, g, held)
    print(f"training rows: {len(train):,}, {int(train['label'].sum()):,} positive")
    t0 = time.monotonic()
    model = fit(train, args.segment, params, args.gold_weight, context_dir)
    print(f"fitted in {time.monotonic() - t0:.0f} s: {model.n_word_features_:,} word and "
          f"{model.n_char_features_:,} char n-grams")
    if held is not None:
        report("held-out test half", held, model, args.segment, context_dir)
    if args.evaluate is not None:
        return 0
    path = save_model(model, args.output, training=training)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
