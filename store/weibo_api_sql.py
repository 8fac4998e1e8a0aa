"""Weibo API JSON lines in bulk: the common lines parsed by pyarrow and DuckDB SQL, in one pass.

:func:`store.weibo_api.parse_weibo_api` hands each file's lines here as one Arrow column. Two
readers share the SQL that follows:

* the *typed path* (most lines): pyarrow's JSON reader with an explicit schema of the values
  read, in pieces of :data:`PIECE_BYTES` (two at a time). It is strict where DuckDB is lenient:
  a piece with a value of another JSON type than the API writes (``"12"`` for a count, a
  number for a name, ``1.0`` for an id, a key given twice), a broken line or a blank line fails
  whole and goes to the JSON path, so the values it gives are read as Python reads them;
* the *JSON path*: DuckDB parses each line (``json_transform`` into a structure whose leaves
  stay JSON text, so the type of every value is still known).

Then this module turns the lines it can read *exactly as the row-by-row parser would* into
posts, users and interactions. Every other line (a
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from store.bulk import (
    NAME_CLASS,
    WHITE_SPACE_CLASS,
    chain_edges_sql,
    fix_slow_text_rows,
    mention_edges_sql,
    text_columns_sql,
)
from store.fields import COUNT_OVERFLOW, MAX_COUNT

__all__ = ["PIECE_BYTES", "ApiLinesSql", "parse_api_lines_sql"]

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
CREATE TEMP TABLE api_fj AS
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


# --- The typed path: lines whose values all have the expected JSON types ----------------------
#
# pyarrow's JSON reader with an explicit schema is strict where DuckDB's is lenient: a value of
# another JSON type than the schema's (a number where a string belongs, "12" where a count
# belongs, 1.0 for an int, a key given twice, a trailing comma) fails the whole block. So a
# block that parses holds only values that Python reads with the same type, and decoding is
# plain column access instead of a JSON leaf test per value (the JSON path above, ~8 s of the
# 12 s for 243k lines). A block that fails goes to the JSON path, line by line.

_ARROW_TYPES = {
    "id": pa.int64(),
    "verified": pa.bool_(),
    **{k: pa.int64() for k in ("reposts_count", "comments_count", "attitudes_count", "like_count")},
    **{k: pa.int64() for k in ("followers_count", "friends_count", "statuses_count", "verified_type")},
}


def _arrow_struct(structure: str) -> pa.StructType:
    """The pyarrow type of a ``json_transform`` structure, each leaf typed as the API writes it."""

    def typed(node: dict) -> pa.StructType:
        return pa.struct(
            [
                (k, typed(v) if isinstance(v, dict) else _ARROW_TYPES.get(k, pa.string()))
                for k, v in node.items()
            ]
        )

    return typed(json.loads(structure))


_LINE_ARROW = _arrow_struct(_LINE)
_LINE_SCHEMA = pa.schema(list(_LINE_ARROW))
_PARSE_OPTIONS = pajson.ParseOptions(explicit_schema=_LINE_SCHEMA, unexpected_field_behavior="ignore")

#: Lines parse in pieces of about this many bytes (two at a time); a piece with one line that
#: is not plain typed JSON goes to the JSON path whole.
PIECE_BYTES = 4 << 20


def _c(path: str) -> str:
    """The typed table's column of a value (``o.user.idstr``) or of an object's presence (``o.user``)."""
    return f'"{path}"'


#: Every character ``str.isspace`` accepts, as a SQL string (for ``trim``).
_SPACES = "'" + "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "'"


def _stripped(x: str) -> str:
    """``str.strip()`` of a column, without the lambda of ``tj_trim`` (the column is read once)."""
    return (
        f"CASE WHEN {x} = '' OR (NOT tj_is_space(left({x}, 1)) AND NOT tj_is_space(right({x}, 1))) "
        f"THEN {x} ELSE trim({x}, {_SPACES}) END"
    )


def _typed_ids(path: str, keys: tuple[str, ...], name: str) -> list[str]:
    def one(k: str) -> str:
        x = _c(f"{path}.{k}")
        if k == "id":
            return f"{x}::VARCHAR"
        return f"CASE WHEN regexp_full_match({x}, '[0-9]+') THEN {x} ELSE nullif({_stripped(x)}, '') END"

    parts = [one(k) for k in keys]
    return [f"coalesce({', '.join(parts)}) AS {name}", f"true AS {name}_sure"]


def _typed_count(x: str) -> str:
    """:func:`store.fields.as_count` of an int: beyond :data:`MAX_COUNT` it is COUNT_OVERFLOW."""
    return (
        f"CASE WHEN {x} BETWEEN {-MAX_COUNT} AND {MAX_COUNT} THEN {x}"
        f" WHEN {x} IS NOT NULL THEN {COUNT_OVERFLOW} END"
    )


_API_TIME = (
    "'[A-Z][a-z]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    "[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-](0[0-9]|1[0-4])[0-5][0-9] (19|20)[0-9]{2}'"
)


def _typed_time(x: str) -> str:
    """``tj_api_time`` of a string (not a JSON leaf): the API's form, else NULL."""
    return (
        f"CASE WHEN regexp_full_match({x}, {_API_TIME}) THEN try_strptime({x}, '%a %b %d %H:%M:%S %z %Y') END"
    )


