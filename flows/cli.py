"""The ``tajian`` command line.

Only ``demo``, ``run``, ``backfill`` and ``serve`` (flows, a server) import Prefect; the others start fast.

Example::

    tajian demo
    tajian ingest exports/ --warehouse data/warehouse.duckdb
    tajian run --segment mothers --as-of 2026-11-15
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.messages import EXIT_USAGE, FILTER_HELP, UserError, explain, say, use_lang
from flows.settings import SettingsError, load_settings

__all__ = ["app"]

app = typer.Typer(
    name="tajian",
    help=(
        "塔尖 Tajian: find the ordinary people whose word of mouth reaches a target audience "
        "best. Load Weibo exports into a DuckDB warehouse, tag a segment (e.g. mothers) by "
        "language, map who spreads whose posts, and pick the top amplifiers; each run writes a "
        "seed list (CSV/JSON) and a self-contained HTML report under out/<segment>/<as_of>/."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("tajian")
        except PackageNotFoundError:  # running from a source tree
            number = "dev"
        print(f"tajian {number}")
        raise typer.Exit(0)


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="print the version and exit"),
    ] = False,
) -> None:
    """塔尖 Tajian: find the ordinary people whose word of mouth reaches a target audience best."""


class _Consoles:
    """Consoles made when first used, so they see the terminal width of the moment."""

    @property
    def out(self) -> Console:
        # wide enough for the load table when the output is a pipe or a log file
        return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 120)

    @property
    def err(self) -> Console:
        return Console(stderr=True, soft_wrap=True)


_c = _Consoles()

#: the warehouse of the shipped sample (`tajian demo`, `make run`): never the user's own
SAMPLE_WAREHOUSE = Path("data/sample.duckdb")


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD; got {value!r}") from None


def _settings(lang: str | None = None):
    """The settings, with ``--lang`` (when given) over the ``lang`` setting; messages from here
    on speak that language."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        _c.err.print(f"[red]settings error:[/red] {exc}")
        raise typer.Exit(2) from None
    if lang is not None and lang not in ("zh", "en"):
        raise typer.BadParameter(f"--lang must be zh (中文) or en (English); got {lang!r}")
    settings = settings.replace(lang=lang)
    use_lang(settings.lang)
    return settings


LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="language of the report, the seed-list files and the messages: zh (中文, default) or en "
        "(default from the lang setting / TAJIAN_LANG)",
    ),
]


def _prefect_env(debug: bool = False) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if _c.err.is_terminal:  # a status line per pipeline step (flows/pipeline.py _step_clock)
        os.environ.setdefault("TAJIAN_PROGRESS", "1")
    # the temporary server of a run without PREFECT_API_URL: give a busy machine time to start it
    # (Prefect's 20 s failed on a loaded 2-core box), and keep its log (a traceback when it is
    # stopped while starting) off the screen unless --debug
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not debug:
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


DebugOption = Annotated[
    bool,
    typer.Option(
        "--debug",
        help="on an error, print the full traceback and Prefect's log here instead of to a log file",
    ),
]


class _Recent(logging.Handler):
    """The last log records of this command (WARNING and up), for the log file of an error."""

    def __init__(self, keep: int = 2000) -> None:
        super().__init__(logging.WARNING)
        self.lines: deque[str] = deque(maxlen=keep)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        with suppress(Exception):  # a record that cannot be formatted is not worth an error
            self.lines.append(self.format(record))


