"""The mothers tagger on real Weibo posts (../shared/data; see its README).

``mothers_labelled.csv`` holds real, non-reserved posts from weibo_senti_100k, weiboNER and the
CED repost comments, labelled by hand (1 = the author speaks as a parent of their own child, of
their pregnancy or of their parenting). The lexicon was tuned while looking at these rows, so the
accuracy test below is a regression guard, not an evaluation; quality figures come from the
reserved rows, which nothing here reads except to check they were not used.
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import binom

from nlp.clean import clean_own_text
from nlp.post_rules import score_own_text, score_post
from nlp.segments import SegmentDefinition, load_segment
from nlp.tagger import RULES, TAG_COLUMNS, tag_users

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LABELLED = HERE / "mothers_labelled.csv"


@pytest.fixture(scope="module")
def mothers() -> SegmentDefinition:
    return load_segment("mothers")


@pytest.fixture(scope="module")
def real_data() -> Path:
    folder = Path(os.environ.get("TAJIAN_REAL_DATA", REPO.parent / "shared" / "data"))
    if not (folder / "reserved.csv").is_file():
        message = f"real data not found in {folder} (set TAJIAN_REAL_DATA)"
        if os.environ.get("TAJIAN_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return folder


def reserved_keys(folder: Path) -> set[str]:
    with open(folder / "reserved.csv", encoding="utf-8", newline="") as f:
        return {f"{row['source']}:{row['row_id']}" for row in csv.DictReader(f)}


def read_senti(folder: Path, split: str) -> list[tuple[str, str]]:
    """(row key, text) for each data row of a weibo_senti_100k split."""
    rows = []
    with open(folder / "weibo_senti_100k" / f"{split}.csv", encoding="utf-8") as f:
        next(f)
        for i, line in enumerate(f):
            rows.append((f"weibo_senti_100k:{split}-{i}", line.rstrip("\n").partition("\t")[2]))
    return rows


def labelled() -> pd.DataFrame:
    df = pd.read_csv(LABELLED, dtype=str, keep_default_na=False)
    df["label"] = df["label"].astype(int)
    return df


def test_labelled_posts(mothers: SegmentDefinition) -> None:
    df = labelled()
    assert len(df) >= 100 and df["id"].is_unique
    pred = [score_post(t, mothers).positive for t in df["text"]]
    truth = df["label"].astype(bool).tolist()
    tp = sum(p and t for p, t in zip(pred, truth, strict=True))
    fp = sum(p and not t for p, t in zip(pred, truth, strict=True))
    fn = sum(t and not p for p, t in zip(pred, truth, strict=True))
    accuracy = sum(p == t for p, t in zip(pred, truth, strict=True)) / len(df)
    print(f"labelled: n={len(df)} accuracy={accuracy:.3f} tp={tp} fp={fp} fn={fn}")
    assert accuracy >= 0.8
    assert tp / (tp + fp) >= 0.65
    assert tp / (tp + fn) >= 0.8


@pytest.mark.real_data
def test_labelled_rows_are_not_reserved(real_data: Path) -> None:
    used = set(labelled()["id"])
    assert not used & reserved_keys(real_data)


@pytest.mark.real_data
def test_positive_share_is_small(real_data: Path, mothers: SegmentDefinition) -> None:
    reserved = reserved_keys(real_data)
    rows = [r for r in read_senti(real_data, "dev") if r[0] not in reserved]
    assert len(rows) > 11_000
    positives = [(key, text) for key, text in rows if score_post(text, mothers).positive]
    share = len(positives) / len(rows)
    print(f"weibo_senti_100k dev: {len(positives)} of {len(rows)} positive ({share:.2%})")
    for key, text in positives[:10]:
        print(" ", key, text[:80])
    assert share < 0.05


@pytest.mark.real_data
def test_tag_users_on_real_reposts(real_data: Path, mothers: SegmentDefinition) -> None:
    reserved = reserved_keys(real_data)
    raw = pd.read_csv(
        real_data / "ced" / "ced_reposts.csv",
        dtype=str,
        usecols=["cascade", "mid", "uid", "date", "text"],
        nrows=30_000,
        keep_default_na=False,
    )
    raw = raw[~("ced_repost:" + raw["cascade"] + "/" + raw["mid"]).isin(reserved)]
    posts = pd.DataFrame(
        {
            "post_id": raw["mid"],
            "user_id": raw["uid"],
            "created_at": pd.to_datetime(raw["date"], errors="coerce").dt.tz_localize("Asia/Shanghai"),
            "text": raw["text"].where(raw["text"] != "", None),
        }
    )
    started = time.perf_counter()
    result = tag_users(posts, mothers)
    elapsed = time.perf_counter() - started
    tags, funnel = result.tags, result.funnel
    print(f"tag_users: {len(posts)} posts in {elapsed:.2f} s, {len(tags)} members; {funnel}")
    assert list(tags.columns) == list(TAG_COLUMNS)
    assert tags["score"].between(0, 1).all()
    # without profiles every member is admitted by its posts: h >= 1 and beyond chance, with n
    # its posts passing the prefilter (positive ones included), worked out here again
    assert set(tags["rule"]) <= {"posts"} and (tags["n_hits"] >= 1).all()
    own = posts.drop_duplicates("post_id").assign(own=lambda d: d["text"].map(clean_own_text))
    own = own[own["user_id"].isin(tags["user_id"])]
    own["relevant"] = own["own"].map(
        lambda o: bool(o) and (mothers.prefilter.search(o) is not None or score_own_text(o, mothers).positive)
    )
    n_relevant = own.groupby("user_id")["relevant"].sum()
    for row in tags.itertuples():
        n = int(n_relevant[row.user_id])
        assert binom.sf(row.n_hits - 1, n, mothers.chance_rate) <= mothers.max_chance, row.user_id
    assert funnel.n_members == len(tags) == sum(dict(funnel.by_rule).values())
    assert [r for r, _ in funnel.by_rule] == list(RULES)
    assert funnel.n_positive_posts <= funnel.n_relevant <= funnel.n_posts <= posts["post_id"].nunique()
    assert funnel.n_authors >= funnel.n_members and funnel.chance_rate == mothers.chance_rate
    assert elapsed < 30
