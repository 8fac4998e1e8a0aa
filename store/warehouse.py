"""The DuckDB warehouse: schema, idempotent atomic loads, and the queries each step needs.

The warehouse is the single source of truth between pipeline steps (DESIGN.md). Loads are
idempotent (the same export twice adds nothing) and atomic (one transaction per file), and
their counts reconcile: rows read = loaded + duplicates + quarantined.

Example:
    >>> con = open_warehouse(":memory:")
    >>> con.execute("SELECT count(*) FROM posts").fetchone()[0]
    0
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from store.fields import file_sha256
from store.records import ARROW_SCHEMAS, USER_COLUMNS, ExportBatch, screen_batch

__all__ = [
    "AUTHOR_FIELDS",
    "FUNNEL_COLUMNS",
    "MAX_CONTEXT_HOPS",
    "SHANGHAI",
    "LoadReport",
    "WarehouseBusyError",
    "WarehouseError",
    "WarehouseFileError",
    "attach_author_profiles",
    "discard_run",
    "fetch_context_texts",
    "fetch_users",
    "fetch_window_authors",
    "fetch_window_interactions",
    "fetch_window_posts",
    "fetch_window_posts_of",
    "finish_run",
    "load_batch",
    "load_batches",
    "load_parts",
    "newest_post_date",
    "open_warehouse",
    "post_date_span",
    "publish_run",
    "read_run_users",
    "read_tag_funnel",
    "run_status",
    "start_run",
    "transaction",
    "window_author_gaps",
    "window_bounds",
    "write_run_users",
    "write_seeds",
    "write_selection",
    "write_tag_funnel",
    "write_user_tags",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

# posts and users are keyed by (platform, post_id) / (platform, user_id), but the keys are kept by
# load_batch (its anti-joins and in-batch de-duplication), not by PRIMARY KEY indexes: DuckDB's
# index made loading the CED dataset 24% slower (32.2 -> 26.0 s) and its peak RSS 120 MB larger.
SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    post_id VARCHAR NOT NULL, platform VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL, text VARCHAR, repost_of VARCHAR, reply_to VARCHAR,
    reposts BIGINT, comments BIGINT, likes BIGINT, source VARCHAR, loaded_at TIMESTAMPTZ,
    from_row BOOLEAN DEFAULT true
);
CREATE TABLE IF NOT EXISTS users (
    user_id VARCHAR NOT NULL, platform VARCHAR NOT NULL, screen_name VARCHAR,
    followers BIGINT, following BIGINT, statuses BIGINT, verified BOOLEAN, verified_type INTEGER,
    description VARCHAR, gender VARCHAR, location VARCHAR, seen_at TIMESTAMPTZ,
    placeholder BOOLEAN DEFAULT false
);
CREATE TABLE IF NOT EXISTS interactions (
    src_user VARCHAR NOT NULL, dst_user VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    post_id VARCHAR, created_at TIMESTAMPTZ, platform VARCHAR DEFAULT 'weibo'
);
CREATE OR REPLACE VIEW pending_interactions AS
    SELECT * FROM interactions WHERE src_user LIKE '@%' OR dst_user LIKE '@%';
CREATE TABLE IF NOT EXISTS quarantine (
    source VARCHAR, line BIGINT, raw VARCHAR, reason VARCHAR, loaded_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS loads (
    source VARCHAR, sha256 VARCHAR, rows_read BIGINT, loaded BIGINT, updated BIGINT, duplicates BIGINT,
    quarantined BIGINT, posts_added BIGINT, users_added BIGINT, users_updated BIGINT,
    interactions_added BIGINT, interactions_pending BIGINT, loaded_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, flow VARCHAR, segment VARCHAR, as_of DATE, window_days INTEGER,
    params VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, status VARCHAR,
    error VARCHAR
);
CREATE TABLE IF NOT EXISTS user_tags (
    run_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL, segment VARCHAR NOT NULL, score DOUBLE,
    n_posts INTEGER, n_hits INTEGER, evidence VARCHAR, rule VARCHAR, business VARCHAR,
    confirmed_by VARCHAR
);
CREATE TABLE IF NOT EXISTS tag_funnels (
    run_id VARCHAR PRIMARY KEY, segment VARCHAR, n_posts BIGINT, n_relevant BIGINT,
    n_positive_posts BIGINT, n_authors BIGINT, n_members BIGINT, by_rule VARCHAR, prior DOUBLE,
    prior_estimated BOOLEAN, threshold DOUBLE, chance_rate DOUBLE
);
CREATE TABLE IF NOT EXISTS seeds (
    run_id VARCHAR NOT NULL, segment VARCHAR NOT NULL, rank INTEGER NOT NULL,
    user_id VARCHAR NOT NULL, marginal_reach DOUBLE, cumulative_reach DOUBLE, community INTEGER,
    reason VARCHAR
);
CREATE TABLE IF NOT EXISTS selections (
    run_id VARCHAR PRIMARY KEY, segment VARCHAR, as_of DATE, selection VARCHAR
);
CREATE TABLE IF NOT EXISTS run_users (
    run_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL, circle INTEGER, city VARCHAR,
    bot_score DOUBLE, bot_reasons VARCHAR, eligible BOOLEAN, why VARCHAR
);
CREATE TABLE IF NOT EXISTS run_steps (
    run_id VARCHAR NOT NULL, step VARCHAR NOT NULL, seconds DOUBLE NOT NULL,
    finished_at TIMESTAMPTZ DEFAULT current_timestamp
);
"""


class WarehouseError(RuntimeError):
    """The warehouse file cannot be used; ``path`` names it."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class WarehouseBusyError(WarehouseError):
    """The warehouse file is locked by another process (an ingest or a run is writing);
    ``holder_pid`` is that process's id when DuckDB names it."""

    def __init__(self, message: str, path: str = "", holder_pid: int | None = None) -> None:
        super().__init__(message, path)
        self.holder_pid = holder_pid


class WarehouseFileError(WarehouseError):
    """The file is not a DuckDB database (or one this DuckDB cannot read)."""


def _lock_holder(message: str) -> int | None:
    """The PID DuckDB names in a lock conflict ("Conflicting lock is held in … (PID 123)")."""
    found = re.search(r"\(PID (\d+)\)", message)
    return int(found.group(1)) if found else None