class _NoErrors(logging.Filter):
    """Keeps errors (Prefect's failed task and flow runs, with tracebacks) off the screen: the
    command prints one line for them and writes the rest to its log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


def _quiet_prefect(debug: bool) -> None:
    """Unless ``debug``, Prefect's console handlers stop printing errors (call after Prefect
    is imported: it installs its handlers then)."""
    if debug:
        return
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler" and not any(
            isinstance(f, _NoErrors) for f in handler.filters
        ):
            handler.addFilter(_NoErrors())


def _write_log(what: str, exc: BaseException, recent: _Recent) -> tuple[Path | None, str]:
    """Write the traceback and the recent log to a new log file; returns it (or None and why not)."""
    folder = Path(tempfile.gettempdir()) / "tajian"
    path = folder / f"{what}-{datetime.now().strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    text = (
        f"tajian {' '.join(sys.argv[1:])}\n\n--- log ---\n"
        + "\n".join(recent.lines)
        + "\n\n--- traceback ---\n"
        + "".join(traceback.format_exception(exc))
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        return None, f"{folder}: {err.strerror or err}"
    return path, ""


@contextmanager
def _user_errors(what: str, debug: bool) -> Iterator[None]:
    """Turn any error of the block into one line on stderr (:func:`flows.messages.explain`)
    and its exit code; the traceback goes to a log file named in the line, or (``debug``) to
    the screen. Typer's own usage errors and exits pass through."""
    recent = _Recent()
    root = logging.getLogger()
    root.addHandler(recent)
    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.ClickException):
        raise
    except (Exception, KeyboardInterrupt) as exc:
        line, code, wants_log = explain(exc, what=f"tajian {what}")
        if isinstance(exc, KeyboardInterrupt):
            line, code, wants_log = say("interrupted"), 130, False
        if debug:
            traceback.print_exception(exc, file=sys.stderr)
        elif wants_log:
            log, why = _write_log(what, exc, recent)
            line = say("see_log", line=line, log=log) if log else say("no_log", line=line, why=why)
        _c.err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code) from None
    finally:
        root.removeHandler(recent)


def _check_run_inputs(settings, segment: str, day: date | None, window_days: int, warehouse: Path) -> date:
    """What a run needs, checked before Prefect starts (each failure is one clear line): a
    valid segment file, a warehouse that exists and is a DuckDB database, and posts in the
    window. Returns the run's day (the newest post's date by default)."""
    from nlp.segments import load_segment
    from store.warehouse import open_warehouse, post_date_span, window_bounds

    load_segment(segment, settings.segments_dir)
    if not Path(warehouse).exists():
        raise UserError(say("warehouse_missing", path=warehouse))
    con = open_warehouse(warehouse, read_only=True)
    try:
        span = post_date_span(con)
    finally:
        con.close()
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


def _scale_out(settings, tag_shards: int | None, dask_address: str | None) -> tuple[int, str]:
    """The tag shards and Dask scheduler address of a run (options over settings), checked:
    a scheduler must answer at the address."""
    shards = settings.tag_shards if tag_shards is None else tag_shards
    if shards < 1:
        raise typer.BadParameter(f"--tag-shards must be at least 1; got {shards}")
    address = (settings.dask_address if dask_address is None else dask_address).strip()
    if address:
        _prefect_env()  # before Prefect is first imported
        from flows.pipeline import check_dask_address

        try:
            check_dask_address(address)
        except ValueError as exc:
            _c.err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(2) from None
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            _c.err.print(
                "note: no PREFECT_API_URL, so each Dask worker starts its own temporary "
                "Prefect server for its first task (5–16 s, once per worker process); "
                "point both at a `prefect server` to avoid it",
                soft_wrap=True,
            )
    return shards, address


def _people(settings, segment: str) -> str:
    """The segment's people in the analyst's language (妈妈 / mothers), or its name."""
    from nlp.segments import load_segment

    try:
        return load_segment(segment, settings.segments_dir).called(settings.lang)
    except (OSError, ValueError):
        return segment


