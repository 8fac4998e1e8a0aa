"""The Prefect flow: ingest → tag → select → report → publish, one thin task per step.

Each task calls one function of :mod:`flows.steps`; steps talk through the warehouse, so any
step can be re-run alone. A run is keyed by ``(segment, as_of, window_days)``; re-running a day
replaces that day's tags, seeds and output folder when the new run succeeds.

Example (runs the whole pipeline; needs a warehouse with posts)::

    from flows.pipeline import pipeline
    result = pipeline(segment="mothers", as_of="2026-11-15")
    print(result["report"])
"""

# No ``from __future__ import annotations`` here: a served flow's function is cloudpickled by value
# into the run's process, without the module globals that string annotations would need.
import os
import sys
import time

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from prefect import Flow, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import steps
from flows.limits import warehouse_slot
from flows.messages import rule_warnings
from flows.settings import Settings, load_settings
from store import leases

__all__ = [
    "backfill_day",
    "daily",
    "pipeline",
    "pipeline_on",
]


@task(name="find export files")
def find_exports_task(paths: list[str]) -> list[str]:
    return [str(p) for p in steps.export_files(paths)]


def _export_key(context: Any, parameters: dict[str, Any]) -> str:
    return steps.export_cache_key(parameters["path"], parameters.get("fmt"))


# Parsing is pure (a file in, a batch out), so it is cached, keyed on the file's path, size and
# mtime and on the reader code's version (never on the batch); loading writes, so it never is.
@task(
    name="parse export",
    cache_key_fn=_export_key,
    persist_result=True,
    cache_expiration=timedelta(days=7),
    retries=2,
    retry_delay_seconds=2,
)
def parse_export_task(path: str, fmt: str | None = None) -> Any:
    from store.readers import read_export

    return read_export(path, fmt)


@task(name="load export", retries=2, retry_delay_seconds=2)
def load_export_task(warehouse: str, batch: Any) -> dict[str, Any]:
    return steps.load_export(Path(warehouse), batch).as_dict()


def ingest_exports(warehouse: str, paths: list[str]) -> list[dict[str, Any]]:
    """Parse (cached) then load (never cached) each export file; each load report says whether
    its parse came from the cache."""
    loads = []
    for path in find_exports_task(paths):
        parsed = parse_export_task(path, return_state=True)
        report = load_export_task(warehouse, parsed.result())
        loads.append({**report, "parse_cached": parsed.name == "Cached"})
    return loads


@task(name="resolve as-of date")
def resolve_as_of_task(warehouse: str, as_of: date | None) -> date:
    return steps.resolve_as_of(Path(warehouse), as_of)


@task(name="begin run")
def begin_run_task(
    warehouse: str, segment: str, as_of: date, window_days: int, params: dict[str, Any]
) -> str:
    return steps.begin_run(
        Path(warehouse), flow="pipeline", segment=segment, as_of=as_of, window_days=window_days, params=params
    )