def open_warehouse(
    path: str | Path, *, read_only: bool = False, retries: int = 10, wait_s: float = 0.5
) -> duckdb.DuckDBPyConnection:
    """Open (and create, unless read-only) the warehouse at ``path``.

    DuckDB allows one writing process; a locked file is retried ``retries`` times, then
    :class:`WarehouseBusyError` says a run is in progress.

    >>> con = open_warehouse(":memory:")
    >>> sorted(r[0] for r in con.execute("SHOW TABLES").fetchall())[:3]
    ['interactions', 'loads', 'pending_interactions']
    """
    target = str(path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        try:
            con = duckdb.connect(target, read_only=read_only)
            break
        except duckdb.IOException as exc:  # lock held by another process
            text = str(exc)
            if any(s in text for s in ("not a valid DuckDB database", "Is a directory")) or (
                "incompatible" in text.lower()
            ):
                raise WarehouseFileError(
                    f"{target}: not a DuckDB database (DuckDB: {text.removeprefix('IO Error: ')})", target
                ) from exc
            if "lock" not in text.lower():
                raise
            if attempt == retries:
                pid = _lock_holder(text)
                raise WarehouseBusyError(
                    f"{target}: the warehouse is locked by another process"
                    + (f" (pid {pid})" if pid else "")
                    + ": an ingest or a run is in progress; try again when it finishes",
                    target,
                    pid,
                ) from exc
            time.sleep(wait_s)
    else:  # pragma: no cover - loop always breaks or raises
        raise WarehouseBusyError(f"{target}: the warehouse is locked by another process", target)
    con.execute("SET enable_progress_bar = false")  # DuckDB's bar would print into CLI output
    if not read_only:
        _migrate(con)
        con.execute(SCHEMA)
    return con


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a warehouse written by an earlier version up to the current schema."""
    kinds = dict(
        con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    )
    if kinds.get("pending_interactions") == "BASE TABLE":  # before placeholder users
        con.execute("DROP TABLE pending_interactions")
    for table, column, decl in (
        ("posts", "from_row", "BOOLEAN DEFAULT true"),
        ("users", "placeholder", "BOOLEAN DEFAULT false"),
        ("loads", "updated", "BIGINT DEFAULT 0"),
        ("user_tags", "rule", "VARCHAR"),
        ("user_tags", "business", "VARCHAR"),
        ("user_tags", "confirmed_by", "VARCHAR"),
    ):
        if table in kinds:
            con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {decl}")
    _drop_key_indexes(con)


def _drop_key_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild posts / users written with a PRIMARY KEY (before the loader kept the keys)."""
    keyed = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
            "AND table_name IN ('posts', 'users') AND schema_name = 'main'"
        ).fetchall()
    }
    for table in sorted(keyed):
        start = SCHEMA.index(f"CREATE TABLE IF NOT EXISTS {table} (")
        ddl = SCHEMA[start : SCHEMA.index(";", start)].replace(
            f"IF NOT EXISTS {table} (", f"{table}__rebuilt (", 1
        )
        con.begin()
        try:
            con.execute(ddl)
            cols = ", ".join(r[0] for r in con.execute(f"DESCRIBE {table}").fetchall())
            con.execute(f"INSERT INTO {table}__rebuilt ({cols}) SELECT {cols} FROM {table}")
            con.execute(f"DROP TABLE {table}")
            con.execute(f"ALTER TABLE {table}__rebuilt RENAME TO {table}")
            con.commit()
        except BaseException:
            con.rollback()
            raise


@dataclass(frozen=True)
class LoadReport:
    """What one load did. ``rows_read == loaded + duplicates + quarantined`` always holds."""

    source: str
    rows_read: int
    loaded: int
    updated: int
    """Duplicate rows that brought fresher engagement counts (a subset of ``duplicates``)."""
    duplicates: int
    quarantined: int
    posts_added: int
    users_added: int
    users_updated: int
    interactions_added: int
    interactions_pending: int
    notes: tuple[str, ...] = ()
    """What the load changed without quarantining a row (e.g. a copied post dropped)."""
    reasons: tuple[str, ...] = ()
    """The reasons of the first quarantined rows (at most 3): what to say when nothing loaded."""

    def as_dict(self) -> dict[str, Any]:
        """The report's fields (its values are text, numbers and tuples of text: no deep copy,
        which cost more than a one-row file's load)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _now() -> datetime:
    return datetime.now(UTC)


def _as_arrow(t: pd.DataFrame | pa.Table, name: str) -> pd.DataFrame | pa.Table:
    """A batch's table as Arrow (:data:`store.records.ARROW_SCHEMAS`): DuckDB registers an
    Arrow table 5-10x faster than a pandas frame, which for a file of a few rows is most of its
    load. A frame Arrow cannot hold as it is (text with bytes that are not UTF-8) stays a frame."""
    if isinstance(t, pa.Table):
        return t
    try:
        return pa.Table.from_pandas(t, schema=ARROW_SCHEMAS[name], preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError):
        return t


def _with_ordinal(t: pd.DataFrame | pa.Table) -> pd.DataFrame | pa.Table:
    """The table with ``_ord``, its row number, so that SQL can keep the file's order."""
    n = len(t)
    if isinstance(t, pa.Table):
        return t.append_column("_ord", pa.array(np.arange(n, dtype=np.int64)))
    return t.assign(_ord=np.arange(n, dtype=np.int64))


#: One row per post: a post seen as its own row wins over a copy embedded in another row
#: (e.g. a repost's source post), else the first in the file. Only the keys are sorted out;
#: the rows themselves are copied once.
#: (``{extra}``: ``, _file`` when several files load as one set, :mod:`store.load_sets`)
_BATCH_POSTS_SQL = """
    CREATE OR REPLACE TEMP TABLE b_posts AS
    SELECT post_id, platform, user_id, created_at, text, repost_of, reply_to, reposts, comments, likes,
           from_row{extra}
    FROM r_posts
    WHERE _ord IN (SELECT arg_min(_ord, (NOT from_row, _ord)) FROM r_posts GROUP BY platform, post_id)"""
_BATCH_POSTS_UNIQUE_SQL = """
    CREATE OR REPLACE TEMP VIEW b_posts AS
    SELECT post_id, platform, user_id, created_at, text, repost_of, reply_to, reposts, comments, likes,
           from_row{extra}
    FROM r_posts"""
_BATCH_POSTS = _BATCH_POSTS_SQL.format(extra="")
_BATCH_POSTS_UNIQUE = _BATCH_POSTS_UNIQUE_SQL.format(extra="")

