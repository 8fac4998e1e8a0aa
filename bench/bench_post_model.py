"""Post-model speed on real post texts: ``predict_proba`` + ``decide`` of the shipped mothers model,
one process, on two mixes (issue 15: ≥ 50k posts/s on a timeline-like mix; 1M posts ≤ 60 s).

- ``timeline``: the real texts of weibo_senti_100k and CED (reserved rows included: nothing is
  learned here) cycled to ``--posts``, a counter appended so every text is distinct; about 3% of
  them hold a child word and reach the model, the rest stop at the prefilter.
- ``crawl``: only the texts that pass the prefilter, cycled the same way: every post reaches the
  model (a keyword crawl for parenting words), the worst case for the prefilter.

Prints posts/s (wall and CPU) and the peak RSS of this process.

    .venv/bin/python bench/bench_post_model.py [--posts 1000000] [--mix timeline|crawl]
"""

from __future__ import annotations

import argparse
import resource
import time

from bench_tagging import real_texts

from nlp.clean import clean_own_text
from nlp.model_files import load_model
from nlp.segments import load_segment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--mix", choices=("timeline", "crawl"), default="timeline")
    args = ap.parse_args()
    base = real_texts()
    if args.mix == "crawl":
        prefilter = load_segment("mothers").prefilter
        base = [t for t in base if prefilter.search(clean_own_text(t))]
    texts = [f"{base[i % len(base)]}（{i}）" for i in range(args.posts)]
    model = load_model("mothers")
    model.predict_proba(texts[:1000])  # warm the look-up tables
    w0, c0 = time.perf_counter(), time.process_time()
    proba = model.predict_proba(texts)[:, 1]
    decision = model.decide(proba)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.posts:,} posts ({args.mix} mix, {decision.n_relevant:,} passed the prefilter): "
        f"{wall:.1f} s wall, "
        f"{cpu:.1f} s CPU, {args.posts / wall:,.0f} posts/s; prior {decision.prior:.4f}, "
        f"{int(decision.labels.sum()):,} tagged; peak RSS {peak:,.0f} MB"
    )


if __name__ == "__main__":
    main()
