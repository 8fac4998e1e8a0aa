"""Weibo API JSON lines in bulk: the common lines parsed by DuckDB SQL, in one pass per file.

:func:`store.weibo_api.parse_weibo_api` hands each file's lines here as one Arrow column. DuckDB
parses each line once (``json_transform`` into a structure whose leaves stay JSON text, so the
type of every value is still known) and this module turns the lines it can read *exactly as
the row-by-row parser would* into posts, users and interactions. Every other line (a
``{"statuses": [...]}`` wrapper, a value of an unexpected type, a bad time, JSON that DuckDB
accepts but the reference does not: ``NaN``, trailing commas, numbers beyond 64 bits…) is
marked *slow* and left to the row-by-row parser, which stays the reference and writes the
quarantine reasons. ``tests/store/test_weibo_api.py`` checks that both give the same batch.

What a line means (the rules of :mod:`store.weibo_api`):

* a *status* (a post or a repost, ``user`` its author, ``retweeted_status`` the reposted post):
  the post, the reposted post as a post of its own, both authors as users, ``@`` mentions of
  each text, and the repost chain's edges;
* a *comment* (``status`` is the commented post, no ``retweeted_status`` key): the comment as a
  post with ``reply_to``, the commented post when the line carries it, comment edges from the
  post's author and from the replied comment's author, ``@`` mentions after a leading
  ``回复@name:``.

The one known difference: a line with a key twice (``{"id": 1, "id": 2}``) is read with the
first value here and the last one by the reference. No exporter writes such lines.

Example:
    >>> import pyarrow as pa
    >>> from store.bulk import bulk_session
    >>> line = ('{"idstr": "1", "created_at": "Fri Mar 31 23:47:24 +0800 2017", '
    ...         '"text": "hi", "user": {"idstr": "9", "screen_name": "阿花"}}')
    >>> with bulk_session() as con:
    ...     parsed = parse_api_lines_sql(con, pa.array([line, "{oops"]))
    >>> parsed.slow_lines, parsed.posts.column("post_id").to_pylist()
    ([2], ['1'])
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from store.bulk import (
    NAME_CLASS,
    WHITE_SPACE_CLASS,
    chain_edges_sql,
    fix_slow_text_rows,
    mention_edges_sql,
    text_columns_sql,
)

__all__ = ["ApiLinesSql", "parse_api_lines_sql"]

_ID_KEYS = ("idstr", "mid", "id")
_USER_KEYS = (
    "idstr",
    "id",
    "screen_name",
    "name",
    "followers_count",
    "friends_count",
    "statuses_count",
    "verified",
    "verified_type",
    "description",
    "gender",
    "location",
)
_USER_IDS = ("idstr", "id")
_POST_KEYS = (*_ID_KEYS, "created_at", "text", "reposts_count", "comments_count", "attitudes_count")


def _json(keys: tuple[str, ...], **nested: str) -> str:
    """A ``json_transform`` structure: every key a JSON leaf, plus nested structures."""
    parts = [f'"{k}":"JSON"' for k in keys] + [f'"{k}":{v}' for k, v in nested.items()]
    return "{" + ",".join(parts) + "}"


def _varchar_type(structure: str) -> str:
    """The SQL type of a ``json_transform`` structure with its JSON leaves as VARCHAR (the text of
    each JSON value; string functions on the JSON type would parse their results as JSON)."""

    def sql(node: dict) -> str:
        return (
            "STRUCT("
            + ", ".join(f'"{k}" ' + (sql(v) if isinstance(v, dict) else "VARCHAR") for k, v in node.items())
            + ")"
        )

    return sql(json.loads(structure))


_USER = _json(_USER_KEYS)
_SOURCE = _json(_POST_KEYS, user=_USER, retweeted_status=_json(_ID_KEYS))
_LINE = _json(
    (*_POST_KEYS, "like_count"),
    user=_USER,
    retweeted_status=_SOURCE,
    status=_SOURCE,
    reply_comment=_json((), user=_json(("idstr", "id"))),
)

#: JSON that DuckDB reads but Python's (and orjson's) parser refuses, anywhere in the line:
#: NaN / Infinity, a number too large for a double, a trailing comma. A match inside a string
#: only sends the line to the reference parser.
_LENIENT = (
    r"'[:,\[][ \t\r\n]*[+-]?(?i:nan|inf)|[:,\[][ \t\r\n]*-?[0-9.]+[eE]\+?[0-9]{3}"
    r"|,[ \t\r\n]*[}\]]'"
)


def _ids(path: str, keys: tuple[str, ...], name: str) -> list[str]:
    """``<name>`` (the first of the keys that holds an id, as :func:`store.fields.as_id` reads
    it) and ``<name>_sure`` (no key holds a number DuckDB and Python may read differently)."""
    return [
        f"coalesce({', '.join(f'tj_jid({path}.{k})' for k in keys)}) AS {name}",
        f"NOT ({' OR '.join(f'tj_jid_unsure({path}.{k})' for k in keys)}) AS {name}_sure",
    ]


def _kinds(path: str, keys: tuple[str, ...], kinds: str) -> str:
    return "(" + " AND ".join(f"tj_jkind({path}.{k}) IN ({kinds})" for k in keys) + ")"


def _decoded(pre: str, path: str) -> list[str]:
    """The values of the post object at ``path`` (and its author), decoded, as ``<pre>_*``."""
    u = f"{path}.user"
    cols = [
        *_ids(path, _ID_KEYS, f"{pre}_id"),
        f"tj_api_time({path}.created_at) AS {pre}_time",
        f"tj_jstr({path}.text) AS {pre}_text",
        f"tj_jkind({path}.text) IN ('none', 'str') AS {pre}_text_ok",
        f"tj_jcount({path}.reposts_count) AS {pre}_reposts",
        f"tj_jcount({path}.comments_count) AS {pre}_comments",
        f"tj_jcount({path}.attitudes_count) AS {pre}_likes",
        _kinds(path, ("reposts_count", "comments_count", "attitudes_count"), "'none', 'int'")
        + f" AS {pre}_counts_ok",
        f"{u} IS NOT NULL AS {pre}_u_present",
        *_ids(u, _USER_IDS, f"{pre}_uid"),
        f"coalesce(nullif(tj_jstr({u}.screen_name), ''), nullif(tj_jstr({u}.name), '')) AS {pre}_name",
        f"tj_jcount({u}.followers_count) AS {pre}_followers",
        f"tj_jcount({u}.friends_count) AS {pre}_following",
        f"tj_jcount({u}.statuses_count) AS {pre}_statuses",
        f"CASE tj_jkind({u}.verified) WHEN 'bool' THEN {u}.verified = 'true' END AS {pre}_verified",
        f"tj_jcount({u}.verified_type) AS {pre}_verified_type",
        f"nullif(tj_jstr({u}.description), '') AS {pre}_description",
        f"nullif(tj_jstr({u}.gender), '') AS {pre}_gender",
        f"nullif(tj_trim(tj_jstr({u}.location)), '') AS {pre}_location",
        _kinds(u, ("followers_count", "friends_count", "statuses_count", "verified_type"), "'none', 'int'")
        + " AND "
        + _kinds(u, ("screen_name", "name", "description", "gender"), "'none', 'str'")
        + f" AS {pre}_profile_ok",
    ]
    if pre != "p":
        cols += _ids(f"{path}.retweeted_status", _ID_KEYS, f"{pre}_rt")
    return cols


# One row per line: whether it parsed, and every value the fast path reads, decoded once.
# p = the line's object, r = its retweeted_status, s = a comment's status.
# A line keeps its line end: JSON allows white space after the value, as Python's strip() does.
_READ = f"""
CREATE TEMP TABLE api_o AS
SELECT i, contains(raw, '"retweeted_status"') AS has_rt, contains(raw, '"status"') AS has_status,
       CASE WHEN left(raw, 1) = '{{' AND NOT contains(raw, '"statuses"')
                 AND NOT contains(raw, '\\u0000') AND NOT regexp_matches(raw, {_LENIENT})
            THEN try(json_transform(raw, '{_LINE}'))::{_varchar_type(_LINE)} END AS o