#: One row per user: the newest snapshot, where a field the newest snapshot lacks keeps the
#: newest known value (rows without a time count as newest, later rows as newer).
_USER_FIELDS = USER_COLUMNS[2:]  # every profile field after user_id and platform
#: A user with one row is that row (most users of a large file), and so is a user whose newest
#: row knows every field; only the other users with several rows are merged field by field. One
#: aggregate finds each user's count and newest row (the three scans and joins this took before
#: cost 1.2 s of a 243k-row load).
_NEWEST_KEY = "struct_pack(t := coalesce(epoch_us(seen_at), 9223372036854775807), o := _ord)"
_BATCH_USERS_SQL = """
    CREATE OR REPLACE TEMP TABLE b_users AS
    WITH k AS (SELECT platform, user_id, count(*) AS rows, arg_max(_ord, {key}) AS newest
               FROM r_users GROUP BY platform, user_id),
    top AS (SELECT r.*, k.rows FROM r_users r JOIN k ON r._ord = k.newest)
    SELECT user_id, platform, {plain}{{extra}} FROM top WHERE rows = 1 OR ({all_known})
    UNION ALL
    SELECT user_id, platform, {merged}{{extra_merged}}
    FROM (SELECT *, {key} AS _k FROM r_users
          SEMI JOIN (SELECT platform, user_id FROM top WHERE rows > 1 AND NOT ({all_known}))
            USING (platform, user_id))
    GROUP BY platform, user_id""".format(
    key=_NEWEST_KEY,
    plain=", ".join(_USER_FIELDS),
    all_known=" AND ".join(f"{c} IS NOT NULL" for c in _USER_FIELDS),
    merged=", ".join(f"arg_max({c}, _k) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in _USER_FIELDS),
)
_BATCH_USERS = _BATCH_USERS_SQL.format(extra="", extra_merged="")

#: A batch whose users each have one row (a file of a few rows, or of one author each time):
#: each user is that row, without planning the merge above (~40% of a one-row file's load).
_BATCH_USERS_UNIQUE_SQL = f"""
    CREATE OR REPLACE TEMP VIEW b_users AS
    SELECT user_id, platform, {", ".join(_USER_FIELDS)}{{extra}} FROM r_users"""
_BATCH_USERS_UNIQUE = _BATCH_USERS_UNIQUE_SQL.format(extra="")

#: a user's new location: the batch's, except that a coarser place inside the one known (an IP
#: location 浙江 after the profile's 浙江 杭州) keeps the finer one
_NEW_LOCATION = (
    "CASE WHEN b.location IS NOT NULL AND starts_with(u.location, b.location || ' ') "
    "THEN u.location ELSE coalesce(b.location, u.location) END"
)

#: A newer snapshot of a known user: each field takes the new value when known (the location as
#: _NEW_LOCATION says), and the row is updated only when some field would change (generated from
#: _USER_FIELDS, so no field is forgotten).
_PROFILE_FIELDS = [c for c in _USER_FIELDS if c != "seen_at"]
_NEW_VALUE = {c: f"coalesce(b.{c}, u.{c})" for c in _PROFILE_FIELDS} | {"location": _NEW_LOCATION}
_USER_CHANGES = """u.platform = b.platform AND u.user_id = b.user_id
      AND (u.seen_at IS NULL OR b.seen_at > u.seen_at)
      AND ({changed})""".format(
    changed=" OR ".join(
        f"{_NEW_LOCATION} IS DISTINCT FROM u.location" if c == "location" else f"b.{c} IS DISTINCT FROM u.{c}"
        for c in _PROFILE_FIELDS
    ),
)
_UPDATE_USERS = """
    UPDATE users u SET {sets}, seen_at = b.seen_at
    FROM b_users b
    WHERE {changes}""".format(
    sets=", ".join(f"{c} = {_NEW_VALUE[c]}" for c in _PROFILE_FIELDS), changes=_USER_CHANGES
)

#: A duplicate of a post's own row refreshes its engagement counts where they are known and differ.
_POST_CHANGES = """x.platform = b.platform AND x.post_id = b.post_id AND b.from_row AND x.from_row
      AND ((b.reposts IS NOT NULL AND b.reposts IS DISTINCT FROM x.reposts)
        OR (b.comments IS NOT NULL AND b.comments IS DISTINCT FROM x.comments)
        OR (b.likes IS NOT NULL AND b.likes IS DISTINCT FROM x.likes))"""
_UPDATE_POSTS = f"""
    UPDATE posts x SET reposts = coalesce(b.reposts, x.reposts),
        comments = coalesce(b.comments, x.comments), likes = coalesce(b.likes, x.likes)
    FROM b_posts b
    WHERE {_POST_CHANGES}"""

#: The warehouse's rows for the batch's posts (and its row keys' posts) and users.
_EXISTING_COLUMNS = {"posts": "platform, post_id, from_row", "users": "platform, user_id, placeholder"}
_EXISTING_POSTS = """
    CREATE OR REPLACE TEMP TABLE ex_posts AS
    SELECT x.platform, x.post_id, x.from_row FROM posts x
    SEMI JOIN (SELECT platform, post_id FROM b_posts
               UNION SELECT $1, post_id FROM b_keys WHERE post_id NOT LIKE 'user:%') b
      ON x.platform = b.platform AND x.post_id = b.post_id"""
_EXISTING_USERS = """
    CREATE OR REPLACE TEMP TABLE ex_users AS
    SELECT u.platform, u.user_id, u.placeholder FROM users u
    SEMI JOIN (SELECT platform, user_id FROM b_users
               UNION SELECT $1, substr(post_id, 6) FROM b_keys WHERE post_id LIKE 'user:%') b
      ON u.platform = b.platform AND u.user_id = b.user_id"""


def _is_empty(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchone()[0]


def _sha256(path: str) -> str | None:
    return file_sha256(path) if Path(path).is_file() else None


def _first_reasons(quarantine: pd.DataFrame | pa.Table, n: int = 3) -> list[str]:
    """The reasons of the first ``n`` quarantine rows (in the file's order)."""
    head = (
        quarantine.slice(0, n).column("reason").to_pylist()
        if isinstance(quarantine, pa.Table)
        else (quarantine["reason"].head(n).tolist())
    )
    return [str(r) for r in head]


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: ExportBatch,
    *,
    _part_of: str | None = None,
    _in_transaction: bool = False,
) -> LoadReport:
    """Load one parsed export into the warehouse, in one transaction.

    Posts are keyed by ``(platform, post_id)``: a row whose post is already there (or earlier in
    the same file) is a duplicate, and may refresh the post's engagement counts. User profiles
    are upserted (a newer snapshot updates them). Interactions named by screen name resolve to
    the user with that name; an unknown name becomes a placeholder user ``@name``, merged into
    the real user when a later row brings that name with an id.

    Rows that parsed but cannot be right (dated in the future or before Weibo, a negative or
    overflowing count, an over-long text) are quarantined first (:func:`store.records.screen_batch`).

    ``_part_of`` (for :func:`load_parts` only): the batch is one part of that file, loaded inside
    the caller's transaction, and the caller records the file's load. ``_in_transaction`` (for
    :func:`load_batches` only): the whole file, with its ``loads`` row, inside the caller's
    transaction.
    """
    own = _part_of is None and not _in_transaction  # this call begins and commits
    loaded_at = _now()
    batch, notes = screen_batch(batch, loaded_at)
    platform = batch.platform
    posts, users = batch.table("posts"), batch.table("users")
    edges, quarantine = batch.table("interactions"), batch.table("quarantine")
    keys = pa.table({"post_id": batch.row_keys_arrow()})
    n_keys = len(keys)
    # the file's hash (0.2 s for 200 MB) is read beside the SQL below, not before it
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tajian-sha256")
    sha256 = hashing.submit(_sha256, batch.source) if _part_of is None else None  # parts: the caller's
    hashing.shutdown(wait=False)

    if own:
        con.begin()
    try:
        con.register("r_posts", _with_ordinal(_as_arrow(posts, "posts")))
        con.register("r_users", _with_ordinal(_as_arrow(users, "users")))
        con.register("r_edges", _as_arrow(edges, "interactions"))
        con.register("r_quarantine", _as_arrow(quarantine, "quarantine"))
        con.register("b_keys", keys)
        unique, unique_users = con.execute(
            """SELECT (SELECT count(*) = count(DISTINCT (platform, post_id)) FROM r_posts),
                      (SELECT count(*) = count(DISTINCT (platform, user_id)) FROM r_users)"""
        ).fetchone()
        con.execute(_BATCH_POSTS_UNIQUE if unique else _BATCH_POSTS)
        con.execute(_BATCH_USERS_UNIQUE if unique_users else _BATCH_USERS)
        # What the warehouse already holds of this batch's posts and users: one scan of each
        # table (hashing every key of a large table costs ~45 ms per million rows, so each later
        # statement joins these small tables instead; a batch of new posts skips the rest).
        for table, sql in (("posts", _EXISTING_POSTS), ("users", _EXISTING_USERS)):
            if _is_empty(con, table):  # a fresh warehouse: nothing to look up
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE ex_{table} AS "
                    f"SELECT {_EXISTING_COLUMNS[table]} FROM {table} LIMIT 0"
                )
            else:
                con.execute(sql, [platform])
        known_posts = con.execute("SELECT count(*) FROM ex_posts").fetchone()[0]
        loaded = updated = 0
        if n_keys:
            # A row is new unless its post was already loaded from a row of its own (a copy
            # embedded in another row, e.g. a repost's source post, does not count); a row of a
            # profile export (key "user:<id>") is new when its user is.
            loaded = con.execute(
                """SELECT count(*) FILTER (WHERE p.post_id NOT LIKE 'user:%' AND NOT EXISTS (
                              SELECT 1 FROM ex_posts x WHERE x.platform = $1 AND x.post_id = p.post_id
                                AND x.from_row))
                        + count(*) FILTER (WHERE p.post_id LIKE 'user:%' AND NOT EXISTS (
                              SELECT 1 FROM ex_users u WHERE u.platform = $1
                                AND u.user_id = substr(p.post_id, 6) AND NOT u.placeholder))
                   FROM (SELECT DISTINCT post_id FROM b_keys) p""",
                [platform],
            ).fetchone()[0]
        posts_added = 0
        if len(posts) and not known_posts:
            posts_added = con.execute(
                """INSERT INTO posts SELECT b.post_id, b.platform, b.user_id, b.created_at, b.text,
                       b.repost_of, b.reply_to, b.reposts, b.comments, b.likes, ?, ?, b.from_row
                   FROM b_posts b""",
                [batch.source, loaded_at],
            ).fetchone()[0]
        elif len(posts):
            updated = con.execute(_UPDATE_POSTS).fetchone()[0]
            # The post's own row completes a post first seen embedded in another row. Many
            # such posts (a file of statuses after a file of comments on them) made an UPDATE
            # take 20 s for 50k rows; deleting them and inserting the completed rows takes 0.1 s.
            con.execute(
                """CREATE OR REPLACE TEMP TABLE b_completed AS
                   SELECT x.post_id, x.platform, x.user_id, x.created_at, coalesce(b.text, x.text),
                          coalesce(b.repost_of, x.repost_of), coalesce(b.reply_to, x.reply_to),
                          coalesce(b.reposts, x.reposts), coalesce(b.comments, x.comments),
                          coalesce(b.likes, x.likes), ? AS source, x.loaded_at, true AS from_row
                   FROM posts x JOIN b_posts b ON x.platform = b.platform AND x.post_id = b.post_id
                   WHERE b.from_row AND NOT x.from_row""",
                [batch.source],
            )
            if con.execute("SELECT count(*) FROM b_completed").fetchone()[0]:
                con.execute("""DELETE FROM posts x USING b_completed c
                               WHERE x.platform = c.platform AND x.post_id = c.post_id""")
                con.execute("INSERT INTO posts SELECT * FROM b_completed")
            con.execute("DROP TABLE b_completed")
            posts_added = con.execute(
                """INSERT INTO posts SELECT b.post_id, b.platform, b.user_id, b.created_at, b.text,
                       b.repost_of, b.reply_to, b.reposts, b.comments, b.likes, ?, ?, b.from_row
                   FROM b_posts b
                   ANTI JOIN ex_posts x ON x.platform = b.platform AND x.post_id = b.post_id""",
                [batch.source, loaded_at],
            ).fetchone()[0]
        users_added = users_updated = 0
        known_users = con.execute("SELECT count(*) FROM ex_users").fetchone()[0]
        if len(users) and not known_users:
            users_added = con.execute("INSERT INTO users SELECT b.*, false FROM b_users b").fetchone()[0]
            _merge_placeholders(con)
        elif len(users):
            users_updated = con.execute(_UPDATE_USERS).fetchone()[0]
            users_added = con.execute(
                """INSERT INTO users SELECT b.*, false FROM b_users b
                   ANTI JOIN ex_users u ON u.platform = b.platform AND u.user_id = b.user_id"""
            ).fetchone()[0]
            _merge_placeholders(con)
        added = _insert_interactions(con, platform) if len(edges) else 0
        # An interaction is pending while it names a placeholder user "@name": with no
        # placeholder (counting them is cheap) none is, and the view's scan is skipped
        pending = (
            con.execute("SELECT count(*) FROM pending_interactions").fetchone()[0]
            if con.execute("SELECT count(*) FROM users WHERE placeholder").fetchone()[0]
            else 0
        )
        if len(quarantine):
            con.execute(
                """INSERT INTO quarantine SELECT $1, q.line, q.raw, q.reason, $2 FROM r_quarantine q
                   WHERE NOT EXISTS (SELECT 1 FROM quarantine x
                                     WHERE x.source = $1 AND x.line = q.line AND x.raw = q.raw)""",
                [batch.source, loaded_at],
            )
        report = LoadReport(
            source=batch.source,
            rows_read=batch.rows_read,
            loaded=int(loaded),
            updated=int(updated),
            duplicates=int(n_keys - loaded),
            quarantined=len(quarantine),
            posts_added=int(posts_added),
            users_added=int(users_added),
            users_updated=int(users_updated),
            interactions_added=int(added),
            interactions_pending=int(pending),
            notes=tuple(notes),
            reasons=tuple(_first_reasons(quarantine)),
        )
        if _part_of is None:
            _record_load(con, report, sha256.result() if sha256 else None, loaded_at)
        else:  # finish the last query's result: DuckDB refuses to unregister while one is open
            con.execute("SELECT 1").fetchall()
        for name in ("r_posts", "r_users", "r_edges", "r_quarantine", "b_keys"):
            con.unregister(name)
        con.execute(f"DROP {'VIEW' if unique else 'TABLE'} b_posts")
        con.execute(f"DROP {'VIEW' if unique_users else 'TABLE'} b_users")
        con.execute("DROP TABLE ex_posts")
        con.execute("DROP TABLE ex_users")
        if own:
            con.commit()
    except BaseException:
        if own:
            con.rollback()
        raise
    return report


