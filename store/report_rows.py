"""The rows a run's report shows, read from the warehouse and nothing more: the members' and
seeds' posts without their texts, the texts of the top words' samples only, the interactions
among the seeds' circles only, and the run's tags with the seeds' evidence only. At 1M users
the window holds ~3M posts and ~14M follow edges; the report shows a small part of them.

Each reader returns what its counterpart in :mod:`store.warehouse` / :mod:`store.runs` returns,
restricted to the rows asked for, in the same order (so a caller's results are the same).

Example::

    start, end = window_bounds(as_of, 30)
    n = count_window_posts(con, start, end)
    posts = fetch_window_posts_no_text_of(con, start, end, seeds)  # no text column
    mine, every = fetch_sample_texts(con, start, end, members, [0, 5], [0, 9])
    activity = member_activity(con, start, end, members)  # days, hours, weekdays, posts
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from store.warehouse import _to_shanghai

__all__ = [
    "count_window_posts",
    "fetch_sample_texts",
    "fetch_window_interactions_among",
    "fetch_window_posts_no_text_of",
    "member_activity",
    "read_run_tags_shown",
]

_WINDOW = "platform = ? AND created_at >= ? AND created_at < ?"


def _ids(values: Iterable[Any], name: str) -> pd.DataFrame:
    """The ids as a one-column frame to register (repeats do no harm: it is matched with IN)."""
    if isinstance(values, pd.Series):  # a column of ids already: no Python loop over it
        return pd.DataFrame({name: values.astype(str).reset_index(drop=True)})
    return pd.DataFrame({name: pd.Series(list(values), dtype=object).astype(str)})


def count_window_posts(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, platform: str = "weibo"
) -> int:
    """How many posts (and comments) were created in ``[start, end)``: ``len`` of
    :func:`store.warehouse.fetch_window_posts`.

    Example::

        count_window_posts(con, *window_bounds(as_of, 30))  # 2_800_000
    """
    rows = con.execute(f"SELECT count(*) FROM posts WHERE {_WINDOW}", [platform, start, end]).fetchall()
    return int(rows[0][0])  # fetched to the end: the connection is free for the next query


def fetch_window_posts_no_text_of(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    users: Iterable[str],
    platform: str = "weibo",
) -> pd.DataFrame:
    """The rows of :func:`store.warehouse.fetch_window_posts` whose author is one of ``users``,
    in its order (oldest first), without the ``text`` column (:func:`fetch_sample_texts` reads
    the texts the report shows).

    Example::

        fetch_window_posts_no_text_of(con, start, end, {"u1", "u2"}).columns[:3].tolist()
        # ['post_id', 'user_id', 'created_at']
    """
    con.register("want_authors", _ids(users, "user_id"))
    try:
        df = con.execute(
            f"""SELECT post_id, user_id, created_at, repost_of, reply_to, reposts, comments, likes
                FROM posts p SEMI JOIN want_authors w ON w.user_id = p.user_id
                WHERE {_WINDOW} ORDER BY created_at, post_id""",
            [platform, start, end],
        ).df()
    finally:
        con.unregister("want_authors")
    return _to_shanghai(df)


def fetch_sample_texts(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    users: Iterable[str],
    user_positions: Iterable[int],
    positions: Iterable[int],
    platform: str = "weibo",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The texts of two samples of the window's posts, in the order of
    :func:`store.warehouse.fetch_window_posts` (oldest first, then by post id), ranked in one
    sort: the posts of ``users`` at ``user_positions`` (0-based, counted among their posts) and
    the window's posts at ``positions`` (counted among all). Each a frame of ``post_id``,
    ``pos`` (the position asked for) and ``text``, ordered by ``pos``.

    Example::

        mine, every = fetch_sample_texts(con, start, end, ["a"], [0, 2], [0])
        mine["pos"].tolist(), every["pos"].tolist()  # [0, 2], [0]
    """
    con.register("want_authors", _ids(users, "user_id"))
    con.register("want_mine", pd.DataFrame({"pos": pd.Series(list(user_positions), dtype="int64")}))
    con.register("want_pos", pd.DataFrame({"pos": pd.Series(list(positions), dtype="int64")}))
    try:
        ranked = con.execute(
            f"""WITH w AS (SELECT post_id, created_at,
                                  user_id IN (SELECT user_id FROM want_authors) AS mine
                           FROM posts WHERE {_WINDOW}),
                     r AS (SELECT post_id, mine, row_number() OVER o - 1 AS pos,
                                  sum(CAST(mine AS BIGINT)) OVER o - 1 AS mine_pos
                           FROM w WINDOW o AS (ORDER BY created_at, post_id
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
                     chosen AS (SELECT post_id, pos, CAST(mine_pos AS BIGINT) AS mine_pos,
                                       mine AND mine_pos IN (SELECT pos FROM want_mine) AS in_mine,
                                       pos IN (SELECT pos FROM want_pos) AS in_all
                                FROM r WHERE (mine AND mine_pos IN (SELECT pos FROM want_mine))
                                          OR pos IN (SELECT pos FROM want_pos))
                SELECT c.post_id, c.pos, c.mine_pos, c.in_mine, c.in_all, p.text FROM chosen c
                JOIN posts p ON p.post_id = c.post_id AND p.{_WINDOW}
                ORDER BY c.pos""",
            [platform, start, end, platform, start, end],
        ).df()
    finally:
        for name in ("want_authors", "want_mine", "want_pos"):
            con.unregister(name)
    mine = ranked[ranked["in_mine"].astype(bool)]
    mine = pd.DataFrame({"post_id": mine["post_id"], "pos": mine["mine_pos"], "text": mine["text"]})
    every = ranked.loc[ranked["in_all"].astype(bool), ["post_id", "pos", "text"]]
    return mine.reset_index(drop=True), every.reset_index(drop=True)


