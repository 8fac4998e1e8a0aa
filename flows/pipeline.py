"""The Prefect flow: ingest → tag → select → report → publish, one thin task per step.

Each task (:mod:`flows.tasks`) calls one step function (flows/steps.py, exports.py, tagging.py,
publish.py); steps talk through the warehouse, so any step can be re-run alone. A run is keyed
by ``(segment, as_of, window_days)``; re-running a day replaces that day's tags, seeds and
output folder when the new run succeeds.

Example (runs the whole pipeline; needs a warehouse with posts)::

    from flows.pipeline import pipeline
    result = pipeline(segment="mothers", as_of="2026-11-15")
    print(result["report"])
"""

# No ``from __future__ import annotations`` here: a served flow's function is cloudpickled by value
# into the run's process, without the module globals that string annotations would need.
import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from datetime import date
from typing import Any

from prefect import Flow, flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import ProcessPoolTaskRunner

from flows.flow_parts import (
    DAILY_KEYS,
    NOT_PARAMS,
    clean_up,
    daily_failed,
    daily_settings,
    lease_messages,
    log_inbox,
    log_loads,
    log_selection,
    publish_artifacts,
    run_settings,
)
from flows.limits import warehouse_slot
from flows.settings import Settings
from flows.tasks import (
    begin_run_task,
    inbox_task,
    ingest_exports,
    previous_day,
    prior_task,
    publish_task,
    read_shards_task,
    report_task,
    resolve_as_of_task,
    score_shard_task,
    select_task,
    step_clock,
    tag_shard_task,
    tag_step_task,
    write_tags_task,
)
from store import leases

__all__ = [
    "FlowApiProcessPool",
    "backfill_day",
    "daily",
    "pipeline",
    "pipeline_on",
    "tag_workers",
]


