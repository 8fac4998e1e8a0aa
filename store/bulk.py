"""Bulk parsing in DuckDB SQL: the field rules of :mod:`store.fields` as SQL macros.

Readers of large exports turn a file's cells (an Arrow table) into a batch with a few SQL
statements instead of a Python loop per row. Each macro here is the SQL twin of a Python
function that stays the reference (tests compare them on arbitrary text):

============================  ============================================================
``tj_strip(x)``                ``str.strip()``: the text without surrounding white space
``tj_trim(x)``                 the same, without a regular expression (cheaper to bind; the
                               common case, nothing to strip, costs two character tests)
``tj_id(x)``                   :func:`store.fields.as_id` on text: surrounding white space
                               (incl. weibo-crawler's tab) stripped; ``''`` when missing
``tj_is_id(x)``                the id is 1–20 ASCII digits
``tj_count(x)``                :func:`store.fields.as_count`: ``1.2万`` → 12000, ``100万+`` → 1000000
                               (decimals round half away from zero: ``12.7`` → 13; a number too
                               large is ``COUNT_OVERFLOW``)
``tj_local_time(x)``           a zone-less time ("2026-11-13 10:00[:00]", "2026-11-13",
                               ``T`` allowed) in Asia/Shanghai, as a UTC timestamp
``tj_chain(x)``                the ``//@name:`` chain names (:func:`store.fields.repost_chain_names`;
                               exact when no chain part names more than 30 characters, see
                               :func:`text_columns_sql` for the exact staged form)
``tj_own(x)``                  the author's own words, before the first chain part (same proviso)
``tj_mentions(own)``           ``@name`` mentions in the own words, each once, in order
``tj_listed(listed, own)``     names of an exporter's comma-joined list that appear as ``@name``
                               in the own words, each once, in order
``tj_jkind(j)``                the type of a JSON leaf ``j`` (JSON text, NULL when missing) as
                               Python's ``json`` sees it: ``none``, ``str``, ``bool``, ``int``
                               (64-bit) or ``other``
``tj_jstr(j)``                 the string a JSON string leaf holds (NULL for other types)
``tj_jid(j)``                  :func:`store.fields.as_id` of a JSON leaf (strings and ints)
``tj_jid_unsure(j)``           a number that Python may read as an int but DuckDB does not
``tj_jcount(j)``               a JSON int leaf as BIGINT
``tj_api_time(j)``             the API's ``created_at`` ("Fri Mar 31 23:47:24 +0800 2017") of a
                               JSON leaf, when it has exactly that form
============================  ============================================================

Character classes follow Python's ``re`` on ``str``: a name character is a letter, a digit,
``_``, ``-`` or a CJK ideograph (RE2's ``\\w`` would be ASCII only), white space is what
``str.isspace`` accepts.

Example:
    >>> con = bulk_connection()
    >>> con.execute("SELECT tj_count('1.2万'), tj_chain('好//@小红:我家也是//@小明: 哈哈'), "
    ...             "tj_own('好//@小红:我家也是')").fetchone()
    (12000, ['小红', '小明'], '好')
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from store.fields import COUNT_OVERFLOW, mention_names, repost_chain_names

__all__ = [
    "NAME_CLASS",
    "WHITE_SPACE_CLASS",
    "bulk_connection",
    "bulk_session",
    "chain_edges_sql",
    "fix_slow_text_rows",
    "mention_edges_sql",
    "text_columns_sql",
]

#: RE2 class of the characters ``str.isspace`` accepts.
WHITE_SPACE_CLASS = (
    r"[\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
#: RE2 class of a screen-name character: :data:`store.fields.NAME_PATTERN`'s ``[\w\u4e00-\u9fff\-]``.
NAME_CLASS = r"[\p{L}\p{N}_\x{4e00}-\x{9fff}\-]"
# Counted repeats of these large classes ({1,30}) make RE2 slow to build and to run, so the
# patterns take any length and the 30-character limit is applied to what they find.
_NAME = NAME_CLASS + "+"
_WS = WHITE_SPACE_CLASS
_CHAIN_PART = f"//{_WS}*@{_NAME}{_WS}*[:：]"
#: Every character ``str.isspace`` accepts, as a SQL string (for ``trim``).
_TRIM = "'" + "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "'"

_STRIP = f"'^{_WS}+|{_WS}+$'"

# Every macro has a fast path for the common case (no lambda, one regular expression; for counts,
# plain numbers and "1.2万" / "100万+" as Weibo shows them, 2.8x faster than the lambda; for JSON
# ids, a quoted or bare run of digits, 4x faster than the general CASE with its lambda) and
# takes the general path only for the rows that need it: DuckDB's CASE evaluates each branch on
# its own rows. DuckDB expands a macro's argument at each use, so a costly argument used several
# times is bound once through a one-element lambda (``list_transform([v], lambda w: ...)[1]``).
_MACROS = rf"""
CREATE OR REPLACE TEMP MACRO tj_strip(x) AS regexp_replace(x, {_STRIP}, '', 'g');
CREATE OR REPLACE TEMP MACRO tj_id(x) AS coalesce(regexp_replace(x, {_STRIP}, '', 'g'), '');
CREATE OR REPLACE TEMP MACRO tj_is_id(x) AS coalesce(regexp_full_match(x, '[0-9]{{1,20}}'), false);
CREATE OR REPLACE TEMP MACRO tj_count_checked(d) AS
    CASE WHEN d > -4.611686018427388e18 AND d < 4.611686018427388e18 THEN d::BIGINT
         WHEN NOT isnan(d::DOUBLE) THEN {COUNT_OVERFLOW} END;