def _only_where(present: str, column: str) -> str:
    """``<expr> AS <name>`` evaluated only where ``present`` (a constant stays as it is)."""
    expr, name = column.rsplit(" AS ", 1)
    return column if expr == "true" else f"CASE WHEN {present} THEN {expr} END AS {name}"


def _typed_decoded(pre: str, path: str) -> list[str]:
    """:func:`_decoded` of a typed line: the same columns, every ``*_ok`` and ``*_sure`` true."""
    u = f"{path}.user"

    def v(p: str, k: str) -> str:
        return _c(f"{p}.{k}")

    cols = [
        *_typed_ids(path, _ID_KEYS, f"{pre}_id"),
        f"{_typed_time(v(path, 'created_at'))} AS {pre}_time",
        f"{v(path, 'text')} AS {pre}_text",
        f"true AS {pre}_text_ok",
        f"{_typed_count(v(path, 'reposts_count'))} AS {pre}_reposts",
        f"{_typed_count(v(path, 'comments_count'))} AS {pre}_comments",
        f"{_typed_count(v(path, 'attitudes_count'))} AS {pre}_likes",
        f"true AS {pre}_counts_ok",
        f"{_c(u)} AS {pre}_u_present",
        *_typed_ids(u, _USER_IDS, f"{pre}_uid"),
        f"coalesce(nullif({v(u, 'screen_name')}, ''), nullif({v(u, 'name')}, '')) AS {pre}_name",
        f"{_typed_count(v(u, 'followers_count'))} AS {pre}_followers",
        f"{_typed_count(v(u, 'friends_count'))} AS {pre}_following",
        f"{_typed_count(v(u, 'statuses_count'))} AS {pre}_statuses",
        f"{v(u, 'verified')} AS {pre}_verified",
        f"{_typed_count(v(u, 'verified_type'))} AS {pre}_verified_type",
        f"nullif({v(u, 'description')}, '') AS {pre}_description",
        f"nullif({v(u, 'gender')}, '') AS {pre}_gender",
        f"nullif({_stripped(v(u, 'location'))}, '') AS {pre}_location",
        f"true AS {pre}_profile_ok",
    ]
    if pre != "p":
        cols += _typed_ids(f"{path}.retweeted_status", _ID_KEYS, f"{pre}_rt")
        # most lines have no reposted (or no commented) post: decode only the lines that do
        cols = [_only_where(_c(path), c) for c in cols]
    return cols


# What pyarrow accepts and Python's parser does not (NaN, Inf, Infinity, as any value), a NUL
# (DuckDB's text ends there) or a wrapper of several statuses: the reference parser reads it.
# Whether a line has a "status" / "retweeted_status" key (a null value looks like no key to
# pyarrow, not to the reference) is looked up only where it decides what the line is.
_HAS_STATUS = f"""({_c("o.status")} OR contains(raw, '"status"'))"""
_TYPED_DECODE = f"""
CREATE TEMP VIEW api_ft AS
SELECT i, {_c("o.retweeted_status")} OR ({_HAS_STATUS} AND contains(raw, '"retweeted_status"')) AS has_rt,
       {_HAS_STATUS} AS has_status,
       NOT (contains(raw, '"statuses"') OR contains(raw, 'NaN') OR contains(raw, 'Inf')
            OR contains(raw, '\\u0000')) AS parsed,
       {_c("o.retweeted_status")} AS r_present, {_c("o.status")} AS s_present,
       {", ".join(_typed_decoded("p", "o"))},
       {_typed_count(_c("o.like_count"))} AS p_like, true AS p_like_ok,
       {", ".join(_typed_ids("o.reply_comment.user", _USER_IDS, "rc_uid"))},
       {", ".join(_typed_decoded("r", "o.retweeted_status"))},
       {", ".join(_typed_decoded("s", "o.status"))},
       true AS s_created_ok, coalesce({_c("o.status.created_at")} <> '', false) AS s_created_given
FROM api_typed"""


def _flat(name: str, values: pa.Array, out: dict[str, pa.Array]) -> None:
    """The leaves of a struct array as columns ``name.key…`` (a leaf of a null object is null),
    each object's presence as a boolean column ``name`` (DuckDB scans flat Arrow columns faster
    than nested ones)."""
    if pa.types.is_struct(values.type):
        out[name] = pc.is_valid(values)
        for field, child in zip(values.type, values.flatten(), strict=True):
            _flat(f"{name}.{field.name}", child, out)
    else:
        out[name] = values


