"""Reader for the CED research dataset (../shared/data/ced/): source posts and repost trees.

Two CSV files, read through :class:`~store.csv.CsvTable` (which quarantines a row
with a runaway quote or an over-long cell, not the file), with no Python loop per row (the small
originals with pandas; the 1.28M reposts in DuckDB SQL over the cells, kept as UTF-8 bytes,
never as one large str):

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

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from store.bulk import WHITE_SPACE_CLASS, bulk_session
from store.csv import CsvTable, CsvUnreadableError
from store.fields import COUNT_OVERFLOW, decode_export_bytes, is_blank, is_utf8
from store.records import ARROW_SCHEMAS, BatchBuilder, ExportBatch, make_batch, whole_file_quarantine

__all__ = ["parse_ced_original", "parse_ced_reposts", "read_ced", "sniff_ced"]

PLATFORM = "weibo"
TZ = "Asia/Shanghai"
ORIGINAL_HEADER = "cascade,idx,bid,uid,label,time_raw,time_unix,time_cst,text"
REPOSTS_HEADER = "cascade,root_bid,root_uid,mid,uid,parent,n_kids,date,text"


def sniff_ced(path: Path, head: str) -> bool:
    """A CED file: its header line is one of the two CED headers."""
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first.startswith((ORIGINAL_HEADER, REPOSTS_HEADER))


def _ids(series: pd.Series) -> pd.Series:
    """Ids as text: stripped, empty → None (vectorised)."""
    s = series.astype("str").str.strip()
    return s.where(s != "")


def _counts(series: pd.Series) -> pd.Series:
    """Whole counts; a number too large for one is COUNT_OVERFLOW and a negative one stays
    negative (the load quarantines the row, saying why); a fraction is cut to its whole part."""
    values = pd.to_numeric(series.astype("str").str.strip(), errors="coerce").astype("float64")
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        big = ~np.isnan(v) & ~(np.abs(v) < 2.0**62)
    exact = pd.to_numeric(series.astype("str").str.strip(), errors="coerce")
    out = pd.array(np.where(big, float(COUNT_OVERFLOW), np.trunc(v)), dtype="Float64").astype("Int64")
    if exact.dtype.kind == "i":  # every cell a plain integer: exact beyond 2^53 too
        out = pd.array(np.where(big, COUNT_OVERFLOW, exact.to_numpy()), dtype="Int64")
    return pd.Series(out, index=series.index)


def _missing(df: pd.DataFrame, columns: list[str], source: str) -> ExportBatch | None:
    lost = [c for c in columns if c not in df.columns]
    if not lost:
        return None
    b = BatchBuilder(source, PLATFORM)
    b.quarantine(
        1,
        ",".join(df.columns),
        f"{source}, line 1: not a CED file: the header lacks "
        f"{', '.join(lost)}; expected {', '.join(columns)}",
    )
    return b.build()


def _original_table(text: str | bytes, source: str, columns: list[str]) -> CsvTable | ExportBatch:
    """The cells of ``ced_original.csv`` (UTF-8 bytes or text), or the batch saying why not."""
    if isinstance(text, bytes):
        text = text.removeprefix(b"\xef\xbb\xbf")
        if not is_utf8(text):
            text = decode_export_bytes(text, lenient=True)[0]  # rows with bad bytes: quarantined
    else:
        text = text.lstrip("\ufeff")
    if is_blank(text):
        return make_batch(source, PLATFORM)
    try:
        return CsvTable(text, source, columns, full_rows=True)
    except CsvUnreadableError as exc:  # pragma: no cover - the csv module reads any text
        return whole_file_quarantine(source, text, f"{exc}; expected CED's ced_original.csv")


def parse_ced_original(text: str | bytes, source: str) -> ExportBatch:
    """Parse ``ced_original.csv`` (source posts and their authors' profiles)."""
    need = [
        "bid",
        "uid",
        "time_unix",
        "text",
        "reposts",
        "comments",
        "likes",
        "user_followers",
        "user_friends",
        "user_messages",
        "user_location",
        "user_verified",
        "user_verified_type",
        "user_gender",
    ]
    t = _original_table(text, source, need)
    if isinstance(t, ExportBatch):
        return t
    cells = t.arrow(need)
    df = cells.select([c for c in need if c in t.header]).to_pandas(types_mapper=pd.ArrowDtype).astype("str")
    bad = _missing(df, need, source)
    if bad is not None:
        return bad
    line = pd.Series(t.line, index=df.index)
    post_id, user_id = _ids(df["bid"]), _ids(df["uid"])
    created = pd.to_datetime(pd.to_numeric(df["time_unix"], errors="coerce"), unit="s", utc=True)
    why = pd.Series(None, index=df.index, dtype=object)
    why[created.isna()] = "field 'time_unix' is unreadable; expected a unix time in seconds"
    why[user_id.isna()] = "field 'uid' is missing; expected the author's id"
    why[post_id.isna()] = "field 'bid' is missing; expected the post id"
    why[t.extra] = "the row has more cells than the header; its cells do not line up with the columns"
    ok = why.isna()
    quarantine = pd.DataFrame(
        [(int(line[i]), t.raw(i), f"{source}, line {line[i]}: {why[i]}") for i in np.flatnonzero(~ok)]
        + t.rejected_rows(source),
        columns=["line", "raw", "reason"],
    ).sort_values("line")
    d = df[ok]
    created = created[ok]
    posts = pd.DataFrame(
        {
            "post_id": post_id[ok],
            "platform": PLATFORM,
            "user_id": user_id[ok],
            "created_at": created,
            "text": d["text"],
            "repost_of": None,
            "reply_to": None,
            "reposts": _counts(d["reposts"]),
            "comments": _counts(d["comments"]),
            "likes": _counts(d["likes"]),
            "line": line[ok],
            "from_row": True,
        }
    )
    verified = d["user_verified"].map({"True": True, "False": False})
    users = pd.DataFrame(
        {
            "user_id": user_id[ok],
            "platform": PLATFORM,
            "screen_name": None,
            "followers": _counts(d["user_followers"]),
            "following": _counts(d["user_friends"]),
            "statuses": _counts(d["user_messages"]),
            "verified": verified.astype("boolean"),
            "verified_type": _counts(d["user_verified_type"]),
            "description": None,
            "gender": d["user_gender"].where(d["user_gender"].astype(bool), None),
            "location": d["user_location"].where(d["user_location"].astype(bool), None),
            "seen_at": created,
        }
    )
    return make_batch(
        source, PLATFORM, posts=posts, users=users, quarantine=quarantine, row_keys=posts["post_id"].tolist()
    )


_REPOST_COLUMNS = ("cascade", "root_bid", "root_uid", "mid", "uid", "parent", "date", "text")
_SHORT_DATE = f"'^([0-9]{{1,2}})月([0-9]{{1,2}})日{WHITE_SPACE_CLASS}*([0-9]{{1,2}}):([0-9]{{2}})$'"

# Each repost row: its ids, its local time (a "MM月DD日 HH:MM" date takes the year most of its
# cascade's dates have, the earliest of equals), the author of what it reposts (the first row of
# its cascade with the parent's mid, or the source post's author) and the first check it fails.
_REPOSTS = f"""
CREATE TEMP TABLE ced_r AS
WITH c AS (
    SELECT i, _line AS line, _extra, cascade, nullif(tj_strip(root_bid), '') AS root_bid,
           nullif(tj_strip(root_uid), '') AS root_uid, nullif(tj_strip(mid), '') AS mid,
           nullif(tj_strip(uid), '') AS uid, nullif(tj_strip(parent), '') AS parent, text,
           try_strptime(date, '%Y-%m-%d %H:%M:%S') AS full_time,
           CASE WHEN contains(date, '月') THEN regexp_extract(date, {_SHORT_DATE}, ['mo', 'd', 'h', 'mi'])
           END AS short
    FROM cells),
years AS (
    SELECT cascade, arg_max(y, n * 100000 - y) AS year
    FROM (SELECT cascade, year(full_time) AS y, count(*) AS n FROM c
          WHERE full_time IS NOT NULL GROUP BY ALL)
    GROUP BY cascade),
authors AS (
    SELECT cascade, mid, arg_min_null(uid, i) AS author FROM c WHERE mid IS NOT NULL GROUP BY ALL),
t AS (
    SELECT c.* EXCLUDE (full_time, short),
           (coalesce(full_time, CASE WHEN short.mo <> '' THEN try_strptime(
                y.year || '-' || short.mo || '-' || short.d || ' ' || short.h || ':' || short.mi,
                '%Y-%m-%d %H:%M') END) - INTERVAL 8 HOUR)::TIMESTAMPTZ AS created_at,
           CASE WHEN c.parent IS NULL THEN c.root_uid ELSE a.author END AS src,
           a.mid IS NOT NULL AS parent_found
    FROM c LEFT JOIN years y USING (cascade)
    LEFT JOIN authors a ON a.cascade = c.cascade AND a.mid = c.parent)
SELECT *, CASE
    WHEN _extra THEN 1 WHEN mid IS NULL THEN 2 WHEN uid IS NULL THEN 3
    WHEN root_bid IS NULL OR root_uid IS NULL THEN 4 WHEN parent IS NOT NULL AND src IS NULL THEN 5
    WHEN created_at IS NULL THEN 6 END AS bad
FROM t ORDER BY i"""

_REASONS = {
    1: "the row has more cells than the header; its cells do not line up with the columns",
    2: "field 'mid' is missing; expected the repost's id",
    3: "field 'uid' is missing; expected the reposter's id",
    4: "field 'root_bid'/'root_uid' is missing",
    5: "field 'parent' names a repost not found in its cascade",
    6: "field 'date' is unreadable; expected 'YYYY-MM-DD HH:MM:SS'",
}


def _arrow(frame: pd.DataFrame, name: str) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=ARROW_SCHEMAS[name], preserve_index=False)