CREATE OR REPLACE TEMP MACRO tj_count_unit(w) AS tj_count_checked(round(
    TRY_CAST(CASE WHEN suffix(w, '万') OR suffix(w, '亿') THEN left(w, -1) ELSE w END AS DOUBLE)
    * CASE WHEN suffix(w, '万') THEN 1e4 WHEN suffix(w, '亿') THEN 1e8 ELSE 1 END));
CREATE OR REPLACE TEMP MACRO tj_count_text(v) AS list_transform([v], lambda w:
    CASE WHEN left(w, 2) NOT IN ('+-', '-+', '++', '--') THEN tj_count_unit(w) END)[1];
CREATE OR REPLACE TEMP MACRO tj_count(x) AS CASE
    WHEN x IS NULL OR x = '' THEN NULL
    WHEN TRY_CAST(x AS BIGINT) IS NOT NULL AND NOT contains(x, 'x') AND NOT contains(x, 'X')
    THEN tj_count_checked(TRY_CAST(x AS BIGINT))
    WHEN left(x, 1) BETWEEN '0' AND '9' AND suffix(x, '万') AND TRY_CAST(left(x, -1) AS DOUBLE) IS NOT NULL
    THEN tj_count_checked(round(TRY_CAST(left(x, -1) AS DOUBLE) * 1e4))
    WHEN left(x, 1) BETWEEN '0' AND '9' AND suffix(x, '万+') AND TRY_CAST(left(x, -2) AS DOUBLE) IS NOT NULL
    THEN tj_count_checked(round(TRY_CAST(left(x, -2) AS DOUBLE) * 1e4))
    ELSE tj_count_text(rtrim(replace(
        translate(tj_strip(x), '０１２３４５６７８９．，＋', '0123456789.,+'), ',', ''), '+')) END;
CREATE OR REPLACE TEMP MACRO tj_local_naive(v) AS list_transform([v], lambda w: coalesce(
    try_strptime(w, '%Y-%m-%d %H:%M'), try_strptime(w, '%Y-%m-%d %H:%M:%S'),
    try_strptime(w, '%Y-%m-%d')))[1];
CREATE OR REPLACE TEMP MACRO tj_local_time(x) AS (CASE
    WHEN x IS NULL OR x = '' THEN NULL
    WHEN regexp_full_match(x, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[ T][0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}})?')
    THEN TRY_CAST(x AS TIMESTAMP)
    ELSE tj_local_naive(regexp_replace(tj_strip(x), 'T', ' ')) END - INTERVAL 8 HOUR)::TIMESTAMPTZ;
CREATE OR REPLACE TEMP MACRO tj_part_name(p) AS regexp_extract(p, '@({_NAME})', 1);
CREATE OR REPLACE TEMP MACRO tj_chain_parts_all(x) AS
    CASE WHEN contains(x, '//') THEN regexp_extract_all(x, '{_CHAIN_PART}', 0) ELSE [] END;