FROM api_lines"""

# The values of each line, decoded once: the line's object (p) on every line, the reposted
# post (r) and a comment's post (s) only on the lines that have one, joined by line.
_DECODE = f"""
CREATE TEMP TABLE api_f AS
SELECT * FROM (
    SELECT i, has_rt, has_status, o IS NOT NULL AS parsed, o.retweeted_status IS NOT NULL AS r_present,
           o.status IS NOT NULL AS s_present, {", ".join(_decoded("p", "o"))},
           tj_jcount(o.like_count) AS p_like, tj_jkind(o.like_count) IN ('none', 'int') AS p_like_ok,
           {", ".join(_ids("o.reply_comment.user", _USER_IDS, "rc_uid"))}
    FROM api_o)
LEFT JOIN (SELECT i, {", ".join(_decoded("r", "o.retweeted_status"))}
           FROM api_o WHERE o.retweeted_status IS NOT NULL) USING (i)
LEFT JOIN (SELECT i, {", ".join(_decoded("s", "o.status"))},
                  tj_jkind(o.status.created_at) IN ('none', 'str') AS s_created_ok,
                  coalesce(tj_jstr(o.status.created_at) <> '', false) AS s_created_given
           FROM api_o WHERE o.status IS NOT NULL) USING (i)"""


def _post_ok(pre: str, *, values: bool = True) -> str:
    """The post's id, time and author are there (and, with ``values``, its text and counts have
    the types the fast path reads)."""
    ok = (
        f"{pre}_id IS NOT NULL AND {pre}_id_sure AND {pre}_time IS NOT NULL"
        f" AND {pre}_uid IS NOT NULL AND {pre}_uid_sure AND {pre}_profile_ok"
    )
    return ok + (f" AND {pre}_text_ok AND {pre}_counts_ok" if values else "")


# kind: 'status', 'comment', or NULL for a line the reference parser reads (slow).
# rt_key / status_key: whether the line has that key (NULL: cannot tell without the reference).
# target: a comment's line carries the commented post (its author and a time).
_CLASSIFY = f"""
CREATE TEMP TABLE api_k AS
SELECT * EXCLUDE (rt_key, status_key), CASE
    WHEN NOT parsed THEN NULL
    WHEN rt_key = 'no' AND status_key = 'yes' THEN
        CASE WHEN {_post_ok("p", values=False)} AND p_like_ok
                  AND s_id IS NOT NULL AND s_id_sure AND s_rt_sure AND rc_uid_sure
                  AND NOT (s_u_present AND (s_uid IS NULL OR NOT s_uid_sure)) AND s_created_ok
                  AND (NOT target OR ({_post_ok("s")}))
             THEN 'comment' END
    WHEN rt_key = 'yes' OR (rt_key = 'no' AND status_key = 'no') THEN
        CASE WHEN {_post_ok("p")}
                  AND (NOT r_present OR ({_post_ok("r")} AND r_rt IS NULL AND r_rt_sure))
             THEN 'status' END
    END AS kind
