"""Tagging speed on real post texts: 1M posts through ``tag_user_segments`` (issue 4's goal: ≤ 60 s
on 2 cores), with the lexicon rules and, with ``--classifier``, the trained post classifier.

The posts are the real texts of weibo_senti_100k and CED (reserved rows included: nothing is
learned here), cycled to ``--posts`` with a counter appended so that every text is distinct
(the tagger scores each distinct text once, so repeats would flatter it), ~3 posts per user over
30 days. Reports posts/s and peak RSS of this process.

With ``--shards N`` the posts are split into N user shards (``nlp.tagger.split_by_user_shard``:
a user's posts in one shard, so the result is exactly the unsharded one), each tagged in its own
worker process (``concurrent.futures.ProcessPoolExecutor``, forked: the shards reach the workers
by copy-on-write, not pickled), and merged (``merge_shard_tags``). The wall time includes the
split, the pool's start, shipping the tags back and the merge; it is the figure the flow's tag
shards approach on N cores, without Prefect's and Dask's overhead (the size and pickling time
of one shard, which a Dask run ships to its worker, is printed too).

    .venv/bin/python bench/bench_tagging.py [--posts 1000000] [--classifier] [--shards 2]

With ``--warehouse W`` it instead runs the tag step of a run (``flows.tagging``: read the window's
posts, score them, estimate the prior from their probabilities, tag, write the tags) on a copy
of ``W`` (its newest succeeded run's segment, day and window; the run's ``user_tags`` are
rewritten in the copy only) and prints the CPU seconds of each sub-step, exclusive of the
sub-steps inside it (a timer around each function of the step, so the figures add up to the
process's CPU for the step):

    .venv/bin/python bench/bench_tagging.py --warehouse /tmp/scale100k/w.duckdb
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import pickle
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from nlp.segments import load_segment
from nlp.tagger import (
    count_by_rule,
    merge_shard_tags,
    split_by_user_shard,
    tag_user_segments,
    window_prior,
)

ROOT = Path(__file__).resolve().parents[1]

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


# what forked shard workers inherit (set before the pool starts its processes)
_SHARDS: list[pd.DataFrame] = []
_JOB: dict = {}


def _tag_shard(i: int) -> tuple[pd.DataFrame, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    tags = tag_user_segments(_SHARDS[i], _JOB["segment"], classifier=_JOB["model"], prior=_JOB["prior"])
    return tags, time.perf_counter() - t0, time.process_time() - c0


def tag_in_shards(posts: pd.DataFrame, segment, model, n: int) -> pd.DataFrame:
    """Tag ``posts`` in ``n`` user shards, one worker process each; prints each shard's time."""
    t0 = time.perf_counter()
    _SHARDS[:] = split_by_user_shard(posts, n)
    # the window's prior, estimated once for all shards (as the flow does)
    _JOB.update(segment=segment, model=model, prior=window_prior(posts, segment, model))
    split = time.perf_counter() - t0
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_tag_shard, range(n)))
    t1 = time.perf_counter()
    tags = merge_shard_tags([r[0] for r in results])
    merge = time.perf_counter() - t1
    sizes = ", ".join(f"{len(p):,}" for p in _SHARDS)
    per = ", ".join(f"{w:.1f} s wall / {c:.1f} s CPU" for _, w, c in results)
    print(
        f"  {n} shards of {sizes} posts; split + window prior {split:.1f} s, shards {per}, "
        f"merge {merge:.2f} s"
    )
    return tags


def _timed(owner: object, name: str, label: str, totals: dict[str, float], stack: list[list]) -> None:
    """Replace ``owner.name`` by a wrapper adding its CPU time, less its timed callees', to
    ``totals[label]``."""
    inner = getattr(owner, name, None)
    if inner is None or getattr(inner, "_bench_timed", False):
        return

    def timed(*args: object, **kwargs: object) -> object:
        stack.append([label, 0.0])
        t0 = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent = time.process_time() - t0
            _, children = stack.pop()
            totals[label] = totals.get(label, 0.0) + spent - children
            if stack:
                stack[-1][1] += spent

    timed._bench_timed = True  # type: ignore[attr-defined]
    setattr(owner, name, timed)


