"""Load export files in order with bounded memory: a large Weibo API JSON-lines file is read
and loaded in parts (one transaction for the file), every other file as one batch, the next
small file read while this one loads (:func:`store.readers.read_exports`).

Example:
    >>> import tempfile
    >>> from store.warehouse import open_warehouse
    >>> con = open_warehouse(":memory:")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     f = Path(folder) / "a.jsonl"
    ...     _ = f.write_text('{"idstr": "1", "created_at": "Fri Mar 31 23:47:24 +0800 2017", '
    ...                      '"text": "hi", "user": {"idstr": "9"}}\\n{oops\\n')
    ...     [(p.name, r.loaded, r.quarantined) for p, r in load_exports(con, [f])]
    [('a.jsonl', 1, 1)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import suppress
from itertools import groupby
from pathlib import Path
from typing import TypeVar

import duckdb

from store.load_sets import load_files
from store.readers import detect_format, read_export, read_exports
from store.records import ExportBatch
from store.warehouse import LoadReport, load_batch, load_parts
from store.weibo_api import PART_BYTES, read_weibo_api_parts

__all__ = [
    "BATCH_FILES",
    "BATCH_ROWS",
    "LOAD_MEMORY_LIMIT",
    "SET_ROWS",
    "load_exports",
    "read_ahead",
    "read_in_parts",
]


def read_in_parts(path: Path, fmt: str | None = None, part_bytes: int = PART_BYTES) -> bool:
    """Whether ``path`` is a plain (not gzipped) Weibo API file larger than ``part_bytes``."""
    try:
        if path.suffix == ".gz" or path.stat().st_size <= part_bytes:
            return False
        return (fmt or detect_format(path)) == "weibo-api"
    except (OSError, ValueError):  # the whole-file reader will say what is wrong with it
        return False


T = TypeVar("T")
_END = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items``, each next one computed in a thread while the caller works on this one: the
    next part of a file is parsed (pyarrow and the parser's DuckDB release the GIL) while the
    warehouse loads this one. Memory holds two parts; stopping early waits for the one under way.

    >>> list(read_ahead(iter([1, 2, 3])))
    [1, 2, 3]
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tajian-read-ahead") as pool:
        pending = pool.submit(next, items, _END)
        try:
            while (item := pending.result()) is not _END:
                pending = pool.submit(next, items, _END)
                yield item  # type: ignore[misc]
        finally:
            wait([pending])  # a generator cannot be closed while it runs
            close = getattr(items, "close", None)
            if close is not None:
                close()


#: DuckDB's own memory while loading (its default, 80% of RAM, lets its cache grow with the
#: warehouse: 2 GB for a 1.5 GB export); above it DuckDB evicts or spills to disk. 1GB before
#: 2026-12-08: at 1M generator users (4.04M rows) the ingest peaked at 3.18 GB; at 640MB 2.89 GB,
#: the same rows, CPU within the box's noise (bench/RESULTS.md, "Ingest under a lower DuckDB cap").
LOAD_MEMORY_LIMIT = "640MB"


#: Small files load in one transaction per this many files or rows (whichever comes first): a
#: commit costs more than loading a file of a few rows, and the open transaction stays bounded.
BATCH_FILES = 500
BATCH_ROWS = 200_000
#: The files read and not loaded yet hold at most this many rows (then they load, as sets).
SET_ROWS = 20_000


def load_exports(
    con: duckdb.DuckDBPyConnection,
    files: Iterable[Path],
    fmt: str | None = None,
    *,
    part_bytes: int = PART_BYTES,
    memory_limit: str | None = LOAD_MEMORY_LIMIT,
    batch_files: int = BATCH_FILES,
    batch_rows: int = BATCH_ROWS,
    formats: dict[Path, str] | None = None,
) -> Iterator[tuple[Path, LoadReport | ValueError | OSError]]:
    """Load ``files`` in their order; yields each file with its load report, or with the error
    that kept it from loading (the other files still load). Memory holds two parts of a large
    Weibo API file (:func:`read_in_parts`; the next one is parsed while this one loads) and the
    file's open transaction, or at most two other files' batches, and DuckDB at most
    ``memory_limit`` (the connection's own limit is back when the generator ends).

    A large file read in parts loads in a transaction of its own; the other files load in
    transactions of up to ``batch_files`` files or ``batch_rows`` rows, each file with its own
    report and ``loads`` row, yielded once its transaction is committed. ``formats``, when
    given, receives each file's format as its reader told it (no second detection)."""
    before = con.execute("SELECT current_setting('memory_limit')").fetchone()
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{_size(memory_limit)}'")
    try:
        yield from _load_in_order(con, files, fmt, part_bytes, batch_files, batch_rows, formats)
    finally:
        if memory_limit is not None and before:
            con.execute(f"SET memory_limit = '{_size(str(before[0]))}'")


def _size(text: str) -> str:
    """A DuckDB memory size such as ``1GB`` or ``953.6 MiB``, checked (it goes into SQL)."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text.strip()):
        raise ValueError(f"a memory size must look like 1GB or 512MB; got {text!r}")
    return text.strip()


def _load_in_order(
    con: duckdb.DuckDBPyConnection,
    files: Iterable[Path],
    fmt: str | None,
    part_bytes: int,
    batch_files: int,
    batch_rows: int,
    formats: dict[Path, str] | None = None,
) -> Iterator[tuple[Path, LoadReport | ValueError | OSError]]:
    for in_parts, group in groupby(files, key=lambda p: read_in_parts(Path(p), fmt, part_bytes)):
        if in_parts:
            for path in group:
                try:
                    parts = read_ahead(read_weibo_api_parts(path, part_bytes))
                    report = load_parts(con, parts)
                    if formats is not None:
                        formats[Path(path)] = "weibo-api"
                    yield Path(path), report
                except (ValueError, OSError) as exc:
                    yield Path(path), exc
            continue
        yield from _load_together(con, list(group), fmt, batch_files, batch_rows, formats)


def _load_together(
    con: duckdb.DuckDBPyConnection,
    files: list[Path],
    fmt: str | None,
    max_files: int,
    max_rows: int,
    formats: dict[Path, str] | None = None,
) -> Iterator[tuple[Path, LoadReport | ValueError | OSError]]:
    """Load files (none read in parts) in transactions of up to ``max_files`` files or
    ``max_rows`` rows, yielding each file's outcome once its transaction is committed. The files
    read and not loaded yet (at most :data:`SET_ROWS` rows) load together
    (:func:`store.load_sets.load_files`: as sets where they cannot affect each other). A file
    that cannot be read is yielded with its error (it loads nothing); when a load fails the
    transaction is rolled back and its files are loaded again one by one, so each of the others
    still loads and the failing one leaves nothing."""
    done: list[tuple[Path, LoadReport | ValueError | OSError | None]] = []  # the open transaction's
    waiting: list[tuple[int, ExportBatch]] = []  # read, not loaded yet: (index in done, batch)
    rows = waiting_rows = 0
    loaded = 0  # files of the open transaction loaded (counted, not searched for: 500 a batch)
    began = False
    reads = read_exports(files, fmt)

    def load_waiting() -> None:
        nonlocal waiting_rows, loaded
        if waiting:
            reports = load_files(con, [b for _, b in waiting])
            for (k, _), report in zip(waiting, reports, strict=True):
                done[k] = (done[k][0], report)
            loaded += len(reports)
        waiting.clear()
        waiting_rows = 0

    try:
        for path, future in reads:
            try:
                batch = future.result()
            except (ValueError, OSError) as exc:
                done.append((path, exc))
                continue
            if formats is not None and batch.format:
                formats[path] = batch.format
            if not began:
                con.begin()
                began = True
            done.append((path, None))
            waiting.append((len(done) - 1, batch))
            rows += batch.rows_read
            waiting_rows += batch.rows_read
            last = len(waiting) + loaded >= max_files
            if not (last or rows >= max_rows or waiting_rows >= SET_ROWS):
                continue
            try:
                load_waiting()
            except (ValueError, OSError):
                con.rollback()
                failed, done, rows, began, loaded = done, [], 0, False, 0
                waiting.clear()
                yield from _one_by_one(con, failed, fmt)
                continue
            except BaseException:
                con.rollback()
                began = False
                raise
            if last or rows >= max_rows:
                con.commit()
                committed, done, rows, began, loaded = done, [], 0, False, 0
                yield from committed  # type: ignore[misc]
        if began:
            try:
                load_waiting()
            except (ValueError, OSError):
                con.rollback()
                failed, done, began = done, [], False
                yield from _one_by_one(con, failed, fmt)
            else:
                con.commit()
                began = False
        yield from done  # type: ignore[misc]
    finally:
        reads.close()
        if began:  # left early (an error, or the caller stopped): nothing of the chunk stays
            with suppress(duckdb.Error):
                con.rollback()


def _one_by_one(
    con: duckdb.DuckDBPyConnection,
    done: list[tuple[Path, LoadReport | ValueError | OSError | None]],
    fmt: str | None,
) -> Iterator[tuple[Path, LoadReport | ValueError | OSError]]:
    """After a rolled-back transaction (``done``: its files in order, each with its report, its
    read error, or None when it was waiting to load): the outcomes in file order, each file that
    was read loaded (again) in a transaction of its own; a file that could not be read keeps its
    error."""
    for path, outcome in done:
        if outcome is not None and not isinstance(outcome, LoadReport):
            yield path, outcome
            continue
        try:
            report: LoadReport | ValueError | OSError = load_batch(con, read_export(path, fmt))
        except (ValueError, OSError) as exc:
            report = exc
        yield path, report
