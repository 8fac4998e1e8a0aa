"""``tajian run``: one pipeline run over the warehouse, its inputs checked before Prefect starts.

Example::

    tajian run --segment mothers --as-of 2026-11-15
"""

from __future__ import annotations

import re
import time
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_errors import quiet_prefect as _quiet_prefect
from flows.cli_errors import user_errors as _user_errors
from flows.console import SEGMENT_HELP, DebugOption, LangOption
from flows.console import cli_settings as _settings
from flows.console import consoles as _c
from flows.console import parse_day as _parse_day
from flows.console import people as _people
from flows.console import prefect_env as _prefect_env
from flows.console import print_outputs as _print_outputs
from flows.errors import EXIT_USAGE
from flows.messages import current_lang, say, tr
from flows.run_checks import check_run_inputs as _check_run_inputs
from flows.run_checks import seed_filters as _seed_filters
from flows.run_checks import told_recovered as _told_recovered
from flows.run_checks import told_waiting as _told_waiting
from report.i18n import N_

__all__ = ["run", "scale_out"]


def scale_out(settings, tag_shards: int | None, dask_address: str | None) -> tuple[int, str]:
    """The tag shards and Dask scheduler address of a run (options over settings), checked:
    a scheduler must answer at the address."""
    shards = settings.tag_shards if tag_shards is None else tag_shards
    if shards < 1:
        raise typer.BadParameter(tr("--tag-shards must be at least 1; got {n}").format(n=shards))
    address = (settings.dask_address if dask_address is None else dask_address).strip()
    if address:
        _prefect_env()  # before Prefect is first imported
        from flows.run_checks import check_dask_address

        try:
            check_dask_address(address)
        except ValueError as exc:
            _c.err.print(tr("error: {why}").format(why=exc), soft_wrap=True, markup=False, highlight=False)
            raise typer.Exit(2) from None
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            alone = tr(
                "no PREFECT_API_URL, so each Dask worker starts its own temporary Prefect server for "
                "its first task (5–16 s, once per worker process); point both at a `prefect server` "
                "to avoid it"
            )
            _c.err.print(say("note", detail=alone), soft_wrap=True, markup=False, highlight=False)
    return shards, address


def _segment_note(segment: str, segments_dir: Path) -> None:
    """Say when the segment is a draft or has no model yet (scored by its rules), before a run."""
    from nlp.segment_status import segment_status
    from report.segment_text import segment_notes

    with suppress(Exception):  # a broken segment file is reported by the run itself
        for note in segment_notes(segment_status(segment, segments_dir), current_lang()):
            _c.err.print(say("note", detail=note), markup=False, highlight=False, soft_wrap=True)


#: the help of ``tajian run`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "One pipeline run over the warehouse: tag → graph → select → report, written to "
    "out/<segment>/<as_of>/ (report.html, seeds.csv, seeds.json). One run of a segment and day at a "
    "time: a second one refuses (or waits, --wait); a failed run leaves nothing behind."
)


