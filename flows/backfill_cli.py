"""``tajian backfill``: one pipeline run per day of a range, here or on the Prefect server.

Example::

    tajian backfill --start 2026-11-01 --end 2026-11-15 --segment mothers
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.cli_errors import quiet_prefect as _quiet_prefect
from flows.cli_errors import user_errors as _user_errors
from flows.console import SEGMENT_HELP, DebugOption, LangOption
from flows.console import cli_settings as _settings
from flows.console import consoles as _c
from flows.console import parse_day as _parse_day
from flows.console import prefect_env as _prefect_env
from flows.messages import say, tr
from flows.run_cli import scale_out as _scale_out
from report.i18n import N_

__all__ = ["backfill"]


#: the help of ``tajian backfill`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "One pipeline run per day from START to END, in order. Days that already succeeded are skipped "
    "unless --rerun, so an interrupted backfill resumes where it stopped; a failed day is recorded "
    "with its error and the backfill goes on with the next day. With --submit the days run on the "
    "server's `tajian serve` process; submitting again finds the same flow runs."
)


def backfill(
    start: Annotated[str, typer.Option(help=N_("first day, YYYY-MM-DD"))],
    end: Annotated[str, typer.Option(help=N_("last day, YYYY-MM-DD"))],
    segment: Annotated[str, typer.Option(help=SEGMENT_HELP)] = "mothers",
    rerun: Annotated[
        bool,
        typer.Option(
            "--rerun", help=N_("run days that already succeeded again (their results are replaced)")
        ),
    ] = False,
    window_days: Annotated[int | None, typer.Option(help=N_("window length in days (default 30)"))] = None,
    k: Annotated[int | None, typer.Option(help=N_("number of seeds (default 100)"))] = None,
    seed: Annotated[int | None, typer.Option(help=N_("random seed (default 42)"))] = None,
    warehouse: Annotated[Path | None, typer.Option(help=N_("warehouse file"))] = None,
    out_dir: Annotated[Path | None, typer.Option(help=N_("where outputs go"))] = None,
    tag_shards: Annotated[
        int | None,
        typer.Option(
            help=N_(
                "tag the window's posts in this many user shards, one task each (default from settings: 1)"
            )
        ),
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "HOST:PORT of a running Dask scheduler: tag the shards on its workers (prefect-dask's DaskTaskRunner; default from settings: in this process)"
            )
        ),
    ] = None,
    submit: Annotated[
        bool,
        typer.Option(
            "--submit",
            help=N_(
                "submit one flow run per day to the Prefect server at PREFECT_API_URL (served by `tajian serve`), with idempotency keys, instead of running here"
            ),
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            help=N_(
                "when another run holds a day, wait up to this many seconds for it (default: that day fails at once)"
            )
        ),
    ] = 0.0,
    lang: LangOption = None,
    debug: DebugOption = False,
) -> None:
    """``tajian backfill``: see :data:`HELP`."""
    from flows.backfill import run_backfill, submit_backfill
    from flows.history import days_to_run

    settings = _settings(lang)
    first, last = _parse_day(start), _parse_day(end)
    if last < first:
        raise typer.BadParameter(
            tr("--end must not be before --start; got {start} to {end}").format(start=start, end=end)
        )
    if wait < 0:
        raise typer.BadParameter(tr("--wait must be 0 or more seconds; got {wait}").format(wait=wait))
    shards, address = _scale_out(settings, tag_shards, dask_address)
    target = warehouse or settings.warehouse
    with _user_errors("backfill", debug):
        todo = days_to_run(target, segment, first, last, rerun=rerun)
    total = (last - first).days + 1
    plan = tr("{segment}: {total} day(s) from {first} to {last}; {done} already done, {todo} to run.")
    _c.out.print(
        plan.format(
            segment=segment, total=total, first=first, last=last, done=total - len(todo), todo=len(todo)
        ),
        markup=False,
        highlight=False,
    )
    if not todo:
        return
    _prefect_env(debug)
    started = time.monotonic()
    with (
        _user_errors("backfill", debug),
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=_c.err,
        ) as progress,
    ):
        job = progress.add_task(tr("backfill"), total=len(todo))

        def on_day(day: date, state: str) -> None:
            if state == "running":
                progress.update(job, description=f"{segment} {day}")
            else:
                progress.advance(job)

        common = dict(
            warehouse=target,
            rerun=rerun,
            window_days=window_days or settings.window_days,
            k=k or settings.k,
            seed=settings.seed if seed is None else seed,
            on_day=on_day,
            tag_shards=shards,
        )
        if submit:
            if address:
                raise typer.BadParameter(
                    tr(
                        "--submit sends the days to `tajian serve`, whose own settings choose its "
                        "task runner; drop --dask-address"
                    )
                )
            from flows.serve import ServerNotReadyError

            try:
                result = submit_backfill(segment, first, last, out_dir=out_dir or settings.out_dir, **common)
            except ServerNotReadyError as exc:
                _c.err.print(
                    tr("error: {why}").format(why=exc), soft_wrap=True, markup=False, highlight=False
                )
                raise typer.Exit(2) from None
        else:
            import flows.pipeline  # noqa: F401  (Prefect's log handlers, to quiet them)

            _quiet_prefect(debug)
            result = run_backfill(
                segment,
                first,
                last,
                out_dir=out_dir,
                dask_address=address or None,
                lease_wait_s=wait,
                **common,
            )
    summary = tr("{done} day(s) done, {failed} failed, in {seconds:.0f} s.")
    _c.out.print(
        summary.format(done=len(result.done), failed=len(result.failed), seconds=time.monotonic() - started),
        markup=False,
        highlight=False,
    )
    for day, why in result.failed:
        _c.err.print(
            say("day_failed", segment=segment, day=day, why=why),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if result.failed:
        raise typer.Exit(1)
