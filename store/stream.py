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
from itertools import groupby
from pathlib import Path

import duckdb

from store.readers import detect_format, read_exports
from store.warehouse import LoadReport, load_batch, load_parts
from store.weibo_api import PART_BYTES, read_weibo_api_parts

__all__ = ["LOAD_MEMORY_LIMIT", "load_exports", "read_in_parts"]


def read_in_parts(path: Path, fmt: str | None = None, part_bytes: int = PART_BYTES) -> bool:
    """Whether ``path`` is a plain (not gzipped) Weibo API file larger than ``part_bytes``."""
    try:
        if path.suffix == ".gz" or path.stat().st_size <= part_bytes:
            return False
        return (fmt or detect_format(path)) == "weibo-api"
    except (OSError, ValueError):  # the whole-file reader will say what is wrong with it
        return False


#: DuckDB's own memory while loading (its default, 80% of RAM, lets its cache grow with the
#: warehouse: 2 GB for a 1.5 GB export); above it DuckDB evicts or spills to disk.
LOAD_MEMORY_LIMIT = "1GB"


def load_exports(
    con: duckdb.DuckDBPyConnection,
    files: Iterable[Path],
    fmt: str | None = None,
    *,
    part_bytes: int = PART_BYTES,
    memory_limit: str | None = LOAD_MEMORY_LIMIT,
) -> Iterator[tuple[Path, LoadReport | ValueError | OSError]]:
    """Load ``files`` in their order; yields each file with its load report, or with the error
    that kept it from loading (the other files still load). Memory holds one part of a large
    Weibo API file (:func:`read_in_parts`), or at most two other files' batches, and DuckDB at
    most ``memory_limit`` (the connection's own limit is back when the generator ends)."""
    before = con.execute("SELECT current_setting('memory_limit')").fetchone()
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{_size(memory_limit)}'")
    try:
        yield from _load_in_order(con, files, fmt, part_bytes)
    finally:
        if memory_limit is not None and before:
            con.execute(f"SET memory_limit = '{_size(str(before[0]))}'")


def _size(text: str) -> str:
    """A DuckDB memory size such as ``1GB`` or ``953.6 MiB``, checked (it goes into SQL)."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", text.strip()):
        raise ValueError(f"a memory size must look like 1GB or 512MB; got {text!r}")
    return text.strip()


def _load_in_order(
    con: duckdb.DuckDBPyConnection, files: Iterable[Path], fmt: str | None, part_bytes: int
) -> Iterator[tuple[Path, LoadReport | ValueError | OSError]]:
    for in_parts, group in groupby(files, key=lambda p: read_in_parts(Path(p), fmt, part_bytes)):
        if in_parts:
            for path in group:
                try:
                    yield Path(path), load_parts(con, read_weibo_api_parts(path, part_bytes))
                except (ValueError, OSError) as exc:
                    yield Path(path), exc
            continue
        for path, batch in read_exports(list(group), fmt):
            try:
                report: LoadReport | ValueError | OSError = load_batch(con, batch.result())
            except (ValueError, OSError) as exc:
                report = exc
            yield path, report
