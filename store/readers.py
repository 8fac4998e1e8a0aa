"""Pick the right reader for an export file, and expand folders into the files to load.

Formats are told apart by their content (a CSV header, JSON keys), then by the file name, so
analysts can point ``tajian ingest`` at a folder of mixed exports; ``--format`` forces one.
A file that matches no format is not an error: it becomes one quarantine entry that says so.

Example:
    >>> sorted(FORMATS)
    ['ced', 'mediacrawler', 'weibo-api', 'weibo-crawler', 'weibo-search']
"""

from __future__ import annotations

import gzip
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from store.ced import read_ced, sniff_ced
from store.fields import decode_export_bytes
from store.mediacrawler import read_mediacrawler, sniff_mediacrawler
from store.records import BatchBuilder, ExportBatch, whole_file_quarantine
from store.weibo_api import read_weibo_api
from store.weibo_crawler import read_weibo_crawler, sniff_weibo_crawler
from store.weibo_search import read_weibo_search, sniff_weibo_search

__all__ = [
    "EXPORT_SUFFIXES",
    "FORMATS",
    "ExportFormat",
    "UnknownFormatError",
    "detect_format",
    "find_export_files",
    "read_export",
    "read_exports",
]


@dataclass(frozen=True)
class ExportFormat:
    """One export format: how to read it and how to recognise it."""

    name: str
    description: str
    read: Callable[[Path], ExportBatch]
    sniff: Callable[[Path, str], bool]


def _sniff_weibo_api(path: Path, head: str) -> bool:
    text = head.lstrip("\ufeff").lstrip()
    if not text.startswith(("{", "[")):
        return False
    return (
        any(k in text[:4096] for k in ('"statuses"', '"retweeted_status"', '"idstr"', '"created_at"'))
        and '"note_id"' not in text[:4096]
    )


#: Known formats, in the order they are tried: the most specific first.
FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in [
        ExportFormat(
            "weibo-crawler",
            "dataabc/weibo-crawler: <screen_name>/<user_id>.csv|.json, users.csv",
            read_weibo_crawler,
            sniff_weibo_crawler,
        ),
        ExportFormat(
            "weibo-search", "dataabc/weibo-search keyword results CSV", read_weibo_search, sniff_weibo_search
        ),
        ExportFormat(
            "mediacrawler",
            "NanmiCoder/MediaCrawler Weibo and Xiaohongshu contents, "
            "comments, creators (jsonl, json, csv; old and new schema)",
            read_mediacrawler,
            sniff_mediacrawler,
        ),
        ExportFormat("ced", "CED research dataset (ced_original.csv / ced_reposts.csv)", read_ced, sniff_ced),
        ExportFormat(
            "weibo-api",
            'official Weibo API status JSON (JSON lines or {"statuses": …})',
            read_weibo_api,
            _sniff_weibo_api,
        ),
    ]
}
#: Suffixes of files that folders contribute (``.gz`` of each too).
EXPORT_SUFFIXES = (".jsonl", ".json", ".ndjson", ".csv")


class UnknownFormatError(ValueError):
    """The export format could not be told from the file, or is not supported."""


def _head(path: Path, size: int = 4096) -> str:
    with open(path, "rb") as fh:
        raw = fh.read(size if path.suffix != ".gz" else 1 << 16)
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            try:
                with gzip.open(path, "rb") as gz:
                    raw = gz.read(size)
            except (OSError, EOFError):
                return ""
    raw = raw[:size]
    for cut in range(4):  # a multi-byte character may be split at the end of the head
        try:
            return decode_export_bytes(raw[: len(raw) - cut] if cut else raw)[0]
        except ValueError:
            continue
    return ""


def detect_format(path: str | Path) -> str:
    """Tell the export format of a file from its content, then its name."""
    p = Path(path)
    head = _head(p)
    for fmt in FORMATS.values():
        if fmt.sniff(p, head):
            return fmt.name
    raise UnknownFormatError(
        f"{p}: not a known export (the start of the file matches none of: "
        f"{', '.join(FORMATS)}); pass --format to force one"
    )


def _not_an_export(path: Path, detected: str) -> str:
    """Why a file whose format could not be told is not an export, as plainly as the bytes say:
    empty, a damaged ``.gz``, UTF-16/32 text, binary data, or else ``detected`` (the formats
    tried)."""
    with open(path, "rb") as fh:
        raw = fh.read(1 << 16)
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rb") as gz:
                raw = gz.read(1 << 16)
        except (OSError, EOFError, zlib.error) as exc:
            return f"{path}: not a readable .gz file ({exc}); it was cut short or damaged: copy it again"
    if not raw.strip():
        return f"{path}: the file is empty (no rows); expected an export with a header or records"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:2000].count(b"\x00") > len(raw[:2000]) // 4:
        return (
            f"{path}: UTF-16 (or UTF-32) text, which no reader takes; save it as UTF-8 "
            "(Excel: Save As → CSV UTF-8) and load it again"
        )
    try:
        decode_export_bytes(raw[: len(raw) - 4] if len(raw) == 1 << 16 else raw)
    except ValueError as exc:
        byte = str(exc).split(";")[0]
        return f"{path}: not text ({byte}); expected a CSV or JSON export (a binary or damaged file?)"
    return detected


