"""How well each prior estimator of nlp/prior.py finds a corpus's share of segment posts (issue 16).

Two steps, each caching what is slow (model probabilities) in ``--work`` so the estimators can be
compared in seconds afterwards:

* ``dev``: 5-fold CV by thread over the gold dev rows passing the prefilter, with the recipe of
  ``make model`` (nlp.training.dev_folds, as scripts/train_model.py fits the model's prior
  recalibration; the test halves, the user fixtures and
  reserved.csv are never read). Each fold model keeps its operating curve (fitted on its own
  training side), the held fold's out-of-fold probabilities and labels are stored; then every
  estimator, fitted from the fold model's curve only, estimates the prior of samples of the held
  fold's posts resampled at shares 0.01-0.3. Mean absolute error per estimator; the one with the
  lowest is chosen.
* ``held``: the three held-out exports of bench/bench_users.py (the user fixture built from the
  gold test halves, the real weibo-crawler timelines, the real 三胎 crawl), ingested with
  ``tajian ingest``; the window's posts are read as the run reads them
  (flows.tagging.read_tag_shards) and scored as nlp.tagger.window_prior scores them; every estimator
  is fitted from the *shipped* model's curve and compared with the true share (see ``_truth``).

Usage: python bench/bench_prior.py dev|held|report [--work DIR]
"""

from __future__ import annotations

import argparse
import copy
import functools
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TAJIAN_REAL_DATA", REPO.parent / "shared" / "data"))
PRIORS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3)
SAMPLE = 1000  # posts per resampled corpus (about a real export's prefiltered posts)
DRAWS = 20  # resampled corpora per fold and share


