"""Training and evaluation data of the post classifiers: post CSVs, gold labels, the real corpora.

- :func:`read_posts_csv` reads a CSV of posts (UTF-8, UTF-8 with BOM or GB18030) as strings.
- :func:`read_gold` reads analyst gold labels (``id, text, label``); :func:`gold_split` splits
  them once into dev and test halves, by thread (:func:`gold_groups`), with
  :data:`GOLD_SPLIT_SEED`.
- :func:`load_real_corpora` reads every real post text of the shared data folder
  (weibo_senti_100k, weiboNER, CED) minus the reserved rows; :func:`ced_source_texts` finds the
  context (the source post) of CED reposts and replies.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from nlp.clean import clean_own_text

__all__ = [
    "GOLD_SPLIT_SEED",
    "ced_source_texts",
    "dev_only",
    "gold_groups",
    "gold_split",
    "load_real_corpora",
    "read_gold",
    "read_posts_csv",
    "split_gold_files",
]

#: Seed of :func:`gold_split` (the one dev/test split of a gold set).
GOLD_SPLIT_SEED = 20261122


def _read_csv_any(path: Path) -> pd.DataFrame:
    """Read a CSV as strings: UTF-8 (with or without BOM), else GB18030."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            raise ValueError(f"{path}: the file is empty; expected a CSV with a header row") from None
        except pd.errors.ParserError as exc:
            raise ValueError(f"{path}: not a readable CSV ({exc})") from None
    raise ValueError(f"{path}: not UTF-8 or GB18030 text; save it as UTF-8 CSV")


def read_posts_csv(
    path: str | Path, columns: list[str], fix: str = "name them with --id-column/--text-column"
) -> pd.DataFrame:
    """Read a CSV of posts (UTF-8, UTF-8 with BOM or GB18030) as strings; check ``columns``.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.csv"
        >>> _ = p.write_text("id,text\\n1,宝宝夜奶\\n", encoding="utf-8-sig")
        >>> read_posts_csv(p, ["id", "text"]).values.tolist()
        [['1', '宝宝夜奶']]
    """
    path = Path(path)
    df = _read_csv_any(path)
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}, got "
            f"{', '.join(df.columns) or 'no columns'} ({fix})"
        )
    return df


def read_gold(path: str | Path) -> pd.DataFrame:
    """Gold labels: a CSV with columns ``id, text, label`` (label 0 or 1; other columns kept).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
        >>> _ = p.write_text("id,text,label\\na,我家宝宝会走了,1\\nb,股市,0\\n", encoding="utf-8")
        >>> read_gold(p)["label"].tolist()
        [1, 0]
    """
    path = Path(path)
    df = read_posts_csv(path, ["id", "text", "label"], fix="rename the file's header row to id,text,label")
    labels = df["label"].str.strip()
    bad = df.index[~labels.isin(["0", "1"])]
    if len(bad):
        i = int(bad[0])
        raise ValueError(
            f"{path}: label must be 0 or 1; got {df['label'].iloc[i]!r} on data row {i + 1} "
            f"(id {df['id'].iloc[i]!r}) and {len(bad) - 1} more"
        )
    df["label"] = labels.astype(np.int64)
    dup = df["id"][df["id"].duplicated()]
    if len(dup):
        raise ValueError(f"{path}: ids must be unique; {dup.iloc[0]!r} appears more than once")
    return df.reset_index(drop=True)


def gold_groups(ids: Iterable[str]) -> pd.Series:
    """The group of each gold id: the replies of one CED cascade (ids ``ced-r-<cascade>/<mid>`` as
    in the gold files, or ``ced_repost:<cascade>/<mid>`` as in :func:`load_real_corpora`) share one,
    so do the posts of one labelled user (``wcu-<user>/<post>``, ``s3u-<user>/<post>``: see
    tests/data/make_user_posts.py); any other post is a group of its own. Replies in one thread
    share their source post, their topic and often their words, and a user's posts share their
    author, so a split must keep each thread and each user on one side.

    >>> gold_groups(["ced-r-12_AbC_9/m1", "ced_repost:12_AbC_9/m2", "senti-test-5", "wcu-7/1"]).tolist()
    ['ced:12_AbC_9', 'ced:12_AbC_9', 'senti-test-5', 'wcu:7']
    """
    s = pd.Series(list(ids), dtype=object).astype(str)
    thread = s.str.extract(r"^(?:ced-r-|ced_repost:)([^/]+)/", expand=False)
    user = s.str.extract(r"^(wcu|s3u)-([^/]+)/", expand=True)
    out = ("ced:" + thread).where(thread.notna(), s)
    return (user[0] + ":" + user[1]).where(user[0].notna(), out)


