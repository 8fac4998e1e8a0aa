"""Run history and day partitions: which (segment, day) runs are done, failed or missing.

Runs are partitioned by day: one run per ``(segment, as_of)``; the newest run of a day is its
state. Plain functions over the warehouse (no Prefect), used by ``tajian backfill`` to skip
completed days (so an interrupted backfill resumes) and by ``tajian runs`` for its grid.

Example:
    >>> [d.isoformat() for d in days_between(date(2026, 11, 14), date(2026, 11, 16))]
    ['2026-11-14', '2026-11-15', '2026-11-16']
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from flows.messages import tr
from store import runs

__all__ = ["days_between", "days_to_run", "partition_grid", "run_history"]

_COLUMNS: dict[Callable[..., pd.DataFrame], list[str]] = {
    runs.latest_day_states: ["segment", "as_of", "status", "error", "run_id", "finished_at"],
    runs.recent_runs: ["run_id", "segment", "as_of", "status", "started_at", "finished_at", "error"],
}


def days_between(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included."""
    if end < start:
        raise ValueError(
            tr("the end date must not be before the start date; got {start} to {end}").format(
                start=start, end=end
            )
        )
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _read_runs(warehouse: Path, query: Callable[..., pd.DataFrame], *args: Any) -> pd.DataFrame:
    """``query(con, *args)`` on the warehouse opened read-only; an absent warehouse has no runs."""
    if not Path(warehouse).exists():
        return pd.DataFrame(columns=_COLUMNS[query])
    with runs.warehouse(warehouse, read_only=True) as con:
        return query(con, *args)


def _latest_states(warehouse: Path, segment: str | None = None) -> pd.DataFrame:
    """The newest run of each (segment, day): segment, as_of, status, error, run_id, finished_at."""
    return _read_runs(warehouse, runs.latest_day_states, segment)


def days_to_run(warehouse: Path, segment: str, start: date, end: date, *, rerun: bool = False) -> list[date]:
    """The days of ``[start, end]`` a backfill must run: all with ``rerun``, else those whose
    newest run did not succeed (never run, failed, or cut off while running)."""
    days = days_between(start, end)
    if rerun:
        return days
    states = _latest_states(warehouse, segment)
    done = set(states.loc[states["status"] == "succeeded", "as_of"])
    return [d for d in days if d not in done]


def run_history(warehouse: Path, limit: int = 20) -> pd.DataFrame:
    """The newest ``limit`` runs, newest first."""
    return _read_runs(warehouse, runs.recent_runs, limit)


def partition_grid(
    warehouse: Path, start: date, end: date, segments: list[str] | None = None
) -> pd.DataFrame:
    """Segment × day: ``done`` / ``failed`` / ``running`` / ``missing``, plus the failed days' errors.

    Columns: segment, then one per day (ISO date); ``errors`` maps (segment, day) → error text.
    """
    states = _latest_states(warehouse)
    names = segments or sorted(set(states["segment"])) or []
    days = days_between(start, end)
    rows = []
    errors: dict[tuple[str, str], str] = {}
    for seg in names:
        mine = states[states["segment"] == seg].set_index("as_of")
        row = {"segment": seg}
        for d in days:
            if d not in mine.index:
                row[d.isoformat()] = "missing"
                continue
            status = mine.loc[d, "status"]
            row[d.isoformat()] = {"succeeded": "done"}.get(status, status)
            if status == "failed":
                errors[(seg, d.isoformat())] = str(mine.loc[d, "error"])
        rows.append(row)
    grid = pd.DataFrame(rows, columns=["segment", *[d.isoformat() for d in days]])
    grid.attrs["errors"] = errors
    return grid