def _record_load(
    con: duckdb.DuckDBPyConnection, report: LoadReport, sha256: str | None, loaded_at: datetime
) -> None:
    """The ``loads`` row of one file's load."""
    con.execute(
        """INSERT INTO loads (source, sha256, rows_read, loaded, updated, duplicates, quarantined,
               posts_added, users_added, users_updated, interactions_added, interactions_pending,
               loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            report.source,
            sha256,
            report.rows_read,
            report.loaded,
            report.updated,
            report.duplicates,
            report.quarantined,
            report.posts_added,
            report.users_added,
            report.users_updated,
            report.interactions_added,
            report.interactions_pending,
            loaded_at,
        ],
    )


def load_parts(con: duckdb.DuckDBPyConnection, parts: Iterable[ExportBatch]) -> LoadReport:
    """Load one export file read in parts (:func:`store.weibo_api.read_weibo_api_parts`), in one
    transaction: the warehouse holds all of the file or none of it, and ``loads`` one row for it,
    as with :func:`load_batch`, while memory holds one part at a time. The report adds up the
    parts' figures (``interactions_pending``: after the last part).

    >>> from store.records import BatchBuilder
    >>> con = open_warehouse(":memory:")
    >>> parts = [BatchBuilder("f.jsonl").build(), BatchBuilder("f.jsonl").build()]
    >>> r = load_parts(con, parts); r.rows_read, con.execute("SELECT count(*) FROM loads").fetchone()[0]
    (0, 1)
    """
    loaded_at = _now()
    total: LoadReport | None = None
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tajian-sha256")
    sha256 = None
    con.begin()
    try:
        for part in parts:
            if total is None:  # the file's hash is read beside the first part's load
                sha256 = hashing.submit(_sha256, part.source)
            elif part.source != total.source:
                raise ValueError(
                    f"the parts of one file must share its source; got {part.source!r} after {total.source!r}"
                )
            r = load_batch(con, part, _part_of=part.source)
            total = r if total is None else _added(total, r)
        if total is None:
            raise ValueError("load_parts needs at least one part (an empty file is one empty batch)")
        _record_load(con, total, sha256.result() if sha256 else None, loaded_at)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        hashing.shutdown(wait=False)
    return total


def load_batches(con: duckdb.DuckDBPyConnection, batches: Iterable[ExportBatch]) -> list[LoadReport]:
    """Load several files' batches in one transaction, in their order: each file gets the
    report and the ``loads`` row :func:`load_batch` would give it (a file's rows count as
    duplicates of the files before it, as when they load one after the other), and the
    warehouse holds all of them or none (an error rolls every one of them back).

    Many small files load far faster this way (a commit writes and syncs DuckDB's log; a
    file of one row costs less than that to load). Memory holds one batch at a time besides
    DuckDB's open transaction, so the caller bounds how many rows go into one call.

    >>> from store.records import BatchBuilder
    >>> con = open_warehouse(":memory:")
    >>> r = load_batches(con, [BatchBuilder("a.jsonl").build(), BatchBuilder("b.jsonl").build()])
    >>> [x.source for x in r], con.execute("SELECT count(*) FROM loads").fetchone()[0]
    (['a.jsonl', 'b.jsonl'], 2)
    """
    reports: list[LoadReport] = []
    with transaction(con):
        for batch in batches:
            reports.append(load_batch(con, batch, _in_transaction=True))
    return reports


def _added(a: LoadReport, b: LoadReport) -> LoadReport:
    """Two parts' reports as one: counts added, the later pending count, notes and reasons kept."""
    summed = {
        f: getattr(a, f) + getattr(b, f)
        for f in (
            "rows_read",
            "loaded",
            "updated",
            "duplicates",
            "quarantined",
            "posts_added",
            "users_added",
            "users_updated",
            "interactions_added",
        )
    }
    return LoadReport(
        source=a.source,
        **summed,
        interactions_pending=b.interactions_pending,
        notes=a.notes + b.notes,
        reasons=(a.reasons + b.reasons)[:3],
    )


_NAME_IDS = """
    SELECT platform, screen_name, arg_max(user_id, seen_at) AS user_id
    FROM users SEMI JOIN ({names}) n USING (platform, screen_name)
    WHERE NOT placeholder AND screen_name IS NOT NULL AND screen_name NOT LIKE '%*%'
    GROUP BY platform, screen_name"""


def _resolve_names(con: duckdb.DuckDBPyConnection, platform: str, carry: str = "") -> None:
    """The temp table ``resolved``: the batch's interactions (``r_edges``) with each end that has
    only a name resolved to the user of that name, else to its placeholder ``@name`` (``src_ph``,
    ``dst_ph``: the names that need one); ``carry`` adds columns of ``r_edges`` (", e._file")."""
    names = """SELECT $1 AS platform, src_name AS screen_name FROM r_edges WHERE src_user IS NULL
               UNION SELECT $1, dst_name FROM r_edges WHERE dst_user IS NULL"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE name_ids AS {_NAME_IDS.format(names=names)}", [platform])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE resolved AS
           SELECT coalesce(e.src_user, s.user_id, '@' || e.src_name) AS src_user,
                  coalesce(e.dst_user, d.user_id, '@' || e.dst_name) AS dst_user,
                  e.kind, e.post_id, e.created_at, $1 AS platform,
                  CASE WHEN e.src_user IS NULL AND s.user_id IS NULL THEN e.src_name END AS src_ph,
                  CASE WHEN e.dst_user IS NULL AND d.user_id IS NULL THEN e.dst_name END AS dst_ph{carry}
           FROM r_edges e
           LEFT JOIN name_ids s ON e.src_user IS NULL AND s.platform = $1 AND s.screen_name = e.src_name
           LEFT JOIN name_ids d ON e.dst_user IS NULL AND d.platform = $1 AND d.screen_name = e.dst_name
           WHERE coalesce(e.src_user, e.src_name) IS NOT NULL
             AND coalesce(e.dst_user, e.dst_name) IS NOT NULL""",
        [platform],
    )


