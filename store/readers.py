"""Pick the right reader for an export file, and expand folders into the files to load.

Example:
    >>> detect_format("statuses.jsonl")
    'weibo-api'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from store.records import ExportBatch
from store.weibo_api import read_weibo_api

__all__ = ["FORMATS", "UnknownFormatError", "detect_format", "find_export_files", "read_export"]

FORMATS: dict[str, Callable[[Path], ExportBatch]] = {
    "weibo-api": read_weibo_api,
}
_SUFFIXES = {".jsonl": "weibo-api", ".json": "weibo-api", ".ndjson": "weibo-api"}


class UnknownFormatError(ValueError):
    """The export format could not be told from the file, or is not supported."""


def detect_format(path: str | Path) -> str:
    """Tell the export format from the file name (``.gz`` is looked through)."""
    p = Path(path)
    suffix = Path(p.stem).suffix if p.suffix == ".gz" else p.suffix
    fmt = _SUFFIXES.get(suffix.lower())
    if fmt is None:
        raise UnknownFormatError(
            f"{p}: cannot tell the export format from the suffix {suffix!r}; expected one of "
            f"{sorted(_SUFFIXES)} or pass --format ({', '.join(FORMATS)})"
        )
    return fmt


def read_export(path: str | Path, fmt: str | None = None) -> ExportBatch:
    """Read one export file with the reader for ``fmt`` (detected when None)."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise UnknownFormatError(
            f"unknown export format {fmt!r}; expected one of: {', '.join(FORMATS)}"
        )
    return FORMATS[fmt](Path(path))


def find_export_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into export files, sorted, each once.

    Folders contribute the files whose suffix a reader knows; a file named explicitly is always
    kept, so its reader can say what is wrong with it.
    """
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    try:
                        detect_format(f)
                    except UnknownFormatError:
                        continue
                    found.append(f)
        elif p.exists():
            found.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique
