"""User-level tagging quality, the way Tajian is used: real exports through `tajian ingest` + `tajian run`.

Three sets of users, each scored per activity band (posts in the window: 1-3, 4-29, 30+) beside
the keyword-regex baseline (anyone with a post whose own words hold a child word):

* ``fixture`` — tests/e2e/user_fixture.py: held-out hand-labelled posts given to made-up users in a
  weibo-search export (what tests/e2e/test_user_level.py checks with floors);
* ``timelines`` — the real weibo-crawler export (286 users' timelines 2019-01 … 2021-05 and their
  profiles), labelled per user in tests/data/mothers_users_timelines.csv; run over the whole
  timeline (``--as-of 2021-05-31 --window-days 900``);
* ``santai`` — the real weibo-search 三胎 crawl, 153 users labelled in
  tests/data/mothers_users_santai.csv (the rest of its 2,421 users are not labelled, so only
  these are scored: recall is over the labelled parents).

Unsure labels count as their best guess. Seeds: the share of the run's seeds that are true members
(and not shops); the confirmed members (``user_tags.confirmed_by``: a first-person post or the
profile), the pool the seeds are drawn from, scored like the members. Prints one table per set;
the figures go in bench/RESULTS.md by hand.

Usage: python bench/bench_users.py [--keep DIR] [--sets fixture,timelines,santai]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from tests.e2e.user_fixture import activity_band, build_user_fixture, regex_members_of, user_scores

REPO = Path(__file__).resolve().parents[1]

DATA = Path(os.environ.get("TAJIAN_REAL_DATA", REPO.parent / "shared" / "data"))
EXPORTS = DATA / "real-exports"
TAJIAN = [sys.executable, "-m", "flows.cli"]
#: the real exports with labelled users: export folder, as-of, window days, labels, title
LABELLED_SETS = {
    "timelines": (
        "weibo-crawler",
        "2021-05-31",
        "900",
        "mothers_users_timelines.csv",
        "timelines (real weibo-crawler export)",
    ),
    "santai": (
        "weibo-search",
        "2021-06-20",
        "30",
        "mothers_users_santai.csv",
        "santai (real weibo-search 三胎 crawl, labelled users only)",
    ),
}


def _tajian(*args: str) -> None:
    started = time.monotonic()
    done = subprocess.run([*TAJIAN, *args], cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"tajian {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    print(f"  tajian {args[0]}: {time.monotonic() - started:.0f} s", flush=True)


class Outcome(NamedTuple):
    """What one run of a set gave: its members, the confirmed ones, seeds, funnel and posts."""

    members: set[str]
    confirmed: set[str]
    seeds: list[str]
    funnel: dict
    posts: pd.DataFrame


def _run(export: Path, work: Path, *run_args: str) -> Outcome:
    import duckdb

    wh = work / "warehouse.duckdb"
    _tajian("ingest", str(export), "--warehouse", str(wh))
    _tajian("run", "--segment", "mothers", "--warehouse", str(wh), "--out-dir", str(work / "out"), *run_args)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        run_id = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
        tags = con.execute(
            "SELECT user_id, business, confirmed_by FROM user_tags WHERE run_id = ?", [run_id]
        ).df()
        seeds = [r[0] for r in con.execute("SELECT user_id FROM seeds WHERE run_id = ?", [run_id]).fetchall()]
        funnel = con.execute("SELECT * FROM tag_funnels WHERE run_id = ?", [run_id]).df()
        posts = con.execute("SELECT user_id, text FROM posts").df()
    finally:
        con.close()
    confirmed = set(tags.loc[tags["confirmed_by"].isin(["post", "profile", "segment"]), "user_id"])
    return Outcome(
        set(tags["user_id"]), confirmed, seeds, funnel.iloc[0].to_dict() if len(funnel) else {}, posts
    )


def _report(name: str, truth: pd.DataFrame, run: Outcome) -> None:
    members, confirmed, seeds, funnel, posts = run
    ours = user_scores(truth, members)
    base = user_scores(truth, regex_members_of(posts))
    table = ours[["tagged", "members", "precision", "recall", "f1"]].join(
        base[["tagged", "precision", "recall", "f1"]], rsuffix=" (regex)"
    )
    member = dict(zip(truth["user_id"], truth["member"], strict=True))
    labelled = [s for s in seeds if s in member]
    good = sum(bool(member[s]) for s in labelled)
    print(f"\n== {name}: {len(truth)} users, {int(truth['member'].sum())} members")
    print(table.round(2).to_string())
    pool = user_scores(truth, confirmed).loc["all"]
    print(
        f"confirmed members (the seed pool): {int(pool['tagged'])}, precision {pool['precision']:.2f}, "
        f"recall {pool['recall']:.2f}"
    )
    print(f"seeds: {len(seeds)}; labelled {len(labelled)}; true members {good}")
    keep = ("n_posts", "n_relevant", "n_positive_posts", "n_authors", "n_members", "prior", "threshold")
    print("funnel:", json.dumps({k: funnel.get(k) for k in keep}, default=str))


def _labelled(path: Path, posts_per_user: pd.Series) -> pd.DataFrame:
    lab = pd.read_csv(path, dtype=str, keep_default_na=False)
    n = posts_per_user.reindex(lab["user_id"]).fillna(0).astype(int).to_numpy()
    return pd.DataFrame(
        {
            "user_id": lab["user_id"],
            "member": lab["label"] == "1",
            "band": [activity_band(max(1, x)) for x in n],
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, default=None, help="keep the warehouses and outputs here")
    ap.add_argument("--sets", default="fixture,timelines,santai")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-users-"))
    sets = args.sets.split(",")
    if "fixture" in sets:
        work = root / "fixture"
        truth = build_user_fixture(DATA, work / "export")
        run = _run(work / "export", work, "--k", "20", "--seed", "7")
        _report("fixture (weibo-search layout, held-out gold posts)", truth, run)
    for name, (export, as_of, days, labels, title) in LABELLED_SETS.items():
        if name in sets:
            args = ("--as-of", as_of, "--window-days", days, "--k", "20")
            run = _run(EXPORTS / export, root / name, *args)
            truth = _labelled(REPO / "tests/data" / labels, run.posts.groupby("user_id").size())
            _report(title, truth, run)
    print(f"\nwork folder: {root}")


if __name__ == "__main__":
    main()
