"""``tajian ingest``: load exports into the warehouse and print what each file gave.

Example::

    tajian ingest exports/ --warehouse data/warehouse.duckdb
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.console import SAMPLE_WAREHOUSE, DebugOption, LangOption
from flows.console import cli_settings as _settings
from flows.console import consoles as _c
from flows.console import user_errors as _user_errors
from flows.messages import current_lang, say
from report.i18n import N_
from report.reasons import reason_text

__all__ = ["ingest", "print_loads"]


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


#: Above this many files the table shows the files that need a look (rows quarantined, notes,
#: nothing loaded) and one row summing the others, unless --verbose asks for a row per file.
TABLE_MAX_FILES = 20

_SUMMED = ("rows_read", "loaded", "updated", "duplicates", "quarantined", "interactions_added")


def _table_rows(loads: list[dict], verbose: bool) -> tuple[list[dict], int]:
    """The rows of the table: every load, or (above :data:`TABLE_MAX_FILES` files, not
    ``verbose``) those that need a look, in order, then one row summing the others (``seconds``
    summed; ``interactions_pending``: the warehouse's count after the last of them). Returns the
    rows and how many files the summed row stands for (0: none)."""
    if verbose or len(loads) <= TABLE_MAX_FILES:
        return loads, 0
    shown = [r for r in loads if r["quarantined"] or r.get("notes") or not (r["loaded"] or r["duplicates"])]
    shown = shown[:TABLE_MAX_FILES]
    ids = {id(r) for r in shown}
    rest = [r for r in loads if id(r) not in ids]
    if not rest:
        return shown, 0
    summed = {k: sum(r[k] for r in rest) for k in _SUMMED}
    summed |= {
        "source": say("ingest_other_files" if shown else "ingest_all_files", n=len(rest)),
        "format": " ".join(sorted({r.get("format") or "?" for r in rest})),
        "interactions_pending": rest[-1]["interactions_pending"],
    }
    if all("seconds" in r for r in rest):
        summed["seconds"] = sum(r["seconds"] for r in rest)
    return [*shown, summed], len(rest)


def print_loads(loads: list[dict], verbose: bool = True) -> None:
    """The table of what each file loaded (without ``verbose``, many files: those that need a
    look and a row summing the others, :func:`_table_rows`), then one line per note (what a load
    changed without quarantining a row)."""
    if not loads:
        return
    rows, summed = _table_rows(loads, verbose)
    table = Table(title=say("ingest_title"), caption=say("pending_caption"), caption_justify="left")
    formats = any(r.get("format") for r in loads)
    timed = all("seconds" in r for r in rows)
    cols = ["file", *(["format"] if formats else []), "read", "loaded", "updated", "duplicates"]
    for col in (*cols, "quarantined", "interactions", "pending", *(["seconds"] if timed else [])):
        table.add_column(say(f"col_{col}"), justify="left" if col in ("file", "format") else "right")
    for r in rows:
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
    if summed:
        _c.out.print(say("ingest_more_files", n=summed), markup=False, highlight=False)
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
    lang = current_lang()
    lines += [say("quarantine_reason", n=n, reason=reason_text(why, lang)) for n, why in reasons]
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
            raise ValueError(say("ingest_no_files", paths=", ".join(map(str, paths))))
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
        finally:
            con.close()
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