def _conform(table: pa.Table, name: str) -> pa.Table:
    return table.cast(ARROW_SCHEMAS[name])


def _parse_reposts_sql(
    con: duckdb.DuckDBPyConnection, t: CsvTable, source: str, originals: ExportBatch | None
) -> ExportBatch:
    con.register("cells", t.arrow(_REPOST_COLUMNS))
    try:
        con.execute(_REPOSTS)
    finally:
        con.unregister("cells")
    bad = con.execute("SELECT i, line, bad FROM ced_r WHERE bad IS NOT NULL ORDER BY i").fetchall()
    quarantine = [(line, t.raw(i), f"{source}, line {line}: {_REASONS[code]}") for i, line, code in bad]
    quarantine = sorted(quarantine + t.rejected_rows(source))
    posts = con.sql(
        """SELECT mid AS post_id, 'weibo' AS platform, uid AS user_id, created_at, text,
                  coalesce(parent, root_bid) AS repost_of, NULL AS reply_to, NULL AS reposts,
                  NULL AS comments, NULL AS likes, line, true AS from_row
           FROM ced_r WHERE bad IS NULL ORDER BY i"""
    ).to_arrow_table()
    interactions = con.sql(
        """SELECT src AS src_user, NULL AS src_name, uid AS dst_user, NULL AS dst_name,
                  'repost' AS kind, mid AS post_id, created_at
           FROM ced_r WHERE bad IS NULL AND src <> uid ORDER BY i"""
    ).to_arrow_table()
    users = con.sql(
        """SELECT uid AS user_id, 'weibo' AS platform, NULL AS screen_name, NULL AS followers,
                  NULL AS following, NULL AS statuses, NULL AS verified, NULL AS verified_type,
                  NULL AS description, NULL AS gender, NULL AS location, min(created_at) AS seen_at
           FROM ced_r WHERE bad IS NULL GROUP BY uid ORDER BY min(i)"""
    ).to_arrow_table()
    keys = con.sql("SELECT mid FROM ced_r WHERE bad IS NULL ORDER BY i").to_arrow_table().column(0)
    if originals is not None and len(originals.posts):
        roots = originals.posts.assign(from_row=False, line=0)
        posts = pa.concat_tables([_conform(posts, "posts"), _arrow(roots, "posts")])
        users = pa.concat_tables([_arrow(originals.users, "users"), _conform(users, "users")])
    return make_batch(
        source,
        PLATFORM,
        posts=posts,
        users=users,
        interactions=interactions,
        quarantine=quarantine,
        row_keys=keys,
    )