CREATE OR REPLACE TEMP MACRO tj_names_of_parts(x, parts) AS CASE
    WHEN len(parts) = 0 THEN []
    WHEN NOT regexp_matches(array_to_string(parts, ''), '{_WS}')
    THEN list_transform(parts, lambda p: substr(p, 4, length(p) - 4))
    ELSE regexp_extract_all(x, '//{_WS}*@({_NAME}){_WS}*[:：]', 1) END;
CREATE OR REPLACE TEMP MACRO tj_all_short(names) AS
    coalesce(list_max(list_transform(names, lambda v: length(v))), 0) <= 30;
CREATE OR REPLACE TEMP MACRO tj_own_before(x, parts) AS
    CASE WHEN len(parts) = 0 THEN x ELSE left(x, strpos(x, parts[1]) - 1) END;
CREATE OR REPLACE TEMP MACRO tj_chain(x) AS tj_names_of_parts(x, tj_chain_parts_all(x));
CREATE OR REPLACE TEMP MACRO tj_own(x) AS tj_own_before(x, tj_chain_parts_all(x));
CREATE OR REPLACE TEMP MACRO tj_first_each(l) AS list_transform([l], lambda m:
    CASE WHEN len(m) <= 1 THEN m ELSE list_filter(m, lambda v, k: list_position(m, v) = k) END)[1];
CREATE OR REPLACE TEMP MACRO tj_mention_names(own) AS CASE
    WHEN contains(own, '@')
    THEN list_transform(regexp_extract_all(own, '@{_NAME}', 0), lambda v: substr(v, 2))
    ELSE [] END;
CREATE OR REPLACE TEMP MACRO tj_mentions_of(names) AS list_transform([names], lambda m: tj_first_each(CASE
    WHEN tj_all_short(m) THEN m ELSE list_transform(m, lambda v: left(v, 30)) END))[1];
CREATE OR REPLACE TEMP MACRO tj_mentions(own) AS tj_mentions_of(tj_mention_names(own));
CREATE OR REPLACE TEMP MACRO tj_listed_one(name, own) AS
    CASE WHEN name <> '' AND contains(own, '@' || name) THEN [name] ELSE [] END;
CREATE OR REPLACE TEMP MACRO tj_listed(listed, own) AS CASE
    WHEN coalesce(listed, '') = '' OR NOT contains(own, '@') THEN []
    WHEN NOT contains(listed, ',')
    THEN list_transform([ltrim(tj_strip(listed), '@')], lambda n: tj_listed_one(n, own))[1]
    ELSE tj_first_each(list_filter(
        list_transform(string_split(listed, ','), lambda v: ltrim(tj_strip(v), '@')),
        lambda v: v <> '' AND contains(own, '@' || v))) END;
CREATE OR REPLACE TEMP MACRO tj_jint(x) AS
    NOT contains(x, '.') AND NOT contains(x, 'e') AND NOT contains(x, 'E')
    AND TRY_CAST(x AS BIGINT) IS NOT NULL;
CREATE OR REPLACE TEMP MACRO tj_jkind(x) AS CASE
    WHEN x IS NULL THEN 'none'
    ELSE CASE left(x, 1) WHEN '"' THEN 'str' WHEN 'n' THEN 'none' WHEN 't' THEN 'bool'
                         WHEN 'f' THEN 'bool' WHEN '{{' THEN 'other' WHEN '[' THEN 'other'
                         ELSE CASE WHEN tj_jint(x) THEN 'int' ELSE 'other' END END END;