@flow(name="tajian-pipeline", log_prints=True)
def pipeline(
    segment: str = "mothers",
    as_of: date | None = None,
    window_days: int = 30,
    k: int = 100,
    seed: int = 42,
    method: str = "ris",
    ingest: list[str] | None = None,
    warehouse: str | None = None,
    out_dir: str | None = None,
    tag_shards: int | None = None,
    lease_wait_s: float = 0.0,
    probability: str | None = None,
    filters: dict[str, Any] | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """Run the pipeline for one segment and one day's window; returns the output paths.

    ``filters`` are seed-filter settings (``min_followers``, ``regions`` …, flows/settings.py)
    that override the configured ones for this run; the run's params record them.

    ``ingest`` loads export files or folders first. Settings not given here come from
    ``tajian.toml`` and ``TAJIAN_*`` variables (flows/settings.py). With ``tag_shards`` 1 (and
    no Dask) the window's posts are tagged here one user shard at a time, as many shards as the
    window's size asks (:func:`flows.tagging.tag_step`: bounded memory); with more, in
    ``tag_shards`` user shards, each scored then tagged by tasks submitted to the flow's task
    runner (worker processes or a Dask cluster with :func:`pipeline_on`); the result does not
    depend on it.

    The run holds the lease of its ``(segment, as_of)`` from before its run row until it is
    published or cleaned up (:mod:`store.leases`): a run of a day another live run holds waits
    up to ``lease_wait_s`` seconds, then fails with :class:`store.leases.LeaseHeldError`
    without leaving a run row. A failed run leaves no rows and no files behind.
    """
    given = {"window_days": window_days, "k": k, "seed": seed, "method": method, "tag_shards": tag_shards}
    given |= {"warehouse": warehouse, "out_dir": out_dir, "lang": lang, "probability": probability}
    settings = run_settings(segment, given, filters)
    wh = str(settings.warehouse)
    loads = log_loads(ingest_exports(wh, list(ingest))) if ingest else []
    day = resolve_as_of_task(wh, as_of)
    on_wait, on_recover = lease_messages(segment, day, lease_wait_s)
    with leases.run_lease(wh, segment, day, wait_s=lease_wait_s, on_wait=on_wait, on_recover=on_recover):
        return _run_day(settings, segment, day, window_days, loads)


def _run_day(
    settings: Settings, segment: str, day: date, window_days: int, loads: list[dict[str, Any]]
) -> dict[str, Any]:
    """The pipeline's steps for one day, under its lease: begin, tag, select, report, publish;
    on any error the run is marked failed and its rows and files removed, then the error raised."""
    wh, plain = str(settings.warehouse), settings.to_plain()
    params = {k_: v for k_, v in plain.items() if k_ not in NOT_PARAMS}  # where it ran is no parameter
    run_id = begin_run_task(wh, segment, day, window_days, params)
    step = step_clock(wh, run_id)
    try:
        with step("tag"):
            n_members = _tag(settings, run_id, segment, day, window_days)
        with step("graph, circles and selection"):
            selection = select_task(wh, run_id, segment, day, window_days, plain)
        warnings = log_selection(selection)
        with step("report"):
            staged = report_task(wh, run_id, segment, day, window_days, plain)
        with step("publish"):
            final = publish_task(wh, run_id, segment, day, staged, str(settings.out_dir))
    except BaseException as exc:
        clean_up(wh, run_id, segment, day, exc)
        raise
    publish_artifacts(final, run_id, segment, day)
    return {
        "run_id": run_id,
        "segment": segment,
        "as_of": day.isoformat(),
        "n_members": n_members,
        "n_seeds": len(selection["seeds"]),
        "expected_reach": selection["expected_reach"],
        "loads": loads,
        "warnings": warnings,
        **final,
    }


def _tag(settings: Settings, run_id: str, segment: str, day: date, window_days: int) -> int:
    """Tag the window's members. In this process (one tag shard asked for, no Dask): one task,
    one user shard in memory at a time (:func:`flows.tagging.tag_step`: the step's memory does
    not grow with the window). Else each user shard's posts scored by a task, the window's prior
    from all their probabilities, then each shard tagged by a task (the shards' tasks on the
    flow's task runner: worker processes or a Dask cluster, :func:`pipeline_on`)."""
    wh, segments_dir = str(settings.warehouse), str(settings.segments_dir)
    if not settings.dask_address and tag_workers(settings.tag_shards) == 1:
        n_members = tag_step_task(wh, run_id, segment, day, window_days, segments_dir)
        get_run_logger().info("%d %s tagged in the %d days ending %s", n_members, segment, window_days, day)
        return n_members
    shards = read_shards_task(wh, day, window_days, settings.tag_shards)
    of = len(shards)
    scored = [
        score_shard_task.submit(part, segment, segments_dir, i + 1, of) for i, part in enumerate(shards)
    ]
    proba = [f.result() for f in scored]
    prior = prior_task(shards, segment, segments_dir, proba)
    futures = [
        tag_shard_task.submit(part, segment, segments_dir, i + 1, of, prior, q)
        for i, (part, q) in enumerate(zip(shards, proba, strict=True))
    ]
    n_members = write_tags_task(wh, run_id, [f.result() for f in futures])
    get_run_logger().info("%d %s tagged in the %d days ending %s", n_members, segment, window_days, day)
    return n_members


def tag_workers(tag_shards: int) -> int:
    """How many worker processes tag ``tag_shards`` user shards on this machine: one per shard,
    at most one per CPU this process may use (1: the shards' tasks stay in this process's
    threads).

    >>> tag_workers(1)
    1
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(int(tag_shards), cpus))


def pipeline_on(dask_address: str | None = None, tag_shards: int = 1) -> Flow:
    """:func:`pipeline` with the task runner for its submitted tasks (each tag shard's scoring
    and tagging): given the address of a running Dask scheduler, prefect-dask's
    ``DaskTaskRunner`` connected to it (the tasks run on that cluster's workers, which must be
    able to import this project; never a temporary cluster: in ephemeral mode each worker of
    one would start its own Prefect server); else, for ``tag_shards`` > 1 on a machine with more
    than one CPU, Prefect's ``ProcessPoolTaskRunner`` with :func:`tag_workers` processes (each
    loads the post model once and scores and tags whole shards: the shards' CPU work runs side
    by side, which threads cannot do); else :func:`pipeline` as is (its tasks in threads of this
    process). The result never depends on it."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return pipeline.with_options(task_runner=DaskTaskRunner(address=dask_address))
    workers = tag_workers(tag_shards)
    if workers > 1:
        return pipeline.with_options(task_runner=FlowApiProcessPool(max_workers=workers))
    return pipeline