def gold_split(gold: pd.DataFrame, seed: int = GOLD_SPLIT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split gold labels once into (dev, test) halves, by thread (:func:`gold_groups`: every
    reply of a CED cascade on the same side), balanced in positives and in rows.

    Threads are taken in the order of a hash of ``seed`` and their group, so the split does not
    depend on the file's row order; each goes to the half with fewer positives (a thread with
    a positive) or fewer negatives (one without), dev on ties. Adding rows can move a few threads,
    so retrain (``make model``) after adding gold rows, which the model's sidecar check enforces.

    Example:
        >>> g = pd.DataFrame({"id": list("abcdefgh"), "text": list("abcdefgh"), "label": [0, 1] * 4})
        >>> dev, test = gold_split(g)
        >>> len(dev), len(test), sorted(dev["label"].tolist())
        (4, 4, [0, 0, 1, 1])
    """
    group = gold_groups(gold["id"]).to_numpy()
    label = gold["label"].astype(int).to_numpy()
    stats = pd.DataFrame({"group": group, "pos": label, "rows": 1}).groupby("group").sum()
    stats["key"] = [hashlib.sha256(f"{seed}:{g}".encode()).hexdigest() for g in stats.index]
    pos, neg = [0, 0], [0, 0]
    in_dev: set[str] = set()
    for g, n_pos, n_rows in stats.sort_values("key")[["pos", "rows"]].itertuples():
        side = int((pos[0], neg[0]) > (pos[1], neg[1])) if n_pos else int(neg[0] > neg[1])
        pos[side] += n_pos
        neg[side] += n_rows - n_pos
        if side == 0:
            in_dev.add(g)
    dev_mask = np.isin(group, list(in_dev))
    return gold[dev_mask].reset_index(drop=True), gold[~dev_mask].reset_index(drop=True)


def split_gold_files(
    files: list[pd.DataFrame], seed: int = GOLD_SPLIT_SEED
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(dev, test) halves of several gold files that share threads: the first is split by
    :func:`gold_split`; in each later file a thread already placed keeps its side (a CED cascade
    never has replies on both sides), the others are split among themselves by :func:`gold_split`.

    Example:
        >>> a = pd.DataFrame({"id": ["ced-r-1/a", "ced-r-2/b"], "text": ["x", "y"], "label": [1, 1]})
        >>> b = pd.DataFrame({"id": ["ced-r-1/c", "ced-r-2/d", "senti-dev-3"], "text": list("pqr"),
        ...                   "label": [0, 0, 1]})
        >>> [(dev["id"].tolist(), test["id"].tolist()) for dev, test in split_gold_files([a, b])][1]
        (['ced-r-1/c', 'senti-dev-3'], ['ced-r-2/d'])
    """
    side: dict[str, bool] = {}  # group -> in dev
    out = []
    for gold in files:
        group = gold_groups(gold["id"])
        placed = group.map(side)
        dev_rest, _ = gold_split(gold[placed.isna().to_numpy()], seed)
        known = placed.notna().to_numpy()
        in_dev = np.where(known, placed.eq(True).to_numpy(), gold["id"].isin(dev_rest["id"]))
        side.update(zip(group, in_dev, strict=True))
        out.append((gold[in_dev].reset_index(drop=True), gold[~in_dev].reset_index(drop=True)))
    return out


def dev_only(gold: pd.DataFrame, held_out: list[pd.DataFrame]) -> tuple[pd.DataFrame, int]:
    """``(rows of gold whose thread is on no held-out half, how many were dropped)``: labels added
    to the dev side only (never to a test half), keeping the split by thread (:func:`gold_groups`)
    of the files already split: a reply whose CED cascade has posts in a test half is dropped.

    Example:
        >>> test = pd.DataFrame({"id": ["ced-r-1/a"], "text": ["x"], "label": [1]})
        >>> extra = pd.DataFrame({"id": ["ced-r-1/b", "ced-r-2/c"], "text": ["y", "z"], "label": [0, 1]})
        >>> rows, dropped = dev_only(extra, [test])
        >>> rows["id"].tolist(), dropped
        (['ced-r-2/c'], 1)
    """
    held = set()
    for h in held_out:
        held.update(gold_groups(h["id"]))
    keep = ~gold_groups(gold["id"]).isin(held).to_numpy()
    return gold[keep].reset_index(drop=True), int((~keep).sum())