def _print_outputs(result: dict, elapsed: float, people: str = "") -> None:
    done = say(
        "run_done",
        people=people or result["segment"],
        as_of=result["as_of"],
        n_seeds=f"{result['n_seeds']:,}",
        n_members=f"{result['n_members']:,}",
        reach=f"{result['expected_reach']:,.0f}",
        elapsed=f"{elapsed:.0f}",
    )
    _c.out.print("\n" + done, markup=False, highlight=False, soft_wrap=True)
    _c.out.print(say("out_report", path=Path(result["report"]).resolve()), soft_wrap=True)
    _c.out.print(say("out_seeds", path=Path(result["seeds_csv"]).resolve()), soft_wrap=True)
    for extra in ("seeds_xlsx", "seeds_json", "circles_gexf"):
        if result.get(extra):
            _c.out.print(f"           {Path(result[extra]).resolve()}", soft_wrap=True)
    for line in result.get("warnings") or ():  # a rule the data could not apply (issue 19)
        _c.err.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command()
def demo(
    warehouse: Annotated[
        Path,
        typer.Option(help="warehouse file of the sample, never your own data's (default data/sample.duckdb)"),
    ] = SAMPLE_WAREHOUSE,
    out_dir: Annotated[Path | None, typer.Option(help="where outputs go (default out/)")] = None,
    seed: Annotated[int, typer.Option(help="random seed of the selection")] = 42,
    lang: LangOption = None,
    debug: DebugOption = False,
) -> None:
    """Load the shipped synthetic sample, run the mothers pipeline, print where the outputs are.

    This is what `make run` calls. The sample is synthetic (data/samples/), and the report says so.
    It goes into its own warehouse (data/sample.duckdb), never into the one `tajian ingest` and
    `tajian run` use for your exports (data/warehouse.duckdb).
    """
    settings = _settings(lang)
    sample = settings.samples_dir / "weibo_api"
    if not sample.is_dir():
        _c.err.print(f"[red]error:[/red] the sample data is missing: {sample} (reinstall the project)")
        raise typer.Exit(1)
    _prefect_env(debug)
    started = time.monotonic()
    _c.out.print(say("demo_loading", path=sample), soft_wrap=True)
    with _user_errors("demo", debug):
        from flows.pipeline import pipeline

        _quiet_prefect(debug)
        result = pipeline(
            segment="mothers",
            seed=seed,
            ingest=[str(sample)],
            warehouse=str(warehouse),
            out_dir=str(out_dir) if out_dir else None,
            lang=settings.lang,
        )
    _print_loads(result["loads"])
    _print_outputs(result, time.monotonic() - started, _people(settings, result["segment"]))


def _print_loads(loads: list[dict]) -> None:
    """The table of what each file loaded, then one line per note (what a load changed without
    quarantining a row)."""
    if not loads:
        return
    table = Table(title="exports loaded", caption=say("pending_caption"), caption_justify="left")
    formats = any(r.get("format") for r in loads)
    timed = all("seconds" in r for r in loads)
    cols = ["file", *(["format"] if formats else []), "read", "loaded", "updated", "duplicates"]
    for col in (*cols, "quarantined", "interactions", "pending", *(["seconds"] if timed else [])):
        table.add_column(col, justify="left" if col in ("file", "format") else "right")
    for r in loads:
        table.add_row(
            Path(r["source"]).name,
            *([r.get("format") or "?"] if formats else []),
            f"{r['rows_read']:,}",
            f"{r['loaded']:,}",
            f"{r['updated']:,}",
            f"{r['duplicates']:,}",
            f"{r['quarantined']:,}",
            f"{r['interactions_added']:,}",
            f"{r['interactions_pending']:,}",
            *([f"{r['seconds']:.1f}"] if timed else []),
        )
    _c.out.print(table)
    for r in loads:
        for note in r.get("notes", ()):
            _c.err.print(say("note", detail=note), markup=False, highlight=False)
    for r in loads:
        _print_reasons(r)


def _print_reasons(load: dict) -> None:
    """A file's commonest quarantine reasons with their counts, and the fix for ids Excel mangled."""
    reasons = load.get("top_reasons") or ()
    if not reasons:
        return
    query = "SELECT * FROM quarantine WHERE source = '" + str(load["source"]).replace("'", "''") + "'"
    lines = [say("quarantine_head", file=Path(load["source"]).name, n=load["quarantined"], query=query)]
    lines += [say("quarantine_reason", n=n, reason=why) for n, why in reasons]
    if any(re.search(r"\d\.\d+E\+\d+", why, re.IGNORECASE) for _, why in reasons):
        lines.append(say("excel_ids"))
    for line in lines:
        _c.err.print(line, markup=False, highlight=False, soft_wrap=True)


