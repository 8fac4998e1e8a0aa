"""Learning curve of a segment's post classifier: how the held-out F1 moves with the gold labels.

Trains the classifier as ``make model`` does (weak rule labels on the real corpora, plus
``--gold`` files) on a growing share of the gold dev half's threads (``nlp.corpora.gold_split``;
threads drawn at random, two draws for the middle shares) and prints precision, recall and F1
on the gold test half at one fixed threshold. Nothing is chosen from these figures and no model
is written: they tell whether more hand labels would help. Takes ~4 min on 2 cores.

    TAJIAN_REAL_DATA=../shared/data .venv/bin/python scripts/learning_curve.py \\
        --gold tests/nlp/mothers_labelled.csv [--threshold 0.05]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_model as tm

from nlp.corpora import gold_groups, gold_split, read_gold
from nlp.evaluation import binary_scores


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--segment", default="mothers")
    ap.add_argument("--held", type=Path, default=tm.REPO / "tests" / "data" / "mothers_gold.csv",
                    help="gold CSV split into dev (trained on, in part) and test (scored) halves")
    ap.add_argument("--gold", type=Path, action="append", default=[],
                    help="other gold CSV always added to training (repeatable)")
    ap.add_argument("--threshold", type=float, default=0.05)
    args = ap.parse_args(argv)
    started = time.monotonic()
    data = tm.real_data_dir()
    weak = tm.weak_training_set(args.segment, data)
    dev, test = gold_split(read_gold(args.held))
    held = tm._gold_id(test)
    base = weak
    for g in args.gold:
        base = tm.add_gold(base, tm._gold_id(read_gold(g)), held)
    groups = gold_groups(dev["id"]).to_numpy()
    threads = np.unique(groups)
    params = {"random_state": tm.SEED, "rule_features": True, "threshold": args.threshold}
    print(f"dev half {len(dev)} posts ({int(dev['label'].sum())} positive, {len(threads)} threads); "
          f"test half {len(test)} ({int(test['label'].sum())} positive)", flush=True)
    for share in (0.0, 0.25, 0.5, 0.75, 1.0):
        for draw in (0,) if share in (0.0, 1.0) else (0, 1):
            rng = np.random.default_rng(draw)
            kept = rng.permutation(threads)[: round(share * len(threads))]
            part = dev[np.isin(groups, kept)]
            train = tm.add_gold(base, tm._gold_id(part), held) if len(part) else base
            model = tm.fit(train, args.segment, params, tm.GOLD_WEIGHT, data)
            got = binary_scores(held["label"], model.predict(
                held["text"].tolist(), context=tm.contexts_of(held, data)))
            print(f"{share:4.0%} of the dev threads (draw {draw}): {len(part)} posts, "
                  f"{int(part['label'].sum())} positive -> test P {got['precision']:.3f} "
                  f"R {got['recall']:.3f} F1 {got['f1']:.3f} ({time.monotonic() - started:.0f} s)",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
