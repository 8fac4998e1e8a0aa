"""The Prefect flow: ingest → tag → select → report → publish, one thin task per step.

Each task calls one function of :mod:`flows.steps`; steps talk through the warehouse, so any
step can be re-run alone. A run is keyed by ``(segment, as_of, window_days)``; re-running a day
replaces that day's tags, seeds and output folder when the new run succeeds.

Example (runs the whole pipeline; needs a warehouse with posts)::

    from flows.pipeline import pipeline
    result = pipeline(segment="mothers", as_of="2026-11-15")
    print(result["report"])
"""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from flows import steps
from flows.settings import Settings, load_settings

__all__ = ["pipeline"]


@task(name="ingest exports", retries=2, retry_delay_seconds=2)
def ingest_task(warehouse: str, paths: list[str]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in steps.ingest_paths(Path(warehouse), paths)]


@task(name="resolve as-of date")
def resolve_as_of_task(warehouse: str, as_of: date | None) -> date:
    return steps.resolve_as_of(Path(warehouse), as_of)


@task(name="begin run")
def begin_run_task(warehouse: str, segment: str, as_of: date, window_days: int,
                   params: dict[str, Any]) -> str:
    return steps.begin_run(Path(warehouse), flow="pipeline", segment=segment, as_of=as_of,
                           window_days=window_days, params=params)


@task(name="tag segment members")
def tag_task(warehouse: str, run_id: str, segment: str, as_of: date, window_days: int,
             segments_dir: str) -> int:
    return steps.tag_step(Path(warehouse), run_id, segment, as_of, window_days, Path(segments_dir))


@task(name="select amplifiers")
def select_task(warehouse: str, run_id: str, segment: str, as_of: date, window_days: int,
                settings: dict[str, Any]) -> dict[str, Any]:
    return steps.select_step(Path(warehouse), run_id, segment, as_of, window_days,
                             Settings.from_plain(settings))


@task(name="write report and seed list")
def report_task(warehouse: str, run_id: str, segment: str, as_of: date, window_days: int,
                settings: dict[str, Any]) -> dict[str, str]:
    out = steps.report_step(Path(warehouse), run_id, segment, as_of, window_days,
                            Settings.from_plain(settings))
    return {k: str(v) for k, v in asdict(out).items()}


@task(name="publish run")
def publish_task(warehouse: str, run_id: str, segment: str, as_of: date,
                 staged: dict[str, str], out_dir: str) -> dict[str, str]:
    out = steps.publish_outputs(Path(warehouse), run_id, segment, as_of,
                                steps.RunOutputs(**{k: Path(v) for k, v in staged.items()}),
                                Path(out_dir))
    return {k: str(v) for k, v in asdict(out).items()}


@task(name="publish report artifacts")
def report_artifacts_task(final: dict[str, str], segment: str, as_of: date) -> None:
    """The run's summary (markdown, with a link to the report) and seed table in the Prefect UI."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from report.summary import artifact_key, run_summary

    markdown, rows = run_summary(final["seeds_json"], final["report"])
    create_markdown_artifact(markdown=markdown, key=artifact_key("tajian", segment, "report"),
                             description=f"Tajian {segment} report, as of {as_of.isoformat()}")
    create_table_artifact(table=rows, key=artifact_key("tajian", segment, "seeds"),
                          description=f"Tajian {segment} seed list, as of {as_of.isoformat()}")


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
) -> dict[str, Any]:
    """Run the pipeline for one segment and one day's window; returns the output paths.

    ``ingest`` loads export files or folders first. Settings not given here come from
    ``tajian.toml`` and ``TAJIAN_*`` variables (flows/settings.py).
    """
    logger = get_run_logger()
    settings = load_settings().replace(
        segment=segment, window_days=window_days, k=k, seed=seed, method=method,
        warehouse=Path(warehouse) if warehouse else None,
        out_dir=Path(out_dir) if out_dir else None,
    )
    wh = str(settings.warehouse)
    loads: list[dict[str, Any]] = []
    if ingest:
        loads = ingest_task(wh, list(ingest))
        for r in loads:
            logger.info(
                "loaded %s: %d rows read, %d loaded, %d duplicates, %d quarantined",
                r["source"], r["rows_read"], r["loaded"], r["duplicates"], r["quarantined"],
            )
    day = resolve_as_of_task(wh, as_of)
    plain = settings.to_plain()
    params = {k_: v for k_, v in plain.items() if k_ not in ("warehouse", "out_dir", "data_dir",
                                                            "samples_dir")}
    run_id = begin_run_task(wh, segment, day, window_days, params)
    try:
        n_members = tag_task(wh, run_id, segment, day, window_days, str(settings.segments_dir))
        logger.info("%d %s tagged in the %d days ending %s", n_members, segment, window_days, day)
        selection = select_task(wh, run_id, segment, day, window_days, plain)
        logger.info(
            "%d seeds selected; expected reach %.1f of %d members",
            len(selection["seeds"]), selection["expected_reach"], selection["n_targets"],
        )
        staged = report_task(wh, run_id, segment, day, window_days, plain)
        final = publish_task(wh, run_id, segment, day, staged, str(settings.out_dir))
        report_artifacts_task(final, segment, day)
    except BaseException as exc:
        steps.mark_run_failed(Path(wh), run_id, f"{type(exc).__name__}: {exc}")
        raise
    return {
        "run_id": run_id,
        "segment": segment,
        "as_of": day.isoformat(),
        "n_members": n_members,
        "n_seeds": len(selection["seeds"]),
        "expected_reach": selection["expected_reach"],
        "loads": loads,
        **final,
    }
