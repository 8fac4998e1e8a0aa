"""The pipeline's steps as plain functions (no Prefect): each reads its inputs from the
warehouse, calls the libraries and writes its outputs back, so any step can be re-run alone.

Prefect tasks in :mod:`flows.tasks` are thin wrappers around these. The ingest steps are in
:mod:`flows.exports`, the tagging steps in :mod:`flows.tagging`, the report and publish steps in
:mod:`flows.publish`.

Example:
    >>> from datetime import date
    >>> make_run_id("mothers", date(2026, 11, 15), 30, "20261121T220000")
    'mothers-2026-11-15-w30-20261121T220000'
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flows.errors import UserError
from flows.memory import give_back_memory
from flows.messages import no_members_line
from flows.options import select_options
from flows.settings import Settings
from graph.run_select import RunSelection, select_for_run
from report.seedlist import explain_seed
from store import leases, runs
from store.history import fetch_repost_history
from store.places import place_columns
from store.warehouse import (
    fetch_users,
    fetch_window_interactions,
    fetch_window_posts,
    fetch_window_posts_of,
    newest_post_date,
    read_tag_funnel,
    start_run,
    window_bounds,
    write_run_users,
    write_seeds,
    write_selection,
)

__all__ = [
    "SELECT_READ_MIB",
    "begin_run",
    "make_run_id",
    "record_step_time",
    "resolve_as_of",
    "select_step",
]


#: DuckDB's memory cap (MiB) while the select step reads the window (:func:`store.runs.cap_memory`)
SELECT_READ_MIB = 512


def resolve_as_of(warehouse: Path, as_of: date | None, *, today: date | None = None) -> date:
    """``as_of`` as given, or the Asia/Shanghai date of the newest post in the warehouse that is
    not after ``today`` (default: today in Asia/Shanghai): the default never passes today."""
    if as_of is not None:
        return as_of
    from zoneinfo import ZoneInfo

    today = today or datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with runs.warehouse(warehouse, read_only=Path(warehouse).exists()) as con:
        newest = newest_post_date(con, not_after=today)
        later = newest is None and newest_post_date(con) is not None
    if newest is None:
        what = f"every post in it is dated after today ({today})" if later else "the warehouse has no posts"
        raise ValueError(
            f"{warehouse}: {what}, so there is no default as-of date; "
            "load exports first (tajian ingest PATH) or pass --as-of YYYY-MM-DD"
        )
    return newest


def make_run_id(segment: str, as_of: date, window_days: int, stamp: str | None = None) -> str:
    """A readable, unique run id: segment, day, window and a timestamp."""
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    return f"{segment}-{as_of.isoformat()}-w{window_days}-{stamp}"


def begin_run(
    warehouse: Path,
    *,
    flow: str,
    segment: str,
    as_of: date,
    window_days: int,
    params: dict[str, Any],
) -> str:
    """Record the start of a run and return its id.

    The run id goes into the day's lease (when this process holds it) before the run row is
    written, so the row of a run killed from here on is found and marked failed by the next run.
    """
    run_id = make_run_id(segment, as_of, window_days)
    leases.note(warehouse, segment, as_of, run_id=run_id)
    with runs.warehouse(warehouse) as con:
        start_run(
            con,
            run_id=run_id,
            flow=flow,
            segment=segment,
            as_of=as_of,
            window_days=window_days,
            params=params,
        )
    return run_id


def select_step(
    warehouse: Path, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> dict[str, Any]:
    """Build the influence graph of the window, judge eligibility and select the seeds
    (:func:`graph.run_select.select_for_run`).

    Writes ``seeds``, ``run_users`` and ``selections``; returns the selection as a dict.
    """
    start, end = window_bounds(as_of, window_days)
    learned = settings.probability == "learned"  # learns from the repost history before the window ends
    give_back_memory()  # what the tag step freed in this process
    with runs.warehouse(warehouse) as con:
        runs.cap_memory(con, SELECT_READ_MIB)  # DuckDB's working copy of the posts, not cached too
        tags = runs.read_run_members(con, run_id)
        if tags.empty:  # say where the funnel stopped, not "check the exports"
            raise _no_members(con, run_id, segment, as_of, window_days, settings)
        read = {
            "edges": fetch_window_interactions(con, start, end),
            "profiles": place_columns(fetch_users(con, tags["user_id"])),
            "posts": fetch_window_posts_of(con, start, end, tags["user_id"]),  # only the members'
            "history": fetch_repost_history(con, until=end).posts if learned else None,
        }
    # the connection is closed while the graph is built and the seeds chosen: DuckDB gives back
    # what reading the window kept (about 0.8 GB at 1M users). The frames are handed over, not
    # kept here, so select_for_run frees each once used (the edges, then the posts).
    give_back_memory()
    chosen = select_for_run(
        tags,
        read.pop("edges"),
        read.pop("profiles"),
        read.pop("posts"),
        select_options(settings),
        segment=segment,
        as_of=as_of,
        window_days=window_days,
        history=read.pop("history"),
    )
    with runs.warehouse(warehouse) as con:
        return _write_selection(con, run_id, segment, as_of, chosen)


def _no_members(
    con: Any, run_id: str, segment: str, as_of: date, window_days: int, settings: Settings
) -> UserError:
    """The error of a run that tagged nobody: how far the window's posts got in the funnel."""
    start, end = window_bounds(as_of, window_days)
    return UserError(
        no_members_line(
            segment,
            window_days,
            as_of.isoformat(),
            len(fetch_window_posts(con, start, end)),
            read_tag_funnel(con, run_id),
            str(Path(settings.segments_dir) / f"{segment}.toml"),
        )
    )


def _write_selection(
    con: Any, run_id: str, segment: str, as_of: date, chosen: RunSelection
) -> dict[str, Any]:
    """Store the run's seeds, what it decided about each user (``run_users``) and its selection."""
    write_seeds(con, run_id, chosen.seeds_frame(explain_seed))
    decided = runs.run_users_frame(
        chosen.users,
        circles=chosen.circles,
        cities=chosen.cities,
        judged=chosen.judged,
        activity=chosen.activity,
    )
    write_run_users(con, run_id, decided)
    doc = chosen.document()
    write_selection(con, run_id, segment, as_of, doc)
    return doc


def record_step_time(warehouse: Path, run_id: str, step: str, seconds: float) -> None:
    """Keep how long a step of the run took (:func:`store.runs.record_step`)."""
    with runs.warehouse(warehouse) as con:
        runs.record_step(con, run_id, step, round(seconds, 3))