def _detected_format(path: Path) -> str | None:
    """The format :func:`store.readers.detect_format` tells from the file, None when none fits."""
    from store.readers import UnknownFormatError, detect_format

    try:
        return detect_format(path)
    except (UnknownFormatError, OSError):
        return None


def _loaded_nothing(report: dict) -> str | None:
    """Why a file gave no row at all (none loaded, none a duplicate), or None when it gave some."""
    if report["loaded"] or report["duplicates"]:
        return None
    if not report["rows_read"]:
        return f"{report['source']}: the file holds no rows"
    reasons = report.get("reasons") or ("every row was quarantined",)
    more = report["quarantined"] - 1
    tail = f" (and {more:,} more quarantined row(s): SELECT * FROM quarantine)" if more > 0 else ""
    return " ".join(str(reasons[0]).split()) + tail


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="export files or folders (searched recursively)")],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=(
                "export format, detected from each file when omitted: weibo-crawler, weibo-search, "
                "mediacrawler, weibo-api or ced (see README: Supported exports)"
            ),
        ),
    ] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="warehouse file (default data/warehouse.duckdb)")
    ] = None,
    lang: LangOption = None,
    debug: DebugOption = False,
) -> None:
    """Load exports into the warehouse: a table of rows read / loaded / updated / duplicates /
    quarantined per file. Loading the same file twice adds nothing.

    Exits non-zero (saying why, one line each) when a file named on the command line gives no
    row at all (empty, not an export, unreadable), or when nothing at all could be loaded; a
    file found in a folder that gives nothing is named on a line of its own."""
    from store.quality import quarantine_summary, sample_sources
    from store.readers import find_export_files
    from store.stream import load_exports
    from store.warehouse import open_warehouse

    settings = _settings(lang)
    target = warehouse or settings.warehouse
    started = time.monotonic()
    with _user_errors("ingest", debug):
        files = find_export_files(paths)
        if not files:
            raise ValueError(
                f"no export files in {', '.join(map(str, paths))}; expected .csv, .json or .jsonl "
                "files (or their .gz)"
            )
        named = {p.resolve() for p in paths if not p.is_dir()}
        reports, failed = [], []
        con = open_warehouse(target)
        try:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=_c.err,
                transient=True,
                disable=not _c.err.is_terminal,  # no bar (nor its blank line) in a log or a pipe
            ) as progress:
                job = progress.add_task("loading", total=len(files))
                # the next file is read while this one loads; a large one is loaded in parts
                since = time.monotonic()
                for f, outcome in load_exports(con, files, format):
                    progress.update(job, description=f"loaded {f.name}")
                    if isinstance(outcome, Exception):  # this file cannot be read: the others still load
                        failed.append((f, " ".join(f"{f}: {outcome}".split())))
                    else:  # read (overlapping the previous load) + load, as the user waits for it
                        report = outcome.as_dict()
                        report["seconds"] = time.monotonic() - since
                        report["format"] = format or _detected_format(f)
                        if report["quarantined"]:
                            report["top_reasons"] = quarantine_summary(con, report["source"])
                        reports.append(report)
                        why = _loaded_nothing(report)
                        if why is not None:
                            failed.append((f, why))
                    since = time.monotonic()
                    progress.advance(job)
            samples = sample_sources(con, settings.samples_dir)
        finally:
            con.close()
        _print_loads(reports)
        rows, spent = sum(r["rows_read"] for r in reports), time.monotonic() - started
        _c.out.print(
            f"ingest: {len(files):,} file(s), {rows:,} rows in {spent:.1f} s "
            f"({rows / max(spent, 1e-9):,.0f} rows/s, {len(files) / max(spent, 1e-9):,.1f} files/s)"
        )
        _c.out.print(f"warehouse: {target}")
        if samples and len(samples) < len({*samples, *(r["source"] for r in reports)}):
            warning = say(
                "sample_in_warehouse",
                path=target,
                files=", ".join(Path(s).name for s in samples),
                sample=SAMPLE_WAREHOUSE,
            )
            _c.err.print(warning, markup=False, highlight=False, soft_wrap=True)
        for f, why in failed:
            what = "error" if f.resolve() in named else "nothing loaded"
            _c.err.print(say("as_is", detail=f"{what}: {why}"), markup=False, highlight=False, soft_wrap=True)
        if any(f.resolve() in named for f, _ in failed) or len(failed) == len(files):
            raise typer.Exit(1)