def tag_step_substeps(warehouse: Path) -> None:
    """CPU seconds per sub-step of the tag step on a copy of ``warehouse`` (see the module doc)."""
    import duckdb
    from sklearn.linear_model import LogisticRegression

    import flows.tagging as ft
    import nlp.classifier as cl
    import nlp.embeddings as emb
    import nlp.tagger as tg

    totals: dict[str, float] = {}
    stack: list[list] = []
    plan = [
        (ft, ("fetch_window_posts", "fetch_context_texts", "attach_author_profiles"), "read posts (DuckDB)"),
        (tg, ("own_texts",), "clean own texts"),
        (cl, ("clean_own_text",), "classifier: clean again (gated)"),
        (cl, ("_relevant_contexts", "clean_contexts"), "classifier: clean contexts"),
        (cl.PostClassifier, ("_relevant",), "prefilter"),
        (cl, ("fast_tfidf",), "features: tf-idf words + chars"),
        (cl, ("rule_matrix",), "features: rule matrix"),
        (cl, ("signal_matrix",), "features: signal matrix"),
        (cl, ("word_codes",), "features: jieba cut once (words + vectors)"),
        (emb.WordVectors, ("transform", "transform_codes"), "features: word vectors"),
        # not cl._segment_tokens: the model's word vectorizer holds that function (its fast path
        # is chosen by identity), and the model is loaded after these wrappers are set
        (cl, ("tokenize",), "features: word vectors"),
        (LogisticRegression, ("decision_function",), "predict (linear model)"),
        (cl.PostClassifier, ("decide",), "decide (prior, threshold)"),
        (tg, ("score_own_text", "topic_weight", "clean_own_text"), "tagger: rule scores, context topics"),
        (tg, ("_local_days", "_per_user", "_admit"), "per-user aggregation"),
        (tg, ("_profile_evidence",), "profile evidence"),
        (tg, ("_business_of",), "commerce"),
        (tg, ("_explain",), "evidence: classifier explanations"),
        (tg, ("_member_rows",), "evidence rows (JSON)"),
        (ft, ("load_post_classifier",), "load the model"),
        (ft, ("write_tags",), "write tags"),
        (ft, ("read_tag_shards",), "other: read_tag_shards"),
        (ft, ("score_shard",), "other: score_shard"),
        (ft, ("estimate_prior",), "other: estimate_prior"),
        (ft, ("tag_shard",), "other: tag_shard"),
    ]
    for owner, names, label in plan:
        for name in names:
            _timed(owner, name, label, totals, stack)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "w.duckdb"
        shutil.copyfile(warehouse, copy)
        con = duckdb.connect(str(copy), read_only=True)
        try:
            newest = con.execute(
                """SELECT run_id, segment, as_of, window_days FROM runs WHERE status = 'succeeded'
                   ORDER BY started_at DESC LIMIT 1"""
            ).fetchone()
        finally:
            con.close()
        if newest is None:
            raise SystemExit(f"{warehouse}: no succeeded run to take the segment and window from")
        run_id, segment, as_of, days = newest
        segments = ROOT / "data" / "segments"
        t0, c0 = time.perf_counter(), time.process_time()
        parts = ft.read_tag_shards(copy, as_of, days, 1)
        proba = [ft.score_shard(p, segment, segments) for p in parts]  # as the flow: a task per shard
        prior = ft.estimate_prior(parts, segment, segments, proba)
        tagged = [ft.tag_shard(p, segment, segments, prior, q) for p, q in zip(parts, proba, strict=True)]
        members = ft.write_tags(copy, run_id, tagged)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<40} {seconds:7.2f} s CPU")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"tag step of {run_id}: {cpu:.1f} s CPU, {wall:.1f} s wall, {members:,} members, prior {prior}; "
        f"peak RSS {rss:,.0f} MB; load avg {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--warehouse", type=Path, help="time the tag step's sub-steps on a copy of W")
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--classifier", action="store_true", help="score posts with data/models/mothers.joblib")
    ap.add_argument(
        "--shards",
        type=int,
        default=1,
        help="tag in this many user shards, one worker process each (default 1: in this process)",
    )
    args = ap.parse_args()
    if args.warehouse is not None:
        tag_step_substeps(args.warehouse)
        return
    if args.shards < 1:
        ap.error("--shards must be at least 1")
    base = real_texts()
    n = args.posts
    texts = [f"{base[i % len(base)]}（{i}）" for i in range(n)]
    rng = np.random.default_rng(0)
    posts = pd.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "user_id": [f"u{u}" for u in rng.integers(0, max(1, n // 3), n)],
            "created_at": pd.Timestamp("2026-11-01", tz="Asia/Shanghai")
            + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s"),
            "text": texts,
        }
    )
    mb = sum(len(t.encode()) for t in texts) / 1e6
    segment = load_segment("mothers")
    model = None
    if args.classifier:
        from nlp.model_files import load_model

        model = load_model("mothers")
    if args.shards > 1:
        part = split_by_user_shard(posts, args.shards)[0]
        p0 = time.perf_counter()
        blob = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
        print(
            f"  one shard pickled (what a Dask run ships to a worker): {len(blob) / 1e6:.0f} MB in "
            f"{time.perf_counter() - p0:.1f} s"
        )
        del part, blob
    t0, c0 = time.perf_counter(), time.process_time()
    if args.shards > 1:
        tags = tag_in_shards(posts, segment, model, args.shards)
    else:
        tags = tag_user_segments(posts, segment, classifier=model)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += children.ru_utime + children.ru_stime
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = children.ru_maxrss / 1024
    shards = f", {args.shards} shards in {args.shards} processes" if args.shards > 1 else ""
    print(
        f"{n:,} posts ({mb:.0f} MB of text, {len(base):,} distinct real texts cycled), "
        f"{'classifier' if model else 'rules'}{shards}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
        f"{n / wall:,.0f} posts/s; peak RSS {rss:,.0f} MB"
        + (f" (largest worker {rss_children:,.0f} MB)" if args.shards > 1 else "")
        + f"; {len(tags):,} members {count_by_rule(tags)}; load avg {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
