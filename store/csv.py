"""Shared CSV machinery of the export readers (weibo-crawler, weibo-search, CED, MediaCrawler):
records that account for every physical line, and :class:`CsvTable`, a column-wise reading that
goes through DuckDB for large files and the ``csv`` module otherwise, quarantining what it
cannot read with the reason.

Example:
    >>> t = CsvTable('id,text\\n1,宝宝\\n2,"two\\nlines"\\n', "x.csv", ["id", "text"])
    >>> t.arrow(["id", "text"]).column("text").to_pylist(), t.line.tolist()
    (['宝宝', 'two\\nlines'], [2, 3])
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from store.fields import MAX_FIELD_CHARS, damaged_byte, decode_export_bytes, is_blank, is_utf8

__all__ = [
    "DUCKDB_MIN_CHARS",
    "CsvRecord",
    "CsvTable",
    "CsvUnreadableError",
    "CsvUnreadableFallback",
    "csv_export_text",
    "is_well_quoted",
    "iter_csv_records",
    "strip_bom",
]

#: Inputs at least this long are read with DuckDB's CSV reader; smaller ones with ``csv``.
DUCKDB_MIN_CHARS = 1_000_000


class CsvUnreadableError(ValueError):
    """The text cannot be read as CSV at all."""


_BOM = b"\xef\xbb\xbf"


def csv_export_text(data: bytes) -> str | bytes:
    """A CSV export's content for :class:`CsvTable`, without its BOM: a large UTF-8 file stays
    bytes (DuckDB reads it; decoding 45 MB of CJK text into a str costs 0.1 s and up to 4 bytes
    a character), anything else is decoded (:func:`store.fields.decode_export_bytes`: UTF-8,
    else GB18030; raises ValueError naming the byte that fails).

    >>> csv_export_text("\\ufeffid,正文\\n1,宝宝".encode())
    'id,正文\\n1,宝宝'
    """
    if len(data) >= DUCKDB_MIN_CHARS and is_utf8(data):
        return data.removeprefix(_BOM)
    return decode_export_bytes(data, lenient=True)[0].lstrip("\ufeff")


def strip_bom(text: str | bytes) -> str | bytes:
    """``text`` without its byte-order mark (a str's or UTF-8 bytes')."""
    return text.removeprefix(_BOM) if isinstance(text, bytes) else text.lstrip("\ufeff")


#: One CSV field as ``csv.writer`` writes it (quoted with doubled quotes inside, or plain
#: without quotes, commas or line ends), and as the lenient ``csv.reader`` also reads it (text
#: may follow a closing quote; a plain field may hold quotes). Possessive: no backtracking.
_STRICT_FIELD = r'(?:"[^"]*+(?:""[^"]*+)*+"|[^",\r\n]*+)'
_LENIENT_FIELD = r'(?:"[^"]*+(?:""[^"]*+)*+"[^,\r\n]*+|[^",\r\n][^,\r\n]*+|)'
_STRICT_RECORD = re.compile(f"{_STRICT_FIELD}(?:,{_STRICT_FIELD})*+(?:\r?\n|\r)?")
_LENIENT_RECORD = re.compile(f"{_LENIENT_FIELD}(?:,{_LENIENT_FIELD})*+(?:\r?\n|\r)?")
#: The csv module's own limit (131,072 characters a field) would make one long cell an error
#: for the whole file; cells are checked against MAX_FIELD_CHARS instead, row by row.
_CSV_FIELD_LIMIT = 1 << 30


@dataclass(frozen=True)
class CsvRecord:
    """One record of a CSV body: its first physical line, the line after its last, and its
    cells, or (``cells`` None) the raw text and the reason it cannot be read."""

    line: int
    end: int
    cells: list[str] | None
    raw: str = ""
    reason: str = ""


class _LineFeed:
    """The lines of a text, handed to ``csv.reader`` one at a time from a position that can be
    moved back (to read again from the line after a runaway quote)."""

    __slots__ = ("lines", "pos")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.pos = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        pos = self.pos
        if pos >= len(self.lines):
            raise StopIteration
        self.pos = pos + 1
        return self.lines[pos]


def _line_text(line: str) -> str:
    """A line for the quarantine: no line end, at most 4,000 characters, bad bytes as U+FFFD."""
    if damaged_byte(line) is not None:
        line = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return line.rstrip("\r\n")[:4000]


def _runaway_reason(line: str, header: Sequence[str], spanned: int, at_end: bool) -> str:
    """Why a record is read as its first line alone: a quote opened there is not closed."""
    try:
        cells = next(csv.reader([line]), [])
    except csv.Error:  # pragma: no cover - one line in lenient mode always parses
        cells = []
    k = max(len(cells) - 1, 0)
    field = header[k] if k < len(header) else f"cell {k + 1}"
    if at_end and spanned == 1:
        reach = "the end of the file"
    else:
        reach = f"the next {spanned - 1} line(s){' and the end of the file' if at_end else ''}"
    return (
        f"an unterminated quote: field {field!r} opens a quote that is not closed on its line, "
        f"so it would swallow {reach}; expected a closing '\"' (a row cut short, or a stray "
        "quote?). The lines after it are read as rows of their own"
    )


def iter_csv_records(
    body: str,
    *,
    header: Sequence[str] = (),
    first_line: int = 2,
    min_cells: int = 1,
    max_cells: int | None = None,
) -> Iterator[CsvRecord]:
    """The records of a CSV ``body`` (the text after the header, whose first line is line
    ``first_line``), each with the physical lines it spans, so that every line is accounted for:
    blank lines are skipped, every other line belongs to exactly one record.

    A record may span several lines only when its quotes are as ``csv.writer`` writes them and
    it has between ``min_cells`` and ``max_cells`` cells (any number by default);
    otherwise (a quote that is never closed, or closed in the middle of a later row) its first
    line is given back alone as unreadable, and reading starts again on the next line. A record
    with a cell longer than :data:`~store.fields.MAX_FIELD_CHARS` is unreadable too.

    >>> [(r.line, r.cells or r.reason[:23]) for r in iter_csv_records(
    ...     '1,"open\\n2,ok\\n3,ok\\n', header=["id", "text"], min_cells=2, max_cells=2)]
    [(2, 'an unterminated quote: '), (3, ['2', 'ok']), (4, ['3', 'ok'])]
    """
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    lines = io.StringIO(body, newline="").readlines()
    damaged = damaged_byte(body) is not None  # bytes that are not UTF-8 (a lenient decoding)
    n = len(lines)
    width = len(header)
    most = max_cells if max_cells is not None else 1 << 30
    feed = _LineFeed(lines)
    reader = csv.reader(feed)
    while feed.pos < n:
        s = feed.pos
        try:
            cells = next(reader)
        except StopIteration:  # pragma: no cover - feed.pos < n
            break
        except csv.Error as exc:
            yield CsvRecord(first_line + s, first_line + s + 1, None, _line_text(lines[s]), f"{exc}")
            feed.pos = s + 1
            reader = csv.reader(feed)
            continue
        e = feed.pos
        if (e - s > 1 or e == n) and _runs_away(lines, s, e, len(cells), min_cells, most):
            reason = _runaway_reason(lines[s], header, e - s, e == n)
            yield CsvRecord(first_line + s, first_line + s + 1, None, _line_text(lines[s]), reason)
            feed.pos = s + 1
            reader = csv.reader(feed)
            continue
        if not cells:
            continue  # a blank line
        if damaged and (why := damaged_byte("".join(lines[s:e]))) is not None:
            raw = "".join(lines[s:e]).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            yield CsvRecord(first_line + s, first_line + e, None, raw.rstrip("\r\n")[:4000], why)
            continue
        if (len(lines[s]) if e - s == 1 else sum(map(len, lines[s:e]))) > MAX_FIELD_CHARS:
            big = [j for j, c in enumerate(cells) if len(c) > MAX_FIELD_CHARS]
            if big:
                j = big[0]
                field = header[j] if j < width else f"cell {j + 1}"
                raw = "".join(lines[s:e])[:4000].rstrip("\r\n")
                yield CsvRecord(
                    first_line + s,
                    first_line + e,
                    None,
                    raw,
                    f"field {field!r} holds {len(cells[j]):,} characters; expected at most "
                    f"{MAX_FIELD_CHARS:,} (no Weibo field is that long: a damaged file?)",
                )
                continue
        yield CsvRecord(first_line + s, first_line + e, cells)


def _runs_away(lines: list[str], s: int, e: int, cells: int, fewest: int, most: int) -> bool:
    """Whether the record on lines ``s:e`` is a runaway quote rather than a real record: a
    multi-line record must be quoted exactly as ``csv.writer`` quotes and have a plausible number
    of cells; the last record must not end inside a quote."""
    if e - s == 1:  # the last line: only a quote open at the end of the file is wrong
        return _LENIENT_RECORD.fullmatch(lines[s]) is None
    if not fewest <= cells <= most:
        return True
    return _STRICT_RECORD.fullmatch("".join(lines[s:e])) is None


def is_well_quoted(record: str) -> bool:
    """Whether one record's text (its line end included or not) is quoted exactly as
    ``csv.writer`` quotes: each field plain (no quote, comma or line end) or wholly quoted with
    inner quotes doubled.

    >>> is_well_quoted('1,"two\\nlines","x""y"\\n'), is_well_quoted('1,"open\\n2,ok\\n')
    (True, False)
    """
    return _STRICT_RECORD.fullmatch(record) is not None


class CsvUnreadableFallback(Exception):
    """The fast (DuckDB) reading of a CSV found something only the careful reading handles."""


class CsvTable:
    """A CSV export read column-wise: the header, the cells of the columns asked for (text, ``""``
    where missing), each record's first line and the line after it, and the records that could
    not be read (``rejected``: line, raw text, reason).

    Small inputs go through the ``csv`` module (:func:`iter_csv_records`); large ones through
    DuckDB's CSV reader (C++, short rows padded), reading ``file`` directly when given (the UTF-8
    file the text came from) or else a temporary UTF-8 copy. Line numbers come from the quote
    parity of each newline. A large file with a runaway quote, an over-long cell or anything
    else DuckDB's reading cannot vouch for is read again through the ``csv`` module.
    ``min_cells``: the fewest cells a record spanning several lines may have (by default any
    number; see :func:`iter_csv_records`); ``full_rows``: such a record has exactly as many cells
    as the header (the writer writes every cell of each row).
    """

    def __init__(
        self,
        text: str | bytes,
        source: str,
        columns: Iterable[str] = (),
        *,
        file: Path | None = None,
        min_cells: int | None = None,
        full_rows: bool = False,
    ) -> None:
        self.source = source
        # UTF-8 bytes are kept as they are: a large export as a str can take 4 bytes a character
        # (the CED reposts: 154 MB of UTF-8, 505 MB as a str)
        self.text = text
        if isinstance(text, bytes):
            cut = text.find(b"\n")
            cut = len(text) if cut < 0 else cut
            first = text[:cut].decode("utf-8")
            empty = is_blank(text, cut + 1)
        else:
            first, _, body = text.partition("\n")
            empty = not body.strip()
        try:
            self.header = [h.strip() for h in next(csv.reader([first.rstrip("\r")]), [])]
        except csv.Error:
            self.header = [h.strip() for h in first.rstrip("\r").split(",")]
        self.width = len(self.header)
        self.min_cells = self.width if full_rows else min(min_cells, self.width) if min_cells else None
        self.max_cells = self.width if full_rows else None
        self._lines: list[str] | None = None
        wanted = sorted({self.header.index(c) for c in columns if c in self.header})
        self._arrow: dict[int, pa.Array | pa.ChunkedArray] = {}
        self.extra = np.zeros(0, dtype=bool)
        self.line = np.zeros(0, dtype=np.int64)
        self.end = np.zeros(0, dtype=np.int64)
        self.rejected: list[tuple[int, str, str]] = []
        self.n = 0
        if empty:
            return
        if len(text) >= DUCKDB_MIN_CHARS and (isinstance(text, bytes) or damaged_byte(text) is None):
            try:
                self._read_duckdb(text, wanted, file)
                return
            except (duckdb.Error, CsvUnreadableFallback):
                pass
        if isinstance(text, bytes):
            body = text[cut + 1 :].decode("utf-8")
        self._read_python(body, wanted)

    def _read_python(self, body: str, wanted: list[int]) -> None:
        rows: list[list[str]] = []
        lines: list[int] = []
        ends: list[int] = []
        self.rejected = []
        for r in iter_csv_records(
            body, header=self.header, min_cells=self.min_cells or 1, max_cells=self.max_cells
        ):
            if r.cells is None:
                self.rejected.append((r.line, r.raw, r.reason))
            else:
                rows.append(r.cells)
                lines.append(r.line)
                ends.append(r.end)
        # self._lines[k] is line k (the header is line 1)
        self._lines = ["", "", *(x.rstrip("\r\n") for x in io.StringIO(body, newline="").readlines())]
        self.n = len(rows)
        self.line = np.array(lines, dtype=np.int64)
        self.end = np.array(ends, dtype=np.int64)
        self.extra = np.array([any(c != "" for c in r[self.width :]) for r in rows], dtype=bool)
        for j in wanted:
            self._arrow[j] = pa.array([r[j] if j < len(r) else "" for r in rows], type=pa.string())

    def _read_duckdb(self, text: str | bytes, wanted: list[int], file: Path | None) -> None:
        width = self.width + 8
        decl = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
        extra = " OR ".join(f"c{i} IS NOT NULL" for i in range(self.width, width))
        proj = ", ".join([*(f"c{j}" for j in wanted), f"({extra}) AS _extra"])
        tmp = None
        try:
            if file is None:
                fd, name = tempfile.mkstemp(suffix=".csv")
                tmp = Path(name)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
                file = tmp
            where = str(file).replace("'", "''")
            con = duckdb.connect()
            try:
                con.execute("SET threads = 2")
                tbl = con.sql(
                    f"SELECT {proj} FROM read_csv('{where}', delim=',', quote='\"', escape='\"', "
                    f"header=false, skip=1, columns={{{decl}}}, null_padding=true, auto_detect=false, "
                    f"strict_mode=false, parallel=false, max_line_size=20000000)"
                ).to_arrow_table()
            finally:
                con.close()
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        for k in range(len(wanted)):
            col = tbl.column(k)
            longest = pc.max(pc.binary_length(col)).as_py() if len(col) else 0
            if (longest or 0) > MAX_FIELD_CHARS and (
                pc.max(pc.utf8_length(col)).as_py() or 0
            ) > MAX_FIELD_CHARS:
                raise CsvUnreadableFallback("a cell longer than MAX_FIELD_CHARS")
        self.n = tbl.num_rows
        self.line, self.end = self._checked_spans(text, self.n)
        for k, j in enumerate(wanted):
            self._arrow[j] = tbl.column(k).fill_null("")
        self.extra = tbl.column(len(wanted)).to_numpy(zero_copy_only=False).astype(bool)

    @staticmethod
    def _events(text: str | bytes) -> tuple[np.ndarray, np.ndarray, int]:
        """Byte offsets and values of every newline, carriage return and quote of the UTF-8
        text (in order), and its length in bytes, reading 16 MB at a time."""
        step = 1 << 24
        offsets: list[np.ndarray] = []
        values: list[np.ndarray] = []
        base = 0
        for k in range(0, len(text), step):
            part = text[k : k + step]
            b = np.frombuffer(part if isinstance(part, bytes) else part.encode("utf-8"), dtype=np.uint8)
            at = np.flatnonzero(b <= 34)  # one cheap test, then the few bytes it lets through
            value = b[at]
            keep = (value == 10) | (value == 34) | (value == 13)
            offsets.append(at[keep] + base)
            values.append(value[keep])
            base += len(b)
        if not offsets:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8), 0
        return np.concatenate(offsets), np.concatenate(values), base

    @staticmethod
    def _record_spans(text: str | bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """First line and the line after the last of each non-blank record after the header
        (a newline ends a record when an even number of quotes precede it), the byte offset of
        every newline, and whether the text ends inside a quote."""
        at, value, size = CsvTable._events(text)
        is_newline = value == 10
        line_ended = np.cumsum(is_newline)  # at a newline: the line it ends (from 1)
        odd = np.cumsum(value == 34) % 2 == 1  # an odd number of quotes up to here
        ends = np.flatnonzero(is_newline & ~odd)  # the events that end a record
        starts = line_ended[ends] + 1  # the first is the first record after the header
        # a record-ending newline followed by another line end (or the end): a blank line
        after = np.minimum(ends + 1, len(at) - 1)
        blank = (at[ends] + 1 >= size) | (
            (ends + 1 < len(at)) & (at[after] == at[ends] + 1) & (value[after] != 34)
        )
        last_line = int(line_ended[-1]) + 1 if len(at) and is_newline.any() else 1
        after_each = np.append(starts, last_line + 1)  # the line after each record's last
        keep = np.flatnonzero(~blank)
        return (
            starts[keep].astype(np.int64),
            after_each[keep + 1].astype(np.int64),
            at[is_newline],
            bool(len(odd) and odd[-1]),
        )

    @staticmethod
    def _start_lines(text: str | bytes, n: int) -> np.ndarray:
        """First line of each of the first ``n`` non-blank records after the header."""
        newline, quote = ("\n", '"') if isinstance(text, str) else (b"\n", b'"')
        if quote not in text and text.count(newline) - (0 if text.endswith(newline) else -1) == n + 1:
            return np.arange(2, n + 2, dtype=np.int64)
        starts = CsvTable._record_spans(text)[0]
        if len(starts) >= n:
            return starts[:n]
        return np.arange(2, n + 2, dtype=np.int64)  # pragma: no cover - a dialect mismatch

    def _checked_spans(self, text: str | bytes, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Each record's first line and the line after its last, as DuckDB read the records;
        raises :class:`CsvUnreadableFallback` unless every record spanning several lines is one
        :func:`iter_csv_records` would accept too (no runaway quote)."""
        newline, quote = ("\n", '"') if isinstance(text, str) else (b"\n", b'"')
        if quote not in text and text.count(newline) - (0 if text.endswith(newline) else -1) == n + 1:
            line = np.arange(2, n + 2, dtype=np.int64)
            return line, line + 1
        line, end, newlines, open_at_end = self._record_spans(text)
        if open_at_end or len(line) != n:
            raise CsvUnreadableFallback("a quote open at the end, or records DuckDB counted otherwise")
        raw = text if isinstance(text, bytes) else text.encode("utf-8")
        fewest = self.min_cells or 1
        most = self.max_cells or 1 << 30
        for k in np.flatnonzero(end - line > 1):
            first, stop = int(line[k]), int(end[k])
            a = int(newlines[first - 2]) + 1
            b = int(newlines[stop - 2]) + 1 if stop - 2 < len(newlines) else len(raw)
            span = raw[a:b].decode("utf-8", "replace")
            cells = next(csv.reader(io.StringIO(span, newline="")), [])
            if not fewest <= len(cells) <= most or _STRICT_RECORD.fullmatch(span) is None:
                raise CsvUnreadableFallback(f"line {first}: a record spanning lines is not well quoted")
        return line, end

    def index_of(self, name: str) -> int | None:
        try:
            return self.header.index(name)
        except ValueError:
            return None

    def arrow(self, names: Iterable[str]) -> pa.Table:
        """The cells of columns ``names`` as Arrow text (``""`` where the cell is missing, NULL
        for a column the header lacks), with ``i`` (the record's number from 0), ``_line`` (its
        first line) and ``_extra`` (non-empty cells beyond the header: the cells are shifted)."""
        cols: dict[str, Any] = {"i": pa.array(np.arange(self.n, dtype=np.int64))}
        for name in names:
            j = self.index_of(name)
            known = j is not None and j in self._arrow
            cols[name] = self._arrow[j] if known else pa.nulls(self.n, pa.string())
        cols["_line"] = pa.array(self.line, type=pa.int64())
        cols["_extra"] = pa.array(self.extra, type=pa.bool_())
        return pa.table(cols)

    def raw(self, i: int) -> str:
        """The raw text of record ``i`` (its physical lines, at most 4,000 characters)."""
        if self._lines is None:
            self._lines = ["", *self.text.split(b"\n" if isinstance(self.text, bytes) else "\n")]
        start = int(self.line[i])
        end = max(int(self.end[i]), start + 1)
        lines = [x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in self._lines[start:end]]
        return "\n".join(x.rstrip("\r") for x in lines).rstrip("\n")[:4000]

    def rejected_rows(self, source: str) -> list[tuple[int, str, str]]:
        """The records that could not be read, as quarantine rows ``(line, raw, reason)``."""
        return [(line, raw, f"{source}, line {line}: {why}") for line, raw, why in self.rejected]
