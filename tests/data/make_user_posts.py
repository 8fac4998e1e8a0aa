"""Write mothers_user_posts.csv: post labels that follow from the hand-labelled USERS of two real exports.

Run from the repository root: ``python tests/data/make_user_posts.py`` (reads ../shared/data, or
TAJIAN_REAL_DATA). The user labels are in ``mothers_users_timelines.csv`` (dataabc/weibo-crawler
timelines, 286 users) and ``mothers_users_santai.csv`` (the weibo-search 三胎 crawl, 153 users); see
LABELS.md. A user labelled 0 has no post about their own child, so every post of theirs that
passes the segment's prefilter is a negative (fans, news comments, policy talk: the hard negatives
of real exports). A parent's positives are the posts that showed it: ``evidence_posts`` for the
timelines; for the crawl, the one prefiltered post of a parent who has exactly one (parents with
more are left out: which post showed it was not recorded). Users marked unsure are left out.

Ids are ``wcu-<user>/<post>`` and ``s3u-<user>/<post>``: :func:`nlp.corpora.gold_groups` keeps a
user's posts together, so the dev/test split (``split_gold_files``) is a split of users.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from nlp.segments import load_segment  # the installed package (make installs the repo editable)

REPO = Path(__file__).resolve().parents[2]

HERE = Path(__file__).resolve().parent
COLUMNS = ["id", "source", "row_key", "stratum", "text", "label", "notes"]


def _timeline_rows(exports: Path, prefilter) -> list[dict]:
    users = pd.read_csv(HERE / "mothers_users_timelines.csv", dtype=str, keep_default_na=False)
    rows = []
    for u in users.itertuples():
        if u.unsure == "1" or u.kind == "no child word":
            continue
        (path,) = (exports / "weibo-crawler/weibo").glob(f"*/{u.user_id}.csv")
        with open(path, encoding="utf-8-sig", newline="") as fh:
            posts = list(csv.DictReader(fh))
        evidence = set(u.evidence_posts.split())
        for p in posts:
            text = p["正文"] or ""
            if u.label == "1" and p["id"] not in evidence:
                continue
            if u.label == "0" and not prefilter.search(text):
                continue
            rows.append(
                {
                    "id": f"wcu-{u.user_id}/{p['id']}",
                    "source": "weibo-crawler",
                    "row_key": f"{u.user_id}/{p['id']}",
                    "stratum": f"user {u.kind}",
                    "text": text,
                    "label": u.label,
                    "notes": "evidence post of a parent" if u.label == "1" else f"user labelled 0 ({u.kind})",
                }
            )
    return rows


def _santai_rows(exports: Path, prefilter) -> list[dict]:
    users = pd.read_csv(HERE / "mothers_users_santai.csv", dtype=str, keep_default_na=False)
    users = users[~users["notes"].str.startswith("unsure")]
    crawl = pd.read_csv(exports / "weibo-search/结果文件/三胎/三胎.csv", dtype=str, keep_default_na=False)
    crawl = crawl[crawl["微博正文"].map(lambda t: bool(prefilter.search(t)))]
    rows = []
    for u in users.itertuples():
        posts = crawl[crawl["user_id"] == u.user_id].drop_duplicates("微博正文")
        if u.label == "1" and len(posts) != 1:
            continue
        for p in posts.itertuples():
            rows.append(
                {
                    "id": f"s3u-{u.user_id}/{p.id}",
                    "source": "weibo-search 三胎",
                    "row_key": f"{u.user_id}/{p.id}",
                    "stratum": f"user {u.drawn_as}",
                    "text": p.微博正文,
                    "label": u.label,
                    "notes": "the one prefiltered post of a parent" if u.label == "1" else "user labelled 0",
                }
            )
    return rows


def main() -> None:
    data = Path(os.environ.get("TAJIAN_REAL_DATA", REPO.parent / "shared" / "data"))
    exports = data / "real-exports"
    prefilter = load_segment("mothers").prefilter
    rows = _timeline_rows(exports, prefilter) + _santai_rows(exports, prefilter)
    out = pd.DataFrame(rows, columns=COLUMNS).drop_duplicates("id")
    out.to_csv(HERE / "mothers_user_posts.csv", index=False)
    print(f"{len(out)} posts, {int((out['label'] == '1').sum())} positive")


if __name__ == "__main__":
    main()