CREATE OR REPLACE TEMP MACRO tj_jstr(x) AS CASE WHEN left(x, 1) = '"' THEN
    CASE WHEN contains(x, '\') THEN json_extract_string(x, '$') ELSE x[2:-2] END END;
CREATE OR REPLACE TEMP MACRO tj_is_space(c) AS ord(c) BETWEEN 9 AND 13 OR ord(c) BETWEEN 28 AND 32
    OR ord(c) BETWEEN 8192 AND 8202 OR ord(c) IN (133, 160, 5760, 8232, 8233, 8239, 8287, 12288);
CREATE OR REPLACE TEMP MACRO tj_trim(x) AS list_transform([x], lambda v: CASE
    WHEN v = '' OR (NOT tj_is_space(left(v, 1)) AND NOT tj_is_space(right(v, 1))) THEN v
    ELSE trim(v, {_TRIM}) END)[1];
CREATE OR REPLACE TEMP MACRO tj_jid_general(x) AS CASE left(x, 1)
    WHEN '"' THEN nullif(tj_trim(tj_jstr(x)), '')
    WHEN '-' THEN CASE WHEN tj_jint(x) THEN x END
    ELSE CASE WHEN left(x, 1) BETWEEN '0' AND '9' AND tj_jint(x) THEN x END END;
CREATE OR REPLACE TEMP MACRO tj_jid(x) AS CASE
    WHEN regexp_full_match(x, '"[0-9]{{1,20}}"') THEN x[2:-2]
    WHEN regexp_full_match(x, '[1-9][0-9]{{0,17}}') THEN x
    ELSE tj_jid_general(x) END;
CREATE OR REPLACE TEMP MACRO tj_jid_unsure(x) AS
    coalesce((left(x, 1) = '-' OR left(x, 1) BETWEEN '0' AND '9') AND NOT tj_jint(x), false);
CREATE OR REPLACE TEMP MACRO tj_jcount(x) AS
    CASE WHEN left(x, 1) = '-' OR left(x, 1) BETWEEN '0' AND '9' THEN
        CASE WHEN tj_jint(x) THEN TRY_CAST(x AS BIGINT) END END;
CREATE OR REPLACE TEMP MACRO tj_api_time(x) AS list_transform([tj_jstr(x)], lambda v: CASE
    WHEN regexp_full_match(v, '[A-Z][a-z]{{2}} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) '
                              '[0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}} [+-](0[0-9]|1[0-4])[0-5][0-9] '
                              '(19|20)[0-9]{{2}}')
    THEN try_strptime(v, '%a %b %d %H:%M:%S %z %Y') END)[1];
"""


def bulk_connection(threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the ``tj_*`` macros (DuckDB without ICU: times are UTC)."""
    con = duckdb.connect(":memory:", config={"threads": threads})
    con.execute("SET enable_progress_bar = false")
    con.execute(_MACROS)
    return con


_LOCAL = threading.local()


@contextmanager
def bulk_session() -> Iterator[duckdb.DuckDBPyConnection]:
    """A :func:`bulk_connection` kept for this thread and process (making one costs ~50 ms, more
    than parsing a small file), with every temporary table and view it made dropped afterwards.
    A session opened inside another gets a connection of its own."""
    if getattr(_LOCAL, "busy", False):
        con = bulk_connection()
        try:
            yield con
        finally:
            con.close()
        return
    if getattr(_LOCAL, "pid", None) != os.getpid():
        _LOCAL.con, _LOCAL.pid = bulk_connection(), os.getpid()
    con = _LOCAL.con
    _LOCAL.busy = True
    try:
        yield con
    finally:
        _LOCAL.busy = False
        for name, kind in con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = 'temp'"
        ).fetchall():
            con.execute(f'DROP {"VIEW" if kind == "VIEW" else "TABLE"} IF EXISTS temp.main."{name}"')


def text_columns_sql(source: str, body: str = "body", listed: str | None = None, prefix: str = "") -> str:
    """SQL adding ``chain`` (the ``//@`` chain names), ``own`` (the author's own words) and
    ``names`` (the names the author @-mentions: from the exporter's ``listed`` column when given,
    else from the text) to relation ``source``, computing each list once per row.

    A chain naming someone in more than 30 characters (not a Weibo name: the Python rule does not
    count it as a chain part) is rare; such rows get ``_slow`` = true and NULL columns, and
    :func:`fix_slow_text_rows` fills them in with the Python functions once the relation is a
    table. Without such rows the columns equal ``tj_chain``, ``tj_own`` and ``tj_mentions`` /
    ``tj_listed``. ``prefix`` names the columns ``<prefix>chain``, … (for a second text column).
    """
    p = prefix
    own = f"{p}own"
    mention = f"tj_listed({listed}, {own})" if listed else f"tj_mentions_of(tj_mention_names({own}))"
    return f"""
    SELECT *, CASE WHEN NOT {p}_slow THEN {mention} END AS {p}names FROM (
        SELECT * EXCLUDE ({p}_parts, {p}_chain), CASE WHEN NOT {p}_slow THEN {p}_chain END AS {p}chain,
               CASE WHEN NOT {p}_slow THEN tj_own_before({body}, {p}_parts) END AS {own}
        FROM (SELECT *, NOT tj_all_short({p}_chain) AS {p}_slow
              FROM (SELECT *, tj_names_of_parts({body}, {p}_parts) AS {p}_chain
                    FROM (SELECT *, tj_chain_parts_all({body}) AS {p}_parts FROM {source}))))"""