class FlowApiProcessPool(ProcessPoolTaskRunner):
    """Prefect's ``ProcessPoolTaskRunner`` whose workers report to the flow's own Prefect API.

    Without ``PREFECT_API_URL`` a flow runs against a temporary server of its own, which the
    runner does not tell its workers of: each would start another temporary server (a uvicorn
    process: ~6 CPU-s and seconds of wall per worker, measured, bench/RESULTS.md). The first
    submission (when the runner captures the settings it hands its workers) is made with the
    flow's API address in the settings."""

    def submit(self, task, parameters, wait_for=None, dependencies=None):  # type: ignore[no-untyped-def,override]
        ctx = FlowRunContext.get()
        url = str(getattr(getattr(ctx, "client", None), "api_url", "") or "").rstrip("/")
        if PREFECT_API_URL.value() or not url.startswith("http") or "//ephemeral-prefect" in url:
            return super().submit(task, parameters, wait_for, dependencies)
        with temporary_settings(updates={PREFECT_API_URL: url}):
            return super().submit(task, parameters, wait_for, dependencies)


@flow(name="tajian-daily", log_prints=True)
def daily(
    segments: list[str] | None = None,
    as_of: date | None = None,
    window_days: int | None = None,
    k: int | None = None,
    seed: int | None = None,
    inbox: str | None = None,
    warehouse: str | None = None,
    out_dir: str | None = None,
) -> dict[str, Any]:
    """The scheduled run: load new files from the inbox, then run :func:`pipeline` for each
    segment for ``as_of`` (default: the previous day in the schedule's timezone, Asia/Shanghai).

    Settings not given come from ``tajian.toml`` / ``TAJIAN_*`` (segments, inbox, warehouse …).
    Each step holds the warehouse's global concurrency slot (see :func:`flows.limits.warehouse_slot`). A
    failing segment does not stop the others; the run fails at the end, naming them.
    """
    settings = daily_settings(window_days, k, seed, inbox, warehouse, out_dir)
    day = as_of or previous_day(settings.schedule_timezone)
    wh = str(settings.warehouse)
    with warehouse_slot():
        files = log_inbox(inbox_task(str(settings.inbox), wh))
    runs: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for segment in segments or list(settings.segments):
        try:
            with warehouse_slot(segment):
                result = pipeline_on(settings.dask_address, settings.tag_shards)(
                    segment=segment,
                    as_of=day,
                    window_days=settings.window_days,
                    k=settings.k,
                    seed=settings.seed,
                    method=settings.method,
                    warehouse=wh,
                    out_dir=str(settings.out_dir),
                )
        except Exception as exc:  # recorded in `runs` by the pipeline; go on with the next segment
            failed[segment] = f"{type(exc).__name__}: {exc}"
            get_run_logger().error("%s %s failed: %s", segment, day, failed[segment])
            continue
        runs[segment] = {k_: result[k_] for k_ in DAILY_KEYS}
    if failed:
        raise daily_failed(day, failed)
    return {"as_of": day.isoformat(), "inbox": files, "runs": runs}


@flow(name="tajian-backfill-day", log_prints=True)
def backfill_day(
    segment: str,
    as_of: date,
    window_days: int = 30,
    k: int = 100,
    seed: int = 42,
    warehouse: str | None = None,
    out_dir: str | None = None,
    tag_shards: int | None = None,
) -> dict[str, Any]:
    """One day of a backfill submitted to a Prefect server (``tajian backfill --submit``): the
    pipeline for ``as_of``, holding the warehouse's and the segment's concurrency slots like
    every other writer. Served by ``tajian serve`` as the deployment ``tajian-backfill-day/backfill``.
    """
    with warehouse_slot(segment):
        result = pipeline(
            segment=segment,
            as_of=as_of,
            window_days=window_days,
            k=k,
            seed=seed,
            warehouse=warehouse,
            out_dir=out_dir,
            tag_shards=tag_shards,
        )
    return {k_: result[k_] for k_ in ("run_id", "n_members", "n_seeds", "expected_reach", "report")}