def _insert_interactions(con: duckdb.DuckDBPyConnection, platform: str) -> int:
    """Resolve the batch's names (placeholder ``@name`` users where unknown) and insert the
    interactions that are not there yet. Returns how many were added."""
    _resolve_names(con, platform)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE new_placeholders AS
           SELECT DISTINCT '@' || name AS user_id, platform, name FROM (
               SELECT src_ph AS name, platform FROM resolved WHERE src_ph IS NOT NULL
               UNION SELECT dst_ph, platform FROM resolved WHERE dst_ph IS NOT NULL)"""
    )
    if con.execute("SELECT count(*) FROM new_placeholders").fetchone()[0]:
        # a user id starting with "@" is a placeholder's (as pending_interactions assumes):
        # only those rows need comparing, not every user's id
        con.execute(
            """INSERT INTO users (user_id, platform, screen_name, placeholder)
               SELECT n.user_id, n.platform, n.name, true FROM new_placeholders n
               ANTI JOIN (SELECT platform, user_id FROM users WHERE placeholder) u
                 ON u.platform = n.platform AND u.user_id = n.user_id"""
        )
    # The warehouse's interactions that could repeat one of the batch's (same source user); one
    # is a repeat when all its fields are the same, as within a batch (DISTINCT): B's two
    # comments on A's post are two interactions, whether they come in one file or two
    insert = """INSERT INTO interactions
                SELECT DISTINCT r.src_user, r.dst_user, r.kind, r.post_id, r.created_at, r.platform
                FROM resolved r
                WHERE r.src_user <> r.dst_user"""
    if _is_empty(con, "interactions"):
        con.execute("CREATE OR REPLACE TEMP TABLE ex_edges AS SELECT * FROM interactions LIMIT 0")
        added = con.execute(insert).fetchone()[0]
    else:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ex_edges AS
               SELECT i.* FROM interactions i SEMI JOIN (SELECT DISTINCT src_user FROM resolved) r
                 ON i.src_user = r.src_user"""
        )
        added = con.execute(
            insert
            + """
              AND NOT EXISTS (SELECT 1 FROM ex_edges i
                  WHERE i.src_user = r.src_user AND i.dst_user = r.dst_user AND i.kind = r.kind
                    AND i.post_id IS NOT DISTINCT FROM r.post_id AND i.platform = r.platform
                    AND i.created_at IS NOT DISTINCT FROM r.created_at)"""
        ).fetchone()[0]
    for name in ("resolved", "name_ids", "new_placeholders", "ex_edges"):
        con.execute(f"DROP TABLE {name}")
    return int(added)