def _train_model():
    spec = importlib.util.spec_from_file_location("train_model", REPO / "scripts" / "train_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dev(work: Path) -> None:
    """Fold models with the shipped recipe; store each held fold's probabilities and the curve."""
    from nlp.classifier import _segment_tokens
    from nlp.clean import clean_own_text
    from nlp.corpora import load_real_corpora
    from nlp.embeddings import WordVectors
    from nlp.segments import load_segment
    from nlp.training import dev_folds, prefiltered_gold

    tm = _train_model()
    started = time.monotonic()
    args = argparse.Namespace(
        gold_dev=[REPO / "tests/data/mothers_gold.csv", REPO / "tests/data/mothers_crawl.csv"],
        gold_dev_only=[],
        gold=[REPO / "tests/nlp/mothers_labelled.csv"],
    )
    seg = load_segment("mothers")
    corpus = load_real_corpora(DATA)  # reserved rows dropped by the reader
    corpus["own"] = corpus["text"].map(clean_own_text)
    corpus = corpus[corpus["own"] != ""].drop_duplicates("own").reset_index(drop=True)
    vectors = WordVectors(random_state=tm.SEED).fit(_segment_tokens(seg.dictionary, o) for o in corpus["own"])
    print(f"corpus + word vectors: {time.monotonic() - started:.0f} s", flush=True)
    gold, test, _ = tm.gold_sets(args)  # test: the held-out halves, only excluded from weak rows
    weak = tm.weak_set(corpus, "mothers", pd.concat([gold, test], ignore_index=True))
    out: dict[str, np.ndarray] = {}
    for fold in dev_folds(
        prefiltered_gold(gold, "mothers"),
        weak,
        "mothers",
        {"random_state": tm.SEED},
        vectors,
        DATA,
        weak_weight=tm.WEAK_WEIGHT,
        curve_negatives=["mothers_crawl.csv"],
        folds=tm.CV_FOLDS,
        seed=tm.SEED,
    ):
        k = fold.index
        out[f"proba{k}"] = fold.proba
        out[f"y{k}"] = fold.held["label"].to_numpy()
        out[f"file{k}"] = fold.held["file"].to_numpy().astype(str)
        for name in ("thresholds", "tpr", "fpr"):
            out[f"curve_{name}{k}"] = np.asarray(getattr(fold.model.curve_, name))
        print(f"fold {k + 1}/{tm.CV_FOLDS}: {time.monotonic() - started:.0f} s", flush=True)
    work.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(work / "dev.npz", **out)
    print(f"wrote {work / 'dev.npz'}")


SETS = {  # name: (export, as-of, window days), as bench/bench_users.py runs them
    "fixture": (None, date(2026, 11, 30), 30),
    "timelines": (DATA / "real-exports" / "weibo-crawler", date(2021, 5, 31), 900),
    "santai": (DATA / "real-exports" / "weibo-search", date(2021, 6, 20), 30),
}


def _window_pairs(warehouse: Path, as_of: date, window_days: int) -> pd.DataFrame:
    """The window's distinct (own text, context) pairs as nlp.tagger.window_prior reads them, with
    the posts behind each pair and the shipped model's probability."""
    from flows.tagging import load_post_classifier, read_tag_shards
    from nlp.clean import clean_own_text
    from nlp.segments import load_segment

    posts = pd.concat(read_tag_shards(warehouse, as_of, window_days, 1), ignore_index=True)
    own = [clean_own_text(t if isinstance(t, str) else None) for t in posts["text"].tolist()]
    ctx = [c if isinstance(c, str) and c else None for c in posts["context"].tolist()]
    posts = posts.assign(own=own, ctx=ctx)
    posts = posts[posts["own"] != ""]
    pairs = posts.groupby(["own", "ctx"], sort=False, dropna=False).agg(
        post_ids=("post_id", lambda s: " ".join(map(str, s))),
        user_ids=("user_id", lambda s: " ".join(map(str, s))),
    )
    pairs = pairs.reset_index()
    seg = load_segment("mothers")
    model = load_post_classifier(seg, REPO / "data" / "segments")
    ctx_list = [c if isinstance(c, str) else None for c in pairs["ctx"]]
    pairs["proba"] = model.predict_proba(pairs["own"].tolist(), context=ctx_list)[:, 1]
    return pairs


def _truth(name: str, pairs: pd.DataFrame, fixture_truth: pd.DataFrame | None) -> pd.Series:
    """Each pair's label: 1, 0, or NaN when no label follows from the hand labels."""
    if name == "fixture":
        from nlp.clean import clean_own_text
        from tests.e2e.user_fixture import _test_halves

        test = _test_halves()
        pos = {clean_own_text(re.sub(r"\s+", "", t)) for t in test[test["label"] == 1]["text"]}
        return pairs["own"].map(lambda o: float(o in pos))
    if name == "timelines":
        lab = pd.read_csv(REPO / "tests/data/mothers_users_timelines.csv", dtype=str, keep_default_na=False)
        member = dict(zip(lab["user_id"], lab["label"] == "1", strict=True))
        evidence = {p for e in lab["evidence_posts"] for p in e.split()}

        def label(row) -> float:
            if any(p in evidence for p in row.post_ids.split()):
                return 1.0
            if not any(member.get(u, False) for u in row.user_ids.split()):
                return 0.0
            return math.nan  # a parent's post that did not show it: not read post by post

        return pd.Series([label(r) for r in pairs.itertuples()], index=pairs.index)
    lab = pd.read_csv(REPO / "tests/data/mothers_users_santai.csv", dtype=str, keep_default_na=False)
    member = dict(zip(lab["user_id"], lab["label"] == "1", strict=True))

    def label_s(row) -> float:
        users = [u for u in row.user_ids.split() if u in member]
        if not users:
            return math.nan
        return float(any(member[u] for u in users))

    return pd.Series([label_s(r) for r in pairs.itertuples()], index=pairs.index)


def held(work: Path, sets: list[str]) -> None:
    """Ingest each held-out export once, score its window's pairs with the shipped model, store them."""
    for name in sets:
        export, as_of, days = SETS[name]
        folder = work / name
        wh = folder / "warehouse.duckdb"
        truth = None
        if name == "fixture":
            from tests.e2e.user_fixture import build_user_fixture

            export = folder / "export"
            truth = build_user_fixture(DATA, export)
        if not wh.exists():
            started = time.monotonic()
            cmd = [sys.executable, "-m", "flows.cli", "ingest", str(export), "--warehouse", str(wh)]
            subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
            print(f"{name}: ingest {time.monotonic() - started:.0f} s", flush=True)
        started = time.monotonic()
        pairs = _window_pairs(wh, as_of, days)
        pairs["label"] = _truth(name, pairs, truth)
        pairs.to_parquet(folder / "pairs.parquet")
        print(f"{name}: {len(pairs)} pairs scored in {time.monotonic() - started:.0f} s", flush=True)


def _estimators(bcts: tuple[float, float] | None = None) -> dict:
    """name -> f(probabilities, curve): every estimator, each fitted from the curve alone (and the
    ``bcts`` recalibration fitted elsewhere on the dev side, when given)."""
    from nlp import prior as nlp_prior
    from nlp import quantify as q
    from nlp.prior import PriorShift

    def em(p, curve):  # on the model's own calibration, without its prior recalibration
        return PriorShift(0.5).fit(p).prior_

    def em_bcts_curve(p, curve):
        s, pos, neg = q.class_masses(curve)
        t, b = nlp_prior.fit_bcts(np.r_[s, s], np.r_[np.ones(s.size), np.zeros(s.size)], np.r_[pos, neg])
        return PriorShift(0.5).fit(nlp_prior.apply_bcts(p, t, b)).prior_

    out = {
        "EM (no recalibration)": em,
        "ACC, MAX": lambda p, c: q.adjusted_count(p, c, q.threshold_for(c, "max")),
        "ACC, X": lambda p, c: q.adjusted_count(p, c, q.threshold_for(c, "x")),
        "ACC, T50": lambda p, c: q.adjusted_count(p, c, q.threshold_for(c, "t50")),
        "median sweep": q.median_sweep,
        "HDy": q.hdy,
        "EM + BCTS (curve)": em_bcts_curve,
    }
    if bcts is not None:
        out["EM + BCTS (other folds)"] = lambda p, c: PriorShift(0.5, recalibration=bcts).fit(p).prior_
    return out


def _fold_curve(d, k: int):
    from nlp.prior import OperatingCurve

    return OperatingCurve(*(tuple(d[f"curve_{n}{k}"].tolist()) for n in ("thresholds", "tpr", "fpr")))


def report_dev(work: Path) -> pd.DataFrame:
    """MAE of each estimator on resampled held folds (shares PRIORS, SAMPLE posts, DRAWS each)."""
    from nlp import prior as nlp_prior

    d = np.load(work / "dev.npz")
    folds = sorted(int(k[5:]) for k in d.files if k.startswith("proba"))
    rows = []
    rng = np.random.default_rng(0)
    for k in folds:
        p, y = d[f"proba{k}"], d[f"y{k}"]
        keep = p > 0
        p, y = p[keep], y[keep]
        others = [j for j in folds if j != k]
        bcts = nlp_prior.fit_bcts(
            np.concatenate([d[f"proba{j}"] for j in others]), np.concatenate([d[f"y{j}"] for j in others])
        )
        curve = _fold_curve(d, k)
        ests = _estimators(bcts)
        pos, neg = p[y == 1], p[y == 0]
        for prior in PRIORS:
            n_pos = round(prior * SAMPLE)
            for draw in range(DRAWS):
                sample = np.r_[rng.choice(pos, n_pos), rng.choice(neg, SAMPLE - n_pos)]
                for name, f in ests.items():
                    rows.append((k, prior, draw, name, f(sample, curve) - n_pos / SAMPLE))
        # the held fold as it is (its own share of parents), for reference
        for name, f in ests.items():
            rows.append((k, -1.0, 0, name, f(p, curve) - y.mean()))
    return pd.DataFrame(rows, columns=["fold", "prior", "draw", "estimator", "error"])


def _truth_of(name: str, pairs: pd.DataFrame, work: Path) -> tuple[float, float, float]:
    """(true share, low, high) among the relevant pairs; see LABELS.md for how the users were read."""
    r = pairs[pairs["proba"] > 0]
    lab = r["label"]
    n = len(r)
    if name == "fixture":
        v = float(lab.mean())
        return v, v, v
    if name == "timelines":  # unread: a parent's posts that were not their evidence
        return float(lab.fillna(0).mean()), float(lab.fillna(0).mean()), float(lab.fillna(1).mean())
    users = pd.read_csv(REPO / "tests/data/mothers_users_santai.csv", dtype=str, keep_default_na=False)
    random_users = set(users.loc[users["drawn_as"].str.startswith("random"), "user_id"])
    is_random = r["user_ids"].map(lambda us: any(u in random_users for u in us.split()))
    rate = float(lab[is_random].mean())  # share of the random authors' relevant posts that are parents'
    n_pos, n_pos_users = (
        int((lab == 1).sum()),
        int(users.loc[users["drawn_as"].str.startswith("random"), "label"].eq("1").sum()),
    )
    lo, hi = _wilson(n_pos_users, len(random_users))
    user_rate = n_pos_users / len(random_users)
    unread = int(lab.isna().sum())
    est = (n_pos + rate * unread) / n
    return est, (n_pos + rate * lo / user_rate * unread) / n, (n_pos + rate * hi / user_rate * unread) / n


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def report_held(work: Path, names: list[str]) -> pd.DataFrame:
    from flows.tagging import load_post_classifier
    from nlp import prior as nlp_prior
    from nlp.segments import load_segment

    model = load_post_classifier(load_segment("mothers"), REPO / "data" / "segments")
    bcts = getattr(model, "prior_recalibration_", None)  # the shipped model's own, when it has one
    if bcts is not None:
        print(f"the shipped model's prior recalibration: T = {bcts[0]:.4f}, b = {bcts[1]:.4f}")
    elif (work / "dev.npz").exists():  # the recalibration fitted on every dev fold's out-of-fold posts
        d = np.load(work / "dev.npz")
        folds = sorted(k for k in d.files if k.startswith("proba"))
        bcts = nlp_prior.fit_bcts(
            np.concatenate([d[k] for k in folds]), np.concatenate([d["y" + k[5:]] for k in folds])
        )
        print(f"BCTS fitted on the dev side's out-of-fold posts: T = {bcts[0]:.4f}, b = {bcts[1]:.4f}")
    rows = []
    for name in names:
        pairs = pd.read_parquet(work / name / "pairs.parquet")
        p = pairs["proba"].to_numpy()
        p = p[p > 0]
        true, lo, hi = _truth_of(name, pairs, work)
        for est, f in _estimators(bcts).items():
            est = est.replace("(other folds)", "(dev side or the model's)")
            rows.append((name, len(p), true, lo, hi, est, f(p, model.curve_)))
    return pd.DataFrame(rows, columns=["set", "posts", "true", "low", "high", "estimator", "estimate"])


def report(work: Path, sets: list[str]) -> None:
    started = time.monotonic()
    if (work / "dev.npz").exists():
        dev_err = report_dev(work)
        res = dev_err[dev_err["prior"] > 0].assign(abs=lambda x: x["error"].abs())
        table = res.pivot_table(index="estimator", columns="prior", values="abs", aggfunc="mean")
        table["MAE"] = res.groupby("estimator")["abs"].mean()
        table["bias"] = res.groupby("estimator")["error"].mean()
        own = dev_err[dev_err["prior"] < 0].groupby("estimator")["error"].apply(lambda e: e.abs().mean())
        table["held folds as they are (MAE)"] = own
        print(f"dev side: MAE of the prior, {SAMPLE} posts x {DRAWS} draws x 5 folds per share")
        print(table.sort_values("MAE").round(4).to_string())
    held_sets = [s for s in sets if (work / s / "pairs.parquet").exists()]
    if held_sets:
        h = report_held(work, held_sets)
        wide = h.pivot_table(index="estimator", columns="set", values="estimate", aggfunc="first")
        truth = h.groupby("set")[["posts", "true", "low", "high"]].first()
        print("\nheld-out exports: estimated share of parents among the window's relevant posts")
        print(truth.round(3).to_string())
        print(wide.round(3).to_string())
        err = (wide - truth["true"]).abs()
        wide["MAE vs true"] = err.mean(axis=1)
        print(wide["MAE vs true"].round(3).to_string())
    print(f"({time.monotonic() - started:.0f} s)")


def users(work: Path, names: list[str], priors: dict[str, dict[str, float]]) -> None:
    """User-level P/R/F1 (as bench/bench_users.py scores them) when the run tags each held-out
    export at each given prior: what a change of the prior estimate does to the admission."""
    from flows.tagging import read_tag_shards, tag_shard
    from tests.e2e.user_fixture import build_user_fixture, user_scores

    bench_users = importlib.util.spec_from_file_location("bench_users", REPO / "bench" / "bench_users.py")
    bu = importlib.util.module_from_spec(bench_users)
    bench_users.loader.exec_module(bu)
    segments = REPO / "data" / "segments"
    for name in names:
        _, as_of, days = SETS[name]
        posts = pd.concat(
            read_tag_shards(work / name / "warehouse.duckdb", as_of, days, 1), ignore_index=True
        )
        if name == "fixture":
            truth = build_user_fixture(DATA, work / name / "export")
        else:
            file = {"timelines": "mothers_users_timelines.csv", "santai": "mothers_users_santai.csv"}[name]
            truth = bu._labelled(REPO / "tests/data" / file, posts.groupby("user_id").size())
        for label, given in priors[name].items():
            started = time.monotonic()
            prior = _run_prior(posts, segments, given) if isinstance(given, str) else given
            members = set(tag_shard(posts, "mothers", segments, prior).tags["user_id"])
            row = user_scores(truth, members).loc["all"]
            print(
                f"{name}, prior {prior:.3f} ({label}): tagged {row['tagged']}, members {row['members']}, "
                f"P {row['precision']:.2f} R {row['recall']:.2f} F1 {row['f1']:.2f} "
                f"({time.monotonic() - started:.0f} s)",
                flush=True,
            )


def _run_prior(posts: pd.DataFrame, segments: Path, how: str) -> float:
    """The window's prior as the run estimates it (nlp.tagger.window_prior) with the shipped model:
    ``"run"`` as shipped (EM on its calibration), ``"bcts"`` through the model's prior
    recalibration (``decide(recalibrated=True)``)."""
    from flows.tagging import load_post_classifier
    from nlp.segments import load_segment
    from nlp.tagger import window_prior

    if how not in ("run", "bcts"):
        raise ValueError(f'a prior is a number, "run" or "bcts"; got {how!r}')
    seg = load_segment("mothers", segments)
    model = load_post_classifier(seg, segments)
    if how == "bcts":
        if getattr(model, "prior_recalibration_", None) is None:
            raise ValueError("the shipped model has no prior recalibration; retrain it (make model)")
        model = copy.deepcopy(model)
        model.decide = functools.partial(model.decide, recalibrated=True)  # as window_prior calls it
    value = window_prior(posts, seg, model)
    if value is None:
        raise ValueError("too few relevant posts in the window to estimate a prior; give a number")
    return value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["dev", "held", "report", "users"])
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-prior"))
    ap.add_argument("--sets", default="fixture,timelines,santai")
    ap.add_argument(
        "--priors",
        default="{}",
        help='users: JSON {set: {label: prior}}, e.g. {"fixture": {"EM": 0.127}}; a prior "run" is '
        'estimated as the run does with the shipped model, "bcts" the same through its prior recalibration',
    )
    args = ap.parse_args()
    if args.step == "dev":
        dev(args.work)
    elif args.step == "held":
        held(args.work, args.sets.split(","))
    elif args.step == "users":
        users(args.work, args.sets.split(","), json.loads(args.priors))
    else:
        report(args.work, args.sets.split(","))


if __name__ == "__main__":
    main()