def _newline_lines(lines: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The lines' bytes, each line ending with ``\\n`` (the last maybe not), and the offsets of
    the lines in them (``n + 1`` of them). The lines of a file read in bytes are that already."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    n = len(lines)
    if n and lines.null_count == 0:
        offsets = np.frombuffer(
            lines.buffers()[1], dtype=np.int64 if pa.types.is_large_string(lines.type) else np.int32
        )
        offsets = offsets[lines.offset : lines.offset + n + 1].astype(np.int64)
        data = (
            np.frombuffer(lines.buffers()[2], dtype=np.uint8)
            if lines.buffers()[2] is not None
            else np.zeros(0, np.uint8)
        )
        if n == 1 or bool(np.all(data[offsets[1:-1] - 1] == 10)):
            return data[offsets[0] : offsets[-1]], offsets - offsets[0]
    encoded = [((t or "") + "\n").encode("utf-8", "surrogatepass") for t in lines.to_pylist()]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), np.concatenate([[0], np.cumsum(lengths)])


def _parse_piece(data: np.ndarray, offsets: np.ndarray, a: int, b: int) -> pa.Table | None:
    """Lines ``a`` to ``b - 1`` parsed with the typed schema, or None when that piece has a line
    the typed reader cannot read as one line of plain typed JSON."""
    start, end = int(offsets[a]), int(offsets[b])
    if not bool(np.all(data[offsets[a:b]] == 123)):  # each line starts with "{"
        return None
    try:
        table = pajson.read_json(
            pa.BufferReader(pa.py_buffer(data[start:end])),
            read_options=pajson.ReadOptions(use_threads=False, block_size=end - start + 1),
            parse_options=_PARSE_OPTIONS,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != b - a:  # two objects on a line
        return None
    flat: dict[str, pa.Array] = {}
    _flat(
        "o",
        pa.StructArray.from_arrays(
            [table.column(f.name).combine_chunks() for f in _LINE_ARROW], fields=list(_LINE_ARROW)
        ),
        flat,
    )
    return pa.table(flat)


def _parse_typed(lines: pa.Array | pa.ChunkedArray, piece_bytes: int) -> tuple[pa.Table | None, np.ndarray]:
    """The lines the typed reader reads (a table of ``i``, the line number, ``raw``, the line, and
    the values as columns ``o.user.idstr``…, see :func:`_flat`) and the 0-based numbers of the
    other lines."""
    data, offsets = _newline_lines(lines)
    n = len(offsets) - 1
    if n == 0:
        return None, np.zeros(0, np.int64)
    cuts = np.unique(
        np.concatenate([[0], np.searchsorted(offsets, np.arange(piece_bytes, offsets[-1], piece_bytes)), [n]])
    )
    pieces = [(int(a), int(b)) for a, b in pairwise(cuts) if b > a]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="tajian-json") as pool:
        parsed = list(pool.map(lambda ab: _parse_piece(data, offsets, *ab), pieces))
    good = [(ab, o) for ab, o in zip(pieces, parsed, strict=True) if o is not None]
    bad = [np.arange(a, b) for (a, b), o in zip(pieces, parsed, strict=True) if o is None]
    rest = np.concatenate(bad) if bad else np.zeros(0, np.int64)
    if not good:
        return None, rest
    raw = lines if isinstance(lines, pa.ChunkedArray) else pa.chunked_array([lines])
    table = pa.concat_tables([o for _, o in good])
    table = table.add_column(
        0, "i", pa.chunked_array([pa.array(np.arange(a + 1, b + 1, dtype=np.int64)) for (a, b), _ in good])
    )
    table = table.add_column(
        1, "raw", pa.chunked_array([c for (a, b), _ in good for c in raw.slice(a, b - a).chunks], raw.type)
    )
    return table, rest


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


def parse_api_lines_sql(
    con: duckdb.DuckDBPyConnection, lines: pa.Array | pa.ChunkedArray, *, piece_bytes: int | None = None
) -> ApiLinesSql:
    """Parse the lines (line k is ``lines[k - 1]``, a trailing ``\\n``/``\\r\\n`` allowed) with the
    SQL fast path on ``con`` (a :func:`store.bulk.bulk_session` connection)."""
    n = len(lines)
    piece_bytes = PIECE_BYTES if piece_bytes is None else piece_bytes
    typed, rest = _parse_typed(lines, piece_bytes) if piece_bytes > 0 else (None, np.arange(n))
    made = []
    if len(rest) or typed is None:
        table = pa.table({"i": pa.array(rest + 1, pa.int64()), "raw": lines.take(pa.array(rest))})
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
        made.append("api_fj")
    if typed is not None:
        # a view: the typed values are decoded once, by _CLASSIFY, into api_k
        con.register(
            "api_typed", pa.Table.from_batches(typed.to_batches(max_chunksize=8192), schema=typed.schema)
        )
        con.execute(_TYPED_DECODE)
        made.append("api_ft")
    try:
        con.execute(
            "CREATE TEMP VIEW api_f AS " + " UNION ALL BY NAME ".join(f"SELECT * FROM {t}" for t in made)
        )
        con.execute(_CLASSIFY)
    finally:
        con.execute("DROP VIEW IF EXISTS api_f")
        if typed is not None:
            con.execute("DROP VIEW IF EXISTS api_ft")
            con.unregister("api_typed")
    if "api_fj" in made:
        con.execute("DROP TABLE api_fj")
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