def _merge_placeholders(con: duckdb.DuckDBPyConnection) -> int:
    """Point interactions of placeholder users ``@name`` at the real user now known by that
    name, drop what became a duplicate or a self-loop, and delete the placeholders.

    Only a name of the batch's users can have become known: every earlier load merged the
    placeholders whose names it knew, and made none for a known name."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE named AS
           SELECT DISTINCT p.platform, p.screen_name FROM users p
           SEMI JOIN b_users b ON b.platform = p.platform AND b.screen_name = p.screen_name
           WHERE p.placeholder"""
    )
    if not con.execute("SELECT count(*) FROM named").fetchone()[0]:
        con.execute("DROP TABLE named")
        return 0
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE merges AS
            SELECT p.platform, p.user_id AS placeholder, n.user_id AS real_id
            FROM users p JOIN ({_NAME_IDS.format(names="SELECT * FROM named")}) n
              ON n.platform = p.platform AND n.screen_name = p.screen_name
            WHERE p.placeholder"""
    )
    merged = con.execute("SELECT count(*) FROM merges").fetchone()[0]
    if merged:
        for end in ("src_user", "dst_user"):
            con.execute(
                f"""UPDATE interactions i SET {end} = m.real_id FROM merges m
                    WHERE i.platform = m.platform AND i.{end} = m.placeholder"""
            )
        con.execute("DELETE FROM interactions WHERE src_user = dst_user")
        con.execute(
            """DELETE FROM interactions WHERE rowid IN (
                   SELECT rid FROM (
                       SELECT i.rowid AS rid, row_number() OVER (
                           PARTITION BY i.platform, i.src_user, i.dst_user, i.kind, i.post_id
                           ORDER BY i.rowid) AS n
                       FROM interactions i
                       WHERE (i.platform, i.src_user) IN (SELECT platform, real_id FROM merges)
                          OR (i.platform, i.dst_user) IN (SELECT platform, real_id FROM merges))
                   WHERE n > 1)"""
        )
        con.execute(
            """DELETE FROM users u USING merges m
               WHERE u.platform = m.platform AND u.user_id = m.placeholder"""
        )
    con.execute("DROP TABLE merges")
    con.execute("DROP TABLE named")
    return int(merged)


#: How far :func:`fetch_context_texts` follows repost_of / reply_to up a repost tree.
MAX_CONTEXT_HOPS = 30


def fetch_context_texts(
    con: duckdb.DuckDBPyConnection, posts: pd.DataFrame, platform: str = "weibo"
) -> pd.Series:
    """The context of each post for the tagger: the text of the post it reposts or replies to
    (``repost_of``, else ``reply_to``), followed up the repost tree to the original post (the
    farthest one the warehouse holds, at most :data:`MAX_CONTEXT_HOPS` hops): a reply to a reply
    under a news post is read with the news post. None where the post answers nothing or the
    warehouse does not hold the post it answers.

    >>> con = open_warehouse(":memory:")
    >>> posts = pd.DataFrame({"post_id": ["2", "3"], "repost_of": ["1", None], "reply_to": [None, None]})
    >>> fetch_context_texts(con, posts).tolist()  # post 1 is not in the warehouse
    [None, None]
    """
    if posts.empty or not {"repost_of", "reply_to"} <= set(posts.columns):
        return pd.Series([None] * len(posts), index=posts.index, dtype=object)
    parent = posts["repost_of"].where(posts["repost_of"].notna(), posts["reply_to"])
    known: dict[str, tuple[str | None, str | None]] = {}  # post_id -> (its parent, its text)
    todo = {str(p) for p in parent.dropna().unique()}
    for _hop in range(MAX_CONTEXT_HOPS):
        if not todo:
            break
        ids = pd.DataFrame({"post_id": sorted(todo)})
        con.register("_context_ids", ids)
        try:
            rows = con.execute(
                """SELECT p.post_id, coalesce(p.repost_of, p.reply_to), p.text
                   FROM posts p JOIN _context_ids i USING (post_id) WHERE p.platform = ?""",
                [platform],
            ).fetchall()
        finally:
            con.unregister("_context_ids")
        for post_id, up, text in rows:
            known[post_id] = (up, text)
        todo = {
            up for _pid, (up, _t) in ((r[0], known[r[0]]) for r in rows) if up is not None and up not in known
        }

    def root_text(first: object) -> str | None:
        text, at = None, first
        for _hop in range(MAX_CONTEXT_HOPS):
            if not isinstance(at, str) or at not in known:
                break
            at, t = known[at]
            text = t if t else text
        return text

    cache: dict[str, str | None] = {}
    out = []
    for p in parent.tolist():
        if not isinstance(p, str):
            out.append(None)
            continue
        if p not in cache:
            cache[p] = root_text(p)
        out.append(cache[p])
    return pd.Series(out, index=posts.index, dtype=object)


def window_bounds(as_of: date, window_days: int) -> tuple[datetime, datetime]:
    """The run window as UTC instants: Asia/Shanghai dates ``[as_of − window_days + 1, as_of]``.

    >>> [d.isoformat() for d in window_bounds(date(2026, 11, 15), 30)]
    ['2026-10-16T16:00:00+00:00', '2026-11-15T16:00:00+00:00']
    """
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1; got {window_days}")
    first = as_of - timedelta(days=window_days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=SHANGHAI)
    end_day = as_of + timedelta(days=1)
    end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def newest_post_date(
    con: duckdb.DuckDBPyConnection, platform: str = "weibo", *, not_after: date | None = None
) -> date | None:
    """The Asia/Shanghai date of the newest post in the warehouse (the default ``as_of``), of
    those dated ``not_after`` or earlier when given (a post dated in the future, loaded before
    loads refused them, never moves the default past that day).

    >>> con = open_warehouse(":memory:")
    >>> _ = con.execute("INSERT INTO posts (post_id, platform, user_id, created_at) VALUES "
    ...                 "('1', 'weibo', 'u', '2026-11-15 23:30:00+08'), ('2', 'weibo', 'u', '2099-01-01')")
    >>> newest_post_date(con), newest_post_date(con, not_after=date(2026, 12, 7))
    (datetime.date(2099, 1, 1), datetime.date(2026, 11, 15))
    """
    bound = window_bounds(not_after, 1)[1] if not_after is not None else None
    row = con.execute(
        "SELECT max(created_at) FROM posts WHERE platform = ? AND (?::TIMESTAMPTZ IS NULL OR created_at < ?)",
        [platform, bound, bound],
    ).fetchone()
    if row is None or row[0] is None:
        return None
    ts = pd.Timestamp(row[0])
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return ts.tz_convert(SHANGHAI).date()


def _to_shanghai(df: pd.DataFrame, col: str = "created_at") -> pd.DataFrame:
    if not df.empty:
        ts = pd.to_datetime(df[col])
        ts = ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts
        df[col] = ts.dt.tz_convert(SHANGHAI)
    return df


def fetch_window_posts(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, platform: str = "weibo"
) -> pd.DataFrame:
    """Posts (and comments) created in ``[start, end)``, oldest first."""
    df = con.execute(
        """SELECT post_id, user_id, created_at, text, repost_of, reply_to, reposts, comments, likes
           FROM posts WHERE platform = ? AND created_at >= ? AND created_at < ?
           ORDER BY created_at, post_id""",
        [platform, start, end],
    ).df()
    return _to_shanghai(df)


def fetch_window_posts_of(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    user_ids: Iterable[str],
    platform: str = "weibo",
) -> pd.DataFrame:
    """:func:`fetch_window_posts` of ``user_ids`` only (the same rows in the same order as
    filtering its result), chosen in the warehouse: the select step reads its members' posts
    without turning every post of the window into pandas rows.

    Example::

        fetch_window_posts_of(con, *window_bounds(as_of, 30), tags["user_id"])
    """
    ids = pd.DataFrame({"user_id": pd.Series(list(user_ids), dtype="object")})
    con.register("want_authors", ids)
    try:
        df = _arrow_frame(
            con,
            """SELECT post_id, user_id, created_at, text, repost_of, reply_to, reposts, comments, likes
               FROM posts p SEMI JOIN want_authors w ON w.user_id = p.user_id
               WHERE platform = ? AND created_at >= ? AND created_at < ?
               ORDER BY created_at, post_id""",
            [platform, start, end],
        )
    finally:
        con.unregister("want_authors")
    return _to_shanghai(df)


def fetch_window_authors(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, platform: str = "weibo"
) -> tuple[list[str], int]:
    """``(the distinct authors of the posts created in [start, end), sorted; how many posts)``:
    what the tag step needs to split the window into user shards before reading any post.

    >>> con = open_warehouse(":memory:")
    >>> _ = con.execute("INSERT INTO posts (post_id, platform, user_id, created_at) VALUES "
    ...                 "('1', 'weibo', 'b', '2026-11-15'), ('2', 'weibo', 'a', '2026-11-15'),"
    ...                 " ('3', 'weibo', 'b', '2026-11-15')")
    >>> fetch_window_authors(con, *window_bounds(date(2026, 11, 15), 1))
    (['a', 'b'], 3)
    """
    rows = con.execute(
        """SELECT user_id, count(*) FROM posts
           WHERE platform = ? AND created_at >= ? AND created_at < ?
           GROUP BY user_id ORDER BY user_id""",
        [platform, start, end],
    ).fetchall()
    return [str(u) for u, _ in rows], sum(int(n) for _, n in rows)


#: pandas' nullable integer types for Arrow's (what DuckDB's ``.df()`` gives a column with NULLs)
_NULLABLE_INTS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


def _arrow_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    """The rows of ``sql`` as pandas by way of Arrow: text arrives as pandas' Arrow-backed
    strings without a Python object per value (a window's posts: under half the CPU and about
    300 MB less peak memory than ``.df()`` at 300k users); integers as nullable integers. No
    rows: ``.df()``'s empty frame, whose column types the callers have always seen."""
    con.complete()  # a result an earlier execute() left unread would refuse the relation
    table = con.sql(sql, params=params).to_arrow_table()
    if not table.num_rows:
        return con.execute(sql, params).df()
    return table.to_pandas(types_mapper=_NULLABLE_INTS.get)