def parse_ced_reposts(
    text: str | bytes,
    source: str,
    originals: ExportBatch | None = None,
    *,
    file: Path | None = None,
) -> ExportBatch:
    """Parse ``ced_reposts.csv``: reposts as posts, author-of-parent → reposter interactions, in
    DuckDB SQL (the file has 1.28M rows).

    ``originals`` (the parsed ``ced_original.csv``) adds the source posts as embedded posts.
    ``file``, when given, is the UTF-8 file ``text`` was decoded from (DuckDB reads it directly).
    """
    # UTF-8 bytes stay bytes: as a str, text can take 4 bytes a character
    text = text.removeprefix(b"\xef\xbb\xbf") if isinstance(text, bytes) else text.lstrip("\ufeff")
    if not text.strip():
        return make_batch(source, PLATFORM)
    try:
        t = CsvTable(text, source, _REPOST_COLUMNS, file=file, full_rows=True)
    except CsvUnreadableError as exc:
        return whole_file_quarantine(source, text, f"{exc}; expected CED's ced_reposts.csv")
    lost = [c for c in _REPOST_COLUMNS if c not in t.header]
    if lost:
        b = BatchBuilder(source, PLATFORM)
        b.quarantine(
            1,
            ",".join(t.header),
            f"{source}, line 1: not a CED file: the header lacks "
            f"{', '.join(lost)}; expected {', '.join(_REPOST_COLUMNS)}",
        )
        return b.build()
    with bulk_session() as con:
        return _parse_reposts_sql(con, t, source, originals)


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
        originals = parse_ced_original(sibling.read_bytes(), str(sibling)) if sibling.is_file() else None
        if is_utf8(data):
            return parse_ced_reposts(
                data, str(path), originals, file=None if data.startswith(b"\xef\xbb\xbf") else path
            )
        text, _ = decode_export_bytes(data, lenient=True)  # rows with bad bytes: quarantined
        return parse_ced_reposts(text, str(path), originals)
    b = BatchBuilder(str(path), PLATFORM)
    b.quarantine(
        1,
        first[:2000],
        f"{path}, line 1: not a CED file; expected the header '{ORIGINAL_HEADER},…' or '{REPOSTS_HEADER}'",
    )
    return b.build()