FROM (SELECT *,
             CASE WHEN r_present THEN 'yes' WHEN NOT has_rt THEN 'no' END AS rt_key,
             CASE WHEN s_present THEN 'yes' WHEN NOT has_status THEN 'no' END AS status_key,
             s_u_present AND s_created_given AS target
      FROM api_f)"""


def _user_select(pre: str, when: str) -> str:
    return f"""
    SELECT {pre}_uid AS user_id, 'weibo' AS platform, {pre}_name AS screen_name,
           {pre}_followers AS followers, {pre}_following AS following, {pre}_statuses AS statuses,
           {pre}_verified AS verified, {pre}_verified_type AS verified_type,
           {pre}_description AS description, {pre}_gender AS gender, {pre}_location AS location,
           {pre}_time AS seen_at, i AS _line, {0 if pre == "p" else 1} AS _seq
    FROM api_k WHERE {when}"""


def _post_select(pre: str, when: str, *, repost_of: str, from_row: bool) -> str:
    return f"""
    SELECT {pre}_id AS post_id, 'weibo' AS platform, {pre}_uid AS user_id, {pre}_time AS created_at,
           {pre}_text AS text, {repost_of} AS repost_of, NULL AS reply_to, {pre}_reposts AS reposts,
           {pre}_comments AS comments, {pre}_likes AS likes, i AS line,
           {str(from_row).lower()} AS from_row, i AS _line, {0 if from_row else 1} AS _seq
    FROM api_k WHERE {when}"""


_POSTS = f"""
SELECT * FROM (
    {_post_select("p", "kind = 'status'", repost_of="CASE WHEN r_present THEN r_id END", from_row=True)}
    UNION ALL
    {_post_select("r", "kind = 'status' AND r_present", repost_of="NULL", from_row=False)}
    UNION ALL
    SELECT p_id, 'weibo', p_uid, p_time, coalesce(p_text, ''), NULL, s_id, NULL, NULL, p_like,
           i, true, i, 0
    FROM api_k WHERE kind = 'comment'
    UNION ALL
    {_post_select("s", "kind = 'comment' AND target", repost_of="s_rt", from_row=False)})
ORDER BY _line, _seq"""

_USERS = f"""
SELECT * FROM ({_user_select("p", "kind IS NOT NULL")}
               UNION ALL {_user_select("r", "kind = 'status' AND r_present")}
               UNION ALL {_user_select("s", "kind = 'comment' AND target")})
ORDER BY _line, _seq"""

_REPLY_PREFIX = f"'^回复@({NAME_CLASS}+){WHITE_SPACE_CLASS}*[:：]'"

#: Every text whose mentions (and, for a status, repost chain) count; ``i`` = line * 8 + g.
_TEXTS = f"""
SELECT i * 8 AS i, 0 AS g, p_id AS post_id, p_uid AS user_id, p_name AS me, p_time AS created_at,
       coalesce(p_text, '') AS body, CASE WHEN r_present THEN r_uid END AS root_user,
       CASE WHEN r_present THEN r_name END AS root_name