def _segment_note(segment: str, segments_dir: Path) -> None:
    """Say when the segment is a draft or has no model yet (scored by its rules), before a run."""
    from nlp.segment_status import segment_status

    with suppress(Exception):  # a broken segment file is reported by the run itself
        note = segment_status(segment, segments_dir)["note"]
        if note:
            _c.err.print(f"[yellow]注意 (note):[/yellow] {note}")


def _drafts() -> str:
    from nlp.segment_status import draft_segments

    with suppress(Exception):
        names = draft_segments()
        return f"; drafts, not yet measured on real posts: {', '.join(names)}" if names else ""
    return ""


@app.command()
def run(
    segment: Annotated[
        str, typer.Option(help="segment name (a file data/segments/<name>.toml)" + _drafts())
    ] = "mothers",
    as_of: Annotated[
        str | None, typer.Option(help="last day of the window, YYYY-MM-DD (default: newest post date)")
    ] = None,
    window_days: Annotated[int | None, typer.Option(help="window length in days (default 30)")] = None,
    k: Annotated[int | None, typer.Option(help="number of seeds (default 100)")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (default 42)")] = None,
    method: Annotated[str | None, typer.Option(help="ris (default) | pagerank | degree | followers")] = None,
    probability: Annotated[
        str | None,
        typer.Option(
            help="spread model: wc (default), uniform:P, or learned (from the warehouse's repost "
            "history; see `tajian backtest`)"
        ),
    ] = None,
    warehouse: Annotated[Path | None, typer.Option(help="warehouse file")] = None,
    out_dir: Annotated[Path | None, typer.Option(help="where outputs go")] = None,
    tag_shards: Annotated[
        int | None,
        typer.Option(
            help="tag the window's posts in this many user shards, one task each (default from settings: 1)"
        ),
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(
            help="HOST:PORT of a running Dask scheduler: tag the shards on its workers (prefect-dask's DaskTaskRunner; default from settings: in this process)"
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            help="when another run of the same segment and day is in progress, wait up to this many seconds for it (default: refuse at once)"
        ),
    ] = 0.0,
    min_followers: Annotated[int | None, typer.Option(help=FILTER_HELP["min_followers"])] = None,
    max_followers: Annotated[int | None, typer.Option(help=FILTER_HELP["max_followers"])] = None,
    min_engagement: Annotated[float | None, typer.Option(help=FILTER_HELP["min_engagement"])] = None,
    region: Annotated[list[str] | None, typer.Option(metavar="地区", help=FILTER_HELP["region"])] = None,
    gender: Annotated[str | None, typer.Option(help=FILTER_HELP["gender"])] = None,
    exclude_verified: Annotated[bool | None, typer.Option(help=FILTER_HELP["exclude_verified"])] = None,
    lang: LangOption = None,
    debug: DebugOption = False,
) -> None:
    """One pipeline run over the warehouse: tag → graph → select → report, written to
    out/<segment>/<as_of>/ (report.html, seeds.csv, seeds.json). One run of a segment and day
    at a time: a second one refuses (or waits, --wait); a failed run leaves nothing behind."""
    settings = _settings(lang)
    day = _parse_day(as_of)
    if method is not None and method not in ("ris", "pagerank", "degree", "followers"):
        raise typer.BadParameter(f"method must be ris, pagerank, degree or followers; got {method!r}")
    if probability is not None and not re.fullmatch(
        r"wc|learned|uniform:(?:0?\.\d+|1(?:\.0*)?)", probability
    ):
        raise typer.BadParameter(
            f"probability must be wc, uniform:P (0 < P <= 1) or learned; got {probability!r}"
        )
    if k is not None and k < 1:
        raise typer.BadParameter(f"k must be at least 1; got {k}")
    if window_days is not None and window_days < 1:
        raise typer.BadParameter(f"window-days must be at least 1; got {window_days}")
    if wait < 0:
        raise typer.BadParameter(f"--wait must be 0 or more seconds; got {wait}")
    filters = _seed_filters(min_followers, max_followers, min_engagement, region, gender, exclude_verified)
    segments = settings.segments_dir
    if not (segments / f"{segment}.toml").is_file():
        names = sorted(p.stem for p in segments.glob("*.toml"))
        _c.err.print(
            f"[red]error:[/red] no segment {segment!r}; expected one of {', '.join(names)} "
            f"(files in {segments})"
        )
        raise typer.Exit(EXIT_USAGE)
    _prefect_env(debug)
    _segment_note(segment, settings.segments_dir)
    shards, address = _scale_out(settings, tag_shards, dask_address)
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
            from flows.pipeline import pipeline_on, warehouse_slot

            _quiet_prefect(debug)
            with warehouse_slot(segment):  # against a server: never while a served run writes
                result = pipeline_on(address)(
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


def _seed_filters(
    min_followers: int | None,
    max_followers: int | None,
    min_engagement: float | None,
    region: list[str] | None,
    gender: str | None,
    exclude_verified: bool | None,
) -> dict[str, Any]:
    """`run`'s seed filters as settings (only those given), checked before anything starts."""
    from graph.eligibility import EligibilityRules

    gender = {"女": "f", "男": "m"}.get(gender or "", gender)
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


def _told_waiting(segment: str, day: date, wait: float):
    def tell(holder: dict) -> None:
        _c.err.print(
            say(
                "lease_waiting",
                segment=segment,
                as_of=day.isoformat(),
                holder=f"run {holder['run_id']}" if holder.get("run_id") else "another run",
                pid=holder.get("pid", "?"),
                wait=f"{wait:g}",
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    return tell


def _told_recovered(segment: str, day: date):
    def tell(previous: dict, done: list[str]) -> None:
        _c.err.print(
            say(
                "lease_taken_over",
                segment=segment,
                as_of=day.isoformat(),
                holder=previous.get("run_id") or "?",
                pid=previous.get("pid", "?"),
                done="; ".join(done) or "nothing to undo",
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    return tell


@app.command()
def backfill(
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="last day, YYYY-MM-DD")],
    segment: Annotated[str, typer.Option(help="segment name (data/segments/<name>.toml)")] = "mothers",
    rerun: Annotated[
        bool,
        typer.Option("--rerun", help="run days that already succeeded again (their results are replaced)"),
    ] = False,
    window_days: Annotated[int | None, typer.Option(help="window length in days (default 30)")] = None,
    k: Annotated[int | None, typer.Option(help="number of seeds (default 100)")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (default 42)")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="warehouse file")] = None,
    out_dir: Annotated[Path | None, typer.Option(help="where outputs go")] = None,
    tag_shards: Annotated[
        int | None,
        typer.Option(
            help="tag the window's posts in this many user shards, one task each (default from settings: 1)"
        ),
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(
            help="HOST:PORT of a running Dask scheduler: tag the shards on its workers (prefect-dask's DaskTaskRunner; default from settings: in this process)"
        ),
    ] = None,
    submit: Annotated[
        bool,
        typer.Option(
            "--submit",
            help="submit one flow run per day to the Prefect server at PREFECT_API_URL (served by `tajian serve`), with idempotency keys, instead of running here",
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            help="when another run holds a day, wait up to this many seconds for it (default: that day fails at once)"
        ),
    ] = 0.0,
    debug: DebugOption = False,
) -> None:
    """One pipeline run per day from START to END, in order. Days that already succeeded are
    skipped unless --rerun, so an interrupted backfill resumes where it stopped; a failed day is
    recorded with its error and the backfill goes on with the next day. With --submit the days
    run on the server's `tajian serve` process; submitting again finds the same flow runs."""
    from flows.backfill import run_backfill, submit_backfill
    from flows.history import days_to_run

    settings = _settings()
    first, last = _parse_day(start), _parse_day(end)
    if last < first:
        raise typer.BadParameter(f"--end must not be before --start; got {start} to {end}")
    if wait < 0:
        raise typer.BadParameter(f"--wait must be 0 or more seconds; got {wait}")
    shards, address = _scale_out(settings, tag_shards, dask_address)
    target = warehouse or settings.warehouse
    with _user_errors("backfill", debug):
        todo = days_to_run(target, segment, first, last, rerun=rerun)
    total = (last - first).days + 1
    _c.out.print(
        f"{segment}: {total} day(s) from {first} to {last}; {total - len(todo)} already "
        f"done, {len(todo)} to run."
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
        job = progress.add_task("backfill", total=len(todo))

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
                    "--submit sends the days to `tajian serve`, whose own "
                    "settings choose its task runner; drop --dask-address"
                )
            from flows.serve import ServerNotReadyError

            try:
                result = submit_backfill(segment, first, last, out_dir=out_dir or settings.out_dir, **common)
            except ServerNotReadyError as exc:
                _c.err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
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
    _c.out.print(
        f"{len(result.done)} day(s) done, {len(result.failed)} failed, in {time.monotonic() - started:.0f} s."
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


@app.command()
def runs(
    days: Annotated[int, typer.Option(help="how many days the grid shows, ending at --end")] = 14,
    end: Annotated[
        str | None, typer.Option(help="last day of the grid, YYYY-MM-DD (default: newest run)")
    ] = None,
    limit: Annotated[int, typer.Option(help="how many recent runs to list")] = 10,
    warehouse: Annotated[Path | None, typer.Option(help="warehouse file")] = None,
    debug: DebugOption = False,
) -> None:
    """The run history and a partition grid (segment × day: done / failed / running / missing).
    Failed days name their error. Reads the warehouse only; if a run holds it, says so."""
    from flows.history import partition_grid, run_history

    settings = _settings()
    target = warehouse or settings.warehouse
    with _user_errors("runs", debug):
        if not Path(target).exists():  # a typo must not read as "no runs yet"
            raise UserError(say("warehouse_missing", path=target))
        history = run_history(target, limit)
        newest = max(history["as_of"]) if len(history) else date.today()
        last = _parse_day(end) or newest
        grid = partition_grid(target, last - timedelta(days=max(days, 1) - 1), last)
    _print_whole(_runs_table(history, target))
    for part in _grid_tables(grid, _c.out.width):
        _print_whole(part)
    for (seg, day), why in sorted(grid.attrs.get("errors", {}).items()):
        _c.out.print(f"[red]✗[/red] {seg} {day}: {why}", soft_wrap=True)


def _print_whole(table: Table) -> None:
    """Print ``table`` without cutting a cell: wider than the terminal when it must be (the
    terminal wraps the line; nothing becomes "…")."""
    from rich.measure import Measurement

    out = _c.out
    need = Measurement.get(out, out.options.update_width(10_000), table).minimum
    if need > out.width:
        out = Console(soft_wrap=False, width=need)
    out.print(table)


def _runs_table(history, target: Path) -> Table:
    """The recent runs: run ids, segments and times whole (never "…"); the error wraps."""
    table = Table(title=f"recent runs ({target})")
    rows = [
        (
            str(r.run_id),
            str(r.segment),
            str(r.as_of)[:10],
            str(r.status),
            "" if pd_isna(r.finished_at) else str(r.finished_at)[:19],
            "" if pd_isna(r.error) else str(r.error),
        )
        for r in history.itertuples()
    ]
    for i, col in enumerate(("run", "segment", "as of", "status", "finished")):
        width = max([len(col), *(len(r[i]) for r in rows)])
        table.add_column(col, no_wrap=True, min_width=width)
    table.add_column("error", overflow="fold", min_width=20)
    for r in rows:
        table.add_row(*r)
    return table


def _grid_tables(grid, width: int) -> list[Table]:
    """The segment × day grid, as many tables (consecutive days) as it takes to fit ``width``."""
    marks = {
        "done": "[green]■[/green]",
        "failed": "[red]✗[/red]",
        "running": "[yellow]…[/yellow]",
        "missing": "[dim]·[/dim]",
    }
    seg_width = max([7, *(len(str(s)) for s in grid["segment"])])
    day_cols = [c for c in grid.columns if c != "segment"]
    per = max(1, (width - seg_width - 4) // 8)
    tables = []
    for at in range(0, max(len(day_cols), 1), per):
        cols = day_cols[at : at + per]
        t = Table(title="partitions (■ done, ✗ failed, … running, · missing)" if not at else None)
        t.add_column("segment", no_wrap=True, min_width=seg_width)
        for c in cols:
            t.add_column(c[5:], justify="center", no_wrap=True, min_width=5)
        for row in grid.to_dict("records"):
            t.add_row(str(row["segment"]), *[marks.get(row[c], row[c]) for c in cols])
        tables.append(t)
    return tables


@app.command()
def serve(
    cron: Annotated[
        str | None, typer.Option(help="cron schedule of the daily run (default from settings: '0 2 * * *')")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="timezone of the cron schedule (default Asia/Shanghai)")
    ] = None,
    segment: Annotated[
        list[str] | None,
        typer.Option(
            "--segment", help="segment to run daily; repeat for several (default from settings: mothers)"
        ),
    ] = None,
) -> None:
    """Register the daily deployment (tajian-daily/daily) with the Prefect server at
    PREFECT_API_URL and execute its runs until stopped: each run loads new files from the inbox
    (loaded ones move to processed/, bad ones to failed/ with the reason), then runs each segment
    for the previous day. Stopping leaves the schedule active. Needs `prefect server start`."""
    settings = _settings()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # a long-running service: log its runs
    _prefect_env()
    from flows.serve import ServerNotReadyError, require_server, serve_daily, serve_options

    try:
        options = serve_options(settings, cron=cron, timezone=timezone, segments=segment)
        require_server()
        schedule = options["schedules"][0]
        _c.out.print(
            f"Serving tajian-daily/{options['name']}: cron '{schedule.cron}' "
            f"({schedule.timezone}), segments {', '.join(options['parameters']['segments'])}; "
            f"inbox {settings.inbox}, warehouse {settings.warehouse}, outputs {settings.out_dir}. "
            "Ctrl-C stops serving; the schedule stays active.",
            soft_wrap=True,
        )
        serve_daily(settings, cron=cron, timezone=timezone, segments=segment)
    except (ServerNotReadyError, ValueError) as exc:
        _c.err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None


def pd_isna(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) in ("NaT", "nan")


from flows.select_cli import select_command  # noqa: E402

app.command(name="select")(select_command)

from flows.classify_cli import classify_command, evaluate_command  # noqa: E402

app.command(name="classify")(classify_command)
app.command(name="evaluate")(evaluate_command)

from flows.backtest_cli import backtest_command  # noqa: E402

app.command(name="backtest")(backtest_command)

from flows.label_cli import label_command  # noqa: E402
from flows.train_cli import train_command  # noqa: E402

app.command(name="label")(label_command)
app.command(name="train")(train_command)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
