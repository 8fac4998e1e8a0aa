"""What ``tajian run`` checks before Prefect starts (the segment, the warehouse, posts in the
window, the seed filters) and what it says while it waits for another run's lease.

Example::

    day = check_run_inputs(settings, "mothers", None, 30, Path("data/warehouse.duckdb"))
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer

from flows.console import consoles as _c
from flows.errors import UserError
from flows.messages import say, tr

__all__ = ["check_dask_address", "check_run_inputs", "seed_filters", "told_recovered", "told_waiting"]


def check_run_inputs(settings, segment: str, day: date | None, window_days: int, warehouse: Path) -> date:
    """What a run needs, checked before Prefect starts (each failure is one clear line): a
    valid segment file, a warehouse that exists and is a DuckDB database, and posts in the
    window. Returns the run's day (the newest post's date by default)."""
    from nlp.segments import load_segment
    from store import runs
    from store.warehouse import post_date_span, window_bounds

    load_segment(segment, settings.segments_dir)
    if not Path(warehouse).exists():
        raise UserError(say("warehouse_missing", path=warehouse))
    with runs.warehouse(warehouse, read_only=True) as con:
        span = post_date_span(con)
    if span is None:
        raise UserError(say("warehouse_empty", path=warehouse))
    if day is None:
        from flows.steps import resolve_as_of

        day = resolve_as_of(Path(warehouse), None)
    window_bounds(day, window_days)  # checks the window length
    first_day = day - timedelta(days=window_days - 1)
    if day < span[0] or first_day > span[1]:
        raise UserError(
            say(
                "window_empty",
                path=warehouse,
                window_days=window_days,
                as_of=day.isoformat(),
                first=span[0].isoformat(),
                last=span[1].isoformat(),
            )
        )
    return day


def seed_filters(
    min_followers: int | None,
    max_followers: int | None,
    min_engagement: float | None,
    region: list[str] | None,
    gender: str | None,
    exclude_verified: bool | None,
) -> dict[str, Any]:
    """`run`'s seed filters as settings (only those given), checked before anything starts."""
    from graph.options import EligibilityRules, gender_of

    gender = (gender_of(gender) or gender) if gender else gender  # 女 / female → f, as the settings read it
    try:
        EligibilityRules(
            min_followers=min_followers,
            max_followers=max_followers,
            min_engagement=min_engagement,
            regions=tuple(region or ()),
            gender=gender,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    given = {
        "min_followers": min_followers,
        "max_followers": max_followers,
        "min_engagement": min_engagement,
        "regions": list(region) if region else None,
        "gender": gender,
        "exclude_verified": exclude_verified,
    }
    return {k_: v for k_, v in given.items() if v is not None}


def told_waiting(segment: str, day: date, wait: float):
    def tell(holder: dict) -> None:
        _c.err.print(
            say(
                "lease_waiting",
                segment=segment,
                as_of=day.isoformat(),
                holder=tr("run {id}").format(id=holder["run_id"])
                if holder.get("run_id")
                else tr("another run"),
                pid=holder.get("pid", "?"),
                wait=f"{wait:g}",
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    return tell


def told_recovered(segment: str, day: date):
    def tell(previous: dict, done: list[str]) -> None:
        _c.err.print(
            say(
                "lease_taken_over",
                segment=segment,
                as_of=day.isoformat(),
                holder=previous.get("run_id") or "?",
                pid=previous.get("pid", "?"),
                done="; ".join(done) or tr("nothing to undo"),
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    return tell


def check_dask_address(address: str, timeout: float = 5.0) -> str:
    """``address`` (``HOST:PORT`` or ``tcp://HOST:PORT``) when a Dask scheduler listens there;
    else ValueError saying how to start one. Only a TCP connect: cheap, no Dask client."""
    import socket
    from urllib.parse import urlsplit

    text = address.strip()
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if parts.scheme != "tcp" or not host or not port:
        raise ValueError(f"the Dask address must be HOST:PORT (a Dask scheduler's); got {address!r}")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise ValueError(
            f"no Dask scheduler answers at {host}:{port} ({exc.strerror or exc}); start one with "
            "`dask scheduler --port PORT` and at least one `dask worker HOST:PORT` in this "
            "project's environment, or run without --dask-address"
        ) from None
    return text
