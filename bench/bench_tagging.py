"""Tagging speed on real post texts: 1M posts through ``tag_user_segments`` (issue 4's goal: ≤ 60 s
on 2 cores), with the lexicon rules and, with ``--classifier``, the trained post classifier.

The posts are the real texts of weibo_senti_100k and CED (reserved rows included: nothing is
learned here), cycled to ``--posts`` with a counter appended so that every text is distinct
(the tagger scores each distinct text once, so repeats would flatter it), ~3 posts per user over
30 days. Reports posts/s and peak RSS of this process.

    .venv/bin/python bench/bench_tagging.py [--posts 1000000] [--classifier]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.segments import load_segment  # noqa: E402
from nlp.tagger import count_by_rule, tag_user_segments  # noqa: E402

DATA = Path(os.environ.get("TAJIAN_REAL_DATA", ROOT.parent / "shared" / "data"))


def real_texts() -> list[str]:
    texts: list[str] = []
    for split in ("dev", "test"):
        with open(DATA / "weibo_senti_100k" / f"{split}.csv", encoding="utf-8") as fh:
            texts += [ln.split("\t", 1)[-1] for ln in fh.read().split("\n")[1:] if ln]
    csv.field_size_limit(10**9)
    for name in ("ced_original.csv", "ced_reposts.csv"):
        with open(DATA / "ced" / name, encoding="utf-8", newline="") as fh:
            texts += [r["text"] for r in csv.DictReader(fh) if r["text"].strip()]
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--classifier", action="store_true", help="score posts with data/models/mothers.joblib")
    args = ap.parse_args()
    base = real_texts()
    n = args.posts
    texts = [f"{base[i % len(base)]}（{i}）" for i in range(n)]
    rng = np.random.default_rng(0)
    posts = pd.DataFrame({
        "post_id": [f"p{i}" for i in range(n)],
        "user_id": [f"u{u}" for u in rng.integers(0, max(1, n // 3), n)],
        "created_at": pd.Timestamp("2026-11-01", tz="Asia/Shanghai")
        + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s"),
        "text": texts,
    })
    mb = sum(len(t.encode()) for t in texts) / 1e6
    segment = load_segment("mothers")
    model = None
    if args.classifier:
        from nlp.classifier import load_model

        model = load_model("mothers")
    t0, c0 = time.perf_counter(), time.process_time()
    tags = tag_user_segments(posts, segment, classifier=model)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n:,} posts ({mb:.0f} MB of text, {len(base):,} distinct real texts cycled), "
          f"{'classifier' if model else 'rules'}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
          f"{n / wall:,.0f} posts/s; peak RSS {rss:,.0f} MB; {len(tags):,} members {count_by_rule(tags)}")


if __name__ == "__main__":
    main()
