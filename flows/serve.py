"""``tajian serve``: register the daily deployment with a Prefect server and execute its runs.

The deployment ``tajian-daily/daily`` runs :func:`flows.pipeline.daily` (ingest the inbox, then
one pipeline run per configured segment for the previous day) on a cron schedule, by default
``0 2 * * *`` in Asia/Shanghai. It is served with Prefect's ``flow.serve``: one long-running
process that keeps the deployment registered, polls the server for its scheduled runs and executes
them. Stopping it leaves the schedule active (``pause_on_shutdown=False``): runs due while it is
down wait on the server and start when it is back.

Concurrency: the deployment runs once at a time (deployment limit 1); each segment's pipeline
holds the global limit ``tajian-segment-<name>`` (limit 1), and every warehouse writer (the
inbox load, each pipeline run, each backfill day) holds ``tajian-warehouse`` (limit 1), so a
served run and a backfill never write at once. :func:`ensure_limits` creates them on the server.

A Prefect server must be running and ``PREFECT_API_URL`` must point at it::

    prefect server start                                   # terminal 1
    export PREFECT_API_URL=http://127.0.0.1:4200/api       # terminal 2
    tajian serve

Example (what ``tajian serve`` does)::

    from flows.serve import serve_daily
    from flows.settings import load_settings
    serve_daily(load_settings(), cron="0 3 * * *")
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from flows.messages import tr
from flows.settings import Settings

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

__all__ = [
    "BACKFILL_DEPLOYMENT",
    "DEPLOYMENT_NAME",
    "FLOW_NAME",
    "ServerNotReadyError",
    "check_schedule",
    "ensure_limits",
    "require_server",
    "serve_daily",
    "serve_options",
]

FLOW_NAME = "tajian-daily"
DEPLOYMENT_NAME = "daily"
#: The deployment ``tajian backfill --submit`` sends its days to (no schedule; one day per run).
BACKFILL_DEPLOYMENT = "tajian-backfill-day/backfill"

START_SERVER = (
    "start one in another terminal with `prefect server start` (SQLite in ~/.prefect by default; "
    "it serves the API and UI on http://127.0.0.1:4200), then "
    "`export PREFECT_API_URL=http://127.0.0.1:4200/api` (or `prefect config set "
    "PREFECT_API_URL=http://127.0.0.1:4200/api`) and run `tajian serve` again"
)


class ServerNotReadyError(RuntimeError):
    """No Prefect server is configured, or the configured one does not answer."""


def require_server(timeout_s: float = 5.0) -> str:
    """The Prefect API URL, after checking that a server answers there.

    Raises :class:`ServerNotReadyError`, saying how to start one, when ``PREFECT_API_URL`` is not
    set (in the environment or the Prefect profile) or its ``/health`` does not answer.
    """
    import httpx
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise ServerNotReadyError(
            "tajian serve needs a running Prefect server, and PREFECT_API_URL is not set; " + START_SERVER
        )
    url = str(url).rstrip("/")
    try:
        answer = httpx.get(f"{url}/health", timeout=timeout_s)
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise ServerNotReadyError(
            f"no Prefect server answers at PREFECT_API_URL={url} ({type(exc).__name__}: {exc}); "
            "expected GET /health to return 200. If the server is not running, " + START_SERVER
        ) from None
    return url


def check_schedule(cron: str, timezone: str) -> None:
    """Raise ``ValueError`` naming the bad part when ``cron`` or ``timezone`` is not valid."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            tr("schedule timezone must be an IANA name such as Asia/Shanghai; got {value}").format(
                value=repr(timezone)
            )
        ) from None
    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as exc:
        why = "; ".join(e.get("msg", "") for e in exc.errors())
        raise ValueError(
            tr(
                "schedule cron must be five fields, minute hour day month weekday, such as '0 2 * * *'; "
                "got {value} ({why})"
            ).format(value=repr(cron), why=why)
        ) from None


def serve_options(
    settings: Settings,
    *,
    cron: str | None = None,
    timezone: str | None = None,
    segments: Sequence[str] | None = None,
    name: str = DEPLOYMENT_NAME,
) -> dict[str, Any]:
    """The keyword arguments ``tajian serve`` passes to ``daily.serve(...)``.

    The cron schedule and timezone default to the settings (``schedule_cron``,
    ``schedule_timezone``); the segments too (``segments``), and are stored as the deployment's
    parameters so the UI shows them. Other settings (inbox, warehouse, out_dir, window …) are read
    by each run from ``tajian.toml`` / ``TAJIAN_*`` in the serving process's environment.
    """
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    cron = cron or settings.schedule_cron
    timezone = timezone or settings.schedule_timezone
    check_schedule(cron, timezone)
    names = list(segments or settings.segments)
    return {
        "name": name,
        "schedules": [Cron(cron, timezone=timezone)],
        "parameters": {"segments": names},
        "global_limit": ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
        "pause_on_shutdown": False,
        "tags": ["tajian", *names],
        "description": (
            f"Tajian daily run: load new exports from the inbox, then select amplifiers "
            f"for {', '.join(names)} for the previous day (Asia/Shanghai)."
        ),
        "entrypoint_type": EntrypointType.MODULE_PATH,  # flows.pipeline.daily, from any folder
    }


def ensure_limits(segments: Sequence[str]) -> list[str]:
    """Create (or reset to 1) the global concurrency limits of the warehouse and of each segment
    on the server; returns their names."""
    from flows.limits import WAREHOUSE_LIMIT, ensure_concurrency_limits, segment_limit

    names = [WAREHOUSE_LIMIT, *(segment_limit(s) for s in segments)]
    ensure_concurrency_limits(names)
    return names


def serve_daily(
    settings: Settings,
    *,
    cron: str | None = None,
    timezone: str | None = None,
    segments: Sequence[str] | None = None,
    name: str = DEPLOYMENT_NAME,
) -> None:
    """Check the server, create the concurrency limits, then serve the daily deployment and the
    backfill deployment (:data:`BACKFILL_DEPLOYMENT`) until interrupted (Ctrl-C or SIGTERM).
    Blocks."""
    options = serve_options(settings, cron=cron, timezone=timezone, segments=segments, name=name)
    require_server()
    ensure_limits(options["parameters"]["segments"])
    from prefect import serve
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.pipeline import backfill_day, daily

    pause = options.pop("pause_on_shutdown")
    options["concurrency_limit"] = options.pop("global_limit")
    backfill = backfill_day.to_deployment(
        name=BACKFILL_DEPLOYMENT.split("/")[1],
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
        ),
        tags=["tajian", "backfill"],
        description="One day of a backfill, submitted by `tajian backfill --submit` with an idempotency key.",
        entrypoint_type=options["entrypoint_type"],
    )
    serve(daily.to_deployment(**options), backfill, pause_on_shutdown=pause)
