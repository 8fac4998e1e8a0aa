"""How a ``tajian`` command stops on an error: one line on stderr in the analyst's language
(:func:`flows.errors.explain` words it) and an exit code; the traceback and the recent log go to a
log file named in that line, or to the screen with ``--debug``; Prefect's own error output is kept
off the screen.

Example::

    with user_errors("ingest", debug=False):
        ...  # any error here becomes one line on stderr and a non-zero exit
    raise fail("no such file: a.csv") from None  # error: no such file: a.csv (exit 2)
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import click
import typer

from flows.console import consoles
from flows.errors import explain
from flows.messages import say, tr

__all__ = ["fail", "quiet_prefect", "user_errors"]


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


def quiet_prefect(debug: bool) -> None:
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
def user_errors(what: str, debug: bool) -> Iterator[None]:
    """Turn any error of the block into one line on stderr (:func:`flows.errors.explain`)
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
        consoles.err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code) from None
    finally:
        root.removeHandler(recent)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: MESSAGE`` (one line, the analyst's language) and return the exit to raise:
    ``raise fail("…", 1) from None``. Code 2 is a bad option or file, 1 anything else."""
    print(tr("error: {why}").format(why=message), file=sys.stderr)
    return typer.Exit(code)
