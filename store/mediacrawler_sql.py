"""MediaCrawler contents and comments in bulk: a clean file's rows interpreted by DuckDB SQL.

:func:`store.mediacrawler.parse_file` hands a large Weibo or Xiaohongshu (``xhs``) contents or
comments file here when its
rows were read as Arrow text columns (the JSON-lines and CSV fast paths). This module makes the
same posts, users and interactions as the row-oriented code of :mod:`store.mediacrawler`, which
stays the reference, in a few SQL statements instead of numpy object arrays and a Python loop per
``@``. It takes only *clean* files: when any row would be quarantined, or holds a value the
reference reads by a rule this module does not repeat (an id with surrounding white space, a time
as date text instead of unix seconds, a count like ``1,234``, a ``//@`` name of more than 30
characters…), it returns None and the whole file goes to the reference, which writes the
quarantine reasons. ``tests/store/test_mediacrawler.py`` checks that both give the same batch.

The rules repeated here (see :mod:`store.mediacrawler` for the why):

* ids are text of letters, digits, ``_`` and ``-``; the author is ``user_id``, else ``creator_hash``
  (MediaCrawler's new schema);
* ``create_time`` is unix seconds (milliseconds above 1e11); ``last_modify_ts`` the time the row
  was seen (else ``create_time``); counts like ``1.2万`` / ``10万+`` are ``floor(number × unit)``;
* contents: on Weibo the ``//@`` chain "B's words //@C1: … //@C2: …" gives C1→B, C2→C1 by name;
  ``@name`` in the author's own words author → name; an XHS note's text is its title and ``desc``;
* comments: the note's author → commenter, the replied comment's author → replier (on Weibo,
  ``回复@name:`` names the comment replied to when it is not the parent's author), ``@name`` after
  the reply prefix and before any chain → commenter → name.

Example:
    >>> import pyarrow as pa
    >>> from store.bulk import bulk_session
    >>> cells = pa.table({"note_id": ["5012"], "user_id": ["9"], "nickname": ["阿花"],
    ...                   "content": ["好//@小红:对"], "create_time": ["1700000000"]})
    >>> with bulk_session() as con:
    ...     out = parse_cells_sql(con, cells, "weibo", "contents", lines=[2])
    >>> out.interactions.column("src_name").to_pylist(), out.posts.column("line").to_pylist()
    (['小红'], [2])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from store.bulk import NAME_CLASS, WHITE_SPACE_CLASS, text_columns_sql
from store.fields import COUNT_OVERFLOW

__all__ = ["GENDERS", "SPEC", "SQL_KEYS", "CellsSql", "parse_cells_sql"]

#: Which MediaCrawler keys hold what, per (platform, kind), for both readers. ``text`` may join
#: two keys (XHS title + desc).
SPEC: dict[tuple[str, str], dict[str, str]] = {
    ("weibo", "contents"): {
        "id": "note_id",
        "text": "content",
        "time": "create_time",
        "time_text": "create_date_time",
        "likes": "liked_count",
        "comments": "comments_count",
        "reposts": "shared_count",
    },
    ("weibo", "comments"): {
        "id": "comment_id",
        "note": "note_id",
        "text": "content",
        "time": "create_time",
        "time_text": "create_date_time",
        "likes": "comment_like_count",
        "comments": "sub_comment_count",
        "parent": "parent_comment_id",
    },
    ("xhs", "contents"): {
        "id": "note_id",
        "text": "desc",
        "title": "title",
        "time": "time",
        "likes": "liked_count",
        "comments": "comment_count",
        "reposts": "share_count",
    },
    ("xhs", "comments"): {
        "id": "comment_id",
        "note": "note_id",
        "text": "content",
        "time": "create_time",
        "likes": "like_count",
        "comments": "sub_comment_count",
        "parent": "parent_comment_id",
    },
}
#: The same, as this module's cell names (``time`` and ``id`` renamed: SQL words; the date text is
#: the reference's only).
_CELLS: dict[tuple[str, str], dict[str, str]] = {
    pk: {{"id": "pid", "time": "ts"}.get(k, k): v for k, v in spec.items() if k != "time_text"}
    for pk, spec in SPEC.items()
}
_USER_CELLS = {
    "uid": "user_id",
    "hash": "creator_hash",
    "name": "nickname",
    "gender": "gender",
    "loc": "ip_location",
    "seen": "last_modify_ts",
}
#: Every key this module reads.
SQL_KEYS = frozenset(k for spec in (*_CELLS.values(), _USER_CELLS) for k in spec.values())
#: MediaCrawler's ``gender`` values → f / m (anything else is unknown), for both readers.
GENDERS = {
    "f": "f",
    "m": "m",
    "female": "f",
    "male": "m",
    "女": "f",
    "男": "m",
    "1": "f",
    "0": "m",
    "Female": "f",
    "Male": "m",
}

_ID = "'[0-9A-Za-z_\\-]+'"
_COUNT = r"'([0-9]{1,15}(\.[0-9]+)?)(万|亿)?\+?'"
_TIME = "'[0-9]{1,13}'"
# White space that Arrow's and DuckDB's trims might treat differently from each other.
_ODD_SPACE = r"'[\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]'"
_ASCII_SPACE = "' \t\n\r\x0b\x0c'"
_REPLY = f"'^({WHITE_SPACE_CLASS}*回复{WHITE_SPACE_CLASS}*@({NAME_CLASS}+){WHITE_SPACE_CLASS}*[:：])'"
#: An XHS note's text, as :func:`store.mediacrawler._join_title` makes it from title and desc.
_TITLED = (
    "CASE WHEN coalesce(title, '') = '' THEN text WHEN coalesce(text, '') = '' "
    "THEN title WHEN starts_with(text, title) OR title = left(text, 255) THEN text "
    "ELSE title || chr(10) || text END"
)
#: Name characters that need no Unicode class (a subset of ``NAME_CLASS``).
_SIMPLE_NAME = r"[0-9A-Za-z_\x{4e00}-\x{9fff}\-]"


def _ms(d: str) -> str:
    """SQL: milliseconds of unix seconds or milliseconds ``d`` (a BIGINT; told apart at 1e11)."""
    return f"CASE WHEN {d} > 100000000000 THEN {d} ELSE {d} * 1000 END"


def _time_ok(x: str, d: str) -> str:
    """The text ``x`` (``d``: as BIGINT) is a time the reference accepts (in (0, 4.2e12) ms)."""
    return f"coalesce(regexp_full_match({x}, {_TIME}) AND {_ms(d)} > 0 AND {_ms(d)} < 4200000000000, false)"


def _time(d: str) -> str:
    """Microseconds since 1970 (made an Arrow UTC timestamp without a copy by :func:`_as_times`)."""
    return f"{_ms(d)} * 1000"


def _as_times(table: pa.Table, *names: str) -> pa.Table:
    """Columns of microseconds since 1970 as UTC timestamps (a cast that copies nothing)."""
    for name in names:
        k = table.column_names.index(name)
        table = table.set_column(k, name, table.column(k).cast(pa.timestamp("us", tz="UTC")))
    return table


def _count(x: str) -> str:
    """``floor(number × unit)``; plain digits (most cells) without a regular expression."""
    unit = f"regexp_extract({x}, {_COUNT}, 3)"
    d = (
        f"floor(TRY_CAST(regexp_extract({x}, {_COUNT}, 1) AS DOUBLE) * CASE {unit} "
        f"WHEN '万' THEN 10000.0 WHEN '亿' THEN 1e8 ELSE 1.0 END)"
    )
    # a number too large for a count is COUNT_OVERFLOW: the load quarantines its row
    return (
        f"CASE WHEN {x} = '' THEN NULL ELSE coalesce(CASE WHEN NOT contains({x}, '.') "
        f"THEN TRY_CAST({x} AS BIGINT) END, "
        f"CASE WHEN {d} < 4.611686018427388e18 THEN {d}::BIGINT "
        f"WHEN {d} IS NOT NULL THEN {COUNT_OVERFLOW} END) END"
    )


def _count_ok(x: str) -> str:
    return f"({x} IS NULL OR {x} = '' OR regexp_full_match({x}, {_COUNT}))"


def _location() -> str:
    """``ip_location`` without its prefixes and surrounding white space, as the reference (an
    ASCII-only trim: the clean check refuses other white space)."""
    strip = r"regexp_replace(loc, '^\s*(发布于|来自|IP属地[:：])', '')"
    odd_end = (
        "left(loc, 1) IN (' ', '\t', '\n', '\r', '\x0b', '\x0c') "
        "OR right(loc, 1) IN (' ', '\t', '\n', '\r', '\x0b', '\x0c')"
    )
    return (
        f"CASE WHEN loc IS NULL OR loc = '' THEN NULL "
        f"WHEN starts_with(loc, '发布于') OR starts_with(loc, '来自') OR starts_with(loc, 'IP属地') "
        f"OR {odd_end} THEN nullif(trim({strip}, {_ASCII_SPACE}), '') ELSE loc END"
    )


@dataclass(frozen=True)
class CellsSql:
    """The Arrow tables of one clean file (columns as :data:`store.records.ARROW_SCHEMAS`)."""

    posts: pa.Table
    users: pa.Table
    interactions: pa.Table
    row_keys: pa.ChunkedArray


def _cells_table(cells: pa.Table, spec: dict[str, str], lines: Sequence[int]) -> pa.Table | None:
    n = cells.num_rows
    spec = {**spec, **_USER_CELLS}
    cols: dict[str, pa.Array] = {}
    for short, key in spec.items():
        if key in cells.column_names:
            col = cells.column(key)
            if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
                return None
            cols[short] = col.cast(pa.string())
        else:
            cols[short] = pa.nulls(n, pa.string())
    cols["i"] = pa.array(range(n), pa.int64())
    cols["line"] = pa.array(lines, pa.int64())
    return pa.table(cols)


def parse_cells_sql(
    con: duckdb.DuckDBPyConnection,
    cells: pa.Table,
    platform: str,
    kind: str,
    *,
    lines: Sequence[int],
    note_authors: Mapping[str, str] | None = None,
) -> CellsSql | None:
    """Interpret the text cells of a MediaCrawler ``weibo`` / ``xhs`` ``contents`` or ``comments``
    export (``cells``: one Arrow string column per key, one row per record; ``lines``: each
    record's line in the file) as :func:`store.mediacrawler.parse_file` would. None when the file
    is not clean (see the module's docstring): the caller then uses the reference."""
    spec = _CELLS.get((platform, kind))
    if spec is None or cells.num_rows == 0:
        return None
    table = _cells_table(cells, spec, lines)
    if table is None:
        return None
    comments = kind == "comments"
    authors = None
    if comments:
        try:
            authors = pa.table(
                {
                    "note": pa.array(list((note_authors or {}).keys()), pa.string()),
                    "author": pa.array(list((note_authors or {}).values()), pa.string()),
                }
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    con.register("mc_cells", table)
    if authors is not None:
        con.register("mc_authors", authors)
    try:
        return _parse(con, platform, comments, "title" in spec)
    finally:
        con.unregister("mc_cells")
        if authors is not None:
            con.unregister("mc_authors")


def _parse(con: duckdb.DuckDBPyConnection, platform: str, comments: bool, titled: bool) -> CellsSql | None:
    weibo = platform == "weibo"
    gender = "CASE gender {} END".format(" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in GENDERS.items()))
    # "回复@name:" (where the reference's pattern finds it; a short name of common characters
    # right before the colon is told without the large Unicode classes, 5x faster)
    reply = (
        f"CASE WHEN NOT contains(body, '回复') THEN NULL "
        f"WHEN regexp_matches(body, '^回复@{_SIMPLE_NAME}{{1,30}}[:：]') "
        f"THEN regexp_extract(body, '^(回复@({_SIMPLE_NAME}{{1,30}})[:：])', ['p', 'n']) "
        f"ELSE regexp_extract(body, {_REPLY}, ['p', 'n']) END"
    )
    # ``ok``: the row is one the reference reads by the rules repeated here (module docstring)
    ok = f"""coalesce(regexp_full_match(pid, {_ID}), false)
            AND (coalesce(regexp_full_match(uid, {_ID}), false)
                 OR (coalesce(uid, '') = '' AND coalesce(regexp_full_match(hash, {_ID}), false)))
            AND {_time_ok("ts", "ts_d")}
            AND (seen IS NULL OR seen = '' OR regexp_full_match(seen, {_TIME}))
            AND {_count_ok("likes")} AND {_count_ok("comments")}
            {"" if comments else f"AND {_count_ok('reposts')}"}
            AND NOT coalesce(regexp_matches(loc, {_ODD_SPACE}), false)"""
    if comments:
        ok += f""" AND coalesce(regexp_full_match(note, {_ID}), false)
            AND (parent IS NULL OR parent = '' OR regexp_full_match(parent, {_ID}))"""
    con.execute(f"""
        CREATE TEMP TABLE mc_rows AS
        SELECT i, line, pid AS post_id,
               CASE WHEN coalesce(uid, '') <> '' THEN uid ELSE hash END AS user_id,
               nullif(name, '') AS me, {gender} AS gender, {_location()} AS location,
               {_time("ts_d")} AS created_at,
               CASE WHEN {_ms("seen_d")} > 0 AND {_ms("seen_d")} < 4200000000000 THEN {_time("seen_d")}
                    ELSE {_time("ts_d")} END AS seen_at,  -- ``ok`` checks that seen is digits
               {"NULL" if comments else _count("reposts")}::BIGINT AS reposts,
               {_count("comments")} AS comments, {_count("likes")} AS likes,
               {"note" if comments else "NULL::VARCHAR"} AS note,
               {
        "CASE WHEN parent IS NULL OR parent IN ('', '0', 'None', 'null') OR parent = pid "
        "THEN NULL ELSE parent END"
        if comments
        else "NULL::VARCHAR"
    } AS parent,
               body, CASE WHEN length(reply.n) BETWEEN 1 AND 30 THEN reply.p END AS reply_prefix,
               CASE WHEN length(reply.n) BETWEEN 1 AND 30 THEN reply.n END AS reply_name, {ok} AS ok
        FROM (SELECT *, {reply if comments and weibo else "NULL::STRUCT(p VARCHAR, n VARCHAR)"} AS reply
              FROM (SELECT *, {_TITLED if titled else "text"} AS body, TRY_CAST(ts AS BIGINT) AS ts_d,
                           TRY_CAST(seen AS BIGINT) AS seen_d FROM mc_cells))""")
    if con.execute("SELECT count(*) FILTER (WHERE NOT ok) FROM mc_rows").fetchall()[0][0]:
        return None
    after = "CASE WHEN reply_prefix IS NULL THEN body ELSE substr(body, length(reply_prefix) + 1) END"
    con.execute(f"""
        CREATE TEMP TABLE mc_text AS {
        text_columns_sql(
            f"(SELECT i, post_id, user_id, me, created_at, note, {after} AS words FROM mc_rows "
            f"WHERE contains(body, '@'))",
            body="words",
        )
    }""")
    if con.execute("SELECT count(*) FROM mc_text WHERE _slow").fetchall()[0][0]:
        return None  # a //@ name of more than 30 characters: the reference's rules
    posts = con.sql(
        f"""SELECT post_id, '{platform}' AS platform, user_id, created_at, body AS text,
                   NULL AS repost_of, {"note" if comments else "NULL"} AS reply_to, reposts,
                   comments, likes, line, true AS from_row
            FROM mc_rows ORDER BY i"""
    ).to_arrow_table()
    posts = _as_times(posts, "created_at")
    users = con.sql(
        f"""SELECT user_id, '{platform}' AS platform, me AS screen_name, NULL AS followers,
                  NULL AS following, NULL AS statuses, NULL AS verified, NULL AS verified_type,
                  NULL AS description, gender, location, seen_at
           FROM mc_rows ORDER BY i"""
    ).to_arrow_table()
    users = _as_times(users, "seen_at")
    edges = _comment_edges_sql() if comments else _content_edges_sql(chains=weibo)
    interactions = con.sql(
        f"""SELECT src_user, src_name, dst_user, dst_name, kind, post_id, created_at
            FROM ({edges}) ORDER BY g, i, k"""
    ).to_arrow_table()
    interactions = _as_times(interactions, "created_at")
    return CellsSql(posts, users, interactions, posts.column("post_id"))


def _content_edges_sql(chains: bool) -> str:
    """C1→B, then C2→C1, … (by name; a hop whose two names are equal is dropped; with
    ``chains``: Weibo), then the mentions of the own words; per row in that order (``g`` 0)."""
    repost = "" if chains else " AND false"
    return f"""
        SELECT 0 AS g, i, k, src_user, src_name, dst_user, dst_name, kind, post_id, created_at FROM (
            SELECT i, 0 AS k, NULL::VARCHAR AS src_user, chain[1] AS src_name, user_id AS dst_user,
                   NULL::VARCHAR AS dst_name, 'repost' AS kind, post_id, created_at
            FROM mc_text WHERE len(chain) > 0 AND chain[1] IS DISTINCT FROM me{repost}
            UNION ALL
            SELECT i, k, NULL, chain[k + 1], NULL, chain[k], 'repost', post_id, created_at
            FROM (SELECT *, unnest(generate_series(1, len(chain) - 1)) AS k
                  FROM mc_text WHERE len(chain) > 1)
            WHERE chain[k + 1] <> chain[k]{repost}
            UNION ALL
            SELECT i, 1000000 + k, user_id, NULL, NULL, name, 'mention', post_id, created_at
            FROM (SELECT *, unnest(names) AS name, generate_subscripts(names, 1) AS k
                  FROM mc_text WHERE len(names) > 0)
            WHERE name IS DISTINCT FROM me)"""


def _comment_edges_sql() -> str:
    """Note author → commenter (``g`` 1), replied-to author → replier (2), a replied-to name that
    is no known user → replier (3), each in row order; then the mentions (4), per row."""
    mask = (
        "CASE WHEN length(reply_name) <= 1 THEN '*' WHEN length(reply_name) = 2 "
        "THEN left(reply_name, 1) || '*' ELSE left(reply_name, 1) || '***' || right(reply_name, 1) END"
    )
    return f"""
        WITH by_id AS (
            SELECT post_id, arg_max({{'u': user_id, 'n': me}}, i) AS w FROM mc_rows GROUP BY post_id),
        by_name AS (
            SELECT me AS name, arg_max({{'u': user_id}}, i).u AS u FROM mc_rows
            WHERE me IS NOT NULL AND NOT contains(me, '*') GROUP BY me),
        c AS (
            SELECT r.i, r.user_id, r.me, r.note, r.created_at, a.author, p.w.u AS p_author,
                   p.w.n AS p_name, r.reply_name, r.reply_prefix
            FROM mc_rows r LEFT JOIN mc_authors a ON a.note = r.note
                           LEFT JOIN by_id p ON p.post_id = r.parent),
        t AS (
            SELECT c.*, (reply_prefix IS NULL OR (p_author IS NOT NULL AND coalesce(p_name, '') <> ''
                         AND (p_name = reply_name OR (contains(p_name, '*') AND {mask} = p_name))))
                        AS parent_is_target,
                   n.u AS named
            FROM c LEFT JOIN by_name n ON n.name = c.reply_name),
        e AS (
            SELECT i, user_id, note, created_at, author,
                   CASE WHEN parent_is_target THEN p_author ELSE named END AS target,
                   CASE WHEN NOT parent_is_target AND named IS NULL AND reply_name IS DISTINCT FROM me
                        THEN reply_name END AS target_name
            FROM t)
        SELECT 1 AS g, i, 0 AS k, author AS src_user, NULL::VARCHAR AS src_name, user_id AS dst_user,
               NULL::VARCHAR AS dst_name, 'comment' AS kind, note AS post_id, created_at
        FROM e WHERE author IS NOT NULL AND author <> user_id
        UNION ALL
        SELECT 2, i, 0, target, NULL, user_id, NULL, 'comment', note, created_at
        FROM e WHERE target IS NOT NULL AND target IS DISTINCT FROM author AND target <> user_id
        UNION ALL
        SELECT 3, i, 0, NULL, target_name, user_id, NULL, 'comment', note, created_at
        FROM e WHERE target_name IS NOT NULL
        UNION ALL
        SELECT 4, i, k, user_id, NULL, NULL, name, 'mention', note, created_at
        FROM (SELECT *, unnest(names) AS name, generate_subscripts(names, 1) AS k
              FROM mc_text WHERE len(names) > 0)
        WHERE name IS DISTINCT FROM me"""
