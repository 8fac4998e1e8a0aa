"""What the command line prints for an error: one line saying what happened, where (the file,
the day, the process) and how to fix it, the exit code, and whether a log file with the traceback
helps. Tests check exit codes and that no traceback is printed, not the wording.

Example:
    >>> explain(ValueError("k must be at least 1; got 0"))
    Explained(line='k must be at least 1; got 0', code=1, log=True)
    >>> os_cause(OSError(28, "No space left on device", "/data/w.duckdb"))
    ('no_space', '/data/w.duckdb', 'No space left on device')
"""

from __future__ import annotations

import errno
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

from flows.messages import say, tr

__all__ = ["EXIT_BUSY", "EXIT_FAILED", "EXIT_USAGE", "Explained", "UserError", "explain", "os_cause"]

#: exit codes: a run or load that failed; a bad option or definition file; busy (try again later)
EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 1, 2, 75


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or during, outermost first."""
    seen: list[BaseException] = []
    at: BaseException | None = exc
    while at is not None and all(at is not s for s in seen):
        seen.append(at)
        at = at.__cause__ or at.__context__
    return seen


_FILE = re.compile(r"""(?:file|directory) ["']([^"']+)["']""")
_SPACE = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def os_cause(exc: BaseException) -> tuple[str, str, str] | None:
    """``(kind, path, detail)`` when ``exc`` comes down to a full disk (``"no_space"``) or a
    folder that cannot be written (``"read_only"``), from an ``OSError``'s errno or from the
    text of a DuckDB error (which carries no errno); else None."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in _SPACE + _READ_ONLY:
            kind = "no_space" if e.errno in _SPACE else "read_only"
            return kind, str(e.filename or ""), e.strerror or str(e)
        text = str(e)
        for kind, needle in (
            ("no_space", "No space left on device"),
            ("no_space", "Disk quota exceeded"),
            ("read_only", "Read-only file system"),
            ("read_only", "Permission denied"),
        ):
            if needle in text:
                found = _FILE.search(text)
                return kind, found.group(1) if found else "", needle
    return None


def _folder(path: str) -> str:
    return str(Path(path).parent) if path else "."


class UserError(ValueError):
    """Something the user gave that cannot work, already said in one line by :func:`say`
    (no traceback helps: no log file is written for it)."""


class Explained(NamedTuple):
    """What to print for an error: the line, the exit code, and whether a log file with the
    traceback helps (not for a refusal that says all there is, like a day another run holds)."""

    line: str
    code: int
    log: bool = True


def _ago(stamp: object) -> str:
    try:
        then = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    return tr("{n} s ago").format(n=max(0, round((datetime.now(UTC) - then).total_seconds())))


def explain(exc: BaseException, what: str = "the command") -> Explained:
    """The one line to print for ``exc``, the exit code (:data:`EXIT_BUSY` when trying again
    later will do, :data:`EXIT_USAGE` for a definition file to fix, else :data:`EXIT_FAILED`)
    and whether a log file is worth writing."""
    from nlp.segments import SegmentDefinitionError
    from store.leases import LeaseHeldError
    from store.warehouse import WarehouseBusyError, WarehouseFileError

    if isinstance(exc, LeaseHeldError):
        h = exc.holder
        line = say(
            "lease_held",
            segment=exc.segment,
            as_of=exc.as_of.isoformat() if isinstance(exc.as_of, date) else exc.as_of,
            holder=tr("run {id}").format(id=h["run_id"]) if h.get("run_id") else tr("a run that is starting"),
            pid=h.get("pid", "?"),
            host=h.get("host", "?"),
            started=h.get("started_at", "?"),
            heartbeat=_ago(h.get("heartbeat_at", "?")),
        )
        return Explained(line, EXIT_BUSY, log=False)
    if isinstance(exc, WarehouseBusyError):
        pid = f" (pid {exc.holder_pid})" if exc.holder_pid else ""
        return Explained(
            say("warehouse_busy", path=exc.path or tr("the warehouse"), pid=pid), EXIT_BUSY, log=False
        )
    cause = os_cause(exc)
    if cause is not None:
        kind, path, detail = cause
        where = path or tr("the output or warehouse folder")
        return Explained(say(kind, path=where, detail=detail, folder=_folder(path)), EXIT_FAILED)
    if isinstance(exc, WarehouseFileError):
        detail = str(exc).split("(DuckDB: ", 1)[-1].rstrip(")")
        return Explained(say("warehouse_not_duckdb", path=exc.path, detail=detail), EXIT_FAILED, log=False)
    if isinstance(exc, UserError):
        return Explained(str(exc), EXIT_FAILED, log=False)
    if isinstance(exc, SegmentDefinitionError):
        return Explained(say("as_is", detail=_one_line(str(exc))), EXIT_USAGE, log=False)
    if isinstance(exc, RuntimeError) and "ephemeral Prefect API server" in str(exc):
        timeout = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "20")
        return Explained(say("prefect_start", timeout=timeout), EXIT_BUSY)
    if isinstance(exc, ValueError | FileNotFoundError | RuntimeError):  # our errors say what to do
        return Explained(say("as_is", detail=_one_line(str(exc))), EXIT_FAILED)
    line = say("unexpected", what=what, detail=_one_line(f"{type(exc).__name__}: {exc}"))
    return Explained(line, EXIT_FAILED)


def _one_line(text: str) -> str:
    return " ".join(text.split())