def run(
    segment: Annotated[str, typer.Option(help=SEGMENT_HELP)] = "mothers",
    as_of: Annotated[
        str | None, typer.Option(help=N_("last day of the window, YYYY-MM-DD (default: newest post date)"))
    ] = None,
    window_days: Annotated[int | None, typer.Option(help=N_("window length in days (default 30)"))] = None,
    k: Annotated[int | None, typer.Option(help=N_("number of seeds (default 100)"))] = None,
    seed: Annotated[int | None, typer.Option(help=N_("random seed (default 42)"))] = None,
    method: Annotated[
        str | None, typer.Option(help=N_("ris (default) | pagerank | degree | followers"))
    ] = None,
    probability: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "spread model: wc (default), uniform:P, or learned (from the warehouse's repost "
                "history; see `tajian backtest`)"
            )
        ),
    ] = None,
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
    wait: Annotated[
        float,
        typer.Option(
            help=N_(
                "when another run of the same segment and day is in progress, wait up to this many seconds for it (default: refuse at once)"
            )
        ),
    ] = 0.0,
    min_followers: Annotated[
        int | None,
        typer.Option(
            help=N_(
                "lowest follower count: only people with at least N followers (people whose count is unknown are left out; the report counts them as unknown)"
            )
        ),
    ] = None,
    max_followers: Annotated[
        int | None,
        typer.Option(
            help=N_(
                "highest follower count: only people with at most N followers (people whose count is unknown are left out and counted as unknown)"
            )
        ),
    ] = None,
    min_engagement: Annotated[
        float | None,
        typer.Option(
            help=N_(
                "lowest engagement rate: (reposts + comments + likes) per original post ÷ followers, e.g. 0.02 = 2% (people it cannot be computed for are left out and counted as unknown)"
            )
        ),
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            metavar=N_("REGION"),
            help=N_(
                "region: a province or city, e.g. 广东, 上海, 杭州; repeat for several (people whose region is unknown are left out and counted as unknown)"
            ),
        ),
    ] = None,
    gender: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "gender: f (female) or m (male) (people whose gender is unknown are left out and counted as unknown)"
            )
        ),
    ] = None,
    exclude_verified: Annotated[
        bool | None,
        typer.Option(
            help=N_("leave out every verified account (orange V and blue V), not only organisations")
        ),
    ] = None,
    lang: LangOption = None,
    debug: DebugOption = False,
) -> None:
    """``tajian run``: see :data:`HELP`."""
    settings = _settings(lang)
    day = _parse_day(as_of)
    if method is not None and method not in ("ris", "pagerank", "degree", "followers"):
        raise typer.BadParameter(
            tr("method must be ris, pagerank, degree or followers; got {value}").format(value=repr(method))
        )
    if probability is not None and not re.fullmatch(
        r"wc|learned|uniform:(?:0?\.\d+|1(?:\.0*)?)", probability
    ):
        raise typer.BadParameter(
            tr("probability must be wc, uniform:P (0 < P <= 1) or learned; got {value}").format(
                value=repr(probability)
            )
        )
    if k is not None and k < 1:
        raise typer.BadParameter(tr("k must be at least 1; got {k}").format(k=k))
    if window_days is not None and window_days < 1:
        raise typer.BadParameter(tr("window-days must be at least 1; got {n}").format(n=window_days))
    if wait < 0:
        raise typer.BadParameter(tr("--wait must be 0 or more seconds; got {wait}").format(wait=wait))
    filters = _seed_filters(min_followers, max_followers, min_engagement, region, gender, exclude_verified)
    segments = settings.segments_dir
    if not (segments / f"{segment}.toml").is_file():
        names = sorted(p.stem for p in segments.glob("*.toml"))
        missing = tr("no segment {segment}; expected one of {names} (files in {folder})").format(
            segment=repr(segment), names=", ".join(names), folder=segments
        )
        _c.err.print(tr("error: {why}").format(why=missing), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    _prefect_env(debug)
    _segment_note(segment, settings.segments_dir)
    shards, address = scale_out(settings, tag_shards, dask_address)
    target = warehouse or settings.warehouse
    days = window_days or settings.window_days
    started = time.monotonic()
    with _user_errors("run", debug):
        from store.leases import LeaseHeldError, run_lease

        day = _check_run_inputs(settings, segment, day, days, target)
        # the day's lease is taken here, before Prefect starts, and held to the end of the run;
        # when another run holds it, refuse, or (--wait) start Prefect meanwhile and let the
        # flow wait for it
        lease, lease_wait = ExitStack(), 0.0
        try:
            lease.enter_context(run_lease(target, segment, day, on_recover=_told_recovered(segment, day)))
        except LeaseHeldError as exc:
            if wait <= 0:
                raise
            _told_waiting(segment, day, wait)(exc.holder)
            lease_wait = wait
        with lease:
            from flows.limits import warehouse_slot
            from flows.pipeline import pipeline_on

            _quiet_prefect(debug)
            with warehouse_slot(segment):  # against a server: never while a served run writes
                result = pipeline_on(address, shards)(
                    segment=segment,
                    as_of=day,
                    window_days=days,
                    k=k or settings.k,
                    seed=settings.seed if seed is None else seed,
                    method=method or settings.method,
                    warehouse=str(target),
                    out_dir=str(out_dir) if out_dir else None,
                    tag_shards=shards,
                    lease_wait_s=lease_wait,
                    probability=probability,
                    filters=filters,
                    lang=settings.lang,
                )
    _print_outputs(result, time.monotonic() - started, _people(settings, result["segment"]))
