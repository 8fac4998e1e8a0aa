"""Reader for the CED research dataset (../shared/data/ced/): source posts and repost trees.

Two CSV files, read in bulk (Arrow CSV, vectorised pandas; no Python loop per row):

* ``ced_original.csv``, one row per source post with its author's profile
  (``bid, uid, time_unix, text, reposts, comments, likes, user_followers, user_friends,
  user_messages, user_location, user_verified, user_verified_type, user_gender``);
* ``ced_reposts.csv``, one row per repost or comment (``cascade, root_bid, root_uid, mid, uid,
  parent, date, text``): ``parent`` is the ``mid`` it answers, empty for the source post.

Each repost becomes a post with ``repost_of`` = what it reposted (its parent, or the source post)
and an interaction author-of-parent → reposter (influence flows from the person reposted).
Reading ``ced_reposts.csv`` also reads its sibling ``ced_original.csv`` when present, so the source
posts exist as posts (``from_row`` False; loading the original file later completes them).
Repost dates have no zone (Asia/Shanghai); 74 of them are "MM月DD日 HH:MM" without a year, which is
taken from the other reposts of the same cascade. Rows that still cannot be read are quarantined.

Example:
    >>> text = "cascade,root_bid,root_uid,mid,uid,parent,n_kids,date,text\\n" \\
    ...        "c1,R,1,m1,2,,1,2013-07-01 07:47:55,好\\n" \\
    ...        "c1,R,1,m2,3,m1,0,2013-07-01 08:00:00,\\n"
    >>> b = parse_ced_reposts(text, source="ced_reposts.csv")
    >>> sorted(zip(b.interactions["src_user"], b.interactions["dst_user"]))
    [('1', '2'), ('2', '3')]
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from store.records import BatchBuilder, ExportBatch, make_batch

__all__ = ["parse_ced_original", "parse_ced_reposts", "read_ced", "sniff_ced"]

PLATFORM = "weibo"
TZ = "Asia/Shanghai"
ORIGINAL_HEADER = "cascade,idx,bid,uid,label,time_raw,time_unix,time_cst,text"
REPOSTS_HEADER = "cascade,root_bid,root_uid,mid,uid,parent,n_kids,date,text"


def sniff_ced(path: Path, head: str) -> bool:
    """A CED file: its header line is one of the two CED headers."""
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first.startswith((ORIGINAL_HEADER, REPOSTS_HEADER))


def _read_table(data: bytes | str) -> pd.DataFrame:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8", "replace")]), [])
    table = pacsv.read_csv(
        io.BytesIO(raw),
        read_options=pacsv.ReadOptions(block_size=1 << 24),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        # every cell is text: ids stay exactly as written, never numbers
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False,
        ),
    )
    return table.to_pandas(types_mapper=pd.ArrowDtype).astype("str")


def _ids(series: pd.Series) -> pd.Series:
    """Ids as text: stripped, empty → None (vectorised)."""
    s = series.astype("str").str.strip()
    return s.where(s != "")


def _counts(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("Int64")


def _raw_rows(df: pd.DataFrame) -> pd.Series:
    """The rows again as CSV-ish text, for the quarantine."""
    if df.empty:
        return pd.Series([], index=df.index, dtype=object)
    return pd.Series([",".join(map(str, r)) for r in df.itertuples(index=False)], index=df.index)


def _missing(df: pd.DataFrame, columns: list[str], source: str) -> ExportBatch | None:
    lost = [c for c in columns if c not in df.columns]
    if not lost:
        return None
    b = BatchBuilder(source, PLATFORM)
    b.quarantine(1, ",".join(df.columns), f"{source}, line 1: not a CED file: the header lacks "
                 f"{', '.join(lost)}; expected {', '.join(columns)}")
    return b.build()


def parse_ced_original(text: str | bytes, source: str) -> ExportBatch:
    """Parse ``ced_original.csv`` (source posts and their authors' profiles)."""
    df = _read_table(text)
    need = ["bid", "uid", "time_unix", "text", "reposts", "comments", "likes", "user_followers",
            "user_friends", "user_messages", "user_location", "user_verified",
            "user_verified_type", "user_gender"]
    bad = _missing(df, need, source)
    if bad is not None:
        return bad
    line = pd.Series(np.arange(len(df)) + 2, index=df.index)
    post_id, user_id = _ids(df["bid"]), _ids(df["uid"])
    created = pd.to_datetime(pd.to_numeric(df["time_unix"], errors="coerce"), unit="s", utc=True)
    why = pd.Series(None, index=df.index, dtype=object)
    why[created.isna()] = "field 'time_unix' is unreadable; expected a unix time in seconds"
    why[user_id.isna()] = "field 'uid' is missing; expected the author's id"
    why[post_id.isna()] = "field 'bid' is missing; expected the post id"
    ok = why.isna()
    quarantine = pd.DataFrame({
        "line": line[~ok],
        "raw": _raw_rows(df[~ok]),
        "reason": [f"{source}, line {n}: {w}" for n, w in zip(line[~ok], why[~ok], strict=True)],
    })
    d = df[ok]
    created = created[ok]
    posts = pd.DataFrame({
        "post_id": post_id[ok], "platform": PLATFORM, "user_id": user_id[ok],
        "created_at": created, "text": d["text"], "repost_of": None, "reply_to": None,
        "reposts": _counts(d["reposts"]), "comments": _counts(d["comments"]),
        "likes": _counts(d["likes"]), "line": line[ok], "from_row": True,
    })
    verified = d["user_verified"].map({"True": True, "False": False})
    users = pd.DataFrame({
        "user_id": user_id[ok], "platform": PLATFORM, "screen_name": None,
        "followers": _counts(d["user_followers"]), "following": _counts(d["user_friends"]),
        "statuses": _counts(d["user_messages"]), "verified": verified.astype("boolean"),
        "verified_type": _counts(d["user_verified_type"]), "description": None,
        "gender": d["user_gender"].where(d["user_gender"].astype(bool), None),
        "location": d["user_location"].where(d["user_location"].astype(bool), None),
        "seen_at": created,
    })
    return make_batch(source, PLATFORM, posts=posts, users=users, quarantine=quarantine,
                      row_keys=posts["post_id"].tolist())


def _repost_times(df: pd.DataFrame) -> pd.Series:
    """Repost dates (Asia/Shanghai); "MM月DD日 HH:MM" takes the year of its cascade."""
    full = pd.to_datetime(df["date"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    short = df["date"].str.extract(r"^(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})$")
    need = full.isna() & short[0].notna()
    if need.any():
        years = full.dt.year.groupby(df["cascade"]).agg(
            lambda y: y.mode().iloc[0] if y.notna().any() else np.nan)
        year = df.loc[need, "cascade"].map(years)
        text = (year.astype("Int64").astype(str) + "-" + short.loc[need, 0] + "-"
                + short.loc[need, 1] + " " + short.loc[need, 2] + ":" + short.loc[need, 3])
        full.loc[need] = pd.to_datetime(text, format="%Y-%m-%d %H:%M", errors="coerce")
    return full.dt.tz_localize(TZ, nonexistent="shift_forward", ambiguous="NaT").dt.tz_convert("UTC")


def parse_ced_reposts(
    text: str | bytes, source: str, originals: ExportBatch | None = None
) -> ExportBatch:
    """Parse ``ced_reposts.csv``: reposts as posts, author-of-parent → reposter interactions.

    ``originals`` (the parsed ``ced_original.csv``) adds the source posts as embedded posts.
    """
    df = _read_table(text)
    need = ["cascade", "root_bid", "root_uid", "mid", "uid", "parent", "date", "text"]
    bad = _missing(df, need, source)
    if bad is not None:
        return bad
    line = pd.Series(np.arange(len(df)) + 2, index=df.index)
    mid, uid = _ids(df["mid"]), _ids(df["uid"])
    root_bid, root_uid, parent = _ids(df["root_bid"]), _ids(df["root_uid"]), _ids(df["parent"])
    created = _repost_times(df)
    # the author of what was reposted: the parent repost's author, or the source post's
    authors = pd.DataFrame({"cascade": df["cascade"], "parent": mid, "parent_author": uid})
    authors = authors.drop_duplicates(["cascade", "parent"])
    found = pd.DataFrame({"cascade": df["cascade"], "parent": parent}).merge(
        authors, on=["cascade", "parent"], how="left")["parent_author"]
    found.index = df.index
    del authors
    parent_author = found.where(parent.notna(), root_uid)
    why = pd.Series(None, index=df.index, dtype=object)
    why[created.isna()] = "field 'date' is unreadable; expected 'YYYY-MM-DD HH:MM:SS'"
    why[parent.notna() & parent_author.isna()] = (
        "field 'parent' names a repost not found in its cascade")
    why[root_bid.isna() | root_uid.isna()] = "field 'root_bid'/'root_uid' is missing"
    why[uid.isna()] = "field 'uid' is missing; expected the reposter's id"
    why[mid.isna()] = "field 'mid' is missing; expected the repost's id"
    ok = why.isna()
    quarantine = pd.DataFrame({
        "line": line[~ok],
        "raw": _raw_rows(df[~ok]),
        "reason": [f"{source}, line {n}: {w}" for n, w in zip(line[~ok], why[~ok], strict=True)],
    })
    d_mid, d_uid, d_created = mid[ok], uid[ok], created[ok]
    posts = pd.DataFrame({
        "post_id": d_mid, "platform": PLATFORM, "user_id": d_uid, "created_at": d_created,
        "text": df.loc[ok, "text"], "repost_of": parent[ok].where(parent[ok].notna(), root_bid[ok]),
        "reply_to": None, "reposts": pd.NA, "comments": pd.NA, "likes": pd.NA,
        "line": line[ok], "from_row": True,
    })
    src = parent_author[ok]
    keep_edge = src != d_uid
    interactions = pd.DataFrame({
        "src_user": src[keep_edge], "src_name": None, "dst_user": d_uid[keep_edge],
        "dst_name": None, "kind": "repost", "post_id": d_mid[keep_edge],
        "created_at": d_created[keep_edge],
    })
    first_seen = pd.DataFrame({"user_id": d_uid, "seen_at": d_created}).groupby(
        "user_id", sort=False)["seen_at"].min()
    users = pd.DataFrame({
        "user_id": first_seen.index, "platform": PLATFORM, "screen_name": None,
        "followers": pd.NA, "following": pd.NA, "statuses": pd.NA, "verified": pd.NA,
        "verified_type": pd.NA, "description": None, "gender": None, "location": None,
        "seen_at": first_seen.to_numpy(),
    })
    if originals is not None and len(originals.posts):
        roots = originals.posts.assign(from_row=False, line=0)
        posts = pd.concat([posts, roots], ignore_index=True)
        users = pd.concat([originals.users, users], ignore_index=True)
    return make_batch(source, PLATFORM, posts=posts, users=users, interactions=interactions,
                      quarantine=quarantine, row_keys=d_mid.tolist())


def read_ced(path: str | Path) -> ExportBatch:
    """Read ``ced_original.csv`` or ``ced_reposts.csv`` (the latter with its sibling originals)."""
    path = Path(path)
    data = path.read_bytes()
    head = data[:4096].decode("utf-8", "replace")
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    if first.startswith(ORIGINAL_HEADER):
        return parse_ced_original(data, str(path))
    if first.startswith(REPOSTS_HEADER):
        sibling = path.with_name("ced_original.csv")
        originals = parse_ced_original(sibling.read_bytes(), str(sibling)) if sibling.is_file() \
            else None
        return parse_ced_reposts(data, str(path), originals)
    b = BatchBuilder(str(path), PLATFORM)
    b.quarantine(1, first[:2000], f"{path}, line 1: not a CED file; expected the header "
                 f"'{ORIGINAL_HEADER},…' or '{REPOSTS_HEADER}'")
    return b.build()
