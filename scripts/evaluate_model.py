"""Per-stratum precision and recall of the shipped post model on the held-out gold halves.

Prints the markdown tables of tests/data/LABELS.md ("The post model on held-out posts"): for each
held-out test half (nlp.corpora.split_gold_files of mothers_gold.csv and mothers_crawl.csv; the
model never saw them, nothing was tuned on them) and each stratum, the model at the half's own
estimated prior (``decide(prior="auto")``, as ``tajian classify`` runs on a file), the segment's
rules and the keyword regex (its prefilter: any child word), with 95% Wilson intervals. Then a
keyword-crawl-like mix (60% parents, drawn from both halves) and the prior estimates. Last, the rows
of mothers_diary.csv (long first-person posts with a child word, labelled for issue 15) the model
never trained on: all of them, or, for a model trained with ``--gold-dev-only`` on that file, those
whose thread lies in a held-out half. A third held-out set aimed at the weak stratum (diary posts).

    python scripts/evaluate_model.py [--segment mothers] [--model FILE] [--record] > /tmp/eval.md

``--record`` (``make model`` passes it) writes the model's precision / recall / F1 with 95%
intervals on both test halves together into the model's sidecar (``measured``), which the run's
report shows beside the segment ("measured on N held-out hand-labelled posts …").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from nlp.clean import clean_own_text
from nlp.corpora import ced_source_texts, dev_only, read_gold, split_gold_files
from nlp.evaluation import binary_scores, format_ratio
from nlp.measure import measure, record_measure
from nlp.model_files import DEFAULT_MODELS_DIR, load_model
from nlp.post_rules import score_post
from nlp.segments import load_segment

REPO = Path(__file__).resolve().parents[1]

GOLD = REPO / "tests" / "data" / "mothers_gold.csv"
CRAWL = REPO / "tests" / "data" / "mothers_crawl.csv"
DIARY = REPO / "tests" / "data" / "mothers_diary.csv"
MIX_SHARE, MIX_DRAWS = 0.6, 30


def scored(half: pd.DataFrame, segment: str, data_dir: Path, model_path: Path | None = None) -> pd.DataFrame:
    model, seg = load_model(segment, path=model_path), load_segment(segment)
    ctx = ced_source_texts(half["id"], data_dir)
    proba = model.predict_proba(half["text"].tolist(), context=ctx)[:, 1]
    decision = model.decide(proba, "auto")
    own = half["text"].map(clean_own_text)
    return half.assign(
        proba=proba,
        model=decision.labels,
        rules=[int(score_post(t, seg, c).positive) for t, c in zip(half["text"], ctx, strict=True)],
        regex=[int(bool(seg.prefilter.search(o))) for o in own],
        band=[("short" if len(o) < 12 else "medium" if len(o) < 40 else "long") for o in own],
    ), decision


def row(name: str, df: pd.DataFrame) -> str:
    y = df["label"].to_numpy()
    cells = [name, f"{len(df):,}", f"{int(y.sum())}"]
    for col in ("model", "rules", "regex"):
        s = binary_scores(y, df[col])
        if y.sum():
            cells += [
                format_ratio(s["tp"], s["tp"] + s["fp"]),
                format_ratio(s["tp"], s["tp"] + s["fn"]),
                f"{s['f1']:.2f}",
            ]
        else:  # no parent in the stratum: what share of its posts each method wrongly tags
            cells += [f"tags {format_ratio(s['fp'], len(df))}", "–", "–"]
    return "| " + " | ".join(cells) + " |"


def table(df: pd.DataFrame, strata: list[tuple[str, pd.Series]]) -> list[str]:
    head = (
        "| stratum | posts | parents | model P | model R | F1 | rules P | rules R | F1 | regex P | "
        "regex R | F1 |"
    )
    lines = [head, "|" + "---|" * 12, row("**all**", df)]
    for label, mask in strata:
        if mask.any():
            lines.append(row(label, df[mask]))
    return lines


def mix(df: pd.DataFrame, model, rng: np.random.Generator) -> dict[str, list[float]]:
    pool = df[df["regex"] == 1]
    pos, neg = pool[pool["label"] == 1], pool[pool["label"] == 0]
    out: dict[str, list[float]] = {"model": [], "rules": [], "regex": [], "prior": []}
    n_neg = int(len(pos) * (1 - MIX_SHARE) / MIX_SHARE)
    for _ in range(MIX_DRAWS):
        m = pd.concat([pos, neg.sample(n_neg, random_state=rng.integers(1 << 31))])
        d = model.decide(m["proba"].to_numpy(), "auto")
        out["prior"].append(d.prior)
        for col, pred in (("model", d.labels), ("rules", m["rules"]), ("regex", m["regex"])):
            out[col].append(binary_scores(m["label"], pred)["f1"])
    return out


def held_out_extra(path: Path, tests: list[pd.DataFrame], model_path: Path) -> tuple[str, pd.DataFrame]:
    """The rows of an extra gold file the model never trained on: all of them when its sidecar does
    not list the file, else (added with ``--gold-dev-only``) those whose thread lies in a held-out half."""
    extra = read_gold(path)
    side = json.loads(model_path.with_name(model_path.name + ".json").read_text(encoding="utf-8"))
    if not any(Path(g["path"]).name == path.name for g in side.get("training", {}).get("gold", [])):
        return f"`{path.name}` (all rows: not in this model's training data)", extra
    kept, _ = dev_only(extra, tests)
    return f"Held-out threads of `{path.name}`", extra[~extra["id"].isin(set(kept["id"]))].reset_index(
        drop=True
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segment", default="mothers")
    ap.add_argument(
        "--model", type=Path, default=None, help="model file (default data/models/<segment>.joblib)"
    )
    ap.add_argument(
        "--record", action="store_true", help="record the model's figures on both test halves in its sidecar"
    )
    args = ap.parse_args(argv)
    data_dir = Path(os.environ.get("TAJIAN_REAL_DATA", REPO.parent / "shared" / "data"))
    halves = split_gold_files([read_gold(GOLD), read_gold(CRAWL)])
    both = []
    sets = [
        (f"Test half of `{n}`", test)
        for n, (_dev, test) in zip(("mothers_gold.csv", "mothers_crawl.csv"), halves, strict=True)
    ]
    if DIARY.is_file():
        model_path = args.model or DEFAULT_MODELS_DIR / f"{args.segment}.joblib"
        sets.append(held_out_extra(DIARY, [t for _, t in sets], model_path))
    for title, test in sets:
        df, decision = scored(test, args.segment, data_dir, args.model)
        if title.startswith("Test half"):
            both.append(df)
        relevant = df["proba"] > 0
        y = df["label"].to_numpy()
        print(f"\n#### {title}: {len(df):,} posts, {int(y.sum())} parents\n")
        print(
            f"- ROC AUC among the {int(relevant.sum()):,} posts passing the prefilter: "
            f"{roc_auc_score(y[relevant], df['proba'][relevant]):.3f}"
        )
        print(
            f"- prior estimated from the half: {decision.prior:.3f} (true share among prefiltered posts "
            f"{y[relevant].mean():.3f}); threshold {decision.cut:.3f} on the score\n"
        )
        strata = [(f"length {b}", df["band"] == b) for b in ("short", "medium", "long")]
        if "kind" in df.columns:
            strata += [
                (f"kind {k}", df["kind"] == k)
                for k in ("diary", "reply", "news", "fan", "pet", "shop", "other")
            ]
        else:
            strata += [(f"net {s}", df["stratum"] == s) for s in sorted(df["stratum"].unique())]
            strata += [(f"source {s}", df["source"] == s) for s in sorted(df["source"].unique())]
        print("\n".join(table(df, strata)))
    model = load_model(args.segment, path=args.model)
    got = mix(pd.concat(both, ignore_index=True), model, np.random.default_rng(0))
    print(
        f"\n#### A keyword-crawl-like mix: {MIX_SHARE:.0%} parents, {MIX_DRAWS} draws from both test halves\n"
    )
    print("Every prefiltered parent of both halves plus a random sample of prefiltered non-parents.\n")
    print("| method | F1 (mean of draws) | min–max |\n|---|---|---|")
    for col in ("model", "rules", "regex"):
        print(f"| {col} | {np.mean(got[col]):.3f} | {min(got[col]):.3f}–{max(got[col]):.3f} |")
    print(f"\nPrior estimated by the model: mean {np.mean(got['prior']):.3f} (true {MIX_SHARE}).")
    if args.record:
        model_path = args.model or DEFAULT_MODELS_DIR / f"{args.segment}.joblib"
        record_held_out(pd.concat(both, ignore_index=True), model_path)
    return 0


def record_held_out(tests: pd.DataFrame, model_path: Path) -> None:
    """The model's figures on the test halves (each decided at its own estimated prior, as
    ``tajian classify`` does on a file), kept in its sidecar for the report."""
    figures = measure(tests["label"].tolist(), tests["model"].tolist())
    held_out = {**figures, "n": len(tests), "positives": int(tests["label"].sum()), "labels": "held-out"}
    side = record_measure(model_path, held_out)
    print(
        f"\nrecorded in {side}: precision {figures['precision']:.3f}, recall {figures['recall']:.3f}, "
        f"F1 {figures['f1']:.3f} on {len(tests):,} held-out posts"
    )


if __name__ == "__main__":
    sys.exit(main())
