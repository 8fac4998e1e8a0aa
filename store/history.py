"""The repost history: who reposted whose post, and when (for learned spread probabilities and
``tajian backtest``).

One table of posts, each with the author of the post it reposts, read either from the warehouse
(:func:`fetch_repost_history`) or straight from the CED research files
(:func:`read_ced_history`, through :mod:`store.ced`, so the times, ids and de-duplication are the
warehouse's own). Only reposts count as passing a post on (``repost_of``); a comment
(``reply_to``) does not spread a post to the commenter's followers. Every post is listed,
reposted or not: a learned probability divides by what its author posted.

Profiles come with the time they were seen (``seen_at``), so a backtest can use only the follower
counts known before its split date.

Example:
    >>> from store.warehouse import open_warehouse
    >>> con = open_warehouse(":memory:")
    >>> _ = con.execute(
    ...     "INSERT INTO posts (post_id, platform, user_id, created_at, repost_of) VALUES "
    ...     "('p1', 'weibo', 'a', '2013-01-01 00:00:00+00', NULL), "
    ...     "('p2', 'weibo', 'b', '2013-01-01 01:00:00+00', 'p1')")
    >>> h = fetch_repost_history(con)
    >>> h.posts[["post_id", "user_id", "parent_user"]].values.tolist()
    [['p1', 'a', None], ['p2', 'b', 'a']]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

__all__ = [
    "HISTORY_COLUMNS",
    "PROFILE_COLUMNS",
    "RepostHistory",
    "fetch_repost_history",
    "latest_backtest",
    "read_ced_history",
    "read_history",
    "record_backtest",
]

#: ``created_at`` is UTC; ``repost_of`` is None for an original post; ``parent_user`` is the
#: author of ``repost_of`` (None when that post is unknown).
HISTORY_COLUMNS = ("post_id", "user_id", "created_at", "repost_of", "parent_user")
#: One row per profile seen (a user may have several, at different times).
PROFILE_COLUMNS = ("user_id", "followers", "verified", "verified_type", "seen_at")

_HISTORY_SQL = """
SELECT p.post_id, p.user_id, p.created_at, p.repost_of, q.user_id AS parent_user
FROM hist_posts p LEFT JOIN hist_posts q ON q.post_id = p.repost_of
ORDER BY p.created_at, p.post_id"""


@dataclass(frozen=True)
class RepostHistory:
    """Posts (:data:`HISTORY_COLUMNS`) and profiles (:data:`PROFILE_COLUMNS`) of one source.

    ``rows_read`` counts the input rows; ``quarantined`` the rows the reader could not use
    (they are in the warehouse's ``quarantine`` table, or, for a CED folder, in ``notes``);
    ``duplicates`` the rows whose post id was already read.
    """

    posts: pd.DataFrame
    profiles: pd.DataFrame
    source: str
    rows_read: int
    quarantined: int = 0
    duplicates: int = 0
    notes: tuple[str, ...] = ()


def _utc(df: pd.DataFrame, col: str) -> pd.DataFrame:
    if len(df):
        ts = pd.to_datetime(df[col])
        df[col] = ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts.dt.tz_convert("UTC")
    return df


def _none_for_missing(df: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    for c in cols:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def fetch_repost_history(
    con: duckdb.DuckDBPyConnection, *, until: datetime | None = None, platform: str = "weibo"
) -> RepostHistory:
    """Every post of ``platform`` created before ``until`` (all when None), with the author of
    the post it reposts, and the profiles seen before ``until`` that have a follower count."""
    cut = until or datetime(9999, 1, 1, tzinfo=UTC)
    posts = con.execute(
        """WITH hist_posts AS (
               SELECT post_id, user_id, created_at, repost_of FROM posts
               WHERE platform = ? AND created_at < ?)"""
        + _HISTORY_SQL,
        [platform, cut],
    ).df()
    profiles = con.execute(
        """SELECT user_id, followers, verified, verified_type, seen_at FROM users
           WHERE platform = ? AND followers IS NOT NULL AND (seen_at IS NULL OR seen_at < ?)
           ORDER BY user_id""",
        [platform, cut],
    ).df()
    posts = _none_for_missing(_utc(posts, "created_at"), ("repost_of", "parent_user"))
    return RepostHistory(
        posts=posts, profiles=_utc(profiles, "seen_at"), source="warehouse", rows_read=len(posts)
    )


def read_ced_history(folder: str | Path) -> RepostHistory:
    """The CED dataset's cascades (``ced_reposts.csv`` with its sibling ``ced_original.csv``),
    read by :func:`store.ced.read_ced`; a post id seen twice keeps its first row, as in the
    warehouse."""
    from store.ced import read_ced

    folder = Path(folder)
    path = folder / "ced_reposts.csv"
    if not path.is_file() or not (folder / "ced_original.csv").is_file():
        raise FileNotFoundError(
            f"{folder}: not a CED folder; expected ced_reposts.csv and ced_original.csv in it"
        )
    batch = read_ced(path)
    posts = pd.DataFrame(batch.posts)[["post_id", "user_id", "created_at", "repost_of"]]
    unique = posts.drop_duplicates("post_id", keep="first")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.register("hist_posts", unique)
        history = con.execute(_HISTORY_SQL).df()
    finally:
        con.close()
    users = pd.DataFrame(batch.users)
    profiles = users.loc[users["followers"].notna(), list(PROFILE_COLUMNS)].reset_index(drop=True)
    reasons = pd.Series([str(r) for r in pd.DataFrame(batch.quarantine).get("reason", [])], dtype=object)
    notes = tuple(
        f"{n:,} × {why}"
        for why, n in reasons.str.replace(r"^.*?, line \d+: ", "", regex=True).value_counts().items()
    )
    history = _none_for_missing(_utc(history, "created_at"), ("repost_of", "parent_user"))
    return RepostHistory(
        posts=history,
        profiles=_utc(profiles, "seen_at"),
        source=str(folder),
        rows_read=batch.rows_read,
        quarantined=len(batch.quarantine),
        duplicates=len(posts) - len(unique),
        notes=notes,
    )


def read_history(path: str | Path) -> RepostHistory:
    """A CED folder or a warehouse file (opened read-only)."""
    from store.warehouse import WarehouseBusyError, open_warehouse

    path = Path(path)
    if path.is_dir():
        return read_ced_history(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such folder or file; expected a CED folder (ced_reposts.csv, "
            "ced_original.csv) or a warehouse file (.duckdb)"
        )
    try:
        con = open_warehouse(path, read_only=True)
    except WarehouseBusyError:
        raise
    except duckdb.Error as exc:
        raise ValueError(f"{path}: not a Tajian warehouse ({exc}); expected a DuckDB file") from None
    try:
        history = fetch_repost_history(con)
    finally:
        con.close()
    return RepostHistory(**{**history.__dict__, "source": str(path)})


_BACKTESTS = """CREATE TABLE IF NOT EXISTS backtests (
    recorded_at TIMESTAMPTZ, source VARCHAR, split DATE, summary VARCHAR)"""


def record_backtest(
    con: duckdb.DuckDBPyConnection, *, source: str, split: str, summary: dict[str, Any]
) -> None:
    """Append a backtest's summary (JSON) to the warehouse's ``backtests`` table."""
    con.execute(_BACKTESTS)
    con.execute(
        "INSERT INTO backtests VALUES (?, ?, ?, ?)",
        [datetime.now(UTC), source, split, json.dumps(summary, ensure_ascii=False)],
    )


def latest_backtest(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The newest recorded backtest summary, or None when there is none."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'backtests'"
    ).fetchall()[0][0]
    if not has:
        return None
    # fetchall: the result is read to its end, so no half-read result stays open on ``con``
    rows = con.execute("SELECT summary FROM backtests ORDER BY recorded_at DESC LIMIT 1").fetchall()
    return json.loads(rows[0][0]) if rows else None
