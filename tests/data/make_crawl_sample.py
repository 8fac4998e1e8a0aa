"""Draw the (unlabelled) sample behind tests/data/mothers_crawl.csv: a keyword-crawl-like mix.

Offline, deterministic: python tests/data/make_crawl_sample.py [DATA_DIR] [OUT_CSV]
DATA_DIR defaults to $TAJIAN_REAL_DATA or ../shared/data. Writes
id,source,row_key,stratum,length_band,text,context (labels were then added by hand, by reading
each post; see LABELS.md). ``context`` is the CED cascade's source post for a CED reply (empty when
that source post is reserved: it is never read), shown to the reader as the thread's topic.

Unlike mothers_gold.csv, whose strata were lexical nets aimed at first-person parent posts, this set
is drawn the way a brand's keyword crawl draws posts: every post whose own words hold ANY child,
pregnancy or parenting word (``CRAWL``), stratified by source and by the length of the own words,
plus one stratum from a parenting-keyword crawl (``PARENTING``: the words a baby-products brand
would search for). Rows already in mothers_gold.csv or tests/nlp/mothers_labelled.csv (same id,
same own words or same loose key) and every row of reserved.csv are removed before any draw.
"""

import csv
import os
import random
import re
import sys
from pathlib import Path

# run as a script, this folder is first on sys.path: the sibling module imports as it is
import make_gold_sample as gold  # load, own, norm, loose_key: one definition each

csv.field_size_limit(10**9)
SEED = 20261206
DATA = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TAJIAN_REAL_DATA", "../shared/data")
OUT = sys.argv[2] if len(sys.argv) > 2 else "/tmp/gold2/sample.csv"
HERE = Path(__file__).resolve().parent

#: any child, pregnancy or parenting word: what a broad keyword crawl for "parents" would match
CRAWL = re.compile(
    "宝宝|宝贝|孩子|儿子|女儿|闺女|娃|小朋友|小孩|小家伙|婴儿|幼儿|新生儿|怀孕|孕|胎|预产期|产检|月子|顺产|"
    "剖腹|剖宫|妈妈|麻麻|妈咪|爸比|当妈|当爹|奶粉|尿布|尿不湿|纸尿裤|辅食|喂奶|母乳|哺乳|吸奶|夜奶|幼儿园|"
    "早教|亲子|育儿|带娃|遛娃|满月|百天|周岁|大宝|二宝|小宝|儿童|家长|上学|放学|作业"
)
#: the words a baby-products brand would crawl for (stratum "parenting_crawl")
PARENTING = re.compile(
    "宝宝|辅食|奶粉|纸尿裤|尿不湿|尿布|怀孕|孕期|孕妇|产检|月子|母乳|喂奶|带娃|早教|幼儿园|宝妈|育儿|亲子|"
    "满月|百天|周岁|二胎"
)
#: length of the own words (loose key: no mentions, emoji, spaces, punctuation)
BANDS = (("short", 0, 12), ("medium", 12, 40), ("long", 40, 10**9))
#: (stratum, source, band or None = every band, quota); drawn in this order, 10**9 = all
QUOTAS = (
    ("parenting_crawl", "ced_repost", None, 150),
    ("crawl", "weibo_senti_100k", None, 10**9),
    ("crawl", "weiboNER", None, 10**9),
    ("crawl", "ced_original", None, 60),
    ("crawl", "ced_repost", "long", 250),
    ("crawl", "ced_repost", "medium", 230),
    ("crawl", "ced_repost", "short", 150),
)


def band_of(text: str) -> str:
    n = len(gold.loose_key(text))
    return next(name for name, lo, hi in BANDS if lo <= n < hi)


def _taken(path: Path) -> tuple[set[str], set[str], set[str]]:
    """ids, own texts and loose keys of an already-labelled file (ids in either id style)."""
    ids, texts, loose = set(), set(), set()
    if not path.is_file():
        return ids, texts, loose
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            ids.add(r["id"])
            if r.get("source") and r.get("row_key"):
                ids.add(f"{r['source']}:{r['row_key']}")
            texts.add(gold.norm(r["text"]))
            if gold.loose_key(r["text"]):
                loose.add(gold.loose_key(r["text"]))
    return ids, texts, loose


def main() -> None:
    with open(f"{DATA}/reserved.csv", encoding="utf-8") as f:
        reserved = {(r["source"], r["row_id"]) for r in csv.DictReader(f)}
    ids, texts, loose = set(), set(), set()
    for path in (HERE / "mothers_gold.csv", HERE.parent / "nlp" / "mothers_labelled.csv"):
        a, b, c = _taken(path)
        ids |= a
        texts |= b
        loose |= c
    rows = [
        r
        for r in gold.load(DATA)
        if (r[0], r[1]) not in reserved
        and gold.own(r[3])
        and CRAWL.search(gold.own(r[3]))
        and r[2] not in ids
        and f"{r[0]}:{r[1]}" not in ids
        and gold.norm(r[3]) not in texts
        and gold.loose_key(r[3]) not in loose
    ]
    with open(f"{DATA}/ced/ced_original.csv", encoding="utf-8") as f:
        source_post = {
            r["cascade"]: r["text"]
            for r in csv.DictReader(f)
            if ("ced_original", r["cascade"]) not in reserved
        }
    rng = random.Random(SEED)
    seen_loose: set[str] = set()
    out = []
    for stratum, src, band, quota in QUOTAS:
        net = PARENTING if stratum == "parenting_crawl" else CRAWL
        pool = [
            r
            for r in rows
            if r[0] == src and net.search(gold.own(r[3])) and (band is None or band_of(r[3]) == band)
        ]
        rng.shuffle(pool)
        took = 0
        for r in pool:
            if took >= quota:
                break
            key = gold.loose_key(r[3]) or r[2]
            if key in seen_loose:  # dedupe by own words (also near-duplicates: tags, emoji)
                continue
            seen_loose.add(key)
            context = source_post.get(r[1].split("/")[0], "") if r[0] == "ced_repost" else ""
            out.append((r[2], r[0], r[1], stratum, band_of(r[3]), r[3], context))
            took += 1
    if any((s, k) in reserved for _, s, k, *_ in out):
        raise SystemExit("a reserved row was drawn: refusing to write")
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "source", "row_key", "stratum", "length_band", "text", "context"])
        w.writerows(out)
    print(len(out), "rows ->", OUT)


if __name__ == "__main__":
    main()
