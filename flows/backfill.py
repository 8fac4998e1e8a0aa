"""Backfills: one pipeline flow run per day, in order, skipping days that already succeeded.

An interrupted backfill resumes where it stopped; ``rerun`` runs every day again (each day's
tags, seeds and output folder are replaced when its new run succeeds). A failed day is recorded
in ``runs`` with its error and the backfill goes on with the next day.

Example::

    from datetime import date
    from flows.backfill import run_backfill
    result = run_backfill("mothers", date(2026, 11, 9), date(2026, 11, 15))
    print(result.done, result.failed)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from flows.history import days_between, days_to_run

__all__ = ["BackfillResult", "backfill_key", "run_backfill", "submit_backfill"]


@dataclass
class BackfillResult:
    """What a backfill did: the days it skipped, ran, and those that failed with their error."""

    skipped: list[date] = field(default_factory=list)
    done: list[date] = field(default_factory=list)
    failed: list[tuple[date, str]] = field(default_factory=list)
    #: submitted backfills: each day's flow run id on the server
    flow_runs: dict[date, str] = field(default_factory=dict)


def run_backfill(
    segment: str,
    start: date,
    end: date,
    *,
    warehouse: Path,
    rerun: bool = False,
    window_days: int = 30,
    k: int = 100,
    seed: int = 42,
    out_dir: Path | None = None,
    on_day: Callable[[date, str], None] | None = None,
    tag_shards: int | None = None,
    dask_address: str | None = None,
    lease_wait_s: float = 0.0,
) -> BackfillResult:
    """Run the pipeline for each day of ``[start, end]`` that needs it; ``on_day(day, state)``
    is told ``"running"`` before and ``"done"``/``"failed"`` after each day. ``tag_shards`` and
    ``dask_address`` (a running Dask scheduler's HOST:PORT) are passed to each day's run
    (see :func:`flows.pipeline.pipeline_on`). A day another live run holds is waited for up to
    ``lease_wait_s`` seconds, else it fails (:mod:`store.leases`). A failed day's reason is one
    line (:func:`flows.errors.explain`)."""
    from flows.errors import explain
    from flows.limits import warehouse_slot
    from flows.pipeline import pipeline_on  # Prefect only when there is work

    pipeline = pipeline_on(dask_address, tag_shards or 1)

    def run_day(day: date) -> str | None:
        try:
            with warehouse_slot(segment):  # never at once with a served daily run (flows/serve.py)
                pipeline(
                    segment=segment,
                    as_of=day,
                    window_days=window_days,
                    k=k,
                    seed=seed,
                    warehouse=str(warehouse),
                    out_dir=str(out_dir) if out_dir else None,
                    tag_shards=tag_shards,
                    lease_wait_s=lease_wait_s,
                )
        except Exception as exc:  # recorded as failed in `runs`; go on with the next day
            return explain(exc, what=f"the run of {day}").line
        return None

    return _each_day(warehouse, segment, start, end, rerun, on_day, run_day)


def _each_day(
    warehouse: Path,
    segment: str,
    start: date,
    end: date,
    rerun: bool,
    on_day: Callable[[date, str], None] | None,
    run_day: Callable[[date], str | None],
    result: BackfillResult | None = None,
) -> BackfillResult:
    """Run ``run_day`` (None = done, else why it failed) for each day that needs it, in order,
    telling ``on_day`` as it goes; the days already done are skipped unless ``rerun``."""
    todo = days_to_run(warehouse, segment, start, end, rerun=rerun)
    result = result or BackfillResult()
    result.skipped = [d for d in days_between(start, end) if d not in todo]
    for day in todo:
        if on_day:
            on_day(day, "running")
        why = run_day(day)
        if why is None:
            result.done.append(day)
        else:
            result.failed.append((day, why))
        if on_day:
            on_day(day, "done" if why is None else "failed")
    return result


def backfill_key(segment: str, day: date, window_days: int, k: int, seed: int, nonce: str = "") -> str:
    """The idempotency key of one submitted backfill day: the same day with the same parameters
    is one flow run on the server, however often the backfill is submitted.

    >>> backfill_key("mothers", date(2026, 11, 15), 30, 100, 42)
    'tajian-backfill:mothers:2026-11-15:w30:k100:s42'
    """
    key = f"tajian-backfill:{segment}:{day.isoformat()}:w{window_days}:k{k}:s{seed}"
    return f"{key}:{nonce}" if nonce else key


def submit_backfill(
    segment: str,
    start: date,
    end: date,
    *,
    warehouse: Path,
    rerun: bool = False,
    window_days: int = 30,
    k: int = 100,
    seed: int = 42,
    out_dir: Path | None = None,
    on_day: Callable[[date, str], None] | None = None,
    tag_shards: int | None = None,
    poll_interval: float = 2.0,
) -> BackfillResult:
    """:func:`run_backfill` against a Prefect server: each day that needs it becomes one flow run
    of the served deployment ``tajian-backfill-day/backfill`` (``tajian serve``), submitted in
    order with an idempotency key (:func:`backfill_key`) and waited for. Submitting the same
    backfill again, say after an interruption, finds the runs already made instead of adding
    new ones; ``rerun`` adds a fresh key, so the days run again. Paths are sent as absolute paths:
    the served process must see the same files."""
    from prefect.deployments import run_deployment

    from flows.serve import BACKFILL_DEPLOYMENT, require_server

    require_server()
    nonce = datetime.now(UTC).strftime("rerun-%Y%m%dT%H%M%S") if rerun else ""
    result = BackfillResult()

    def run_day(day: date) -> str | None:
        run = run_deployment(
            BACKFILL_DEPLOYMENT,
            parameters={
                "segment": segment,
                "as_of": day.isoformat(),
                "window_days": window_days,
                "k": k,
                "seed": seed,
                "warehouse": str(Path(warehouse).resolve()),
                "out_dir": str(Path(out_dir).resolve()) if out_dir else None,
                "tag_shards": tag_shards,
            },
            idempotency_key=backfill_key(segment, day, window_days, k, seed, nonce),
            timeout=None,
            poll_interval=poll_interval,
            as_subflow=False,
        )
        result.flow_runs[day] = str(run.id)
        state = run.state
        if state is not None and state.is_completed():
            return None
        why = (state.message if state is not None else None) or "no final state"
        return f"flow run {run.name} {state.name if state else '?'}: {why}"

    return _each_day(warehouse, segment, start, end, rerun, on_day, run_day, result)