def fetch_window_interactions_among(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    users: Iterable[str],
    platform: str = "weibo",
) -> pd.DataFrame:
    """The rows of :func:`store.warehouse.fetch_window_interactions` between two of ``users``
    (both ends among them), in its order, the ends as ``object`` columns: the seeds' circles'
    edges, not the window's millions of follows.

    Example::

        fetch_window_interactions_among(con, start, end, {"a", "b"})  # a→b and b→a only
    """
    con.register("want_ends", _ids(users, "user_id"))
    try:
        df = con.execute(
            """SELECT src_user, dst_user, kind, post_id, created_at FROM interactions
               WHERE platform = ? AND (created_at IS NULL OR (created_at >= ? AND created_at < ?))
                 AND src_user IN (SELECT user_id FROM want_ends)
                 AND dst_user IN (SELECT user_id FROM want_ends)
               ORDER BY src_user, dst_user, kind, post_id""",
            [platform, start, end],
        ).df()
    finally:
        con.unregister("want_ends")
    # the ends as object columns: they are matched against sets of ids next, and pandas' isin on
    # Arrow-backed strings converts every wanted id to a scalar first (1 s per 300k ids)
    df = df.astype({"src_user": object, "dst_user": object})
    return _to_shanghai(df)


def read_run_tags_shown(
    con: duckdb.DuckDBPyConnection, run_id: str, evidence_of: Iterable[str]
) -> pd.DataFrame:
    """:func:`store.runs.read_run_tags` with the ``evidence`` of ``evidence_of`` (the seeds)
    only, None for the other members: the report shows the seeds' evidence, and a million
    members' JSON evidence took seconds to read.

    Example::

        read_run_tags_shown(con, run_id, ["u1"])["evidence"].notna().sum()  # 1
    """
    con.register("want_evidence", _ids(evidence_of, "user_id"))
    try:
        return con.execute(
            """SELECT user_id, segment, score, n_posts, n_hits,
                      CASE WHEN user_id IN (SELECT user_id FROM want_evidence) THEN evidence END
                          AS evidence,
                      rule, business, confirmed_by
               FROM user_tags WHERE run_id = ? ORDER BY score DESC, user_id""",
            [run_id],
        ).df()
    finally:
        con.unregister("want_evidence")


def member_activity(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    users: Iterable[str],
    platform: str = "weibo",
) -> dict[str, Any]:
    """When ``users`` posted in ``[start, end)``, counted in the warehouse in Beijing time (the
    report's days, hours and weekdays), instead of reading their million posts: ``posts``, their
    number; ``days``, date → (users who posted, posts); ``hours``, hour (0–23) → posts;
    ``weekdays``, weekday (0 = Monday) → posts. Days, hours and weekdays without posts are absent.

    Example::

        member_activity(con, start, end, members)["days"][date(2026, 11, 14)]  # (812, 1734)
    """
    con.register("want_members", _ids(users, "user_id"))
    try:
        mine = f"""SELECT user_id, created_at AT TIME ZONE 'Asia/Shanghai' AS local FROM posts p
                   SEMI JOIN want_members w ON w.user_id = p.user_id WHERE {_WINDOW}"""
        days = con.execute(
            f"SELECT CAST(local AS DATE) AS d, count(DISTINCT user_id), count(*) FROM ({mine}) GROUP BY d",
            [platform, start, end],
        ).fetchall()
        slots = con.execute(
            f"SELECT hour(local), isodow(local) - 1, count(*) FROM ({mine}) GROUP BY ALL",
            [platform, start, end],
        ).fetchall()
    finally:
        con.unregister("want_members")
    hours: dict[int, int] = {}
    weekdays: dict[int, int] = {}
    for h, d, n in slots:
        hours[int(h)] = hours.get(int(h), 0) + int(n)
        weekdays[int(d)] = weekdays.get(int(d), 0) + int(n)
    return {
        "posts": sum(int(n) for *_, n in days),
        "days": {d: (int(k), int(n)) for d, k, n in days},
        "hours": hours,
        "weekdays": weekdays,
    }