#: the profile fields the report's data quality counts among the window's authors
AUTHOR_FIELDS = ("followers", "verified", "location", "gender")


def window_author_gaps(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, platform: str = "weibo"
) -> dict[str, Any]:
    """The window's distinct authors (of posts created in ``[start, end)``) and what their
    profiles lack, counted in the warehouse rather than over a million profile rows in pandas:
    ``n_authors``; ``without_profile``, those with no profile row holding a follower count,
    verification or place; ``unknown_fields``, per field of :data:`AUTHOR_FIELDS`, (authors
    lacking it, authors).

    Example::

        window_author_gaps(con, *window_bounds(as_of, 30))["unknown_fields"]["gender"]  # (812, 1000)
    """
    lacks = ", ".join(f"count(DISTINCT a.user_id) FILTER (WHERE u.{f} IS NOT NULL)" for f in AUTHOR_FIELDS)
    row = con.execute(
        f"""WITH a AS (SELECT DISTINCT user_id FROM posts
                       WHERE platform = ? AND created_at >= ? AND created_at < ?)
            SELECT count(DISTINCT a.user_id), {lacks},
                   count(DISTINCT a.user_id) FILTER (WHERE u.followers IS NOT NULL
                       OR u.verified IS NOT NULL OR u.location IS NOT NULL)
            FROM a LEFT JOIN users u ON u.user_id = a.user_id AND u.platform = ?""",
        [platform, start, end, platform],
    ).fetchall()[0]  # one row, fetched to the end: the connection is free for the next query
    n, *known, with_profile = (int(x) for x in row)
    return {
        "n_authors": n,
        "without_profile": n - with_profile,
        "unknown_fields": {f: (n - k, n) for f, k in zip(AUTHOR_FIELDS, known, strict=True)},
    }


def fetch_window_interactions(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, platform: str = "weibo"
) -> pd.DataFrame:
    """Interactions that happened in ``[start, end)`` (follows, which carry no time, included),
    read through Arrow (:func:`_arrow_frame`)."""
    df = _arrow_frame(
        con,
        """SELECT src_user, dst_user, kind, post_id, created_at FROM interactions
           WHERE platform = ? AND (created_at IS NULL OR (created_at >= ? AND created_at < ?))
           ORDER BY src_user, dst_user, kind, post_id""",
        [platform, start, end],
    )
    return _to_shanghai(df)


def attach_author_profiles(
    con: duckdb.DuckDBPyConnection, posts: pd.DataFrame, platform: str = "weibo"
) -> pd.DataFrame:
    """``posts`` with its authors' ``screen_name`` and ``bio`` (the profile's description) beside
    each post, None where the warehouse holds no profile: what the tagger reads as profile evidence."""
    profiles = fetch_users(con, posts["user_id"].unique(), platform)
    by_user = profiles.set_index("user_id")
    out = posts.copy()
    out["screen_name"] = out["user_id"].map(by_user["screen_name"]) if len(by_user) else None
    out["bio"] = out["user_id"].map(by_user["description"]) if len(by_user) else None
    return out


def fetch_users(
    con: duckdb.DuckDBPyConnection, user_ids: Iterable[str], platform: str = "weibo"
) -> pd.DataFrame:
    """Profiles of ``user_ids``; users without a profile row are absent from the result."""
    ids = pd.DataFrame({"user_id": pd.Series(list(user_ids), dtype="object")})
    con.register("want_ids", ids)
    try:
        return con.execute(
            """SELECT u.* FROM users u SEMI JOIN want_ids w ON w.user_id = u.user_id
               WHERE u.platform = ? ORDER BY u.user_id""",
            [platform],
        ).df()
    finally:
        con.unregister("want_ids")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``con`` inside one transaction: committed at the end, rolled back on an error.

    When DuckDB has already ended the transaction itself (a failed commit on a full disk), the
    rollback's own error ("cannot rollback - no transaction is active") is dropped, so the real
    error is the one raised.
    """
    con.begin()
    try:
        yield con
        con.commit()
    except BaseException:
        with suppress(duckdb.Error):
            con.rollback()
        raise


def start_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    flow: str,
    segment: str,
    as_of: date,
    window_days: int,
    params: dict[str, Any],
) -> None:
    """Append a ``runs`` row with status ``running``."""
    con.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'running', NULL)",
        [
            run_id,
            flow,
            segment,
            as_of,
            window_days,
            json.dumps(params, sort_keys=True, ensure_ascii=False),
            _now(),
        ],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, *, status: str, error: str | None = None) -> None:
    """Mark a run ``succeeded`` or ``failed`` (with its error)."""
    if status not in ("succeeded", "failed"):
        raise ValueError(f"status must be 'succeeded' or 'failed'; got {status!r}")
    con.execute(
        "UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE run_id = ?",
        [status, error, _now(), run_id],
    )


def run_status(con: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """A run's status (``running``, ``succeeded``, ``failed``), or None when it has no row."""
    row = con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return None if row is None else str(row[0])