def fix_slow_text_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    body: str = "body",
    listed: str | None = None,
    prefix: str = "",
) -> int:
    """Fill ``chain``, ``own`` and ``names`` of the ``_slow`` rows of ``table`` (made with
    :func:`text_columns_sql`; ``i`` keys and orders the rows) with the Python rules, keeping the
    table in ``i`` order. Returns how many."""
    rows = con.execute(f"SELECT i, {body}, {listed or 'NULL'} FROM {table} WHERE {prefix}_slow").fetchall()
    if not rows:
        return 0
    fixes = {"i": [], "chain": [], "own": [], "names": []}
    for i, text, names_listed in rows:
        own, chain = repost_chain_names(text or "")
        fixes["i"].append(i)
        fixes["chain"].append(chain)
        fixes["own"].append(own if chain else text)
        fixes["names"].append(mention_names(text or "", names_listed if listed else None))
    con.register("_slow_fixes", pa.table(fixes))
    try:
        p = prefix
        con.execute(f"""UPDATE {table} SET {p}chain = f.chain, {p}own = f.own, {p}names = f.names
                        FROM _slow_fixes f WHERE {table}.i = f.i""")
    finally:
        con.unregister("_slow_fixes")
    # DuckDB rewrites updated list rows at the end of the table: restore the file's order, on
    # which the readers' outputs rely.
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table} ORDER BY i")
    return len(rows)


def chain_edges_sql(rows: str) -> str:
    """SQL for the repost interactions of the reposts in relation ``rows``.

    ``rows`` has ``i`` (row number), ``post_id``, ``user_id`` and ``me`` (the author and the
    author's name, NULL when unknown), ``chain`` (:func:`text_columns_sql`), ``root_user`` and
    ``root_name`` (the reposted post's author, NULL when unknown) and ``created_at``. The chain
    "B's words //@C1: … //@Ck: …"
    of A's post gives C1→B, C2→C1, …, A→Ck (the chain alone when A is unknown; A→B when there is no
    chain); names equal to the author's own are dropped, as is a hop from the root author to the
    root author's own name, and self-loops. Columns: :data:`store.records.INTERACTION_COLUMNS`
    plus ``i`` and ``k`` (the hop) for ordering.
    """
    return f"""
    WITH c AS (
        SELECT i, post_id, user_id, created_at, root_user, root_name,
               list_filter(chain, lambda v: v IS DISTINCT FROM me) AS chain
        FROM {rows}),
    hops AS (
        SELECT i, post_id, created_at, root_user, root_name, chain, user_id,
               unnest(generate_series(1, len(chain) + (root_user IS NOT NULL)::INTEGER)) AS k
        FROM c WHERE root_user IS NOT NULL OR len(chain) > 0),
    e AS (
        SELECT i, k, post_id, created_at, root_name,
               CASE WHEN k = 1 THEN user_id END AS dst_user,
               CASE WHEN k > 1 THEN chain[k - 1] END AS dst_name,
               CASE WHEN k > len(chain) THEN root_user END AS src_user,
               CASE WHEN k <= len(chain) THEN chain[k] END AS src_name
        FROM hops)
    SELECT src_user, src_name, dst_user, dst_name, 'repost' AS kind, post_id, created_at, i, k
    FROM e
    WHERE NOT (dst_name IS NOT NULL AND dst_name = root_name AND src_user IS NOT NULL)
      AND NOT coalesce(src_user = dst_user, false) AND NOT coalesce(src_name = dst_name, false)"""


def mention_edges_sql(rows: str) -> str:
    """SQL for the mention interactions author → name of relation ``rows`` (``i``, ``post_id``,
    ``user_id``, ``me``, ``created_at`` and ``names``, a list), skipping the author's own name."""
    return f"""
    SELECT user_id AS src_user, NULL::VARCHAR AS src_name, NULL::VARCHAR AS dst_user, name AS dst_name,
           'mention' AS kind, post_id, created_at, i, k
    FROM (SELECT i, post_id, user_id, me, created_at, unnest(names) AS name,
                 generate_subscripts(names, 1) AS k
          FROM {rows} WHERE len(names) > 0)
    WHERE name IS DISTINCT FROM me"""
