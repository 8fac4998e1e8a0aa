"""The queries the flows run on the warehouse, by name, and a ``warehouse`` context manager.

Every query here fetches its whole result, so the connection is free for the next call (DuckDB
refuses to register a table while a result is unfinished).

Flows never hold SQL: they open the warehouse with :func:`warehouse` and call these functions
(and :mod:`store.warehouse`'s loaders and writers).

Example:
    >>> with warehouse(":memory:") as con:
    ...     read_selection(con, "no-such-run") is None, count_pending_interactions(con)
    (True, 0)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from store.warehouse import open_warehouse

__all__ = [
    "cap_memory",
    "count_pending_interactions",
    "latest_day_states",
    "loaded_before",
    "previous_run",
    "quarantine_reasons",
    "read_loads",
    "read_run_members",
    "read_run_steps",
    "read_run_tags",
    "read_seed_reasons",
    "read_selection",
    "recent_runs",
    "record_step",
    "run_users_frame",
    "warehouse",
]


@contextmanager
def warehouse(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse at ``path`` (:func:`store.warehouse.open_warehouse`), closed on leaving."""
    con = open_warehouse(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def cap_memory(con: duckdb.DuckDBPyConnection, megabytes: int) -> None:
    """Keep DuckDB's memory on ``con``'s database under ``megabytes`` MiB: past it DuckDB evicts the
    blocks it keeps cached and spills sorts and joins to its temporary folder, so a big read
    costs its result, not its result plus DuckDB's working copy (the select step's read of the
    members' posts at 1M users: 1.85 -> 1.45 GB peak RSS at 512 MB, no CPU lost). The cap lasts
    as long as the connection.

    >>> with warehouse(":memory:") as con:
    ...     cap_memory(con, 512)
    ...     con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    '512.0 MiB'
    """
    if not isinstance(megabytes, int) or megabytes < 64:
        raise ValueError(f"memory cap must be a whole number of MiB >= 64; got {megabytes!r}")
    con.execute(f"SET memory_limit = '{megabytes}MiB'")


def read_run_tags(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """A run's ``user_tags`` (user_id, segment, score, n_posts, n_hits, evidence, rule,
    business, confirmed_by), best score first."""
    return con.execute(
        "SELECT user_id, segment, score, n_posts, n_hits, evidence, rule, business, confirmed_by "
        "FROM user_tags "
        "WHERE run_id = ? ORDER BY score DESC, user_id",
        [run_id],
    ).df()


def read_run_members(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """:func:`read_run_tags` without the evidence and rule texts (user_id, segment, score,
    n_posts, n_hits, business, confirmed_by), in its order: what the select step needs, read
    without turning every member's evidence posts into pandas strings (at 100k users they
    weigh more than the rest of the step's inputs)."""
    return con.execute(
        "SELECT user_id, segment, score, n_posts, n_hits, business, confirmed_by "
        "FROM user_tags "
        "WHERE run_id = ? ORDER BY score DESC, user_id",
        [run_id],
    ).df()


def read_selection(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any] | None:
    """A run's selection document (``selections.selection`` as parsed JSON), or None."""
    rows = con.execute("SELECT selection FROM selections WHERE run_id = ?", [run_id]).fetchall()
    return json.loads(rows[0][0]) if rows else None


def read_seed_reasons(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str]:
    """A run's seeds → the reason stored with each, in rank order."""
    rows = con.execute(
        "SELECT user_id, reason FROM seeds WHERE run_id = ? ORDER BY rank", [run_id]
    ).fetchall()
    return dict(rows)


def read_loads(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every load so far (source, rows_read, loaded, duplicates, quarantined, users_added,
    interactions_added), oldest first."""
    return con.execute(
        """SELECT source, rows_read, loaded, duplicates, quarantined, users_added,
                  interactions_added FROM loads ORDER BY loaded_at, source"""
    ).df()


def quarantine_reasons(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[tuple[str, int]]:
    """The commonest quarantine reasons (file and line stripped) with their counts."""
    rows = con.execute(
        """SELECT regexp_replace(reason, '^.*?, line \\d+: ', '') AS why, count(*) AS n
           FROM quarantine GROUP BY why ORDER BY n DESC, why LIMIT ?""",
        [limit],
    ).fetchall()
    return [(str(r[0]), int(r[1])) for r in rows]


def count_pending_interactions(con: duckdb.DuckDBPyConnection) -> int:
    """How many interactions wait for a post or user not loaded yet."""
    return int(con.execute("SELECT count(*) FROM pending_interactions").fetchall()[0][0])


def previous_run(con: duckdb.DuckDBPyConnection, run_id: str, segment: str) -> dict[str, Any] | None:
    """The run of ``segment`` before ``run_id`` that still has seeds (the newest succeeded day up
    to this run's day, started before it): its run_id, as_of (ISO), reach, seeds (user → rank)
    and dropped_ids (its seeds' ids); None when there is none."""
    row = con.execute(
        """WITH me AS (SELECT max(as_of) AS as_of, max(started_at) AS started_at FROM runs
                       WHERE run_id = ?)
           SELECT r.run_id, r.as_of, s.selection FROM runs r JOIN selections s USING (run_id), me
           WHERE r.segment = ? AND r.run_id <> ? AND r.status = 'succeeded'
             AND (me.as_of IS NULL OR r.as_of <= me.as_of)
             AND (me.started_at IS NULL OR r.started_at <= me.started_at)
             AND EXISTS (SELECT 1 FROM seeds x WHERE x.run_id = r.run_id)
           ORDER BY r.as_of DESC, r.started_at DESC LIMIT 1""",
        [run_id, segment, run_id],
    ).fetchone()
    if row is None:
        return None
    seeds = dict(con.execute("SELECT user_id, rank FROM seeds WHERE run_id = ?", [row[0]]).fetchall())
    try:
        reach = float(json.loads(row[2]).get("expected_reach"))
    except (TypeError, ValueError):
        reach = None
    return {
        "run_id": row[0],
        "as_of": row[1].isoformat(),
        "reach": reach,
        "seeds": {str(u): int(r) for u, r in seeds.items()},
        "dropped_ids": list(seeds),
    }


def _with_dates(df: pd.DataFrame) -> pd.DataFrame:
    if not df.empty:
        df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
    return df


def latest_day_states(con: duckdb.DuckDBPyConnection, segment: str | None = None) -> pd.DataFrame:
    """The newest pipeline run of each (segment, day), all segments when ``segment`` is None:
    segment, as_of (a date), status, error, run_id, finished_at."""
    return _with_dates(
        con.execute(
            """SELECT segment, as_of, status, error, run_id, finished_at FROM (
                   SELECT *, row_number() OVER (PARTITION BY segment, as_of
                                                ORDER BY started_at DESC, run_id DESC) AS n
                   FROM runs WHERE flow = 'pipeline' AND (? IS NULL OR segment = ?)) WHERE n = 1
               ORDER BY segment, as_of""",
            [segment, segment],
        ).df()
    )


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The newest ``limit`` runs, newest first: run_id, segment, as_of (a date), status,
    started_at, finished_at, error."""
    return _with_dates(
        con.execute(
            """SELECT run_id, segment, as_of, status, started_at, finished_at, error FROM runs
               ORDER BY started_at DESC, run_id DESC LIMIT ?""",
            [limit],
        ).df()
    )


def loaded_before(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """Whether a file with this content (SHA-256) was loaded before and gave rows."""
    rows = con.execute(
        "SELECT count(*) FROM loads WHERE sha256 = ? AND loaded + duplicates > 0", [sha256]
    ).fetchall()
    return bool(rows[0][0])


def run_users_frame(
    users: Iterable[str],
    *,
    circles: Mapping[str, int],
    cities: Mapping[str, str | None],
    judged: pd.DataFrame,
    activity: pd.DataFrame,
) -> pd.DataFrame:
    """The rows of ``run_users`` (:data:`store.warehouse.RUN_USER_COLUMNS`) for ``users``: each
    one's circle and city, and for members (rows of ``judged``, from
    :func:`graph.eligibility.judge_eligibility`, and ``activity``, from :func:`graph.bots.bot_scores`)
    the bot score and its reasons, whether eligible and why not (or which unknown fields passed).

    >>> j = pd.DataFrame({"user_id": ["a"], "eligible": [False], "excluded_by": ["x"],
    ...                   "unknown_fields": [""]})
    >>> act = pd.DataFrame({"user_id": ["a"], "bot_score": [0.5], "bot_reasons": ["r"]})
    >>> run_users_frame(["a", "b"], circles={"a": 1}, cities={}, judged=j, activity=act)["eligible"].tolist()
    [False, None]
    """
    ids = list(dict.fromkeys(str(u) for u in users))
    # plain dicts, not .loc per user: a 1M-user graph's rows in about a second
    eligible = dict(zip(judged["user_id"].tolist(), judged["eligible"].tolist(), strict=True))
    excluded = dict(zip(judged["user_id"].tolist(), judged["excluded_by"].tolist(), strict=True))
    unknown = dict(zip(judged["user_id"].tolist(), judged["unknown_fields"].tolist(), strict=True))
    has_acts = len(activity) > 0
    bots = (
        dict(zip(activity["user_id"].tolist(), activity["bot_score"].tolist(), strict=True))
        if has_acts
        else {}
    )
    reasons = (
        dict(zip(activity["user_id"].tolist(), activity["bot_reasons"].tolist(), strict=True))
        if has_acts and "bot_reasons" in activity.columns
        else {}
    )

    def why(u: str) -> str | None:
        if u not in eligible:
            return None
        if excluded[u]:
            return str(excluded[u])
        return f"passed on unknown fields: {unknown[u]}" if unknown[u] else ""

    return pd.DataFrame(
        {
            "user_id": ids,
            "circle": [None if circles.get(u) is None else int(circles[u]) for u in ids],
            "city": [cities.get(u) for u in ids],
            "bot_score": [float(bots[u]) if u in bots else None for u in ids],
            "bot_reasons": [(str(reasons.get(u) or "")) if u in bots else None for u in ids],
            "eligible": [bool(eligible[u]) if u in eligible else None for u in ids],
            "why": [why(u) for u in ids],
        },
        dtype=object,
    )


def record_step(con: duckdb.DuckDBPyConnection, run_id: str, step: str, seconds: float) -> None:
    """Keep how long one of a run's steps took (table ``run_steps``, :mod:`store.warehouse`; a
    run's rows go with the run when it is discarded or replaced, like its tags and seeds).

    >>> with warehouse(":memory:") as con:
    ...     record_step(con, "r1", "tag", 1.25); record_step(con, "r1", "select", 0.5)
    ...     read_run_steps(con, "r1")
    [('tag', 1.25), ('select', 0.5)]
    """
    if seconds < 0:
        raise ValueError(f"a step cannot take negative time; got {seconds} s for {step!r}")
    con.execute("INSERT INTO run_steps (run_id, step, seconds) VALUES (?, ?, ?)", [run_id, step, seconds])


def read_run_steps(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, float]]:
    """A run's ``(step, seconds)`` in the order they finished; ``[]`` before any was recorded."""
    rows = con.execute(
        "SELECT step, seconds FROM run_steps WHERE run_id = ? ORDER BY finished_at, rowid", [run_id]
    ).fetchall()
    return [(str(step), float(sec)) for step, sec in rows]