def _read_gzipped(path: Path, fmt: str) -> ExportBatch:
    """Read ``x.csv.gz`` (any format) as its ``x.csv``, decompressed into a temporary folder
    beside a parent folder of the same name (readers take the author from file and folder names)."""
    try:
        with gzip.open(path, "rb") as gz:
            data = gz.read()
    except (OSError, EOFError, zlib.error) as exc:
        return whole_file_quarantine(
            str(path), b"", f"not a readable .gz file ({exc}); it was cut short or damaged: copy it again"
        )
    with tempfile.TemporaryDirectory(prefix="tajian-gz-") as folder:
        inner = Path(folder) / (path.parent.name or "gz") / path.name[:-3]
        inner.parent.mkdir(parents=True)
        inner.write_bytes(data)
        del data
        return FORMATS[fmt].read(inner).renamed(str(inner), str(path))


def read_export(path: str | Path, fmt: str | None = None) -> ExportBatch:
    """Read one export file with the reader for ``fmt`` (detected when None); a ``.gz`` file is
    read as the file it holds.

    A file whose format cannot be told is returned as one quarantine entry saying why (empty,
    damaged, UTF-16, binary, or no known format), not an error.
    """
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise UnknownFormatError(
            f"unknown export format {fmt!r}; expected one of: {', '.join(sorted(FORMATS))}"
        )
    if fmt is None:
        try:
            fmt = detect_format(path)
        except UnknownFormatError as exc:
            b = BatchBuilder(str(path))
            b.quarantine(0, _head(path, 2000), _not_an_export(path, str(exc)))
            return b.build()
    batch = _read_gzipped(path, fmt) if path.suffix == ".gz" and path.is_file() else FORMATS[fmt].read(path)
    batch.format = fmt
    return batch


#: A file at most this large is read in the background while the previous one loads (two
#: batches in memory at once: a bound keeps that cheap; larger files are read when their turn comes).
PREFETCH_MAX_BYTES = 64 << 20


def _read_now(path: Path, fmt: str | None) -> Future[ExportBatch]:
    done: Future[ExportBatch] = Future()
    try:
        done.set_result(read_export(path, fmt))
    except Exception as exc:  # handed to the caller through the future
        done.set_exception(exc)
    return done


def read_exports(
    paths: Iterable[str | Path], fmt: str | None = None, *, prefetch_max_bytes: int = PREFETCH_MAX_BYTES
) -> Iterator[tuple[Path, Future[ExportBatch]]]:
    """Read export files in order, yielding ``(path, future)``; ``future.result()`` is the batch
    or raises what :func:`read_export` raised for that file. While the caller loads one batch,
    the next file (when at most ``prefetch_max_bytes``) is read in a background thread, so
    reading and loading overlap on two cores (parsing runs mostly in DuckDB and Arrow, which
    release the GIL).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for k in range(3):
    ...         _ = (Path(folder) / f"{k}.jsonl").write_text("")
    ...     files = find_export_files([folder])
    ...     [(p.name, f.result().rows_read) for p, f in read_exports(files, "weibo-api")]
    [('0.jsonl', 0), ('1.jsonl', 0), ('2.jsonl', 0)]
    """
    files = [Path(p) for p in paths]

    def small(p: Path) -> bool:
        try:
            return p.stat().st_size <= prefetch_max_bytes
        except OSError:
            return True  # read_export will say what is wrong with it

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tajian-read") as pool:
        ahead: Future[ExportBatch] | None = None
        try:
            for k, path in enumerate(files):
                current = ahead if ahead is not None else _read_now(path, fmt)
                current.exception()  # wait for it before reading the next
                ahead = (
                    pool.submit(read_export, files[k + 1], fmt)
                    if k + 1 < len(files) and small(files[k + 1])
                    else None
                )
                yield path, current
        except GeneratorExit:
            if ahead is not None:
                ahead.cancel()
            raise


def _is_export_name(p: Path) -> bool:
    name = p.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(EXPORT_SUFFIXES)


def find_export_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into export files, sorted, each once.

    Folders contribute files with an export suffix (``.jsonl``, ``.json``, ``.csv``, and their
    ``.gz``); a file named explicitly is always kept, so its reader can say what is wrong with it.
    """
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found += [
                f
                for f in sorted(p.rglob("*"))
                if f.is_file() and not f.name.startswith(".") and _is_export_name(f)
            ]
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
