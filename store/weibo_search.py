"""Reader for dataabc/weibo-search keyword results (``结果文件/<keyword>/<keyword>.csv``).

The tool (../shared/data/export-formats.md, section 2) writes one row per search hit with
``csv.writer`` into a UTF-8-with-BOM file; the header (HEAD b4535b7) is::

    id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,点赞数,发布时间,
    发布工具,微博图片url,微博视频url,retweet_id,ip,user_authentication,会员类型,会员等级

Older versions lack the last columns, some forks add more (or prefix ids with a tab): columns
are found by name. What the reader makes of it:

* every row is a post by ``user_id`` (``发布时间`` "YYYY-MM-DD HH:MM", Asia/Shanghai); counts like
  ``1.2万`` / ``100万+`` are numbers;
* a repost row has ``retweet_id`` = the source post's id, and the tool writes the source post as a
  row of its own just before it: ``repost_of`` = ``retweet_id``, and the interaction source author
  → reposter, or along the ``//@`` chain in the text (C1→B, C2→C1, A→C2). When the source row is
  not in the file (weibo-search issue #559: most are not) the chain alone gives the edges, and
  ``repost_of`` still holds ``retweet_id``: the export does say which post was reposted, so the
  row stays a repost (the bot checks count reposts) and the link holds once a later file brings
  that post. No post is made up for it (the warehouse's ``posts`` may lack it);
* the text has ALL spaces removed, so ``@name`` mentions are not delimited in it: the names come
  from ``艾特用户`` (which also lists the chain names: only names written in the author's own words
  count);
* ``user_authentication``: 蓝V → a verified organisation (``verified_type`` 7), 黄V/红V/金V → a
  verified person (0), 普通用户 → not verified (-1);
* ``ip`` (Weibo's "IP属地", prefixes like "发布于 " dropped) → the author's ``location``, as
  MediaCrawler's ``ip_location``: usually a province (广东) or a country, not a city
  (:func:`store.places.place_level` tells which).

Example:
    >>> text = ("id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,"
    ...         "点赞数,发布时间,发布工具,微博图片url,微博视频url,retweet_id,ip,"
    ...         "user_authentication,会员类型,会员等级\\r\\n"
    ...         "5001,Nb1,1001,阿花,宝宝会走路了@小红,,,小红,,1.2万,3,5,2026-11-13 10:00,iPhone,,,,"
    ...         "上海,普通用户,,\\r\\n")
    >>> b = parse_weibo_search(text, "宝宝.csv")
    >>> b.posts.loc[0, "reposts"], b.interactions.loc[0, "dst_name"], b.users.loc[0, "location"]
    (np.int64(12000), '小红', '上海')
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from store.bulk import (
    bulk_session,
    chain_edges_sql,
    fix_slow_text_rows,
    mention_edges_sql,
    text_columns_sql,
)
from store.csv import CsvTable, CsvUnreadableError, csv_export_text, strip_bom
from store.fields import is_blank
from store.records import ExportBatch, make_batch, whole_file_quarantine

__all__ = ["AUTHENTICATION", "parse_weibo_search", "read_weibo_search", "sniff_weibo_search"]

PLATFORM = "weibo"
#: user_authentication → (verified, verified_type); Weibo's verified_type: -1 none, 0 a verified
#: person, 1–7 organisations (7: other organisations).
AUTHENTICATION: dict[str, tuple[bool, int]] = {
    "蓝V": (True, 7),
    "黄V": (True, 0),
    "红V": (True, 0),
    "金V": (True, 0),
    "橙V": (True, 0),
    "普通用户": (False, -1),
}
_REQUIRED = ("id", "user_id", "微博正文", "发布时间")
_COLUMNS = (
    "id",
    "user_id",
    "用户昵称",
    "微博正文",
    "发布时间",
    "retweet_id",
    "转发数",
    "评论数",
    "点赞数",
    "艾特用户",
    "user_authentication",
    "ip",
)


_AUTH_SQL = "CASE auth {} END".format(
    " ".join(f"WHEN '{k}' THEN {str(v[0]).lower()}" for k, v in AUTHENTICATION.items())
)
_AUTH_TYPE_SQL = "CASE auth {} END".format(
    " ".join(f"WHEN '{k}' THEN {v[1]}" for k, v in AUTHENTICATION.items())
)

#: Each row's fields (``f``), the text's chain, own words and mentions, and the first check the
#: row fails (``bad``; NULL for a good row).
_FIELDS = """
    SELECT i, _line AS line, _extra, tj_id("id") AS post_id, tj_id(user_id) AS user_id,
           tj_strip("用户昵称") AS name, coalesce("微博正文", '') AS body,
           tj_local_time("发布时间") AS created_at, tj_id(retweet_id) AS rt,
           tj_count("转发数") AS reposts, tj_count("评论数") AS comments, tj_count("点赞数") AS likes,
           "艾特用户" AS listed, tj_strip(user_authentication) AS auth,
           nullif(tj_strip(regexp_replace(tj_strip(ip), '^(发布于|来自|IP属地[:：]?)', '')), '') AS ip
    FROM cells"""
_ROWS = r"""
    CREATE TEMP TABLE r AS
    SELECT * EXCLUDE (_extra),
           CASE WHEN _extra THEN 1 WHEN post_id = '' THEN 2 WHEN NOT tj_is_id(post_id) THEN 3
                WHEN NOT coalesce(regexp_full_match(user_id, '[0-9A-Za-z_\-]{{1,40}}'), false) THEN 4
                WHEN created_at IS NULL THEN 5 WHEN rt <> '' AND NOT tj_is_id(rt) THEN 6 END AS bad
    FROM ({text})"""

_REASONS: dict[int, tuple[str | None, str]] = {
    1: (None, "the row has more cells than the header; its cells do not line up with the columns"),
    2: (None, "field 'id' is empty; expected the weibo id (mid)"),
    3: (
        "id",
        "field 'id' is {}; expected the weibo id as digits (Excel turns 16-digit ids into numbers "
        "like 5.37E+15: weibo-search issue #207)",
    ),
    4: ("user_id", "field 'user_id' is {}; expected the author's id"),
    5: ("发布时间", "field '发布时间' is {}; expected a time like '2026-11-13 10:00'"),
    6: (
        "retweet_id",
        "field 'retweet_id' is {}; expected empty or the reposted weibo's id as digits "
        "(weibo-search issue #207)",
    ),
}


def _reason(cells: pa.Table, i: int, code: int) -> str:
    column, template = _REASONS[code]
    if column is None:
        return template
    value = cells.column(column)[i].as_py() or ""
    return template.format(repr((value if column == "发布时间" else value.strip())[:40]))


def _parse_rows(con: duckdb.DuckDBPyConnection, t: CsvTable, source: str) -> ExportBatch:
    cells = t.arrow(_COLUMNS)
    con.register("cells", cells)
    listed = "listed" if "艾特用户" in t.header else None
    con.execute(_ROWS.format(text=text_columns_sql(f"({_FIELDS})", listed=listed)))
    fix_slow_text_rows(con, "r", listed=listed)
    bad = con.execute("SELECT i, bad FROM r WHERE bad IS NOT NULL ORDER BY i").fetchall()
    quarantine = [
        (int(t.line[i]), t.raw(i), f"{source}, line {t.line[i]}: {_reason(cells, i, code)}")
        for i, code in bad
    ]
    quarantine = sorted(quarantine + t.rejected_rows(source))
    posts = con.sql(
        """SELECT post_id, 'weibo' AS platform, user_id, created_at, body AS text,
                  nullif(rt, '') AS repost_of, NULL AS reply_to, reposts, comments, likes, line,
                  true AS from_row
           FROM r WHERE bad IS NULL"""
    ).to_arrow_table()
    users = con.sql(
        f"""SELECT user_id, 'weibo' AS platform, nullif(name, '') AS screen_name, NULL AS followers,
                   NULL AS following, NULL AS statuses, {_AUTH_SQL} AS verified,
                   {_AUTH_TYPE_SQL} AS verified_type, NULL AS description, NULL AS gender,
                   ip AS location, created_at AS seen_at
            FROM r WHERE bad IS NULL"""
    ).to_arrow_table()
    # The source post of each repost, looked up among this file's rows (the last row wins).
    con.execute(
        """CREATE TEMP VIEW reposts AS
           SELECT r.i, r.post_id, r.user_id, nullif(r.name, '') AS me, r.chain, r.created_at,
                  a.who.u AS root_user, nullif(a.who.n, '') AS root_name
           FROM r LEFT JOIN (SELECT post_id, arg_max({'u': user_id, 'n': name}, i) AS who
                             FROM r WHERE bad IS NULL GROUP BY post_id) a ON a.post_id = r.rt
           WHERE r.bad IS NULL AND (r.rt <> '' OR contains(r.body, '//@'))"""
    )
    con.execute(
        """CREATE TEMP VIEW mentioning AS
           SELECT i, post_id, user_id, nullif(name, '') AS me, created_at, names
           FROM r WHERE bad IS NULL"""
    )
    interactions = con.sql(
        f"""SELECT src_user, src_name, dst_user, dst_name, kind, post_id, created_at FROM (
                {chain_edges_sql("reposts")} UNION ALL {mention_edges_sql("mentioning")})
            ORDER BY i, kind DESC, k"""
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


def parse_weibo_search(text: str | bytes, source: str, *, file: Path | None = None) -> ExportBatch:
    """Parse a weibo-search result CSV (decoded text or UTF-8 bytes, header included). ``file``,
    when given, is the UTF-8 file ``text`` came from (read directly when the file is large)."""
    text = strip_bom(text)
    if is_blank(text):
        return make_batch(source, PLATFORM)
    try:
        # csv.writer writes every cell of a row: a row spanning lines has as many as the header
        t = CsvTable(text, source, _COLUMNS, file=file, full_rows=True)
    except CsvUnreadableError as exc:
        return whole_file_quarantine(source, text, f"{exc}; expected a weibo-search result CSV")
    header = t.header
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        return whole_file_quarantine(
            source,
            text,
            f"not a weibo-search result CSV: the header {header[:6]!r} lacks "
            f"{missing}; expected 'id,bid,user_id,用户昵称,微博正文,…,发布时间,…'",
        )
    with bulk_session() as con:
        try:
            return _parse_rows(con, t, source)
        finally:
            con.unregister("cells")


def read_weibo_search(path: str | Path) -> ExportBatch:
    """Read one weibo-search result CSV (UTF-8 with or without BOM, or GB18030). A file that is
    not such an export is one quarantine entry; an empty file gives an empty batch."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such export file; expected a weibo-search .csv")
    data = path.read_bytes()
    try:
        text = csv_export_text(data)
    except ValueError as exc:
        return whole_file_quarantine(str(path), data, str(exc))
    return parse_weibo_search(text, str(path), file=path if isinstance(text, bytes) else None)


def sniff_weibo_search(path: Path, head: str) -> bool:
    """True when ``head`` (the file's first ~4 KB, decoded) starts with weibo-search's header."""
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first.replace(" ", "").startswith("id,bid,user_id,用户昵称,微博正文")
