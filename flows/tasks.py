"""The pipeline's Prefect tasks: each a thin call into one step function (:mod:`flows.steps`,
:mod:`flows.exports`, :mod:`flows.tagging`, :mod:`flows.publish`), plus the run's step clock
and the scheduled run's helpers (:mod:`flows.pipeline` wires them).

Example (inside a flow)::

    run_id = begin_run_task(warehouse, "mothers", day, 30, params)
    selection = select_task(warehouse, run_id, "mothers", day, 30, settings.to_plain())
"""

# No ``from __future__ import annotations`` here (as in flows/pipeline.py): a served flow's tasks
# are cloudpickled by value into the run's process, without the module globals string
# annotations would need.
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
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import exports, publish, steps, tagging
from flows.messages import tr
from flows.settings import Settings
from flows.tag_tasks import score_shard_task, tag_shard_task
from report.html import STEP_NAMES

__all__ = [
    "begin_run_task",
    "find_exports_task",
    "inbox_task",
    "ingest_exports",
    "load_export_task",
    "parse_export_task",
    "previous_day",
    "prior_task",
    "progress_line",
    "publish_task",
    "read_shards_task",
    "report_artifacts_task",
    "report_task",
    "resolve_as_of_task",
    "score_shard_task",
    "select_task",
    "step_clock",
    "tag_shard_task",
    "tag_step_task",
    "write_tags_task",
]


@task(name="find export files")
def find_exports_task(paths: list[str]) -> list[str]:
    return [str(p) for p in exports.export_files(paths)]


def _export_key(context: Any, parameters: dict[str, Any]) -> str:
    return exports.export_cache_key(parameters["path"], parameters.get("fmt"))


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
    return exports.load_export(Path(warehouse), batch).as_dict()


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
    return tagging.read_tag_shards(Path(warehouse), as_of, window_days, shards)


@task(name="tag the window's members", cache_policy=NO_CACHE)  # writes: never cached
def tag_step_task(
    warehouse: str, run_id: str, segment: str, as_of: date, window_days: int, segments_dir: str
) -> int:
    return tagging.tag_step(Path(warehouse), run_id, segment, as_of, window_days, Path(segments_dir))


@task(name="estimate the window's prior", cache_policy=NO_CACHE)
def prior_task(
    shards: list[pd.DataFrame], segment: str, segments_dir: str, probabilities: list[Any] | None = None
) -> float | None:
    return tagging.estimate_prior(shards, segment, Path(segments_dir), probabilities)


@task(name="write user tags", cache_policy=NO_CACHE)  # writes: never cached
def write_tags_task(warehouse: str, run_id: str, shard_tags: list[pd.DataFrame]) -> int:
    return tagging.write_tags(Path(warehouse), run_id, shard_tags)


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
    out = publish.report_step(
        Path(warehouse), run_id, segment, as_of, window_days, Settings.from_plain(settings)
    )
    return {k: str(v) for k, v in asdict(out).items()}


@task(name="publish run")
def publish_task(
    warehouse: str, run_id: str, segment: str, as_of: date, staged: dict[str, str], out_dir: str
) -> dict[str, str]:
    out = publish.publish_outputs(
        Path(warehouse),
        run_id,
        segment,
        as_of,
        publish.RunOutputs(**{k: Path(v) for k, v in staged.items()}),
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


def progress_line(name: str, seconds: float | None = None) -> str:
    """A step's status line on the terminal, in the analyst's language: begun, or done in
    ``seconds``.

    >>> progress_line("tag")
    '  … 找出目标人群（给帖子打标签）'
    >>> progress_line("report", 3.04)
    '  ✓ 生成报告 3.0 秒'
    """
    said = tr(STEP_NAMES[name]) if name in STEP_NAMES else name
    if seconds is None:
        return f"  … {said}"
    return "  ✓ " + tr("{step} {seconds} s").format(step=said, seconds=f"{seconds:,.1f}")


def step_clock(warehouse: str, run_id: str) -> Any:
    """``with step(name): …`` logs the step's start and its wall time when done, and keeps the
    time in the run record (``run_steps``, read by the report's method section). With
    ``TAJIAN_PROGRESS=1`` (the CLI's setting on a terminal, where Prefect's INFO log is not shown)
    each step is also a status line on stderr; with ``TAJIAN_PROGRESS=stdout`` (its setting in
    a log or a pipe) a line on stdout."""
    logger = get_run_logger()
    where = os.environ.get("TAJIAN_PROGRESS")
    out = sys.stderr if where == "1" else sys.stdout if where == "stdout" else None

    @contextmanager
    def step(name: str) -> Iterator[None]:
        logger.info("step %s: started", name)
        if out is not None:
            out.write(progress_line(name) + "\n")
            out.flush()
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        logger.info("step %s: done in %.1f s", name, seconds)
        if out is not None:
            out.write(progress_line(name, seconds) + "\n")
            out.flush()
        steps.record_step_time(Path(warehouse), run_id, name, seconds)

    return step


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
