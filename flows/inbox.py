"""The inbox: a folder where new export files are dropped, loaded by the scheduled run.

:func:`ingest_inbox` loads every file waiting in the inbox into the warehouse (one transaction per
file), then moves it out of the way:

- loaded files go to ``<inbox>/processed/<day>/`` (``<day>`` is today's Asia/Shanghai date);
- bad files (unreadable, not an export, every row quarantined, or raising while loaded) go to
  ``<inbox>/failed/<day>/`` with a ``<file>.reason.txt`` beside them saying why and how to fix it.

A file is moved only after the warehouse has committed it, so a crash leaves it in the inbox to be
loaded again (loads are idempotent). ``processed/`` and ``failed/`` are never scanned, and a file
whose exact content was loaded before (same SHA-256 in the ``loads`` table) is not loaded again:
it goes straight to ``processed/``. Names starting with a dot are ignored, so a writer can copy a
file in as ``.name.part`` and rename it when complete. Sub-folders keep their relative path (some
formats take the user from it, e.g. weibo-crawler's ``<screen_name>/<user_id>.csv``).

Plain library code: no Prefect here.

Example::

    from flows.inbox import ingest_inbox
    for f in ingest_inbox("data/inbox", "data/warehouse.duckdb"):
        print(f.status, f.source, f.reason or "")
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from store.fields import file_sha256
from store.readers import EXPORT_SUFFIXES, read_export
from store.runs import loaded_before, warehouse
from store.warehouse import WarehouseBusyError, load_batch

__all__ = ["FAILED", "PROCESSED", "InboxFile", "inbox_files", "ingest_inbox"]

PROCESSED = "processed"
FAILED = "failed"
SHANGHAI = ZoneInfo("Asia/Shanghai")

Status = Literal["loaded", "already loaded", "failed"]


@dataclass(frozen=True)
class InboxFile:
    """What happened to one inbox file.

    ``source`` is the file's path relative to the inbox, ``moved_to`` where it is now, ``load``
    the warehouse's load report (rows read / loaded / duplicates / quarantined …) when it was
    loaded, ``reason`` why it failed (also written to ``<moved_to>.reason.txt``).
    """

    source: str
    status: Status
    moved_to: str
    reason: str | None = None
    load: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_export_name(name: str) -> bool:
    name = name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(EXPORT_SUFFIXES)


def inbox_files(inbox: Path) -> list[Path]:
    """The files waiting in ``inbox``, sorted: everything except ``processed/``, ``failed/`` and
    names (files or folders) starting with a dot."""
    found = []
    for root, dirs, files in os.walk(inbox):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (here == inbox and d in (PROCESSED, FAILED))
        )
        found += [here / f for f in sorted(files) if not f.startswith(".")]
    return sorted(found, key=lambda p: p.relative_to(inbox).as_posix())


def _free_name(target: Path) -> Path:
    """``target``, or ``name-1.ext``, ``name-2.ext`` … if that name is taken."""
    if not target.exists() and not target.with_name(target.name + ".reason.txt").exists():
        return target
    stem, dot, rest = target.name.partition(".")
    n = 1
    while True:
        candidate = target.with_name(f"{stem}-{n}{dot}{rest}")
        if not candidate.exists() and not candidate.with_name(candidate.name + ".reason.txt").exists():
            return candidate
        n += 1


def _move(inbox: Path, path: Path, folder: str, day: date) -> Path:
    target = _free_name(inbox / folder / day.isoformat() / path.relative_to(inbox))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), str(target))
    return target


def _remove_empty_dirs(inbox: Path) -> None:
    """Remove folders of the inbox left empty by the moves (not the inbox, processed/, failed/)."""
    for root, dirs, _ in os.walk(inbox, topdown=False):
        here = Path(root)
        if here == inbox:
            continue
        rel = here.relative_to(inbox).parts
        if rel[0] in (PROCESSED, FAILED) or any(p.startswith(".") for p in rel):
            continue
        with contextlib.suppress(OSError):  # rmdir only succeeds on an empty folder
            here.rmdir()
        dirs.clear()


def _quarantine_reason(batch: Any) -> str:
    q = batch.quarantine
    if len(q) == 1 and batch.rows_read == 1 and int(q["line"].iloc[0]) == 0:
        return f"not read as an export: {q['reason'].iloc[0]}"  # the format was not recognised
    lines = [f"every one of its {batch.rows_read} row(s) was quarantined; nothing was loaded."]
    if len(q):
        lines.append("first reasons (line: reason):")
        for line, why in zip(q["line"].head(10), q["reason"].head(10), strict=True):
            lines.append(f"  {line}: {why}")
        if len(q) > 10:
            lines.append(f"  … and {len(q) - 10} more")
    return "\n".join(lines)


def _fail(inbox: Path, path: Path, day: date, reason: str) -> InboxFile:
    rel = path.relative_to(inbox).as_posix()
    target = _move(inbox, path, FAILED, day)
    target.with_name(target.name + ".reason.txt").write_text(
        f"file: {rel}\n"
        f"failed: {datetime.now(SHANGHAI).isoformat(timespec='seconds')} (Asia/Shanghai)\n"
        f"why: {reason}\n\n"
        "How to fix: correct the file (or pass the right format), then copy it back into "
        f"{inbox}; the next scheduled run loads it. Supported exports are "
        f"{', '.join(EXPORT_SUFFIXES)} files (optionally .gz); see store/readers.py.\n",
        encoding="utf-8",
    )
    return InboxFile(source=rel, status="failed", moved_to=str(target), reason=reason)


def ingest_inbox(
    inbox_dir: str | Path,
    warehouse_path: str | Path,
    *,
    fmt: str | None = None,
    day: date | None = None,
    on_file: Callable[[InboxFile], None] | None = None,
) -> list[InboxFile]:
    """Load every file waiting in ``inbox_dir`` into the warehouse, then move it to
    ``processed/<day>/`` or ``failed/<day>/`` (with a ``.reason.txt``). Returns one
    :class:`InboxFile` per file, in path order.

    ``fmt`` forces an export format (detected per file when None); ``day`` names the folders the
    files move to (default: today in Asia/Shanghai); ``on_file`` is called after each file.
    The inbox is created when missing. Raises :class:`store.warehouse.WarehouseBusyError` when
    another process holds the warehouse (the files then stay in the inbox).
    """
    inbox = Path(inbox_dir)
    if inbox.exists() and not inbox.is_dir():
        raise NotADirectoryError(
            f"{inbox}: the inbox must be a folder; got a file. Set the inbox "
            "setting (TAJIAN_INBOX or inbox = … in tajian.toml) to a folder"
        )
    inbox.mkdir(parents=True, exist_ok=True)
    day = day or datetime.now(SHANGHAI).date()
    files = inbox_files(inbox)
    results: list[InboxFile] = []
    if not files:
        return results
    with warehouse(warehouse_path) as con:
        try:
            for path in files:
                result = _ingest_one(con, inbox, path, day, fmt)
                results.append(result)
                if on_file is not None:
                    on_file(result)
        finally:
            _remove_empty_dirs(inbox)
    return results


def _ingest_one(con: Any, inbox: Path, path: Path, day: date, fmt: str | None) -> InboxFile:
    rel = path.relative_to(inbox).as_posix()
    if not _is_export_name(path.name):
        return _fail(
            inbox,
            path,
            day,
            f"not an export file: expected a name ending in "
            f"{', '.join(EXPORT_SUFFIXES)} (or .gz); got {path.name!r}",
        )
    try:
        digest = file_sha256(path)
    except OSError as exc:
        return _fail(inbox, path, day, f"unreadable: {exc}")
    if path.stat().st_size == 0:
        return _fail(inbox, path, day, "the file is empty (0 bytes)")
    if loaded_before(con, digest):
        target = _move(inbox, path, PROCESSED, day)
        return InboxFile(
            source=rel,
            status="already loaded",
            moved_to=str(target),
            reason="the same content (SHA-256) was loaded before; not loaded again",
        )
    try:
        batch = read_export(path, fmt)
    except Exception as exc:  # any reader error makes the file a failed one, with its message
        return _fail(inbox, path, day, f"could not be read: {type(exc).__name__}: {exc}")
    if batch.rows_read == 0:
        return _fail(inbox, path, day, "the file holds no rows (empty export)")
    if not batch.row_keys:  # every row quarantined (or not a known format)
        return _fail(inbox, path, day, _quarantine_reason(batch))
    try:
        report = load_batch(con, batch)  # commits, or rolls back and raises
    except WarehouseBusyError:
        raise
    except Exception as exc:
        return _fail(inbox, path, day, f"could not be loaded: {type(exc).__name__}: {exc}")
    target = _move(inbox, path, PROCESSED, day)
    return InboxFile(source=rel, status="loaded", moved_to=str(target), load=report.as_dict())
