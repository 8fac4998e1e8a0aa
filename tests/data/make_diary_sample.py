"""Draw the candidate posts of mothers_diary.csv (labels were then added by reading each post).

Offline; run from the repo root: ``python tests/data/make_diary_sample.py ../shared/data /tmp/diary.csv``.
The pool: the non-reserved real posts (``nlp.corpora.load_real_corpora`` drops reserved rows; own
words non-empty, one row per own text) that pass the mothers prefilter and are in none of the
earlier labelled files (same id or same own words). Two strata (see tests/data/LABELS.md):

- ``long_first_person``: own words >= 40 characters and ``first_person_child``, or
  ``first_person`` with ``child_does`` / ``with_child`` (regexes of the segment's ``[features]``);
  all of them, in ``random.Random(20261207)`` order;
- ``child_narrative``: the rest with own words >= 20 characters and any of ``first_person_child``,
  ``child_does``, ``with_child``; ``random.Random(20261208)`` order, the first 260.

Near-duplicates (``difflib`` ratio > 0.7 of the own words without @mentions, [emoji], spaces and
punctuation, against every earlier kept row) are dropped when the file is written.

Example (the draw on a toy pool):
    >>> import pandas as pd
    >>> long_post = "我家儿子今天第一次自己穿鞋出门，磨蹭了二十分钟，我在门口一直等着他，心里又急又想笑"
    >>> pre = pd.DataFrame({"id": ["a:1", "a:2"], "own": [long_post, "股市"]})
    >>> [len(s) for s in draw(pre, set(), set())]
    [1, 0]
"""

from __future__ import annotations

import csv
import difflib
import random
import re
import sys
from pathlib import Path

import pandas as pd

from nlp.clean import clean_own_text
from nlp.corpora import load_real_corpora
from nlp.segments import load_segment

__all__ = ["draw", "near_duplicate_key"]

HERE = Path(__file__).resolve().parent
SEEN = [
    HERE / "mothers_gold.csv",
    HERE / "mothers_crawl.csv",
    HERE.parent / "nlp" / "mothers_labelled.csv",
    HERE / "mothers_base_rate_read.csv",
]


def draw(pre: pd.DataFrame, seen_own: set[str], seen_ids: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two strata, in draw order, from prefiltered rows ``id, own`` minus the seen ones."""
    f = dict(load_segment("mothers").features)
    pool = pre[~pre["own"].isin(seen_own) & ~pre["id"].isin(seen_ids)]
    n = pool["own"].str.len()
    fpc, fp, does, with_ = f["first_person_child"], f["first_person"], f["child_does"], f["with_child"]
    first = pool[
        (n >= 40)
        & pool["own"].map(
            lambda o: bool(fpc.search(o) or (fp.search(o) and (does.search(o) or with_.search(o))))
        )
    ]
    order = list(first.index)
    random.Random(20261207).shuffle(order)
    first = first.loc[order]
    rest = pool[~pool["id"].isin(set(first["id"])) & (n >= 20)]
    rest = rest[rest["own"].map(lambda o: bool(does.search(o) or with_.search(o) or fpc.search(o)))]
    order = list(rest.index)
    random.Random(20261208).shuffle(order)
    return first, rest.loc[order[:260]]


def near_duplicate_key(own: str) -> str:
    """Own words without @mentions, [emoji], spaces and punctuation (compared with difflib)."""
    return re.sub(r"@\S+|\[[^\]]*\]|[\s\W_]+", "", own)


def main(data_dir: str, out: str) -> None:
    seen_own, seen_ids = set(), set()
    for path in SEEN:
        with open(path, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                seen_own.add(clean_own_text(r["text"]))
                seen_ids.add(r["id"])
                if "source" in r and "row_key" in r:
                    seen_ids.add(f"{r['source']}:{r['row_key']}")
    corpus = load_real_corpora(data_dir)
    corpus["own"] = corpus["text"].map(clean_own_text)
    corpus = corpus[corpus["own"] != ""].drop_duplicates("own")
    rx = load_segment("mothers").prefilter
    pre = corpus[corpus["own"].map(lambda o: bool(rx.search(o)))]
    kept: list[str] = []
    rows = []
    for stratum, part in zip(
        ("long_first_person", "child_narrative"), draw(pre, seen_own, seen_ids), strict=True
    ):
        for r in part.itertuples():
            key = near_duplicate_key(r.own)
            if any(difflib.SequenceMatcher(None, key, k).ratio() > 0.7 for k in kept):
                continue
            kept.append(key)
            rows.append({"id": r.id, "stratum": stratum, "text": r.text})
    pd.DataFrame(rows).to_csv(out, index=False)
    print(f"{len(rows)} rows written to {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
