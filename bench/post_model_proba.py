"""Save the shipped mothers model's probabilities of ``bench_post_model.py``'s texts, to compare
two versions of the code (issue 20: the feature paths must not change a single probability).

Run it once per version, each with its own tree on ``PYTHONPATH`` (the texts come from this
file's folder, so both see the same ones), then compare the two files:

    PYTHONPATH=/tmp/before .venv/bin/python bench/post_model_proba.py --posts 50000 --out /tmp/a.npy
    PYTHONPATH=$PWD .venv/bin/python bench/post_model_proba.py --posts 50000 --out /tmp/b.npy
    .venv/bin/python bench/post_model_proba.py --compare /tmp/a.npy /tmp/b.npy
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from bench_tagging import real_texts

from nlp.clean import clean_own_text
from nlp.model_files import load_model
from nlp.segments import load_segment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=50_000)
    ap.add_argument("--mix", choices=("timeline", "crawl"), default="crawl")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", type=Path, nargs=2)
    args = ap.parse_args()
    if args.compare:
        a, b = (np.load(p) for p in args.compare)
        if a.shape != b.shape:
            sys.exit(f"different shapes: {a.shape} and {b.shape}")
        diff = np.abs(a - b)
        print(
            f"{len(a):,} probabilities: {int((a != b).sum()):,} differ, largest difference "
            f"{float(diff.max()):.3g}; {int((a > 0).sum()):,} above 0"
        )
        return
    if args.out is None:
        ap.error("give --out FILE (or --compare A B)")
    base = real_texts()
    if args.mix == "crawl":
        prefilter = load_segment("mothers").prefilter
        base = [t for t in base if prefilter.search(clean_own_text(t))]
    texts = [f"{base[i % len(base)]}（{i}）" for i in range(args.posts)]
    np.save(args.out, load_model("mothers").predict_proba(texts)[:, 1])


if __name__ == "__main__":
    main()