@task(name="read window posts", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def read_shards_task(warehouse: str, as_of: date, window_days: int, shards: int) -> list[pd.DataFrame]:
    return steps.read_tag_shards(Path(warehouse), as_of, window_days, shards)


@task(name="estimate the window's prior", cache_policy=NO_CACHE)
def prior_task(shards: list[pd.DataFrame], segment: str, segments_dir: str) -> float | None:
    return steps.estimate_prior(shards, segment, Path(segments_dir))


@task(name="tag user shard", task_run_name="tag {segment} shard {shard}/{of}", cache_policy=NO_CACHE)
def tag_shard_task(
    posts: pd.DataFrame, segment: str, segments_dir: str, shard: int, of: int, prior: float | None = None
) -> pd.DataFrame:
    return steps.tag_shard(posts, segment, Path(segments_dir), prior)


@task(name="write user tags", cache_policy=NO_CACHE)  # writes: never cached
def write_tags_task(warehouse: str, run_id: str, shard_tags: list[pd.DataFrame]) -> int:
    return steps.write_tags(Path(warehouse), run_id, shard_tags)


@task(name="select amplifiers")
def select_task(
    warehouse: str, run_id: str, segment: str, as_of: date, window_days: int, settings: dict[str, Any]
) -> dict[str, Any]:
    return steps.select_step(
        Path(warehouse), run_id, segment, as_of, window_days, Settings.from_plain(settings)
    )


@task(name="write report and seed list")
def report_task(
    warehouse: str, run_id: str, segment: str, as_of: date, window_days: int, settings: dict[str, Any]
) -> dict[str, str]:
    out = steps.report_step(
        Path(warehouse), run_id, segment, as_of, window_days, Settings.from_plain(settings)
    )
    return {k: str(v) for k, v in asdict(out).items()}


@task(name="publish run")
def publish_task(
    warehouse: str, run_id: str, segment: str, as_of: date, staged: dict[str, str], out_dir: str
) -> dict[str, str]:
    out = steps.publish_outputs(
        Path(warehouse),
        run_id,
        segment,
        as_of,
        steps.RunOutputs(**{k: Path(v) for k, v in staged.items()}),
        Path(out_dir),
    )
    return {k: str(v) for k, v in asdict(out).items()}


@task(name="publish report artifacts")
def report_artifacts_task(final: dict[str, str], segment: str, as_of: date) -> None:
    """The run's summary (markdown, with a link to the report) and seed table in the Prefect UI."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from report.summary import artifact_key, run_summary

    markdown, rows = run_summary(final["seeds_json"], final["report"])
    create_markdown_artifact(
        markdown=markdown,
        key=artifact_key("tajian", segment, "report"),
        description=f"Tajian {segment} report, as of {as_of.isoformat()}",
    )
    create_table_artifact(
        table=rows,
        key=artifact_key("tajian", segment, "seeds"),
        description=f"Tajian {segment} seed list, as of {as_of.isoformat()}",
    )


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
    ``tajian.toml`` and ``TAJIAN_*`` variables (flows/settings.py). The window's posts are
    tagged in ``tag_shards`` user shards, one task each, submitted to the flow's task runner
    (threads here; a Dask cluster with :func:`pipeline_on`); the result does not depend on it.

    The run holds the lease of its ``(segment, as_of)`` from before its run row until it is
    published or cleaned up (:mod:`store.leases`): a run of a day another live run holds waits
    up to ``lease_wait_s`` seconds, then fails with :class:`store.leases.LeaseHeldError`
    without leaving a run row. A failed run leaves no rows and no files behind.
    """
    logger = get_run_logger()
    settings = load_settings().replace(
        segment=segment,
        window_days=window_days,
        k=k,
        seed=seed,
        method=method,
        warehouse=Path(warehouse) if warehouse else None,
        out_dir=Path(out_dir) if out_dir else None,
        tag_shards=tag_shards,
        lang=lang,  # the report's language (zh | en)
    )
    if probability is not None:  # the spread model (wc, uniform:P or learned), checked like the setting
        settings = settings.replace(probability=probability)
    if filters:  # the seed filters of `tajian run --min-followers …`
        settings = settings.replace(**{k_: tuple(v) if k_ == "regions" else v for k_, v in filters.items()})
    if settings.tag_shards < 1:
        raise ValueError(f"tag_shards must be at least 1; got {settings.tag_shards}")
    wh = str(settings.warehouse)
    loads: list[dict[str, Any]] = []
    if ingest:
        loads = ingest_exports(wh, list(ingest))
        for r in loads:
            logger.info(
                "loaded %s: %d rows read, %d loaded, %d duplicates, %d quarantined%s",
                r["source"],
                r["rows_read"],
                r["loaded"],
                r["duplicates"],
                r["quarantined"],
                " (parse from cache)" if r["parse_cached"] else "",
            )
    day = resolve_as_of_task(wh, as_of)
    with leases.run_lease(
        wh,
        segment,
        day,
        wait_s=lease_wait_s,
        on_wait=lambda holder: logger.warning(
            "%s %s is held by run %s (pid %s); waiting up to %.0f s",
            segment,
            day,
            holder.get("run_id"),
            holder.get("pid"),
            lease_wait_s,
        ),
        on_recover=lambda previous, done: logger.warning(
            "took over %s %s from run %s (pid %s, no longer running): %s",
            segment,
            day,
            previous.get("run_id"),
            previous.get("pid"),
            "; ".join(done) or "nothing to undo",
        ),
    ):
        return _run_day(settings, segment, day, window_days, loads)


def _run_day(
    settings: Settings, segment: str, day: date, window_days: int, loads: list[dict[str, Any]]
) -> dict[str, Any]:
    """The pipeline's steps for one day, under its lease: begin, tag, select, report, publish;
    on any error the run is marked failed and its rows and files removed, then the error raised."""
    logger = get_run_logger()
    wh = str(settings.warehouse)
    plain = settings.to_plain()
    # where and how it ran is not a parameter of the result
    params = {
        k_: v
        for k_, v in plain.items()
        if k_ not in ("warehouse", "out_dir", "data_dir", "samples_dir", "tag_shards", "dask_address")
    }
    run_id = begin_run_task(wh, segment, day, window_days, params)
    step = _step_clock(wh, run_id)
    try:
        with step("tag"):
            shards = read_shards_task(wh, day, window_days, settings.tag_shards)
            prior = prior_task(shards, segment, str(settings.segments_dir))
            futures = [
                tag_shard_task.submit(part, segment, str(settings.segments_dir), i + 1, len(shards), prior)
                for i, part in enumerate(shards)
            ]
            n_members = write_tags_task(wh, run_id, [f.result() for f in futures])
        logger.info("%d %s tagged in the %d days ending %s", n_members, segment, window_days, day)
        with step("graph, circles and selection"):
            selection = select_task(wh, run_id, segment, day, window_days, plain)
        logger.info(
            "%d seeds selected; expected reach %.1f of %d members",
            len(selection["seeds"]),
            selection["expected_reach"],
            selection["n_targets"],
        )
        warnings = rule_warnings(selection.get("rule_checks"))
        for line in warnings:
            logger.warning("%s", line)
        with step("report"):
            staged = report_task(wh, run_id, segment, day, window_days, plain)
        with step("publish"):
            final = publish_task(wh, run_id, segment, day, staged, str(settings.out_dir))
    except BaseException as exc:
        if not steps.mark_run_failed(Path(wh), run_id, f"{type(exc).__name__}: {exc}", segment, day):
            logger.warning(
                "run %s failed and could not be cleaned up now; the next run of %s %s will",
                run_id,
                segment,
                day,
            )
        raise
    try:  # the run is published: the UI's summary is a nicety, never a reason to fail it
        report_artifacts_task(final, segment, day)
    except Exception as exc:
        logger.warning("run %s is published, but its Prefect artifacts were not: %s", run_id, exc)
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


def _step_clock(warehouse: str, run_id: str) -> Any:
    """``with step(name): …`` logs the step's start and its wall time when done, and keeps the
    time in the run record (``run_steps``, read by the report's method section). With
    ``TAJIAN_PROGRESS=1`` (the CLI sets it on a terminal, where Prefect's INFO log is not shown)
    each step is also a status line on stderr."""
    logger = get_run_logger()
    show = os.environ.get("TAJIAN_PROGRESS") == "1"

    @contextmanager
    def step(name: str) -> Iterator[None]:
        logger.info("step %s: started", name)
        if show:
            sys.stderr.write(f"  … {name}\n")
            sys.stderr.flush()
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        logger.info("step %s: done in %.1f s", name, seconds)
        if show:
            sys.stderr.write(f"  ✓ {name}: {seconds:.1f} s\n")
            sys.stderr.flush()
        steps.record_step_time(Path(warehouse), run_id, name, seconds)

    return step


def pipeline_on(dask_address: str | None = None) -> Flow:
    """:func:`pipeline` as is (its tasks in threads of this process), or, given the address of
    a running Dask scheduler, with prefect-dask's ``DaskTaskRunner`` connected to it: the
    submitted tasks (the tag shards) then run on that cluster's workers, which must be able to
    import this project. Never a temporary cluster: in ephemeral mode each worker of one would
    start its own Prefect server."""
    if not dask_address:
        return pipeline
    from prefect_dask import DaskTaskRunner

    return pipeline.with_options(task_runner=DaskTaskRunner(address=dask_address))


# --- scheduled runs: the daily flow and the warehouse lock -------------------------------------


def previous_day(timezone: str = "Asia/Shanghai") -> date:
    """The day before this run's scheduled start (now, outside a scheduled run) in ``timezone``."""
    from prefect.runtime import flow_run

    start = None
    try:
        start = flow_run.scheduled_start_time
    except Exception:  # outside a flow run the runtime may not know it
        start = None
    moment = datetime.fromisoformat(str(start)) if start else datetime.now(UTC)
    return (moment.astimezone(ZoneInfo(timezone)) - timedelta(days=1)).date()


@task(name="ingest inbox", retries=2, retry_delay_seconds=10)
def inbox_task(inbox: str, warehouse: str) -> list[dict[str, Any]]:
    from flows.inbox import ingest_inbox

    return [f.as_dict() for f in ingest_inbox(Path(inbox), Path(warehouse))]


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
    logger = get_run_logger()
    settings = load_settings().replace(
        window_days=window_days,
        k=k,
        seed=seed,
        inbox=Path(inbox) if inbox else None,
        warehouse=Path(warehouse) if warehouse else None,
        out_dir=Path(out_dir) if out_dir else None,
    )
    day = as_of or previous_day(settings.schedule_timezone)
    wh = str(settings.warehouse)
    with warehouse_slot():
        files = inbox_task(str(settings.inbox), wh)
    for f in files:
        if f["status"] == "failed":
            logger.warning("inbox: %s failed, moved to %s: %s", f["source"], f["moved_to"], f["reason"])
        else:
            logger.info("inbox: %s %s, moved to %s", f["source"], f["status"], f["moved_to"])
    runs: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for segment in segments or list(settings.segments):
        try:
            with warehouse_slot(segment):
                result = pipeline_on(settings.dask_address)(
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
            logger.error("%s %s failed: %s", segment, day, failed[segment])
            continue
        runs[segment] = {
            k_: result[k_]
            for k_ in ("run_id", "n_members", "n_seeds", "expected_reach", "report", "seeds_csv")
        }
    if failed:
        raise RuntimeError(
            f"daily run for {day}: {len(failed)} segment(s) failed: "
            + "; ".join(f"{s}: {why}" for s, why in failed.items())
            + ". See `tajian runs` for the partition grid; re-run a day with `tajian backfill "
            "--segment S --start D --end D --rerun`"
        )
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
