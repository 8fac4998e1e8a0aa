"""Train the post classifier of a segment and write data/models/<segment>.joblib (+ sidecar).

Training data: the real corpora in TAJIAN_REAL_DATA (default ../shared/data; reserved rows are
never read into training), labelled by the segment's rules (weak labels: positives, vetoed and
clearly negative posts; unclear posts are left out; negatives from the 500k CED repost comments are
subsampled), plus gold labels from CSV files (id,text,label) that override the rule label of the
same post. With ``--gold-dev-only`` only the dev half of a gold file (nlp.classifier.gold_split)
goes into training; its test half is what tests/nlp/test_classifier_quality.py scores.

Context: every CED repost or comment (weak-labelled or gold) is read with its cascade's source
post (nlp.classifier.ced_source_texts; reserved source posts are never read), in training and
in the --evaluate/--cv figures of both the rules and the classifier; ``--no-context`` scores
posts alone. Weak labels are the rules on the post alone.

Usage::

    python scripts/train_model.py --segment mothers --gold tests/data/mothers_gold.csv --gold-dev-only
    python scripts/train_model.py --evaluate tests/data/mothers_gold.csv   # P/R/F1, no model written
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

from nlp.classifier import (  # noqa: E402
    GOLD_SPLIT_SEED,
    PostClassifier,
    binary_scores,
    ced_source_texts,
    gold_groups,
    gold_split,
    load_real_corpora,
    read_gold,
    save_model,
    weak_labels,
)
from nlp.clean import clean_own_text  # noqa: E402
from nlp.segments import load_segment  # noqa: E402
from nlp.tagger import score_post  # noqa: E402

SEED = 0
#: Negatives kept from the CED repost comments (short, mostly about rumours; 500k of them).
CED_REPOST_NEGATIVES = 30_000
#: A gold post counts this many rule-labelled posts.
GOLD_WEIGHT = 1.0


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
    ap.add_argument("--C", type=float, default=None)
    ap.add_argument("--threshold", type=float, default=None)
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
        # folds by thread: the replies of one CED cascade stay in one fold (nlp.classifier.gold_groups)
        folds = StratifiedGroupKFold(5, shuffle=True, random_state=SEED)
        proba = np.zeros(len(gold))
        for k, (tr, te) in enumerate(folds.split(gold, gold["label"], gold_groups(gold["id"]))):
            held = _gold_id(gold.iloc[te])
            train = weak
            for g in [*extra, _gold_id(gold.iloc[tr])]:
                train = add_gold(train, g, held)
            model = fit(train, args.segment, params, args.gold_weight, context_dir)
            held_context = contexts_of(held, context_dir)
            proba[te] = model.predict_proba(held["text"].tolist(), context=held_context)[:, 1]
            print(f"fold {k + 1}/5 done ({time.monotonic() - started:.0f} s)", flush=True)
        texts = gold["text"].tolist()
        print(f"5-fold CV by thread on {args.cv} ({len(gold)} posts, {int(gold['label'].sum())} positive):")
        rules = rules_predict(texts, args.segment, contexts_of(_gold_id(gold), context_dir))
        print("  rules     ", binary_scores(gold["label"], rules))
        for th in sorted({0.3, 0.4, 0.5, 0.6, 0.7, model.threshold}):
            print(f"  classifier@{th:g}", binary_scores(gold["label"], (proba >= th).astype(int)))
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
    training: dict[str, object] = {
        "real_data": ["weibo_senti_100k dev+test", "weiboNER", "ced originals",
                      f"ced reposts (negatives subsampled to {CED_REPOST_NEGATIVES:,})"],
        "reserved_rows": "excluded (and every row with the same own text)",
        "weak_rows": len(weak), "weak_positive": int(weak["label"].sum()),
        "gold_weight": args.gold_weight,
        "context": ("none" if context_dir is None
                    else "CED reposts: their cascade's source post (not reserved)"),
        "gold": [{"path": _rel(p), "sha256": _sha256(p), "used": used, "rows": len(g)}
                 for p, g, used in sources],
    }
    if held_path is not None:
        training["held_out"] = {"path": _rel(held_path), "sha256": _sha256(held_path),
                                "split": "nlp.classifier.gold_split (test half)", "seed": GOLD_SPLIT_SEED,
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
