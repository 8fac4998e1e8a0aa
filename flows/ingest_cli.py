"""``tajian ingest``: load exports into the warehouse and print what each file gave.

Example::

    tajian ingest exports/ --warehouse data/warehouse.duckdb
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.cli_errors import user_errors as _user_errors
from flows.console import SAMPLE_WAREHOUSE, DebugOption, LangOption
from flows.console import cli_settings as _settings
from flows.console import consoles as _c
from flows.ingest_table import print_loads
from flows.messages import current_lang, say
from report.i18n import N_
from report.reasons import reason_text

__all__ = ["ingest"]


class _Burst:
    """Files loaded in one transaction are yielded together, the first after the whole batch's
    wait: their ``seconds`` share that wait in proportion to their rows (a yield that follows
    the previous one within ``GAP_S`` belongs to the same batch). A burst's shares are written
    when the next burst starts or at :meth:`close` (once per file, not once per file per file).

    >>> burst, first, second = _Burst(), {"rows_read": 1}, {"rows_read": 3}
    >>> burst.add(first, 3.0); burst.add(second, 0.0); burst.close()
    >>> first["seconds"], second["seconds"]
    (1.0, 2.0)
    """

    GAP_S = 0.005

    def __init__(self) -> None:
        self.reports: list[dict] = []
        self.total = 0.0

    def add(self, report: dict, waited: float) -> None:
        if waited > self.GAP_S:
            self.close()
        self.reports.append(report)
        self.total += waited

    def close(self) -> None:
        weights = [r["rows_read"] + 1 for r in self.reports]
        for r, w in zip(self.reports, weights, strict=True):
            r["seconds"] = self.total * w / sum(weights)
        self.reports, self.total = [], 0.0


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
        return say("ingest_no_rows", file=report["source"])
    reasons = report.get("reasons") or (say("ingest_all_quarantined"),)
    more = report["quarantined"] - 1
    tail = say("ingest_more_quarantined", n=more) if more > 0 else ""
    return _first_reason(" ".join(str(reasons[0]).split())) + tail


def _first_reason(reason: str) -> str:
    """A file's first quarantine reason (``source, line N: why``) with its ``why`` in the
    analyst's language (:func:`flows.messages.reason_text`)."""
    where, sep, why = reason.partition(": ")
    if sep and ", line " in where:
        return f"{where}: {reason_text(why, current_lang())}"
    return reason_text(reason, current_lang())


#: the help of ``tajian ingest`` (an English message id: its Chinese is in report/locale)
HELP = N_(
    "Load exports into the warehouse: a table of rows read / loaded / updated / duplicates / "
    "quarantined per file. Loading the same file twice adds nothing.\n\n"
    "Exits non-zero (saying why, one line each) when a file named on the command line gives no row at"
    " all (empty, not an export, unreadable), or when nothing at all could be loaded; a file found in"
    " a folder that gives nothing is named on a line of its own."
)


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help=N_("export files or folders (searched recursively)")),
    ],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=(
                N_(
                    "export format, detected from each file when omitted: weibo-crawler, weibo-search, "
                    "mediacrawler, weibo-api or ced (see README: Supported exports)"
                )
            ),
        ),
    ] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help=N_("warehouse file (default data/warehouse.duckdb)"))
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help=N_(
                "a row per file in the table however many files (above 20 files the table shows "
                "those with quarantined rows, notes or nothing loaded, and one row summing the others)"
            ),
        ),
    ] = False,
    lang: LangOption = None,
    debug: DebugOption = False,
) -> None:
    """``tajian ingest``: see :data:`HELP`."""
    from store import runs
    from store.quality import quarantine_summary, sample_sources
    from store.readers import find_export_files
    from store.stream import load_exports

    settings = _settings(lang)
    target = warehouse or settings.warehouse
    started = time.monotonic()
    with _user_errors("ingest", debug):
        files = find_export_files(paths)
        if not files:
            raise ValueError(say("ingest_no_files", paths=", ".join(map(str, paths))))
        named = {p.resolve() for p in paths if not p.is_dir()}
        reports, failed = [], []
        with runs.warehouse(target) as con:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=_c.err,
                transient=True,
                disable=not _c.err.is_terminal,  # no bar (nor its blank line) in a log or a pipe
            ) as progress:
                job = progress.add_task("…", total=len(files))
                # the next file is read while this one loads; a large one is loaded in parts
                since, burst, formats = time.monotonic(), _Burst(), {}
                for f, outcome in load_exports(con, files, format, formats=formats):
                    progress.update(job, description=say("ingest_progress", file=f.name))
                    if isinstance(outcome, Exception):  # this file cannot be read: the others still load
                        failed.append((f, " ".join(f"{f}: {outcome}".split())))
                    else:  # read (overlapping the previous load) + load, as the user waits for it
                        report = outcome.as_dict()
                        burst.add(report, time.monotonic() - since)
                        report["format"] = format or formats.get(f) or _detected_format(f)
                        if report["quarantined"]:
                            report["top_reasons"] = quarantine_summary(con, report["source"])
                        reports.append(report)
                        why = _loaded_nothing(report)
                        if why is not None:
                            failed.append((f, why))
                    since = time.monotonic()
                    progress.advance(job)
                burst.close()
            samples = sample_sources(con, settings.samples_dir)
        print_loads(reports, verbose)
        rows, spent = sum(r["rows_read"] for r in reports), time.monotonic() - started
        summary = say(
            "ingest_summary",
            files=len(files),
            rows=rows,
            seconds=spent,
            rows_per_s=rows / max(spent, 1e-9),
            files_per_s=len(files) / max(spent, 1e-9),
        )
        _c.out.print(summary, markup=False, highlight=False)
        _c.out.print(say("ingest_warehouse", path=target), markup=False, highlight=False)
        if samples and len(samples) < len({*samples, *(r["source"] for r in reports)}):
            warning = say(
                "sample_in_warehouse",
                path=target,
                files=", ".join(Path(s).name for s in samples),
                sample=SAMPLE_WAREHOUSE,
            )
            _c.err.print(warning, markup=False, highlight=False, soft_wrap=True)
        for f, why in failed:
            line = say("ingest_error" if f.resolve() in named else "ingest_nothing", why=why)
            _c.err.print(line, markup=False, highlight=False, soft_wrap=True)
        if any(f.resolve() in named for f, _ in failed) or len(failed) == len(files):
            raise typer.Exit(1)
