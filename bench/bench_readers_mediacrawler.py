"""Rows per second of the MediaCrawler readers on large generated exports (CSV, JSONL, JSON).

Writes the files exactly as MediaCrawler does (jsonl lines, one JSON array with indent=4, utf-8-sig
CSV from csv.DictWriter) into a temporary folder, then times ``read_mediacrawler`` on each (the
best of ``--repeat`` runs; the file is in the page cache) and, with ``--load``, the read plus the
load into a fresh warehouse file. ``--engine python`` times the row-oriented reference instead of
the SQL path (large clean Weibo files).

    .venv/bin/python bench/bench_readers_mediacrawler.py [--rows 300000] [--repeat 2] [--load]
        [--formats csv,jsonl,json] [--engine auto|python]

Goal (issue 3): ≥ 200,000 rows/s for CSV and JSONL on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import tempfile
import time
from pathlib import Path

from store.mediacrawler import read_mediacrawler
from store.warehouse import load_batch, open_warehouse

T0 = 1786680000
WORDS = [
    "宝宝",
    "今天",
    "辅食",
    "会走路了",
    "好开心",
    "推荐",
    "幼儿园",
    "妈妈们",
    "睡觉",
    "奶粉",
    "真的",
    "太可爱了",
    "打卡",
    "分享",
    "求助",
    "一岁半",
    "哈哈哈",
    "[笑cry]",
    "#育儿#",
    "周末",
]


def _text(rng: random.Random, names: list[str]) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
    r = rng.random()
    if r < 0.25:  # a repost with a //@ chain
        chain = "".join(f"//@{rng.choice(names)}:{rng.choice(WORDS)}" for _ in range(rng.randint(1, 3)))
        return rng.choice(WORDS) + chain
    if r < 0.45:
        return f"{words} @{rng.choice(names)}"
    return words


def weibo_contents(n: int, new: bool, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    names = [f"用户{i}" for i in range(5000)]
    rows = []
    for i in range(n):
        uid = rng.randrange(1_000_000_000, 1_000_200_000)
        ts = T0 + i
        item = {
            "note_id": str(5_000_000_000_000_000 + i),
            "content": _text(rng, names),
            "create_time": ts,
            "create_date_time": "2026-08-14 12:00:00+08:00",
            "liked_count": str(rng.randrange(500)),
            "comments_count": rng.choice(["0", "12", "1.2万"]),
            "shared_count": str(rng.randrange(50)),
            "last_modify_ts": 1786700000000,
            "note_url": f"https://m.weibo.cn/detail/{5 * 10**15 + i}",
        }
        if new:
            item |= {
                "creator_hash": hashlib.sha256(str(uid).encode()).hexdigest()[:16],
                "nickname": "多***夜",
            }
        else:
            item |= {
                "ip_location": "北京",
                "user_id": str(uid),
                "nickname": rng.choice(names),
                "gender": "f",
                "profile_url": f"https://m.weibo.cn/u/{uid}",
                "avatar": "https://tvax1.sinaimg.cn/a.jpg",
            }
        item["source_keyword"] = "育儿"
        rows.append(item)
    return rows


def weibo_comments(n: int, seed: int = 2) -> list[dict]:
    rng = random.Random(seed)
    names = [f"用户{i}" for i in range(5000)]
    rows = []
    for i in range(n):
        cid = str(6_000_000_000_000_000 + i)
        root = cid if i % 3 == 0 else str(6_000_000_000_000_000 + i - i % 3)
        uid = rng.randrange(1_000_000_000, 1_000_200_000)
        text = _text(rng, names) if root == cid else f"回复@{rng.choice(names)}:{rng.choice(WORDS)}"
        rows.append(
            {
                "comment_id": cid,
                "create_time": T0 + i,
                "create_date_time": "2026-08-14 12:00:00+08:00",
                "note_id": str(5_000_000_000_000_000 + i // 10),
                "content": text,
                "sub_comment_count": "0",
                "comment_like_count": str(rng.randrange(30)),
                "last_modify_ts": 1786700000000,
                "ip_location": "上海",
                "parent_comment_id": root,
                "user_id": str(uid),
                "nickname": rng.choice(names),
                "gender": "m",
                "profile_url": f"https://m.weibo.cn/u/{uid}",
                "avatar": "https://tvax1.sinaimg.cn/b.jpg",
            }
        )
    return rows


def write(folder: Path, fmt: str, kind: str, rows: list[dict]) -> Path:
    p = folder / "weibo" / fmt / f"search_{kind}_2026-08-14.{fmt}"
    p.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with open(p, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    elif fmt == "json":
        p.write_text(json.dumps(rows, ensure_ascii=False, indent=4), encoding="utf-8")
    else:
        with open(p, "w", newline="", encoding="utf-8-sig") as f:
            w = csv.DictWriter(f, fieldnames=rows[0].keys())
            w.writeheader()
            w.writerows(rows)
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--load", action="store_true", help="also time read + load into a warehouse")
    ap.add_argument("--formats", default="csv,jsonl,json")
    ap.add_argument("--engine", default="auto", choices=["auto", "python"])
    args = ap.parse_args()
    cases = {
        "weibo contents, old schema": ("contents", weibo_contents(args.rows, new=False)),
        "weibo contents, new schema": ("contents", weibo_contents(args.rows, new=True)),
        "weibo comments, old schema": ("comments", weibo_comments(args.rows)),
    }
    print(
        f"{'export':32} {'format':6} {'rows':>9} {'MB':>6} {'seconds':>8} {'rows/s':>10}  edges"
        + ("   read+load s  rows/s" if args.load else "")
    )
    with tempfile.TemporaryDirectory() as tmp:
        for label, (kind, rows) in cases.items():
            for fmt in args.formats.split(","):
                folder = Path(tmp) / label.replace(" ", "_").replace(",", "")
                path = write(folder, fmt, kind, rows)
                best = float("inf")
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    batch = read_mediacrawler(path, siblings=False, engine=args.engine)
                    best = min(best, time.perf_counter() - t)
                assert batch.rows_read == len(rows) and batch.quarantine.empty, batch.quarantine.head()
                mb = path.stat().st_size / 1e6
                line = (
                    f"{label:32} {fmt:6} {len(rows):>9,} {mb:>6.0f} {best:>8.2f} "
                    f"{len(rows) / best:>10,.0f}  {len(batch.interactions):,}"
                )
                if args.load:
                    both = float("inf")
                    for k in range(args.repeat):
                        db = Path(tmp) / f"w{k}.duckdb"
                        con = open_warehouse(db)
                        t = time.perf_counter()
                        report = load_batch(con, read_mediacrawler(path, siblings=False, engine=args.engine))
                        both = min(both, time.perf_counter() - t)
                        con.close()
                        db.unlink()
                    assert report.rows_read == len(rows)
                    line += f"   {both:>11.2f}  {len(rows) / both:>7,.0f}"
                print(line, flush=True)


if __name__ == "__main__":
    main()