FROM api_k WHERE kind = 'status'
UNION ALL
SELECT i * 8 + 1, 1, r_id, r_uid, r_name, r_time, coalesce(r_text, ''), NULL, NULL
FROM api_k WHERE kind = 'status' AND r_present
UNION ALL
SELECT i * 8 + 1, 1, s_id, s_uid, s_name, s_time, coalesce(s_text, ''), NULL, NULL
FROM api_k WHERE kind = 'comment' AND target
UNION ALL
SELECT i * 8 + 4, 4, s_id, p_uid, p_name, p_time,
       list_transform([coalesce(p_text, '')], lambda t: CASE
           WHEN NOT starts_with(t, '回复@') THEN t
           WHEN length(regexp_extract(t, {_REPLY_PREFIX}, 1)) BETWEEN 1 AND 30
           THEN substr(t, length(regexp_extract(t, {_REPLY_PREFIX}, 0)) + 1)
           ELSE t END)[1], NULL, NULL
FROM api_k WHERE kind = 'comment'"""

_COMMENT_EDGES = """
SELECT src_user, NULL::VARCHAR AS src_name, dst_user, NULL::VARCHAR AS dst_name, 'comment' AS kind,
       post_id, created_at, i AS _line, g * 1000000 AS _seq
FROM (SELECT i, 2 AS g, author AS src_user, commenter AS dst_user, post_id, created_at FROM c
      UNION ALL
      SELECT i, 3, replied, commenter, post_id, created_at FROM c
      WHERE replied IS DISTINCT FROM author)
WHERE src_user IS NOT NULL AND src_user <> dst_user"""

# Interactions in the reference parser's order within a line: the post's mentions (g 0), the
# reposted or commented post's mentions (1), the repost chain or the comment edge (2), the edge
# from the replied comment's author (3), the comment's mentions (4).
_INTERACTIONS = f"""
WITH c AS (SELECT i, s_id AS post_id, p_uid AS commenter, p_time AS created_at,
                  CASE WHEN s_u_present THEN s_uid END AS author, rc_uid AS replied
           FROM api_k WHERE kind = 'comment'),
     reposts AS (SELECT i, post_id, user_id, me, chain, root_user, root_name, created_at
                 FROM api_t WHERE g = 0)
SELECT src_user, src_name, dst_user, dst_name, kind, post_id, created_at, _line, _seq FROM (
    SELECT *, i // 8 AS _line, (i % 8) * 1000000 + k AS _seq FROM ({mention_edges_sql("api_t")})
    UNION ALL
    SELECT *, i // 8 AS _line, 2000000 + k AS _seq FROM ({chain_edges_sql("reposts")}))
UNION ALL {_COMMENT_EDGES}
ORDER BY _line, _seq"""


@dataclass(frozen=True)
class ApiLinesSql:
    """What SQL read from a file's lines. Each table has ``_line`` and ``_seq`` (the order the
    reference parser emits rows in within a line); ``slow_lines`` are the line numbers (1-based)
    left to the reference parser (blank lines are in neither)."""

    posts: pa.Table
    users: pa.Table
    interactions: pa.Table
    row_keys: pa.Table
    slow_lines: list[int]


def parse_api_lines_sql(con: duckdb.DuckDBPyConnection, lines: pa.Array | pa.ChunkedArray) -> ApiLinesSql:
    """Parse the lines (line k is ``lines[k - 1]``, a trailing ``\\n``/``\\r\\n`` allowed) with the
    SQL fast path on ``con`` (a :func:`store.bulk.bulk_session` connection)."""
    n = len(lines)
    table = pa.table({"i": pa.array(range(1, n + 1), pa.int64()), "raw": lines})
    # small record batches: DuckDB scans an Arrow table's batches in parallel
    con.register(
        "api_lines", pa.Table.from_batches(table.to_batches(max_chunksize=8192), schema=table.schema)
    )
    try:
        con.execute(_READ)
    finally:
        con.unregister("api_lines")
    con.execute(_DECODE)
    con.execute("DROP TABLE api_o")
    con.execute(_CLASSIFY)
    con.execute("DROP TABLE api_f")
    slow = [i for (i,) in con.execute("SELECT i FROM api_k WHERE kind IS NULL ORDER BY i").fetchall()]
    posts = con.sql(_POSTS).to_arrow_table()
    users = con.sql(_USERS).to_arrow_table()
    keys = con.sql(
        "SELECT p_id AS key, i AS _line, 0 AS _seq FROM api_k WHERE kind IS NOT NULL ORDER BY i"
    ).to_arrow_table()
    con.execute(f"CREATE TEMP TABLE api_t AS SELECT * FROM ({text_columns_sql(f'({_TEXTS})')}) ORDER BY i")
    fix_slow_text_rows(con, "api_t")
    interactions = con.sql(_INTERACTIONS).to_arrow_table()
    return ApiLinesSql(posts, users, interactions, keys, slow)
