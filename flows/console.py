"""What every ``tajian`` command shares: the rich consoles, the settings with ``--lang``, the
``--lang`` / ``--debug`` options, Prefect's environment, and the lines it prints (progress, the
paths of a run's outputs). How a command stops on an error is :mod:`flows.cli_errors`.

Example::

    settings = cli_settings(lang)  # messages from here on speak the analyst's language
    consoles.out.print("done")
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.messages import say, tr, use_lang
from flows.settings import SettingsError, load_settings
from report.i18n import N_

__all__ = [
    "SAMPLE_WAREHOUSE",
    "SEGMENT_HELP",
    "DebugOption",
    "LangOption",
    "cli_settings",
    "consoles",
    "parse_day",
    "people",
    "prefect_env",
    "print_outputs",
    "print_progress",
]


class _Consoles:
    """Consoles made when first used, so they see the terminal width of the moment."""

    @property
    def out(self) -> Console:
        # wide enough for the load table when the output is a pipe or a log file
        return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 120)

    @property
    def err(self) -> Console:
        return Console(stderr=True, soft_wrap=True)


consoles = _Consoles()


#: the warehouse of the shipped sample (`tajian demo`, `make run`): never the user's own
SAMPLE_WAREHOUSE = Path("data/sample.duckdb")


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD; got {value!r}") from None


def cli_settings(lang: str | None = None):
    """The settings, with ``--lang`` (when given) over the ``lang`` setting; messages from here
    on speak that language."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        consoles.err.print(tr("settings error: {why}").format(why=exc), markup=False, highlight=False)
        raise typer.Exit(2) from None
    if lang is not None and lang not in ("zh", "en"):
        raise typer.BadParameter(f"--lang must be zh (中文) or en (English); got {lang!r}")
    settings = settings.replace(lang=lang)
    use_lang(settings.lang)
    return settings


#: the help of every --segment option (flows/cli_help.py adds the draft segments to it)
SEGMENT_HELP = N_("segment name (a file data/segments/<name>.toml)")


LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help=N_(
            "language of the report, the seed-list files and the messages: zh (中文, default) or en "
            "(default from the lang setting / TAJIAN_LANG)"
        ),
    ),
]


def prefect_env(debug: bool = False) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # a line per pipeline step (flows/tasks.py step_clock): a status line on a terminal's stderr;
    # in a log or a pipe on stdout, so a scheduled run's log says which step ran how long while
    # stderr keeps to the one line of an error (TAJIAN_PROGRESS=0 turns both off)
    os.environ.setdefault("TAJIAN_PROGRESS", "1" if consoles.err.is_terminal else "stdout")
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
        help=N_("on an error, print the full traceback and Prefect's log here instead of to a log file"),
    ),
]


#: the English texts graph/ passes to a progress printer, for the catalogue (make i18n reads
#: graph/ for ``progress("…")`` templates; these are the values it fills them with)
PROGRESS_WORDS = (
    N_("all"),
    N_("ordinary"),
    N_("history, split and train graph"),
    N_("spread prediction"),
    N_("seed lists"),
    N_("real reach of the lists"),
    N_("cross-infection"),
)


def print_progress(template: str, **fields: object) -> None:
    """A library's progress line (``progress(template, **fields)``, an English template) on
    stderr in the analyst's language, indented under the command's own lines."""
    said = {key: tr(value) if isinstance(value, str) else value for key, value in fields.items()}
    print("  " + tr(template).format(**said), file=sys.stderr, flush=True)


def people(settings, segment: str) -> str:
    """The segment's people in the analyst's language (妈妈 / mothers), or its name."""
    from nlp.segments import load_segment

    try:
        return load_segment(segment, settings.segments_dir).called(settings.lang)
    except (OSError, ValueError):
        return segment


def print_outputs(result: dict, elapsed: float, people: str = "") -> None:
    done = say(
        "run_done",
        people=people or result["segment"],
        as_of=result["as_of"],
        n_seeds=f"{result['n_seeds']:,}",
        n_members=f"{result['n_members']:,}",
        reach=f"{result['expected_reach']:,.0f}",
        elapsed=f"{elapsed:.0f}",
    )
    consoles.out.print("\n" + done, markup=False, highlight=False, soft_wrap=True)
    consoles.out.print(say("out_report", path=Path(result["report"]).resolve()), soft_wrap=True)
    consoles.out.print(say("out_seeds", path=Path(result["seeds_csv"]).resolve()), soft_wrap=True)
    for extra in ("seeds_xlsx", "seeds_json", "circles_gexf"):
        if result.get(extra):
            consoles.out.print(f"           {Path(result[extra]).resolve()}", soft_wrap=True)
    for line in result.get("warnings") or ():  # a rule the data could not apply (issue 19)
        consoles.err.print(line, markup=False, highlight=False, soft_wrap=True)
