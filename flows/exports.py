"""Export files into the warehouse: finding them, the cache key of parsing one (the reader
code's version is part of it), loading parsed batches, one transaction per file.

Example:
    >>> export_cache_key(__file__).startswith("parse-export:")
    True
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from store import runs
from store.readers import find_export_files
from store.stream import load_exports
from store.warehouse import LoadReport, load_batch

__all__ = [
    "code_version",
    "export_cache_key",
    "export_files",
    "ingest_paths",
    "load_export",
    "tajian_version",
]


def tajian_version() -> str:
    try:
        return version("tajian")
    except PackageNotFoundError:  # running from a source tree
        return "dev"


@functools.cache
def code_version() -> str:
    """Tajian's version plus a hash of the reader code (``store/*.py``): part of every cache key,
    so a changed parser never serves a batch parsed by the old one."""
    digest = hashlib.sha256(tajian_version().encode())
    for source in sorted((Path(__file__).resolve().parents[1] / "store").glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def export_files(paths: Sequence[str | Path]) -> list[Path]:
    """The export files in ``paths`` (folders searched), or a clear error when there are none."""
    files = find_export_files(paths)
    if not files:
        raise FileNotFoundError(
            f"no export files found in {', '.join(map(str, paths))}; expected .jsonl/.json/.csv files"
        )
    return files


def export_cache_key(path: str | Path, fmt: str | None = None) -> str:
    """The cache key of parsing one export file: cheap to compute (code version, the file's
    absolute path, size and modification time, the format), never the file's contents.

    >>> export_cache_key(__file__).startswith("parse-export:")
    True
    """
    p = Path(path).resolve()
    st = p.stat()
    return f"parse-export:{code_version()}:{p}:{st.st_size}:{st.st_mtime_ns}:{fmt or 'auto'}"


def load_export(warehouse: Path, batch: Any) -> LoadReport:
    """Load one parsed export (an ``ExportBatch``) into the warehouse, in one transaction."""
    with runs.warehouse(warehouse) as con:
        return load_batch(con, batch)


def ingest_paths(warehouse: Path, paths: Sequence[str | Path], fmt: str | None = None) -> list[LoadReport]:
    """Load export files (folders are searched) into the warehouse as ``tajian ingest`` does
    (:func:`store.stream.load_exports`: small files in batched transactions, a large one in
    parts); the first file that cannot be read raises, after the files before it are loaded."""
    files = export_files(paths)
    reports: list[LoadReport] = []
    with runs.warehouse(warehouse) as con:
        for _, outcome in load_exports(con, files, fmt):
            if isinstance(outcome, Exception):
                raise outcome
            reports.append(outcome)
    return reports
