"""Many small files loaded as sets: the files of a set go through the load's SQL once, with a
file column, and every count is attributed to its file, so that each file gets exactly the
report and ``loads`` row :func:`store.warehouse.load_batch` gives it when it loads alone, and
the warehouse the same rows as loading the files one by one.

That is exact only for files that cannot change each other's load (:func:`_independent`): a
set never holds two files with the same post as their own row, a user whose screen name one of
them changes after another brought it, a screen name one file's users bring after another
file's interactions gave it, a profile row's user in another file, the same source or two
platforms; a file whose users' names merge placeholder users (which rewrites their
interactions) comes after no file with interactions of those users. What files of a set may
share goes to the first of them, as one by one: a post carried in their rows (a repost's
source), an interaction, a placeholder; a user several files bring is added or updated by the
first one's row and then updated by each later file's row in turn (the same statement as one
by one, so the same fields and counts). The placeholders merge before any file's
interactions, in the files' order, and each file's pending figures count the merges up to it.
The files are taken in their order and a set ends where the next file would meet one of the
set's, so the upserts keep the files' order.

Example:
    >>> from store.records import make_batch
    >>> from store.warehouse import open_warehouse, transaction
    >>> con = open_warehouse(":memory:")
    >>> with transaction(con):
    ...     rs = load_files(con, [make_batch("a.csv"), make_batch("b.csv")])
    >>> [(r.source, r.rows_read) for r in rs], con.execute("SELECT count(*) FROM loads").fetchone()[0]
    ([('a.csv', 0), ('b.csv', 0)], 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from store.records import ARROW_SCHEMAS, FUTURE_SLACK, ExportBatch, _suspect, screen_batch
from store.warehouse import (
    _BATCH_POSTS_SQL,
    _BATCH_POSTS_UNIQUE_SQL,
    _BATCH_USERS_SQL,
    _BATCH_USERS_UNIQUE_SQL,
    _EXISTING_COLUMNS,
    _EXISTING_POSTS,
    _EXISTING_USERS,
    _NAME_IDS,
    _UPDATE_POSTS,
    _UPDATE_USERS,
    LoadReport,
    _first_reasons,
    _merge_placeholders,
    _now,
    _resolve_names,
    _sha256,
    load_batch,
)

__all__ = ["MAX_SET_FILES", "MAX_USER_FILES", "load_files"]

#: At most this many files are weighed for one set (each weighing asks the warehouse once).
MAX_SET_FILES = 500

_TABLES = ("posts", "users", "interactions", "quarantine")


@dataclass
class _File:
    """One file's batch, screened, with its tables as Arrow (``tables`` None: a table Arrow
    cannot hold, so it loads alone) and what it touches: the posts of its own rows, the users of
    its ``user:`` row keys (profile rows), each user it brings with that user's row (None when
    the file has several rows of the user: such a user is never shared), its users' screen names
    (name → user), the names its interactions give and the users they name by id."""

    original: ExportBatch
    batch: ExportBatch
    notes: list[str]
    tables: dict[str, pa.Table] | None
    keys: pa.Array
    own_posts: set[str] = field(default_factory=set)
    profile_users: set[str] = field(default_factory=set)
    users: dict[str, tuple | None] = field(default_factory=dict)
    user_names: dict[str, str] = field(default_factory=dict)
    edge_names: set[str] = field(default_factory=set)
    edge_users: set[str] = field(default_factory=set)
    merges: bool = False  # its users' names are the warehouse's placeholders' (set by _independent)


def _arrow(t: object, name: str) -> pa.Table | None:
    schema = ARROW_SCHEMAS[name]
    try:
        if isinstance(t, pa.Table):
            return t if t.schema.equals(schema) else t.select(schema.names).cast(schema)
        return pa.Table.from_pandas(t, schema=schema, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError, KeyError):
        return None


def _strings(col: pa.Array | pa.ChunkedArray) -> set[str]:
    return {v for v in pc.drop_null(col).to_pylist() if v is not None}


def _prepare(batch: ExportBatch, now: datetime, sound: bool = False) -> _File:
    """The file to load, screened (``sound``: known to pass :func:`store.records.screen_batch`)."""
    screened, notes = (batch, []) if sound else screen_batch(batch, now)
    keys = screened.row_keys_arrow()
    keys = (keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys).cast(pa.string())
    tables = {name: _arrow(screened.table(name), name) for name in _TABLES}
    f = _File(batch, screened, notes, None, keys)
    if any(t is None for t in tables.values()):
        return f
    f.tables = {k: t for k, t in tables.items() if t is not None}
    posts, users, edges = f.tables["posts"], f.tables["users"], f.tables["interactions"]
    row_keys = _strings(keys)
    own = pc.filter(posts.column("post_id"), posts.column("from_row"))
    f.own_posts = _strings(own) | {k for k in row_keys if not k.startswith("user:")}
    f.profile_users = {k[5:] for k in row_keys if k.startswith("user:")}
    for row in users.to_pylist():
        uid = row["user_id"]
        f.users[uid] = tuple(row.values()) if uid not in f.users else None
        if row["screen_name"] is not None:
            f.user_names[row["screen_name"]] = uid
    f.edge_names = _strings(edges.column("src_name")) | _strings(edges.column("dst_name"))
    f.edge_users = _strings(edges.column("src_user")) | _strings(edges.column("dst_user"))
    return f


def load_files(con: duckdb.DuckDBPyConnection, batches: list[ExportBatch]) -> list[LoadReport]:
    """Load ``batches`` (whole files, in their order) inside the caller's open transaction, as
    sets of files that cannot affect each other (see the module's note), a file that can only
    be loaded alone with :func:`store.warehouse.load_batch`. Returns each file's report, in
    order: the report, ``loads`` row and warehouse rows of loading the files one by one."""
    now = _now()
    sound = _all_sound(batches, now)
    files = [_prepare(b, now, sound) for b in batches]
    reports: list[LoadReport] = []
    i = 0
    while i < len(files):
        n = _independent(con, files[i : i + MAX_SET_FILES])
        if n <= 1:
            reports.append(load_batch(con, files[i].original, _in_transaction=True))
        else:
            reports.extend(_load_set(con, files[i : i + n], now))
        i += max(n, 1)
    return reports


def _all_sound(batches: list[ExportBatch], now: datetime) -> bool:
    """Whether no batch has a row :func:`store.records.screen_batch` would look at: one scan of
    all their posts and users (the ranges of the whole are within bounds only if each file's
    are) instead of one per file."""
    if len(batches) < 2:
        return False
    tables = {name: [b.table(name) for b in batches] for name in ("posts", "users")}
    for name, ts in tables.items():
        schema = ARROW_SCHEMAS[name]
        if not all(isinstance(t, pa.Table) and t.schema.equals(schema) for t in ts):
            return False
    empty = batches[0]
    whole = ExportBatch(
        "(set)",
        empty.platform,
        pa.concat_tables(tables["posts"]),
        pa.concat_tables(tables["users"]),
        empty.table("interactions"),
        empty.table("quarantine"),
    )
    return not _suspect(whole, now + FUTURE_SLACK)


#: the warehouse's screen names of the files' users (a file that renames a user changes what
#: the old name stands for) and the placeholders their names would merge
_EXPAND = """
    WITH u AS (SELECT user_id, screen_name, placeholder FROM users
               WHERE platform = $1 AND (user_id IN (SELECT key FROM fp WHERE kind = 'user')
                   OR (placeholder AND screen_name IN (SELECT key FROM fp WHERE kind = 'user_name'))))
    SELECT f._file, 'name' AS kind, u.screen_name, u.user_id FROM fp f JOIN u
        ON f.kind = 'user' AND u.user_id = f.key WHERE u.screen_name IS NOT NULL
    UNION ALL SELECT f._file, 'merge', u.screen_name, u.user_id FROM fp f JOIN u
        ON f.kind = 'user_name' AND u.placeholder AND u.screen_name = f.key
    UNION ALL SELECT f._file, 'known', NULL, u.user_id FROM fp f JOIN u
        ON f.kind = 'user' AND u.user_id = f.key"""


def _independent(con: duckdb.DuckDBPyConnection, files: list[_File]) -> int:
    """How many of ``files``, from the first, load as one set (1: the first loads alone).

    Files may share a post that only rides in their rows (the first file adds it, as one by
    one; a later file's own row of it completes it), a user whose one row in each keeps the
    user's screen name (:func:`_shareable`: the files' rows are applied in their order, one
    file after another, by :func:`_update_users`), interactions and the names of their ends that
    no file's users bring (the first file adds each, and each placeholder); a file whose users'
    names merge placeholders of the warehouse when no earlier file of the set has interactions
    of its users or names them (:func:`_merge_each`); nothing else. Sets the files' ``merges``."""
    if len(files) < 2 or files[0].tables is None:
        return 1
    platform = files[0].batch.platform
    candidates = 1
    while (
        candidates < len(files)
        and files[candidates].tables is not None
        and files[candidates].batch.platform == platform
    ):
        candidates += 1
    renamed: dict[int, dict[str, str]] = {}
    merges: set[int] = set()
    known: dict[str, str | None] = {}  # the files' users the warehouse holds: their screen names
    if not _empty(con, "users"):
        rows: dict[str, list] = {"_file": [], "kind": [], "key": []}
        for k, f in enumerate(files[:candidates]):
            for kind, keys in (("user", f.users), ("user_name", f.user_names)):
                rows["_file"] += [k] * len(keys)
                rows["kind"] += [kind] * len(keys)
                rows["key"] += list(keys)
        con.register("fp", pa.table(rows, schema=_FP_SCHEMA))
        try:
            found = con.execute(_EXPAND, [platform]).fetchall()
        finally:
            con.unregister("fp")
        for k, kind, name, uid in found:
            if kind == "merge":
                merges.add(k)
            elif kind == "known":
                known.setdefault(uid, None)
            else:
                renamed.setdefault(k, {})[name] = uid
                known[uid] = name
    own: set[str] = set()
    profiles: set[str] = set()
    users: dict[str, tuple | None] = {}  # each user's row in the first file of the set that has it
    files_of: dict[str, int] = {}  # how many files of the set bring the user
    user_names_of: dict[str, str] = {}  # the name each user has in the set
    user_names: dict[str, str] = {}
    edge_names: set[str] = set()
    edge_users: set[str] = set()
    sources: set[str] = set()
    for k, f in enumerate(files[:candidates]):
        # a user's later row may change its time, and with it which user of a name is meant
        names = (
            renamed.get(k, {}) | f.user_names | {user_names_of[u]: u for u in f.users if u in user_names_of}
        )
        if k and (
            (k in merges and not edge_users.isdisjoint(f.users))
            or f.batch.source in sources
            or not own.isdisjoint(f.own_posts)
            or not profiles.isdisjoint(f.users.keys() | f.profile_users)
            or not f.profile_users.isdisjoint(users)
            or any(
                u in users and (files_of[u] >= MAX_USER_FILES or not _shareable(users[u], row, u, known))
                for u, row in f.users.items()
            )
            or any(user_names.get(name, uid) != uid for name, uid in names.items())
            or not edge_names.isdisjoint(names)
        ):
            return k
        f.merges = k in merges
        own |= f.own_posts
        profiles |= f.profile_users
        for u, row in f.users.items():
            users.setdefault(u, row)
            files_of[u] = files_of.get(u, 0) + 1
            name = known.get(u) or (row[_NAME] if row is not None else None)
            if name is not None:
                user_names_of.setdefault(u, name)
        user_names |= names
        edge_names |= f.edge_names
        edge_users |= f.edge_users
        sources.add(f.batch.source)
    return candidates


#: A user may come in at most this many files of a set (each file after the first updates the
#: user in statements of their own, :func:`_update_users`).
MAX_USER_FILES = 8

_NAME = ARROW_SCHEMAS["users"].names.index("screen_name")


def _shareable(first: tuple | None, later: tuple | None, user: str, known: dict[str, str | None]) -> bool:
    """Whether a later file of a set may bring a user an earlier one brought (``first``: that
    file's row, ``later``: this one's, each None when its file has several rows of the user):
    when no row changes the user's screen name (each row has none or the name the user has:
    the warehouse's, or the first row's for a new user), or when a user the warehouse holds
    comes with the very same row, with a time. The later row is then applied after the earlier files' (its
    update and count are the ones loading it alone gives), and what other files of the set
    resolve or merge by name does not depend on it. The rows end with ``seen_at``.

    >>> _shareable(("1", "weibo", "阿花", 5, None), ("1", "weibo", "阿花", None, None), "1", {})
    True
    >>> _shareable(("1", "weibo", "阿花", 5, None), ("1", "weibo", "小红", 5, None), "1", {})
    False
    """
    if first is None or later is None:
        return False
    if user in known and first == later and later[-1] is not None:
        return True
    name = known[user] if user in known else first[_NAME]
    return all(row[_NAME] is None or row[_NAME] == name for row in (first, later))


_FP_SCHEMA = pa.schema([("_file", pa.int32()), ("kind", pa.string()), ("key", pa.string())])


def _concat(files: list[_File], name: str, ordinal: bool = False) -> pa.Table:
    """The files' ``name`` tables one after the other, with ``_file`` (and ``_ord``, the row's
    number in the set: each file's rows keep their order)."""
    tables = [f.tables[name] for f in files if f.tables is not None]
    if len(tables) != len(files):  # pragma: no cover - _independent keeps such files out of sets
        raise ValueError("expected Arrow tables for every file of a set")
    out = pa.concat_tables(tables).combine_chunks()  # one chunk: DuckDB scans 1-row chunks slowly
    file_of = np.repeat(np.arange(len(files), dtype=np.int32), [len(t) for t in tables])
    out = out.append_column("_file", pa.array(file_of))
    if ordinal:
        out = out.append_column("_ord", pa.array(np.arange(len(out), dtype=np.int64)))
    return out


#: a post's fields its own row completes when it comes after a copy carried in another row
#: (as :func:`store.warehouse.load_batch` completes such a post): the copy keeps the rest
_COMPLETED = ("text", "repost_of", "reply_to", "reposts", "comments", "likes")


def _set_posts(con: duckdb.DuckDBPyConnection, files: list[_File], platform: str) -> pa.Table:
    """The set's posts with ``_file`` (the file a post is added for), ``_src`` (the file its
    row's ``source`` names) and ``_ord``. A copy of a post an earlier file of the set brought is
    left out; the own row of a post an earlier file only carried, and the warehouse lacks, is
    that copy completed by the row (one by one: the earlier file adds the copy, the later one
    completes it)."""
    out = _concat(files, "posts")
    src = out.column("_file").to_numpy().copy()
    added_for = src.copy()
    ids, own = out.column("post_id").to_pylist(), out.column("from_row").to_pylist()
    first: dict[str, int] = {}  # post → the file that brought it first
    copies: dict[str, int] = {}  # post → the row of its first copy, when only carried there
    keep, completes = [], []
    for i, (pid, o, k) in enumerate(zip(ids, own, src.tolist(), strict=True)):
        earlier = first.setdefault(pid, k)
        if not o and pid not in copies and earlier == k:
            copies[pid] = i
        keep.append(o or earlier == k)
        if o and earlier != k and pid in copies:
            completes.append(i)
    if completes:
        stored = _stored_posts(con, platform, [ids[i] for i in completes])
        completes = [i for i in completes if ids[i] not in stored]
    if completes:
        rows = out.to_pylist()
        for i in completes:
            copy = rows[copies[ids[i]]]
            rows[i] = copy | {c: rows[i][c] if rows[i][c] is not None else copy[c] for c in _COMPLETED}
            rows[i] |= {"from_row": True, "line": out.column("line")[i].as_py(), "_file": src[i]}
            added_for[i] = copy["_file"]
        out = pa.Table.from_pylist(rows, schema=out.schema)
    out = out.set_column(out.schema.get_field_index("_file"), "_file", pa.array(added_for))
    out = out.append_column("_src", pa.array(src))
    if not all(keep):
        out = out.filter(pa.array(keep, pa.bool_()))
    return out.append_column("_ord", pa.array(np.arange(len(out), dtype=np.int64)))


def _stored_posts(con: duckdb.DuckDBPyConnection, platform: str, ids: list[str]) -> set[str]:
    """Which of ``ids`` the warehouse holds."""
    rows = con.execute(
        "SELECT post_id FROM posts WHERE platform = ? AND post_id IN (SELECT unnest(?::VARCHAR[]))",
        [platform, ids],
    ).fetchall()
    return {r[0] for r in rows}


def _empty(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``table`` has no row (its result read to the end: DuckDB refuses to register a
    table while a result is open)."""
    return bool(con.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchall()[0][0])


def _count(counts: dict[int, int], file_of: dict, returned: duckdb.DuckDBPyConnection) -> None:
    """Add to ``counts`` the rows a statement returned (their key's file in ``file_of``)."""
    for (key,) in returned.fetchall():
        counts[file_of[key]] += 1


def _per_file(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict[int, int]:
    """``{file: count}`` from a query that returns ``_file, count`` rows."""
    return {int(k): int(v) for k, v in con.execute(sql, params or []).fetchall()}


def _load_set(con: duckdb.DuckDBPyConnection, files: list[_File], loaded_at: datetime) -> list[LoadReport]:
    """Load independent files (:func:`_independent`) as one set, inside the caller's transaction."""
    platform = files[0].batch.platform
    sources = [f.batch.source for f in files]
    posts = _set_posts(con, files, platform)
    # each user's row in the first file of the set that brings it; the later files' rows of
    # users the set shares (one row each) are applied after them, round by round
    users, *later_users = _rounds(_concat(files, "users", True))
    edges, quarantine = _concat(files, "interactions"), _concat(files, "quarantine")
    keys = pa.table(
        {
            "post_id": pa.concat_arrays([f.keys for f in files]),
            "_file": pa.array(np.repeat(np.arange(len(files), dtype=np.int32), [len(f.keys) for f in files])),
        }
    )
    n = len(files)
    zero = dict.fromkeys(range(n), 0)
    con.register("r_posts", posts)
    con.register("r_users", users)
    con.register("r_edges", edges)
    con.register("r_quarantine", quarantine)
    con.register("b_keys", keys)
    con.register("b_files", pa.table({"_file": pa.array(range(n), pa.int32()), "source": sources}))
    post_ids, user_ids = posts.column("post_id").to_pylist(), users.column("user_id").to_pylist()
    # each post and user of the set is one file's (_set_posts, _concat): what a statement
    # returns of them is counted for that file
    post_file = dict(zip(post_ids, posts.column("_file").to_pylist(), strict=True))
    user_file = dict(zip(user_ids, users.column("_file").to_pylist(), strict=True))
    unique, unique_users = len(set(post_ids)) == len(post_ids), len(set(user_ids)) == len(user_ids)
    con.execute((_BATCH_POSTS_UNIQUE_SQL if unique else _BATCH_POSTS_SQL).format(extra=", _file, _src"))
    con.execute(
        _BATCH_USERS_UNIQUE_SQL.format(extra=", _file")
        if unique_users
        else _BATCH_USERS_SQL.format(extra=", _file", extra_merged=", min(_file) AS _file")
    )
    empty = dict(
        zip(
            ("posts", "users", "interactions"),
            con.execute(
                """SELECT NOT EXISTS (SELECT 1 FROM posts), NOT EXISTS (SELECT 1 FROM users),
                          NOT EXISTS (SELECT 1 FROM interactions)"""
            ).fetchall()[0],
            strict=True,
        )
    )
    for table, sql in (("posts", _EXISTING_POSTS), ("users", _EXISTING_USERS)):
        if empty[table]:
            columns = _EXISTING_COLUMNS[table]
            con.execute(f"CREATE OR REPLACE TEMP TABLE ex_{table} AS SELECT {columns} FROM {table} LIMIT 0")
        else:
            con.execute(sql, [platform])
    loaded = dict(zero)
    if len(keys):
        loaded |= _per_file(
            con,
            """SELECT p._file,
                      count(*) FILTER (WHERE p.post_id NOT LIKE 'user:%' AND NOT EXISTS (
                          SELECT 1 FROM ex_posts x WHERE x.platform = $1 AND x.post_id = p.post_id
                            AND x.from_row))
                    + count(*) FILTER (WHERE p.post_id LIKE 'user:%' AND NOT EXISTS (
                          SELECT 1 FROM ex_users u WHERE u.platform = $1
                            AND u.user_id = substr(p.post_id, 6) AND NOT u.placeholder))
               FROM (SELECT DISTINCT _file, post_id FROM b_keys) p GROUP BY p._file""",
            [platform],
        )
    known_posts, known_users = con.execute(
        "SELECT (SELECT count(*) FROM ex_posts), (SELECT count(*) FROM ex_users)"
    ).fetchall()[0]
    updated, posts_added = dict(zero), dict(zero)
    insert_posts = """INSERT INTO posts SELECT b.post_id, b.platform, b.user_id, b.created_at, b.text,
                          b.repost_of, b.reply_to, b.reposts, b.comments, b.likes, f.source, $1, b.from_row
                      FROM b_posts b JOIN b_files f ON f._file = b._src{anti}
                      RETURNING post_id"""
    if len(posts) and not known_posts:
        _count(posts_added, post_file, con.execute(insert_posts.format(anti=""), [loaded_at]))
    elif len(posts):
        _count(updated, post_file, con.execute(_UPDATE_POSTS + " RETURNING x.post_id"))
        con.execute(
            """CREATE OR REPLACE TEMP TABLE b_completed AS
               SELECT x.post_id, x.platform, x.user_id, x.created_at, coalesce(b.text, x.text),
                      coalesce(b.repost_of, x.repost_of), coalesce(b.reply_to, x.reply_to),
                      coalesce(b.reposts, x.reposts), coalesce(b.comments, x.comments),
                      coalesce(b.likes, x.likes), f.source, x.loaded_at, true AS from_row
               FROM posts x JOIN b_posts b ON x.platform = b.platform AND x.post_id = b.post_id
               JOIN b_files f ON f._file = b._src
               WHERE b.from_row AND NOT x.from_row"""
        )
        if con.execute("SELECT count(*) FROM b_completed").fetchall()[0][0]:
            con.execute("""DELETE FROM posts x USING b_completed c
                           WHERE x.platform = c.platform AND x.post_id = c.post_id""")
            con.execute("INSERT INTO posts SELECT * FROM b_completed").fetchall()
        con.execute("DROP TABLE b_completed")
        anti = "\n ANTI JOIN ex_posts x ON x.platform = b.platform AND x.post_id = b.post_id"
        _count(posts_added, post_file, con.execute(insert_posts.format(anti=anti), [loaded_at]))
    users_added, users_updated = dict(zero), dict(zero)
    insert_users = (
        "INSERT INTO users SELECT b.* EXCLUDE (_file), false FROM b_users b{anti} RETURNING user_id"
    )
    if len(users) and not known_users:
        _count(users_added, user_file, con.execute(insert_users.format(anti="")))
    elif len(users):
        _count(users_updated, user_file, con.execute(_UPDATE_USERS + " RETURNING u.user_id"))
        anti = "\n ANTI JOIN ex_users u ON u.platform = b.platform AND u.user_id = b.user_id"
        _count(users_added, user_file, con.execute(insert_users.format(anti=anti)))
    merging = [k for k, f in enumerate(files) if f.merges and len(users)]
    if merging:  # the names each file brings first (a user's later rows keep its name)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE m_names AS SELECT platform, screen_name, _file FROM b_users"
        )
    con.unregister("r_users")
    con.execute(f"DROP {'VIEW' if unique_users else 'TABLE'} b_users")
    for later in later_users:
        _update_users(con, later, users_updated)
    marks = _merge_each(con, merging) if merging else {0: _pending(con)}
    added, new_pending, new_placeholders = dict(zero), dict(zero), dict(zero)
    if len(edges):
        added, new_pending, new_placeholders = _insert_interactions(
            con, platform, zero, empty["interactions"]
        )
    con.execute(
        """INSERT INTO quarantine SELECT f.source, q.line, q.raw, q.reason, $1
           FROM r_quarantine q JOIN b_files f USING (_file)
           WHERE NOT EXISTS (SELECT 1 FROM quarantine x
                             WHERE x.source = f.source AND x.line = q.line AND x.raw = q.raw)""",
        [loaded_at],
    )
    reports = []
    placeholders = pending = 0
    for k, f in enumerate(files):
        if k in marks:  # the warehouse's counts after this file's merge (all files' users in)
            placeholders, pending = marks[k]
            placeholders += sum(new_placeholders[j] for j in range(k))
            pending += sum(new_pending[j] for j in range(k))
        placeholders += new_placeholders[k]
        pending += new_pending[k]
        q = f.tables["quarantine"] if f.tables is not None else pa.table({})
        reports.append(
            LoadReport(
                source=f.batch.source,
                rows_read=f.batch.rows_read,
                loaded=loaded[k],
                updated=updated[k],
                duplicates=len(f.keys) - loaded[k],
                quarantined=len(q),
                posts_added=posts_added[k],
                users_added=users_added[k],
                users_updated=users_updated[k],
                interactions_added=added[k],
                interactions_pending=int(pending) if placeholders else 0,
                notes=tuple(f.notes),
                reasons=tuple(_first_reasons(q)),
            )
        )
    _record_loads(con, reports, loaded_at)
    for name in ("r_posts", "r_edges", "r_quarantine", "b_keys", "b_files"):
        con.unregister(name)
    con.execute(f"DROP {'VIEW' if unique else 'TABLE'} b_posts")
    con.execute("DROP TABLE ex_posts")
    con.execute("DROP TABLE ex_users")
    return reports


def _rounds(users: pa.Table) -> list[pa.Table]:
    """``users`` (a set's, with ``_file``) split in rounds: the first holds each user's rows of
    the first file that brings it, the n-th each user's row of the n-th file (such a user has
    one row in each file, :func:`_independent`)."""
    if not len(users):
        return [users]
    round_of: list[int] = []
    last: dict[str, tuple[int, int]] = {}  # user → (its last file, that file's round)
    for uid, k in zip(users.column("user_id").to_pylist(), users.column("_file").to_pylist(), strict=True):
        file, r = last.get(uid, (k, 0))
        if file != k:
            r += 1
        last[uid] = (k, r)
        round_of.append(r)
    rounds = np.array(round_of)
    if not rounds.any():
        return [users]
    return [users.filter(pa.array(rounds == r)) for r in range(int(rounds.max()) + 1)]


def _update_users(con: duckdb.DuckDBPyConnection, rows: pa.Table, updated: dict[int, int]) -> None:
    """Apply a round of users' later rows (one row a user, each user in the warehouse now) as
    :func:`store.warehouse.load_batch` updates a known user, counting each update for its file."""
    con.register("r_users", rows)
    con.execute(_BATCH_USERS_UNIQUE_SQL.format(extra=", _file"))
    file_of = dict(zip(rows.column("user_id").to_pylist(), rows.column("_file").to_pylist(), strict=True))
    _count(updated, file_of, con.execute(_UPDATE_USERS + " RETURNING u.user_id"))
    con.execute("DROP VIEW b_users")
    con.unregister("r_users")


def _merge_each(con: duckdb.DuckDBPyConnection, merging: list[int]) -> dict[int, tuple[int, int]]:
    """Merge the warehouse's placeholders that the names of the ``merging`` files' users
    (``m_names``) name, before any file's interactions, as each of those files merges them
    when it loads alone: no earlier file of the set has interactions of those users or names
    them (:func:`_independent`). Returns the warehouse's placeholders and pending interactions
    after the merges of each of those files (and before any merge: file 0's, when it merges
    nothing), which start the files' pending figures.

    When no interaction has an end in two merges (a placeholder or its user), each merge
    changes the counts alone: all merge at once, and each one's change is counted from the
    interactions it touches. Otherwise each file merges in turn, its counts read after it."""
    marks: dict[int, tuple[int, int]] = {}
    before = _pending(con)
    if merging[0]:
        marks[0] = before
    files = ", ".join(str(k) for k in merging)
    plan = con.execute(
        f"""SELECT p.user_id, n.user_id, min(m._file) FROM users p
            JOIN m_names m ON m.platform = p.platform AND m.screen_name = p.screen_name
            JOIN ({_NAME_IDS.format(names="SELECT platform, screen_name FROM m_names")}) n
              ON n.platform = p.platform AND n.screen_name = p.screen_name
            WHERE p.placeholder AND m._file IN ({files})
            GROUP BY p.user_id, n.user_id"""
    ).fetchall()
    group = {end: g for g, (placeholder, real, _) in enumerate(plan) for end in (placeholder, real)}
    touched = con.execute(
        """SELECT src_user, dst_user, src_user LIKE '@%' OR dst_user LIKE '@%' FROM interactions
           WHERE src_user IN (SELECT unnest($1::VARCHAR[])) OR dst_user IN (SELECT unnest($1::VARCHAR[]))""",
        [list(group)],
    ).fetchall()
    apart = all(src not in group or dst not in group or group[src] == group[dst] for src, dst, _ in touched)
    if not apart:
        for k in merging:
            con.execute(f"CREATE OR REPLACE TEMP VIEW b_users AS SELECT * FROM m_names WHERE _file = {k}")
            _merge_placeholders(con)
            con.execute("DROP VIEW b_users")
            marks[k] = _pending(con)
        con.execute("DROP TABLE m_names")
        return marks
    drop = [0] * len(plan)  # each merge's pending interactions that are no longer
    for src, dst, pending in touched:
        if pending:
            drop[group[src] if src in group else group[dst]] += 1
    con.execute(f"CREATE OR REPLACE TEMP VIEW b_users AS SELECT * FROM m_names WHERE _file IN ({files})")
    _merge_placeholders(con)
    con.execute("DROP VIEW b_users")
    con.execute("DROP TABLE m_names")
    reals = [real for _, real, _ in plan]
    for src, dst in con.execute(
        """SELECT src_user, dst_user FROM pending_interactions
           WHERE src_user IN (SELECT unnest($1::VARCHAR[])) OR dst_user IN (SELECT unnest($1::VARCHAR[]))""",
        [reals],
    ).fetchall():
        drop[group[src] if src in group else group[dst]] -= 1
    placeholders, pending = before
    for k in merging:
        placeholders -= sum(1 for _, _, first in plan if first == k)
        pending -= sum(d for d, (_, _, first) in zip(drop, plan, strict=True) if first == k)
        marks[k] = (placeholders, pending)
    return marks


def _pending(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """The warehouse's placeholder users and pending interactions."""
    placeholders, pending = con.execute(
        """SELECT (SELECT count(*) FROM users WHERE placeholder),
                  (SELECT count(*) FROM pending_interactions)"""
    ).fetchall()[0]
    return int(placeholders), int(pending)


def _insert_interactions(
    con: duckdb.DuckDBPyConnection, platform: str, zero: dict[int, int], empty: bool
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """As :func:`store.warehouse._insert_interactions`, for a set: per file, the interactions
    added, those of them pending (an end is a placeholder ``@name``) and the placeholders added."""
    _resolve_names(con, platform, carry=", e._file")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE new_placeholders AS
           SELECT '@' || name AS user_id, n.platform, name, min(_file) AS _file FROM (
               SELECT src_ph AS name, platform, _file FROM resolved WHERE src_ph IS NOT NULL
               UNION SELECT dst_ph, platform, _file FROM resolved WHERE dst_ph IS NOT NULL) n
           ANTI JOIN (SELECT platform, user_id FROM users WHERE placeholder) u
             ON u.platform = n.platform AND u.user_id = '@' || n.name
           GROUP BY n.platform, name"""
    )
    placeholders = dict(zero) | _per_file(con, "SELECT _file, count(*) FROM new_placeholders GROUP BY _file")
    if sum(placeholders.values()):
        con.execute(
            """INSERT INTO users (user_id, platform, screen_name, placeholder)
               SELECT user_id, platform, name, true FROM new_placeholders"""
        )
    # an interaction (or placeholder) several files bring is the first one's, as one by one
    select = """CREATE OR REPLACE TEMP TABLE new_edges AS
                SELECT r.src_user, r.dst_user, r.kind, r.post_id, r.created_at, r.platform,
                       min(r._file) AS _file
                FROM resolved r
                WHERE r.src_user <> r.dst_user{also}
                GROUP BY r.src_user, r.dst_user, r.kind, r.post_id, r.created_at, r.platform"""
    if empty:  # (before the set: its merge may have deleted some, never added one)
        con.execute("CREATE OR REPLACE TEMP TABLE ex_edges AS SELECT * FROM interactions LIMIT 0")
        con.execute(select.format(also=""))
    else:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ex_edges AS
               SELECT i.* FROM interactions i SEMI JOIN (SELECT DISTINCT src_user FROM resolved) r
                 ON i.src_user = r.src_user"""
        )
        con.execute(
            select.format(
                also="""
                  AND NOT EXISTS (SELECT 1 FROM ex_edges i
                      WHERE i.src_user = r.src_user AND i.dst_user = r.dst_user AND i.kind = r.kind
                        AND i.post_id IS NOT DISTINCT FROM r.post_id AND i.platform = r.platform
                        AND i.created_at IS NOT DISTINCT FROM r.created_at)"""
            )
        )
    added, pending = dict(zero), dict(zero)
    for k, a, p in con.execute(
        """SELECT _file, count(*), count(*) FILTER (WHERE src_user LIKE '@%' OR dst_user LIKE '@%')
           FROM new_edges GROUP BY _file"""
    ).fetchall():
        added[int(k)], pending[int(k)] = int(a), int(p)
    con.execute("""INSERT INTO interactions
                   SELECT src_user, dst_user, kind, post_id, created_at, platform FROM new_edges""")
    for name in ("resolved", "name_ids", "new_placeholders", "ex_edges", "new_edges"):
        con.execute(f"DROP TABLE {name}")
    return added, pending, placeholders


def _record_loads(con: duckdb.DuckDBPyConnection, reports: list[LoadReport], loaded_at: datetime) -> None:
    """The ``loads`` rows of a set's files, in their order (one statement: a prepared insert
    per file costs more than a small file's load)."""
    columns = [f.name for f in fields(LoadReport) if f.name not in ("notes", "reasons")]
    rows = {c: [getattr(r, c) for r in reports] for c in columns}
    rows["sha256"] = [_sha256(r.source) for r in reports]
    rows["loaded_at"] = [loaded_at] * len(reports)
    names = [*columns, "sha256", "loaded_at"]
    con.register("b_loads", pa.table(rows))
    con.execute(f"INSERT INTO loads ({', '.join(names)}) SELECT {', '.join(names)} FROM b_loads").fetchall()
    con.unregister("b_loads")
