"""The post model at the real base rate: all non-reserved weibo_senti_100k posts (dev + test).

Scores the 23,625 posts with the shipped model at the corpus's own estimated prior (as a run does)
and measures, against hand labels, precision among the tagged posts and recall among the parents
in the posts that pass the prefilter. Every prefiltered post has a label: from
tests/data/mothers_gold.csv, tests/data/mothers_crawl.csv or, for the ones neither held,
tests/data/mothers_base_rate_read.csv (read for this on 2026-12-06). Parents whose own words hold no
child word at all are not counted (the gold set's 60 random weibo_senti_100k posts held none).

    .venv/bin/python scripts/base_rate.py
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from nlp.corpora import read_gold
from nlp.evaluation import format_ratio
from nlp.model_files import load_model

REPO = Path(__file__).resolve().parents[1]

LABELS = ("mothers_gold.csv", "mothers_crawl.csv", "mothers_base_rate_read.csv")


def senti_posts(data_dir: Path) -> pd.DataFrame:
    with open(data_dir / "reserved.csv", encoding="utf-8") as f:
        reserved = {r["row_id"] for r in csv.DictReader(f) if r["source"] == "weibo_senti_100k"}
    rows = []
    for split in ("dev", "test"):
        lines = (data_dir / "weibo_senti_100k" / f"{split}.csv").read_text(encoding="utf-8").split("\n")[1:]
        for n, line in enumerate(ln for ln in lines if ln):
            if f"{split}-{n}" not in reserved:
                rows.append((f"senti-{split}-{n}", line.split("\t", 1)[1]))
    return pd.DataFrame(rows, columns=["id", "text"])


def main() -> int:
    data_dir = Path(os.environ.get("TAJIAN_REAL_DATA", REPO.parent / "shared" / "data"))
    posts = senti_posts(data_dir)
    labels = pd.concat([read_gold(REPO / "tests" / "data" / name)[["id", "label"]] for name in LABELS])
    truth = posts["id"].map(dict(zip(labels["id"], labels["label"], strict=True)))
    model = load_model("mothers")
    proba = model.predict_proba(posts["text"].tolist())[:, 1]
    decision = model.decide(proba, "auto")
    relevant = proba > 0
    unlabelled = int((relevant & truth.isna()).sum())
    if unlabelled:
        print(f"note: {unlabelled} prefiltered posts have no label; read them and add them to {LABELS[-1]}")
    tagged = decision.labels.astype(bool)
    right = int((tagged & (truth == 1)).sum())
    parents = int((relevant & (truth == 1)).sum())
    print(
        f"{len(posts):,} posts; {int(relevant.sum()):,} pass the prefilter; estimated prior "
        f"{decision.prior:.4f} (labelled share {truth[relevant].mean():.4f}); {int(tagged.sum())} tagged"
    )
    print(f"precision among the tagged: {format_ratio(right, int(tagged.sum()))}")
    print(f"recall among the prefiltered parents: {format_ratio(right, parents)}")
    print(
        "tagged:",
        ", ".join(
            f"{i} ({'right' if t == 1 else 'wrong'})"
            for i, t in zip(posts["id"][tagged], truth[tagged], strict=True)
        ),
    )
    print("missed parents:", ", ".join(posts["id"][relevant & ~tagged & (truth == 1).to_numpy()]))
    return 0 if np.isfinite(proba).all() else 1


if __name__ == "__main__":
    sys.exit(main())