# ---------------------------------------------------------------------------------------------
# the real corpora (../shared/data)


def _reserved(data_dir: Path) -> set[str]:
    path = data_dir / "reserved.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the real data dir must hold reserved.csv (rows kept out of training); "
            f"set TAJIAN_REAL_DATA to the folder of the shared real data"
        )
    with open(path, encoding="utf-8", newline="") as f:
        return {f"{r['source']}:{r['row_id']}" for r in csv.DictReader(f)}


def load_real_corpora(data_dir: str | Path) -> pd.DataFrame:
    """Every real post text, minus the reserved rows: columns ``id, source, text``.

    Reads weibo_senti_100k (dev, test), weiboNER (train, dev, test) and CED (originals and
    reposts) from ``data_dir`` (see its README). ``id`` is ``<source>:<row key>`` as in
    ``reserved.csv``. Rows listed there are dropped, and so is every other row whose cleaned own
    text equals a reserved row's, so no reserved text reaches training.
    """
    data_dir = Path(data_dir)
    reserved = _reserved(data_dir)
    frames = []
    for split in ("dev", "test"):
        # tab-separated "label<TAB>text", one post a line; row N = the N-th line after the header
        lines = (data_dir / "weibo_senti_100k" / f"{split}.csv").read_text(encoding="utf-8").split("\n")[1:]
        rows = [(f"weibo_senti_100k:{split}-{n}", ln.split("\t", 1)[1]) for n, ln in enumerate(lines) if ln]
        frames.append(pd.DataFrame(rows, columns=["id", "text"]).assign(source="weibo_senti_100k"))
    for split in ("train", "dev", "test"):
        ner = pd.read_csv(
            data_dir / "weiboNER" / f"weiboNER_{split}_messages.csv",
            dtype=str,
            keep_default_na=False,
            usecols=["row_id", "text"],
        )
        frames.append(
            pd.DataFrame({"id": "weiboNER:" + ner["row_id"], "text": ner["text"], "source": "weiboNER"})
        )
    orig = pd.read_csv(
        data_dir / "ced" / "ced_original.csv", dtype=str, keep_default_na=False, usecols=["cascade", "text"]
    )
    frames.append(
        pd.DataFrame(
            {"id": "ced_original:" + orig["cascade"], "text": orig["text"], "source": "ced_original"}
        )
    )
    rep = pd.read_csv(
        data_dir / "ced" / "ced_reposts.csv",
        dtype=str,
        keep_default_na=False,
        usecols=["cascade", "mid", "text"],
    )
    rep = rep[rep["text"] != ""]
    frames.append(
        pd.DataFrame(
            {
                "id": "ced_repost:" + rep["cascade"] + "/" + rep["mid"],
                "text": rep["text"],
                "source": "ced_repost",
            }
        )
    )
    df = pd.concat(frames, ignore_index=True)[["id", "source", "text"]]
    is_reserved = df["id"].isin(reserved)
    own = df["text"].map(clean_own_text)
    reserved_own = set(own[is_reserved]) - {""}
    keep = ~is_reserved & ~own.isin(reserved_own)
    return df[keep].reset_index(drop=True)


_CED_REPOST_ID = re.compile(r"^(?:ced-r-|ced_repost:)([^/]+)/")


def ced_source_texts(ids: object, data_dir: str | Path) -> list[str | None]:
    """The context of CED reposts: for each id of a CED repost or comment (``ced-r-<cascade>/<mid>``
    as in the gold set, or ``ced_repost:<cascade>/<mid>`` as in :func:`load_real_corpora`), the
    text of its cascade's source post (``ced/ced_original.csv``); None for other ids and for
    cascades whose source post is reserved (``reserved.csv``: never read into anything).

    Example:
        >>> ced_source_texts(["senti-dev-1"], "/nonexistent")
        [None]
    """
    items = [str(i) for i in ids]  # type: ignore[attr-defined]
    wanted = {m.group(1) for i in items if (m := _CED_REPOST_ID.match(i))}
    if not wanted:
        return [None] * len(items)
    data_dir = Path(data_dir)
    reserved = _reserved(data_dir)
    orig = pd.read_csv(
        data_dir / "ced" / "ced_original.csv", dtype=str, keep_default_na=False, usecols=["cascade", "text"]
    )
    source = {
        c: t
        for c, t in zip(orig["cascade"], orig["text"], strict=True)
        if c in wanted and f"ced_original:{c}" not in reserved
    }
    return [source.get(m.group(1)) if (m := _CED_REPOST_ID.match(i)) else None for i in items]
