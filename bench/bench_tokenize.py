"""Speed of cleaning + tokenising real Weibo posts: jieba (the reference) vs rjieba (run time), and OpenCC.

Reads the real posts of ../shared/data/weibo_senti_100k (or ``TAJIAN_REAL_DATA``; reserved rows left
out), repeats them until the raw text reaches ``--mb`` megabytes (UTF-8), then times on one core:

- ``clean``: ``nlp.clean.clean_own_text`` (chain split, URLs, emoji, NFKC, OpenCC t2s);
- ``t2s``: OpenCC traditional → simplified alone, over the cleaned own texts;
- ``tokenize``: jieba 0.42 and rjieba (``nlp.tokenize.tokenize``) over the cleaned own texts,
  both with the same user dictionary;
- ``clean+tokenize``: the two together, per backend (what the tagger pays per post).

MB are megabytes (10^6 bytes) of UTF-8 input to the stage; rates are per CPU-second
(``time.process_time``), so a busy machine slows the wall clock more than the figures. Building the
tokenizers (dictionary load) is timed separately. Usage::

    .venv/bin/python bench/bench_tokenize.py [--mb 20] [--dictionary mothers] [--no-jieba]
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from nlp.clean import clean_own_text, to_simplified
from nlp.tokenize import dictionary_path, tokenize

ROOT = Path(__file__).resolve().parents[1]

_WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def real_posts(data_dir: Path) -> list[str]:
    """Texts of the non-reserved weibo_senti_100k rows (dev and test)."""
    if not (data_dir / "weibo_senti_100k").is_dir():
        raise SystemExit(
            f"real data not found: expected {data_dir / 'weibo_senti_100k'}; set TAJIAN_REAL_DATA "
            f"to the folder holding weibo_senti_100k/ and reserved.csv"
        )
    with open(data_dir / "reserved.csv", encoding="utf-8", newline="") as f:
        reserved = {r["row_id"] for r in csv.DictReader(f) if r["source"] == "weibo_senti_100k"}
    texts = []
    for split in ("dev", "test"):
        with open(data_dir / "weibo_senti_100k" / f"{split}.csv", encoding="utf-8") as f:
            next(f)
            for i, line in enumerate(f):
                if f"{split}-{i}" not in reserved:
                    texts.append(line.rstrip("\n").partition("\t")[2])
    return texts


def repeat_to(texts: list[str], megabytes: float) -> list[str]:
    """``texts`` repeated (in order) until their UTF-8 size reaches ``megabytes``."""
    out, size, target = [], 0, megabytes * 1e6
    while size < target:
        for t in texts:
            out.append(t)
            size += len(t.encode("utf-8"))
            if size >= target:
                break
    return out


def mb(texts: list[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def jieba_tokenizer(dictionary: str | None):
    """jieba 0.42 loaded the way tests/nlp/test_tokenize.py's reference loads it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    if dictionary:
        lines = dictionary_path(dictionary).read_text(encoding="utf-8-sig").splitlines()
        kept = "\n".join(ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#"))
        tk.load_userdict(io.StringIO(kept))
    return tk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=20.0, help="raw text to process, in MB (default 20)")
    ap.add_argument("--dictionary", default="mothers", help="user dictionary (default mothers; '' for none)")
    ap.add_argument("--no-jieba", action="store_true", help="skip the (slow) jieba reference")
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("TAJIAN_REAL_DATA", ROOT.parent / "shared" / "data"))
    )
    args = ap.parse_args()
    dictionary = args.dictionary or None

    base = real_posts(args.data)
    raw = repeat_to(base, args.mb)
    print(f"{len(base):,} distinct real posts, repeated to {len(raw):,} posts = {mb(raw):.1f} MB raw text")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; CPU-s = time.process_time")

    rows: list[tuple[str, str, int, float, float, float]] = []

    def record(stage: str, backend: str, n: int, megabytes: float, cpu: float, wall: float) -> None:
        rows.append((stage, backend, n, megabytes, cpu, wall))

    own: list[str] = []
    cpu, wall = timed(lambda: own.extend(clean_own_text(t) for t in raw))
    record("clean", "nlp.clean (+OpenCC)", len(raw), mb(raw), cpu, wall)
    own = [o for o in own if o]
    own_mb = mb(own)

    cpu, wall = timed(lambda: [to_simplified(o) for o in own])
    record("t2s", "OpenCC (native)", len(own), own_mb, cpu, wall)

    cpu, wall = timed(lambda: tokenize("预热", dictionary))  # builds the rjieba instance
    print(f"rjieba: building the tokenizer (dictionary {dictionary}) took {cpu:.2f} CPU-s")
    cpu, wall = timed(lambda: [tokenize(o, dictionary) for o in own])
    record("tokenize", "rjieba", len(own), own_mb, cpu, wall)
    rj_tok_cpu, rj_tok_wall = cpu, wall

    jb_tok_cpu = jb_tok_wall = None
    if not args.no_jieba:
        tk = None

        def build() -> None:
            nonlocal tk
            tk = jieba_tokenizer(dictionary)

        cpu, wall = timed(build)
        print(f"jieba: building the tokenizer (dictionary {dictionary}) took {cpu:.2f} CPU-s")
        cut = tk.lcut
        cpu, wall = timed(lambda: [[w for w in cut(o) if _WORDLIKE.search(w)] for o in own])
        record("tokenize", "jieba 0.42", len(own), own_mb, cpu, wall)
        jb_tok_cpu, jb_tok_wall = cpu, wall

    clean_cpu, clean_wall = rows[0][4], rows[0][5]
    record("clean+tokenize", "rjieba", len(raw), mb(raw), clean_cpu + rj_tok_cpu, clean_wall + rj_tok_wall)
    if jb_tok_cpu is not None:
        record(
            "clean+tokenize",
            "jieba 0.42",
            len(raw),
            mb(raw),
            clean_cpu + jb_tok_cpu,
            clean_wall + jb_tok_wall,
        )

    print()
    print(
        f"{'stage':<15} {'backend':<20} {'posts':>10} {'MB':>7} {'CPU-s':>7} {'wall-s':>7} "
        f"{'MB/CPU-s':>9} {'posts/CPU-s':>12}"
    )
    for stage, backend, n, megabytes, cpu, wall in rows:
        print(
            f"{stage:<15} {backend:<20} {n:>10,} {megabytes:>7.1f} {cpu:>7.2f} {wall:>7.2f} "
            f"{megabytes / cpu:>9.1f} {n / cpu:>12,.0f}"
        )
    if jb_tok_cpu is not None:
        print(f"\nrjieba tokenize speed-up over jieba: {jb_tok_cpu / rj_tok_cpu:.1f}x (CPU)")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