def _run_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables that hold a run's results (user_tags, seeds, selections, …): every base
    table with a ``run_id`` column but ``runs`` itself."""
    return [
        r[0]
        for r in con.execute(
            """SELECT c.table_name FROM information_schema.columns c
               JOIN information_schema.tables t USING (table_schema, table_name)
               WHERE c.column_name = 'run_id' AND c.table_name <> 'runs'
                 AND t.table_type = 'BASE TABLE' AND c.table_schema = 'main'
               ORDER BY c.table_name"""
        ).fetchall()
    ]


def discard_run(con: duckdb.DuckDBPyConnection, run_id: str, error: str) -> bool:
    """Remove an unpublished run's rows (tags, seeds, selection) and mark it failed with
    ``error``, in one transaction; a published (``succeeded``) run is left alone. Returns
    whether the run was discarded."""
    with transaction(con):
        status = run_status(con, run_id)
        if status == "succeeded":
            return False
        for table in _run_tables(con):
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
        if status is not None:
            con.execute(
                "UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE run_id = ?",
                [error, _now(), run_id],
            )
    return True


def post_date_span(con: duckdb.DuckDBPyConnection, platform: str = "weibo") -> tuple[date, date] | None:
    """The Asia/Shanghai dates of the oldest and newest post in the warehouse (None when empty)."""
    row = con.execute(
        "SELECT min(created_at), max(created_at) FROM posts WHERE platform = ?", [platform]
    ).fetchone()
    if row is None or row[0] is None:
        return None
    days = []
    for value in row:
        ts = pd.Timestamp(value)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
        days.append(ts.tz_convert(SHANGHAI).date())
    return days[0], days[1]


def write_user_tags(con: duckdb.DuckDBPyConnection, run_id: str, tags: pd.DataFrame) -> int:
    """Store a run's user tags (columns user_id, segment, score, n_posts, n_hits, evidence, and
    optionally rule: which evidence admitted the member, business: why the account looks like a
    shop, None for ordinary people, and confirmed_by: whether their own first-person words or
    profile confirm them, NULL when not recorded)."""
    cols = ["user_id", "segment", "score", "n_posts", "n_hits", "evidence"]
    missing = [c for c in cols if c not in tags.columns]
    if missing:
        raise ValueError(f"user tags need columns {cols}; missing {missing}")
    frame = tags[cols].copy()
    frame["rule"] = tags["rule"].astype(object) if "rule" in tags.columns else None
    frame["business"] = tags["business"].astype(object) if "business" in tags.columns else None
    frame["confirmed_by"] = tags["confirmed_by"].astype(object) if "confirmed_by" in tags.columns else None
    frame.insert(0, "run_id", run_id)
    con.register("t_tags", frame)
    try:
        with transaction(con):
            con.execute("DELETE FROM user_tags WHERE run_id = ?", [run_id])
            con.execute(
                "INSERT INTO user_tags (run_id, user_id, segment, score, n_posts, n_hits, "
                "evidence, rule, business, confirmed_by) SELECT * FROM t_tags"
            )
    finally:
        con.unregister("t_tags")
    return len(frame)


#: Columns of ``tag_funnels`` after run_id and segment (``by_rule`` is JSON).
FUNNEL_COLUMNS = (
    "n_posts",
    "n_relevant",
    "n_positive_posts",
    "n_authors",
    "n_members",
    "by_rule",
    "prior",
    "prior_estimated",
    "threshold",
    "chance_rate",
)


def write_tag_funnel(
    con: duckdb.DuckDBPyConnection, run_id: str, segment: str, funnel: dict[str, Any]
) -> None:
    """Store how a run's posts became members (:class:`nlp.tagger.TagFunnel` as a dict): posts,
    relevant posts, positive posts, their authors, members by kind of evidence, the post model's
    prior and threshold and the chance rate of the user rule. Replaces the run's earlier row."""
    values = [
        json.dumps(funnel.get(c), ensure_ascii=False) if c == "by_rule" else funnel.get(c)
        for c in FUNNEL_COLUMNS
    ]
    with transaction(con):
        con.execute("DELETE FROM tag_funnels WHERE run_id = ?", [run_id])
        con.execute(
            f"INSERT INTO tag_funnels (run_id, segment, {', '.join(FUNNEL_COLUMNS)}) "
            f"VALUES (?, ?, {', '.join('?' for _ in FUNNEL_COLUMNS)})",
            [run_id, segment, *values],
        )


#: Columns of ``run_users`` after run_id: what the select step decided about each user of the
#: window's graph (eligible, why, bot score: members only; None for the others).
RUN_USER_COLUMNS = ("user_id", "circle", "city", "bot_score", "bot_reasons", "eligible", "why")


def write_run_users(con: duckdb.DuckDBPyConnection, run_id: str, users: pd.DataFrame) -> int:
    """Store a run's per-user decisions (columns :data:`RUN_USER_COLUMNS`), replacing the run's
    earlier rows, in one transaction; returns how many rows were written."""
    missing = [c for c in RUN_USER_COLUMNS if c not in users.columns]
    if missing:
        raise ValueError(f"run users need columns {list(RUN_USER_COLUMNS)}; missing {missing}")
    frame = users[list(RUN_USER_COLUMNS)].astype(object).where(users[list(RUN_USER_COLUMNS)].notna(), None)
    frame.insert(0, "run_id", run_id)
    con.register("t_run_users", frame)
    try:
        with transaction(con):
            con.execute("DELETE FROM run_users WHERE run_id = ?", [run_id])
            cols = ", ".join(("run_id", *RUN_USER_COLUMNS))
            con.execute(f"INSERT INTO run_users ({cols}) SELECT {cols} FROM t_run_users")
    finally:
        con.unregister("t_run_users")
    return len(frame)


def read_run_users(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """A run's per-user decisions (:func:`write_run_users`), by user_id; empty (with the
    columns) when the run has none or the warehouse predates the table."""
    try:
        return con.execute(
            f"SELECT {', '.join(RUN_USER_COLUMNS)} FROM run_users WHERE run_id = ? ORDER BY user_id",
            [run_id],
        ).df()
    except duckdb.CatalogException:  # a read-only warehouse written before run_users
        return pd.DataFrame(columns=list(RUN_USER_COLUMNS))


def read_tag_funnel(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any] | None:
    """The run's funnel as :func:`write_tag_funnel` stored it, or None (runs before it existed)."""
    row = con.execute(
        f"SELECT {', '.join(FUNNEL_COLUMNS)} FROM tag_funnels WHERE run_id = ?", [run_id]
    ).fetchone()
    if row is None:
        return None
    out = dict(zip(FUNNEL_COLUMNS, row, strict=True))
    out["by_rule"] = json.loads(out["by_rule"]) if out["by_rule"] else {}
    return out


def write_seeds(con: duckdb.DuckDBPyConnection, run_id: str, seeds: pd.DataFrame) -> int:
    """Store a run's seeds (columns segment, rank, user_id, marginal_reach, cumulative_reach,
    community, reason)."""
    cols = ["segment", "rank", "user_id", "marginal_reach", "cumulative_reach", "community", "reason"]
    frame = seeds[cols].copy()
    frame.insert(0, "run_id", run_id)
    con.register("t_seeds", frame)
    try:
        with transaction(con):
            con.execute("DELETE FROM seeds WHERE run_id = ?", [run_id])
            con.execute("INSERT INTO seeds SELECT * FROM t_seeds")
    finally:
        con.unregister("t_seeds")
    return len(frame)


def write_selection(
    con: duckdb.DuckDBPyConnection, run_id: str, segment: str, as_of: date, selection: dict
) -> None:
    """Store the full ``SeedSelection`` (as a JSON-ready dict) of a run."""
    with transaction(con):
        con.execute("DELETE FROM selections WHERE run_id = ?", [run_id])
        con.execute(
            "INSERT INTO selections VALUES (?, ?, ?, ?)",
            [run_id, segment, as_of, json.dumps(selection, ensure_ascii=False, sort_keys=True)],
        )


def publish_run(con: duckdb.DuckDBPyConnection, run_id: str, segment: str, as_of: date) -> int:
    """Make ``run_id`` the one result of ``(segment, as_of)``: delete every other run's tags,
    seeds and selection of that day and mark the run succeeded, in one transaction.

    The caller holds the day's lease (:mod:`store.leases`), so no other run of the day is live.
    Refused (ValueError) unless the run is ``running`` (not failed, not taken over): a run
    marked succeeded has always published its rows. Returns how many other runs of the day there were.
    """
    with transaction(con):
        status = run_status(con, run_id)
        if status != "running":
            raise ValueError(
                f"run {run_id} cannot be published: its status is {status or 'missing'}, "
                "expected running (was it taken over by another run of the day?)"
            )
        older = [
            r[0]
            for r in con.execute(
                "SELECT run_id FROM runs WHERE segment = ? AND as_of = ? AND run_id <> ?",
                [segment, as_of, run_id],
            ).fetchall()
        ]
        for table in _run_tables(con):
            con.execute(
                f"DELETE FROM {table} WHERE run_id IN "
                "(SELECT run_id FROM runs WHERE segment = ? AND as_of = ? AND run_id <> ?)",
                [segment, as_of, run_id],
            )
        con.execute(
            "UPDATE runs SET status = 'succeeded', error = NULL, finished_at = ? WHERE run_id = ?",
            [_now(), run_id],
        )
    return len(older)
