"""Reader for the exports of dataabc/weibo-crawler (user timelines from m.weibo.cn).

Three files come out of that tool (../shared/data/export-formats.md, section 1):

* ``weibo/<screen_name>/<user_id>.csv``: one row per post of one user. UTF-8 with BOM, Chinese
  header, ``csv.writer`` default dialect, every id followed by a tab. The author's id is only in
  the FILE NAME and the screen name only in the FOLDER name (``weibo/<user_id>/`` when the tool
  ran with ``result_dir_name=1``: then the screen name is unknown). Values are written
  positionally, so an original post has fewer cells than the header (no 源… cells) and a repost
  has two fewer (the source post carries no 是否编辑过/编辑次数); rows are padded. A repost's
  源… cells become a post of its own (``from_row=False``) whose author is a user, and
  ``repost_of`` points at it.
* ``weibo/<screen_name>/<user_id>.json``: ``{"user": {...}, "weibo": [{..., "retweet": {...}}]}``.
* ``weibo/users.csv``: one profile per crawled user.

Interactions flow the way influence does: B reposts A's post → A→B, or with the chain
``"B's words//@C1:…//@C2:…"`` C1→B, C2→C1, A→C2; A's ``@B`` → A→B, the names taken from the
``@用户`` column (the text joins ``@name`` to the next words, so a regex would over-read names)
when they occur in the author's own words. Self-loops are dropped.

Post CSVs are parsed in bulk: DuckDB's CSV reader gives the cells, and a few SQL statements over
them (the macros of :mod:`store.bulk`) give posts, users, interactions and the reason of each
bad row, with no Python loop per row.

Example:
    >>> text = ("id,bid,正文,头条文章url,原始图片url,视频url,Live Photo视频url,位置,日期,工具,点赞数,"
    ...         "评论数,转发数,话题,@用户,完整日期,是否编辑过,编辑次数\\r\\n"
    ...         "5001\\t,Nb1,你好,,,,,,2026-11-13T10:00:00,iPhone,1,2,3,,,2026-11-13 10:00:00,False,0\\r\\n")
    >>> batch = parse_weibo_crawler(text, "weibo/阿花/1001.csv", user_id="1001", screen_name="阿花")
    >>> batch.posts.loc[0, ["post_id", "user_id"]].tolist(), int(batch.posts.loc[0, "likes"])
    (['5001', '1001'], 1)
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from store.bulk import (
    bulk_session,
    chain_edges_sql,
    fix_slow_text_rows,
    mention_edges_sql,
    text_columns_sql,
)
from store.csv import CsvRecord, CsvTable, CsvUnreadableError, csv_export_text, iter_csv_records, strip_bom
from store.fields import (
    SHANGHAI,
    as_count,
    as_id,
    is_blank,
    mention_names,
    parse_weibo_datetime,
    repost_chain_names,
)
from store.records import (
    BatchBuilder,
    ExportBatch,
    make_batch,
    whole_file_quarantine,
)

try:
    import orjson

    _loads: Callable[[str], Any] = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover
    import json as _json

    _loads = _json.loads
    _JSONError = (_json.JSONDecodeError,)

__all__ = [
    "POST_HEADER",
    "USERS_HEADER",
    "parse_weibo_crawler",
    "parse_weibo_crawler_csv",
    "parse_weibo_crawler_json",
    "parse_weibo_crawler_users",
    "read_weibo_crawler",
    "sniff_weibo_crawler",
]

PLATFORM = "weibo"
#: The post CSV header of weibo-crawler HEAD (93cd292); ``only_crawl_original=0`` adds
#: 是否原创, 源用户id, 源用户昵称 and a 源微博… copy of every column.
POST_HEADER = (
    "id",
    "bid",
    "正文",
    "头条文章url",
    "原始图片url",
    "视频url",
    "Live Photo视频url",
    "位置",
    "日期",
    "工具",
    "点赞数",
    "评论数",
    "转发数",
    "话题",
    "@用户",
    "完整日期",
    "是否编辑过",
    "编辑次数",
)
USERS_HEADER = (
    "用户id",
    "昵称",
    "性别",
    "生日",
    "所在地",
    "IP属地",
    "学习经历",
    "公司",
    "注册时间",
    "阳光信用",
    "微博数",
    "粉丝数",
    "关注数",
    "简介",
    "主页",
    "头像",
    "高清头像",
    "微博等级",
    "会员等级",
    "是否认证",
    "认证类型",
    "认证信息",
    "上次记录微博信息",
)
_DIGITS = r"\d{1,20}"


def _count(value: Any) -> int | None:
    """:func:`store.fields.as_count` (a number too large is COUNT_OVERFLOW: the load says so)."""
    return as_count(value)


class _RowError(ValueError):
    pass


def chain_edges(
    post_id: str,
    when: Any,
    author: str,
    me: str | None,
    text: str,
    root_user: str | None,
    root_name: str | None,
) -> list[tuple]:
    """The repost interactions of one repost (see the module docstring)."""
    _, chain = repost_chain_names(text)
    chain = [c for c in chain if c != me]
    out: list[tuple] = []
    if root_user is None and not chain:
        return out
    hops: list[tuple[str | None, str | None]] = [(author, None), *((None, c) for c in chain)]
    if root_user is not None:
        hops.append((root_user, None))
    for (dst_id, dst_name), (src_id, src_name) in pairwise(hops):
        if dst_name is not None and dst_name == root_name and src_id:
            continue  # the root author named in the chain: no A→A
        if (src_id is not None and src_id == dst_id) or (src_name is not None and src_name == dst_name):
            continue
        out.append((src_id, src_name, dst_id, dst_name, "repost", post_id, when))
    return out


def mention_edges(
    post_id: str, when: Any, author: str, me: str | None, text: str, listed: str | None
) -> list[tuple]:
    if listed and "," not in listed and "/" not in text:  # the common case, cheaply
        name = listed.strip().lstrip("@")
        if name and name != me and ("@" + name) in text:
            return [(author, None, None, name, "mention", post_id, when)]
        return []
    return [
        (author, None, None, name, "mention", post_id, when)
        for name in mention_names(text, listed)
        if name != me
    ]


# --------------------------------------------------------------------------------------------
# Post CSV

_POST_COLUMNS = (
    "id",
    "正文",
    "日期",
    "完整日期",
    "点赞数",
    "评论数",
    "转发数",
    "@用户",
    "是否原创",
    "源用户id",
    "源用户昵称",
    "源微博id",
    "源微博正文",
    "源微博日期",
    "源微博完整日期",
    "源微博点赞数",
    "源微博评论数",
    "源微博转发数",
    "源微博@用户",
)


_CRAWLER_FIELDS = """
    SELECT i, _line AS line, _extra, tj_id("id") AS post_id,
           tj_local_time(CASE WHEN coalesce("完整日期", '') <> '' THEN "完整日期" ELSE "日期" END)
               AS created_at,
           coalesce("日期", '') AS date_cell, coalesce({date_col}, '') AS full_date_cell,
           tj_strip("是否原创") AS flag, tj_id("源微博id") AS src_pid, tj_id("源用户id") AS src_uid,
           coalesce("源用户昵称", '') AS src_name,
           tj_local_time(CASE WHEN coalesce("源微博完整日期", '') <> '' THEN "源微博完整日期"
                              ELSE "源微博日期" END) AS src_when,
           coalesce("正文", '') AS body, tj_count("转发数") AS reposts, tj_count("评论数") AS comments,
           tj_count("点赞数") AS likes, "@用户" AS listed, coalesce("源微博正文", '') AS src_body,
           tj_count("源微博转发数") AS src_reposts, tj_count("源微博评论数") AS src_comments,
           tj_count("源微博点赞数") AS src_likes, "源微博@用户" AS src_listed
    FROM cells"""
_CRAWLER_ROWS = r"""
    CREATE TEMP TABLE r AS
    SELECT *, bad IS NULL AND is_repost AND src_uid <> '' AS with_source FROM (
        SELECT * EXCLUDE (_extra),
               CASE WHEN NOT $author_ok THEN 0 WHEN _extra THEN 1 WHEN post_id = '' THEN 2
                    WHEN NOT tj_is_id(post_id) THEN 3 WHEN date_cell = '' AND full_date_cell = '' THEN 4
                    WHEN $has_flag AND coalesce(flag NOT IN ('True', 'False'), true) THEN 5
                    WHEN created_at IS NULL THEN 6
                    WHEN is_repost AND NOT tj_is_id(src_pid) THEN 7
                    WHEN is_repost AND src_uid <> '' AND NOT tj_is_id(src_uid) THEN 8
                    WHEN is_repost AND src_uid <> '' AND src_when IS NULL THEN 9 END AS bad
        FROM (SELECT *, $has_flag AND flag = 'False' AS is_repost FROM ({text})))"""
_CRAWLER_REASONS: dict[int, tuple[str | None, str]] = {
    1: (
        None,
        "the row has more cells than the header; its cells do not line up with the columns "
        "(weibo-crawler issues #516/#581, or the LLM-analysis option)",
    ),
    2: (None, "field 'id' is empty; expected the weibo id (digits, then a tab)"),
    3: (
        "id",
        "field 'id' is {}; expected the weibo id as digits (a float or text means the cells are "
        "shifted or the file was re-saved)",
    ),
    4: (None, "field '日期' is empty; expected a time like '2026-11-13T10:00:00' (a truncated row?)"),
    5: (
        "是否原创",
        "field '是否原创' is {}; expected True or False (the cells do not line up with the "
        "header: weibo-crawler issues #516/#581)",
    ),
    6: (
        "<date>",
        "field '<date>' is {}; expected a time like '2026-11-13 10:00:00' or '2026-11-13T10:00:00'",
    ),
    7: ("源微博id", "field '源微博id' is {}; expected the reposted weibo's id (digits, then a tab)"),
    8: ("源用户id", "field '源用户id' is {}; expected the source author's numeric id"),
    9: ("源微博日期", "field '源微博日期' is {}; expected a time like '2026-11-13T10:00:00'"),
}


def _crawler_reason(cells: pa.Table, i: int, code: int, date_col: str, file_name: str) -> str:
    if code == 0:
        return (
            f"the author's id is unknown: weibo-crawler names the file <user_id>.csv, and "
            f"{file_name!r} is not a numeric user id (rename the file, or pass user_id)"
        )
    column, template = _CRAWLER_REASONS[code]
    if column is None:
        return template
    if column == "<date>":
        column, template = date_col, template.replace("<date>", date_col)
    value = cells.column(column)[i].as_py() or ""
    return template.format(
        repr(value.strip()[:40] if code in (3, 7, 8) or column == "是否原创" else value[:40])
    )


def _parse_crawler_rows(
    con: duckdb.DuckDBPyConnection, t: CsvTable, source: str, author: str | None, me: str | None
) -> ExportBatch:
    cells = t.arrow(_POST_COLUMNS)
    con.register("cells", cells)
    author_ok = author is not None and re.fullmatch(_DIGITS, author) is not None
    author = author if author_ok else ""
    date_col = "完整日期" if "完整日期" in t.header else "日期"
    has_flag = t.index_of("是否原创") is not None
    listed = "listed" if "@用户" in t.header else None
    src_listed = "src_listed" if "源微博@用户" in t.header else None
    fields = _CRAWLER_FIELDS.format(date_col=f'"{date_col}"')
    text = text_columns_sql(
        f"({text_columns_sql(f'({fields})', listed=listed)})",
        body="src_body",
        listed=src_listed,
        prefix="src_",
    )
    sql = (
        _CRAWLER_ROWS.replace("$author_ok", str(author_ok).lower())
        .replace("$has_flag", str(has_flag).lower())
        .replace("{text}", text)
    )
    con.execute(sql)
    fix_slow_text_rows(con, "r", listed=listed)
    fix_slow_text_rows(con, "r", body="src_body", listed=src_listed, prefix="src_")
    bad = con.execute("SELECT i, bad FROM r WHERE bad IS NOT NULL ORDER BY i").fetchall()
    name = Path(source).name
    quarantine = [
        (
            int(t.line[i]),
            t.raw(i),
            f"{source}, line {t.line[i]}: {_crawler_reason(cells, i, code, date_col, name)}",
        )
        for i, code in bad
    ]
    quarantine = sorted(quarantine + t.rejected_rows(source))
    params = {"author": author, "me": me}
    posts = con.sql(
        """SELECT post_id, 'weibo' AS platform, user_id, created_at, text, repost_of, NULL AS reply_to,
                  reposts, comments, likes, line, from_row FROM (
               SELECT 0 AS part, i, post_id, $author AS user_id, created_at, body AS text,
                      CASE WHEN with_source THEN src_pid END AS repost_of, reposts, comments, likes, line,
                      true AS from_row
               FROM r WHERE bad IS NULL
               UNION ALL
               SELECT 1, i, src_pid, src_uid, src_when, src_body, NULL, src_reposts, src_comments,
                      src_likes, line, false
               FROM r WHERE with_source)
           ORDER BY part, i""",
        params={"author": author},
    ).to_arrow_table()
    users = con.sql(
        """SELECT user_id, 'weibo' AS platform, screen_name, NULL AS followers, NULL AS following,
                  NULL AS statuses, NULL AS verified, NULL AS verified_type, NULL AS description,
                  NULL AS gender, NULL AS location, seen_at FROM (
               SELECT 0 AS part, 0 AS i, $author AS user_id, $me AS screen_name, max(created_at) AS seen_at
               FROM r WHERE bad IS NULL HAVING count(*) > 0 AND $author <> ''
               UNION ALL
               SELECT 1, i, src_uid, nullif(src_name, ''), src_when FROM r WHERE with_source)
           ORDER BY part, i""",
        params=params,
    ).to_arrow_table()
    con.execute(
        """CREATE TEMP TABLE reposts AS
           SELECT i, post_id, $author AS user_id, $me::VARCHAR AS me, chain, created_at,
                  CASE WHEN with_source THEN src_uid END AS root_user, nullif(src_name, '') AS root_name
           FROM r WHERE bad IS NULL AND (is_repost OR contains(body, '//@'))""",
        params,
    )
    con.execute(
        """CREATE TEMP TABLE mentioning AS
           SELECT i, post_id, $author AS user_id, $me::VARCHAR AS me, created_at, names
           FROM r WHERE bad IS NULL""",
        params,
    )
    con.execute(
        """CREATE TEMP TABLE src_mentioning AS
           SELECT i, src_pid AS post_id, src_uid AS user_id, nullif(src_name, '') AS me,
                  src_when AS created_at, src_names AS names
           FROM r WHERE with_source"""
    )
    interactions = con.sql(
        f"""SELECT src_user, src_name, dst_user, dst_name, kind, post_id, created_at FROM (
                SELECT 0 AS part, * FROM ({chain_edges_sql("reposts")})
                UNION ALL SELECT 0, * FROM ({mention_edges_sql("mentioning")})
                UNION ALL SELECT 1, * FROM ({mention_edges_sql("src_mentioning")}))
            ORDER BY part, i, kind DESC, k"""
    ).to_arrow_table()
    keys = con.sql("SELECT post_id FROM r WHERE bad IS NULL").to_arrow_table().column(0)
    return make_batch(
        source,
        PLATFORM,
        posts=posts,
        users=users,
        interactions=interactions,
        quarantine=quarantine,
        row_keys=keys,
    )


def parse_weibo_crawler_csv(
    text: str | bytes,
    source: str,
    *,
    user_id: str | None,
    screen_name: str | None = None,
    file: Path | None = None,
) -> ExportBatch:
    """Parse a weibo-crawler post CSV (decoded text or UTF-8 bytes, header included) of the user
    ``user_id``.

    ``user_id`` comes from the file name and ``screen_name`` from the folder name (see
    :func:`read_weibo_crawler`); ``file``, when given, is the UTF-8 file ``text`` was decoded from
    (read directly when the file is large). A row that cannot be read is quarantined with its line, raw
    text and reason; every other row yields its post id as row key.
    """
    text = strip_bom(text)
    if is_blank(text):
        return make_batch(source, PLATFORM)
    try:
        # a record spanning lines has at least the 14 cells of the oldest known version's rows
        t = CsvTable(text, source, _POST_COLUMNS, file=file, min_cells=14)
    except CsvUnreadableError as exc:
        return whole_file_quarantine(source, text, f"{exc}; expected a weibo-crawler post CSV")
    if t.header[:3] != ["id", "bid", "正文"]:
        return whole_file_quarantine(
            source,
            text,
            f"not a weibo-crawler post CSV: the header starts with {t.header[:3]!r}; "
            "expected 'id,bid,正文,…'",
        )
    if "日期" not in t.header:
        return whole_file_quarantine(
            source,
            text,
            "the header has no '日期' column; expected the "
            "weibo-crawler post CSV header (id,bid,正文,…,日期,…)",
        )
    with bulk_session() as con:
        try:
            return _parse_crawler_rows(con, t, source, as_id(user_id), screen_name or None)
        finally:
            con.unregister("cells")


# --------------------------------------------------------------------------------------------
# users.csv


_TRUE = {"True": True, "False": False, "true": True, "false": False, "1": True, "0": False}


def parse_weibo_crawler_users(text: str, source: str) -> ExportBatch:
    """Parse weibo-crawler's ``users.csv`` (one profile per row).

    The tool writes the profile dict's values positionally; a profile without ``ip_location``
    (older versions, or when the page lacked it) is one cell short from 所在地 on. Such rows are
    realigned by finding the 是否认证 cell (True/False). Row keys are ``user:<id>``.
    """
    text = text.lstrip("\ufeff")
    b = BatchBuilder(source, PLATFORM)
    if not text.strip():
        return b.build()
    first, _, body = text.partition("\n")
    try:
        header = next(csv.reader([first.rstrip("\r")]), [])
    except csv.Error:
        header = []
    if header[:2] != ["用户id", "昵称"]:
        return whole_file_quarantine(
            source,
            text,
            f"not a weibo-crawler users.csv: the header starts with {header[:2]!r}; expected '用户id,昵称,…'",
        )
    # a profile without ip_location is one cell short (see above)
    rows = iter_csv_records(body, header=header, min_cells=max(1, len(header) - 2))
    return _users(b, rows, header, source)


def _users(b: BatchBuilder, rows: Iterable[CsvRecord], header: list[str], source: str) -> ExportBatch:
    pos = {name: i for i, name in enumerate(header)}
    verified_at = pos.get("是否认证")
    for record in rows:
        start = record.line
        if record.cells is None:
            b.quarantine(start, record.raw, f"{source}, line {start}: {record.reason}")
            continue
        cells = record.cells
        if not any(c.strip() for c in cells):
            continue
        raw = ",".join(cells)
        try:
            shift = 0
            if verified_at is not None:
                for k in (0, -1, 1):
                    j = verified_at + k
                    if 0 <= j < len(cells) and cells[j].strip() in _TRUE:
                        shift = k
                        break
                else:
                    raise _RowError(
                        "field '是否认证' is not True or False at any nearby cell; the "
                        "cells do not line up with the header"
                    )

            def get(name: str, cells: list[str] = cells, shift: int = shift) -> str | None:
                i = pos.get(name)
                if i is None:
                    return None
                if i > pos.get("所在地", len(pos)):
                    i += shift
                v = cells[i].strip() if 0 <= i < len(cells) else ""
                return v or None

            uid = as_id(get("用户id"))
            if uid is None or not re.fullmatch(_DIGITS, uid):
                raise _RowError(f"field '用户id' is {get('用户id')!r}; expected a numeric user id")
            vtype = get("认证类型")
            location = get("所在地")
            counts = {name: _count(get(name)) for name in ("粉丝数", "关注数", "微博数")}
            for name, value in counts.items():
                if value is not None and value < 0:
                    raise _RowError(
                        f"field {name!r} is {get(name)!r:.40}; expected a count (0 or more, below 2^62)"
                    )
            b.add_user(
                uid,
                _profile_seen_at(),
                screen_name=get("昵称"),
                followers=counts["粉丝数"],
                following=counts["关注数"],
                statuses=counts["微博数"],
                verified=_TRUE.get(get("是否认证") or ""),
                verified_type=_count(vtype),
                description=get("简介"),
                gender=get("性别"),
                location=location,
            )
            b.add_row(f"user:{uid}")
        except _RowError as exc:
            b.quarantine(start, raw, f"{source}, line {start}: {exc}")
    return b.build()


def _profile_seen_at() -> datetime:
    # users.csv carries no crawl time; profiles are as seen when loaded.
    return datetime.now(SHANGHAI).replace(microsecond=0)


# --------------------------------------------------------------------------------------------
# JSON


def _json_time(obj: dict[str, Any], where: str) -> datetime:
    for key in ("full_created_at", "created_at"):
        raw = obj.get(key)
        if isinstance(raw, str) and raw.strip():
            try:
                return parse_weibo_datetime(raw.strip())
            except ValueError:
                raise _RowError(
                    f"field '{where}{key}' is {raw[:40]!r}; expected a time like '2026-11-13T10:00:00'"
                ) from None
    raise _RowError(f"field '{where}created_at' is missing; expected a time like '2026-11-13T10:00:00'")


def _json_id(obj: dict[str, Any], key: str, where: str) -> str:
    v = obj.get(key)
    s = as_id(v)
    if s is None or not re.fullmatch(_DIGITS, s):
        raise _RowError(f"field '{where}{key}' is {v!r:.40}; expected a numeric id")
    return s


def _json_post(w: dict[str, Any], where: str, author: str | None) -> tuple[str, str, str | None, datetime]:
    pid = _json_id(w, "id", where)
    uid = as_id(w.get("user_id")) if w.get("user_id") not in ("", None) else author
    if uid is None or not re.fullmatch(_DIGITS, uid):
        raise _RowError(f"field '{where}user_id' is {w.get('user_id')!r:.40}; expected a numeric id")
    when = _json_time(w, where)
    text = w.get("text")
    if text is not None and not isinstance(text, str):
        raise _RowError(f"field '{where}text' must be a string; got {type(text).__name__}")
    name = w.get("screen_name") if isinstance(w.get("screen_name"), str) and w.get("screen_name") else None
    return pid, uid, name, when


def parse_weibo_crawler_json(text: str, source: str) -> ExportBatch:
    """Parse weibo-crawler's ``<user_id>.json``: ``{"user": {...}, "weibo": [...]}``.

    Each element of ``weibo`` is one row (its ``line`` is its 1-based position in the list).
    """
    b = BatchBuilder(source, PLATFORM)
    text = text.lstrip("\ufeff")
    if not text.strip():
        return b.build()
    try:
        doc = _loads(text)
    except _JSONError as exc:
        return whole_file_quarantine(
            source,
            text,
            f"not valid JSON ({exc}); expected weibo-crawler's "
            '{"user": {...}, "weibo": [...]} (a truncated file?)',
        )
    if not isinstance(doc, dict) or not isinstance(doc.get("weibo"), list):
        return whole_file_quarantine(
            source, text, 'not a weibo-crawler JSON export; expected {"user": {...}, "weibo": [...]}'
        )
    user = doc.get("user") if isinstance(doc.get("user"), dict) else {}
    author = as_id(user.get("id"))
    me = user.get("screen_name") or None
    seen: datetime | None = None
    for n, w in enumerate(doc["weibo"], 1):
        mark = (len(b.posts), len(b.users), len(b.interactions))
        try:
            if not isinstance(w, dict):
                raise _RowError(f"expected a JSON object; got {type(w).__name__}")
            pid, uid, name, when = _json_post(w, "", author)
            rt = w.get("retweet")
            root = None
            if isinstance(rt, dict) and rt:
                rpid = _json_id(rt, "id", "retweet.")
                ruid = as_id(rt.get("user_id")) if rt.get("user_id") not in ("", None) else None
                if ruid is not None:
                    root = _json_post(rt, "retweet.", None)
                    if root[0] != rpid:  # pragma: no cover
                        root = None
            text_ = w.get("text") or ""
            b.add_post(
                pid,
                uid,
                when,
                w.get("text"),
                line=n,
                repost_of=root[0] if root else None,
                reposts=_count(w.get("reposts_count")),
                comments=_count(w.get("comments_count")),
                likes=_count(w.get("attitudes_count")),
            )
            b.add_user(uid, when, screen_name=name or (me if uid == author else None))
            my_name = name or (me if uid == author else None)
            for e in mention_edges(pid, when, uid, my_name, text_, _at_users(w)):
                b.add_interaction("mention", e[5], e[6], src_user=e[0], dst_name=e[3])
            if root is not None or "//@" in text_:
                for e in chain_edges(
                    pid, when, uid, my_name, text_, root[1] if root else None, root[2] if root else None
                ):
                    b.add_interaction(
                        "repost", e[5], e[6], src_user=e[0], src_name=e[1], dst_user=e[2], dst_name=e[3]
                    )
            if root is not None:
                rpid, ruid, rname, rwhen = root
                b.add_post(
                    rpid,
                    ruid,
                    rwhen,
                    rt.get("text"),
                    line=n,
                    reposts=_count(rt.get("reposts_count")),
                    comments=_count(rt.get("comments_count")),
                    likes=_count(rt.get("attitudes_count")),
                    from_row=False,
                )
                b.add_user(ruid, rwhen, screen_name=rname)
                for e in mention_edges(rpid, rwhen, ruid, rname, rt.get("text") or "", _at_users(rt)):
                    b.add_interaction("mention", e[5], e[6], src_user=e[0], dst_name=e[3])
            b.add_row(pid)
            if uid == author:
                seen = when if seen is None else max(seen, when)
        except _RowError as exc:
            del b.posts[mark[0] :], b.users[mark[1] :], b.interactions[mark[2] :]
            raw = _dump(w)
            b.quarantine(n, raw, f"{source}, line {n} (weibo[{n - 1}]): {exc}")
    if author is not None and re.fullmatch(_DIGITS, author) and (seen is not None or user):
        verified = user.get("verified")
        b.add_user(
            author,
            seen or _profile_seen_at(),
            screen_name=me,
            followers=_count(user.get("followers_count")),
            following=_count(user.get("follow_count")),
            statuses=_count(user.get("statuses_count")),
            verified=verified if isinstance(verified, bool) else None,
            verified_type=_count(user.get("verified_type")),
            description=user.get("description") or None,
            gender=user.get("gender") or None,
            location=user.get("location") or None,
        )
    return b.build()


def _at_users(w: dict[str, Any]) -> str | None:
    v = w.get("at_users")
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return v if isinstance(v, str) else None


def _dump(obj: Any) -> str:
    import json

    try:
        return json.dumps(obj, ensure_ascii=False)[:4000]
    except (TypeError, ValueError):  # pragma: no cover
        return repr(obj)[:4000]


# --------------------------------------------------------------------------------------------
# Files


def _author_from_path(path: Path) -> tuple[str | None, str | None]:
    """(user id from the file name, screen name from the folder name)."""
    uid = path.stem.strip()
    folder = path.parent.name.strip()
    name = folder if folder and folder != uid and folder not in ("weibo", ".", "") else None
    return uid or None, name


def parse_weibo_crawler(
    text: str,
    source: str,
    *,
    user_id: str | None = None,
    screen_name: str | None = None,
    file: Path | None = None,
) -> ExportBatch:
    """Parse any weibo-crawler export given as decoded text: the JSON, ``users.csv`` or a post
    CSV (whose author is ``user_id`` / ``screen_name``; by default taken from ``source``'s file
    and folder names)."""
    head = text.lstrip("\ufeff").lstrip()
    if head.startswith("{"):
        return parse_weibo_crawler_json(text, source)
    if head.startswith("用户id,昵称"):
        return parse_weibo_crawler_users(text, source)
    if user_id is None:
        user_id, folder_name = _author_from_path(Path(source))
        screen_name = screen_name or folder_name
    return parse_weibo_crawler_csv(text, source, user_id=user_id, screen_name=screen_name, file=file)


def read_weibo_crawler(path: str | Path) -> ExportBatch:
    """Read one weibo-crawler export file: ``<screen_name>/<user_id>.csv``, its ``.json``, or
    ``users.csv``. Encodings: UTF-8 (with or without BOM) and GB18030. A file that is not such an
    export is one quarantine entry; an empty file gives an empty batch."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such export file; expected a weibo-crawler .csv or .json")
    data = path.read_bytes()
    try:
        text = csv_export_text(data)
    except ValueError as exc:
        return whole_file_quarantine(str(path), data, str(exc))
    if isinstance(text, bytes):  # a large UTF-8 file
        head = text[:4096].decode("utf-8", "replace").lstrip()
        if not head.startswith(("{", "用户id,昵称")):
            user_id, screen_name = _author_from_path(path)
            return parse_weibo_crawler_csv(
                text, str(path), user_id=user_id, screen_name=screen_name, file=path
            )
        text = text.decode("utf-8")
    return parse_weibo_crawler(text, str(path))


def sniff_weibo_crawler(path: Path, head: str) -> bool:
    """True when ``head`` (the file's first ~4 KB, decoded) is a weibo-crawler export."""
    h = head.lstrip("\ufeff")
    first = h.split("\n", 1)[0].strip()
    if first.startswith("id,bid,正文") or first.startswith("用户id,昵称"):
        return True
    s = h.lstrip()
    return (
        Path(path).suffix.lower() == ".json"
        and s.startswith("{")
        and re.search(r'^\s*\{\s*"user"\s*:', s) is not None
        and '"screen_name"' in s
    )
