"""The pieces the Prefect flows of :mod:`flows.pipeline` are made of that are not tasks: a run's
settings, what a run logs (loads, lease waits, the selection, the inbox), the clean-up of a
failed run and the error of a failed daily run.

Example::

    settings = run_settings("mothers", {"k": 50, "warehouse": None, ...}, filters=None)
"""

# No ``from __future__ import annotations`` (as in flows/pipeline.py): served flows are
# cloudpickled into the run's process.
from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger

from flows import publish
from flows.messages import fewer_seeds_note, rule_warnings
from flows.settings import Settings, load_settings
from flows.tasks import report_artifacts_task

__all__ = [
    "DAILY_KEYS",
    "NOT_PARAMS",
    "clean_up",
    "daily_failed",
    "daily_settings",
    "lease_messages",
    "log_inbox",
    "log_loads",
    "log_selection",
    "publish_artifacts",
    "run_settings",
]

#: what the daily run reports of each segment's run
DAILY_KEYS = ("run_id", "n_members", "n_seeds", "expected_reach", "report", "seeds_csv")


def run_settings(segment: str, given: dict[str, Any], filters: dict[str, Any] | None) -> Settings:
    """The configured settings with this run's values (None: not given) and seed filters."""
    paths = {k_: Path(given[k_]) if given[k_] else None for k_ in ("warehouse", "out_dir")}
    settings = load_settings().replace(
        segment=segment, **{k_: v for k_, v in given.items() if k_ != "probability"} | paths
    )
    if (
        given["probability"] is not None
    ):  # the spread model (wc, uniform:P or learned), checked like the setting
        settings = settings.replace(probability=given["probability"])
    if filters:  # the seed filters of `tajian run --min-followers …`
        settings = settings.replace(**{k_: tuple(v) if k_ == "regions" else v for k_, v in filters.items()})
    if settings.tag_shards < 1:
        raise ValueError(f"tag_shards must be at least 1; got {settings.tag_shards}")
    return settings


def log_loads(loads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in loads:
        get_run_logger().info(
            "loaded %s: %d rows read, %d loaded, %d duplicates, %d quarantined%s",
            r["source"],
            r["rows_read"],
            r["loaded"],
            r["duplicates"],
            r["quarantined"],
            " (parse from cache)" if r["parse_cached"] else "",
        )
    return loads


def lease_messages(segment: str, day: date, wait_s: float) -> tuple[Any, Any]:
    """What the run says while it waits for its day's lease, and when it takes one over."""
    logger = get_run_logger()

    def on_wait(holder: dict[str, Any]) -> None:
        logger.warning(
            "%s %s is held by run %s (pid %s); waiting up to %.0f s",
            *(segment, day, holder.get("run_id"), holder.get("pid"), wait_s),
        )

    def on_recover(previous: dict[str, Any], done: list[str]) -> None:
        logger.warning(
            "took over %s %s from run %s (pid %s, no longer running): %s",
            *(
                segment,
                day,
                previous.get("run_id"),
                previous.get("pid"),
                "; ".join(done) or "nothing to undo",
            ),
        )

    return on_wait, on_recover


#: where and how a run ran is not a parameter of its result
NOT_PARAMS = ("warehouse", "out_dir", "data_dir", "samples_dir", "tag_shards", "dask_address")


def log_selection(selection: dict[str, Any]) -> list[str]:
    """Log the selection's figures and its rule warnings; returns the warnings."""
    logger = get_run_logger()
    logger.info(
        "%d seeds selected; expected reach %.1f of %d members",
        *(len(selection["seeds"]), selection["expected_reach"], selection["n_targets"]),
    )
    warnings = rule_warnings(selection.get("rule_checks"))
    fewer = fewer_seeds_note(selection)
    if fewer is not None:
        warnings.append(fewer)
    for line in warnings:
        logger.warning("%s", line)
    return warnings


def clean_up(wh: str, run_id: str, segment: str, day: date, exc: BaseException) -> None:
    if not publish.mark_run_failed(Path(wh), run_id, f"{type(exc).__name__}: {exc}", segment, day):
        get_run_logger().warning(
            "run %s failed and could not be cleaned up now; the next run of %s %s will", run_id, segment, day
        )


def publish_artifacts(final: dict[str, str], run_id: str, segment: str, day: date) -> None:
    try:  # the run is published: the UI's summary is a nicety, never a reason to fail it
        report_artifacts_task(final, segment, day)
    except Exception as exc:
        get_run_logger().warning("run %s is published, but its Prefect artifacts were not: %s", run_id, exc)


def daily_settings(
    window_days: int | None,
    k: int | None,
    seed: int | None,
    inbox: str | None,
    warehouse: str | None,
    out_dir: str | None,
) -> Settings:
    """The configured settings with the daily run's values (None: not given)."""
    return load_settings().replace(
        window_days=window_days,
        k=k,
        seed=seed,
        inbox=Path(inbox) if inbox else None,
        warehouse=Path(warehouse) if warehouse else None,
        out_dir=Path(out_dir) if out_dir else None,
    )


def log_inbox(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    logger = get_run_logger()
    for f in files:
        if f["status"] == "failed":
            logger.warning("inbox: %s failed, moved to %s: %s", f["source"], f["moved_to"], f["reason"])
        else:
            logger.info("inbox: %s %s, moved to %s", f["source"], f["status"], f["moved_to"])
    return files


def daily_failed(day: date, failed: dict[str, str]) -> RuntimeError:
    """The error of a daily run some of whose segments failed, naming them."""
    return RuntimeError(
        f"daily run for {day}: {len(failed)} segment(s) failed: "
        + "; ".join(f"{s}: {why}" for s, why in failed.items())
        + ". See `tajian runs` for the partition grid; re-run a day with `tajian backfill "
        "--segment S --start D --end D --rerun`"
    )
