"""Reader for NanmiCoder/MediaCrawler exports: Weibo and Xiaohongshu (``xhs``) contents, comments
and creators, as JSON lines, one JSON array, or CSV (``utf-8-sig`` ``csv.DictWriter``).

MediaCrawler writes ``data/<platform>/<csv|json|jsonl>/<crawler_type>_<contents|comments|creators>_
<YYYY-MM-DD>.<ext>`` (older versions prefix a run number: ``1_search_contents_….csv``). Exact schemas
in ``../shared/data/export-formats.md`` section 3. The code here is the reference; a large clean
Weibo or XHS contents or comments file is interpreted by the same rules in DuckDB SQL instead
(:mod:`store.mediacrawler_sql`, see :func:`parse_file`). Both schemas are read:

* the *old* one: ``user_id`` and the real ``nickname`` (plus ``gender``, ``ip_location``, …);
* the *new* one (commit 9f4f8bf): ``creator_hash`` (sha256[:16] of the real id) **is** the user id,
  and nicknames are masked (``多***夜``). Masked nicknames are kept as ``screen_name`` (so a report can
  show them) but never used to resolve a name: the warehouse skips names containing ``*``, and this
  reader never matches them against ``@name`` text.

What comes out (DESIGN.md "Data model"):

* a content row is a post (``repost_of`` always NULL: MediaCrawler keeps no repost id); its author
  a user. Weibo repost texts carry ``//@`` chains: ``B's words //@C1: … //@C2: …`` gives C1→B,
  C2→C1 by name (the chain's original author is unknown, so no post and no edge is invented);
* a comment row is a post with ``reply_to`` = its ``note_id``; the note's author → commenter when the
  note's author is known (from contents in the same batch, or from ``note_authors``: by default
  :func:`read_mediacrawler` reads them from the ``*_contents_*`` files next to a comments file, the
  files MediaCrawler writes together); a reply (``parent_comment_id``) also gives the parent
  comment's author → replier when the parent is in the file. Weibo's ``parent_comment_id`` is the API's
  ``rootid``: a top-level comment names itself, and a nested reply names the thread's root, so the
  ``回复@name:`` prefix of the text, where present, names the comment actually replied to;
* ``@name`` in the author's own words → author → name (``mention``);
* a creator row is a user profile (``fans`` → followers, ``follows`` → following, ``desc`` →
  description, ``ip_location`` → location, ``gender`` Female/Male → f/m). Its row key is
  ``user:<id>`` (a creator row stands for a user, not a post).

Times: ``create_time`` (unix seconds for Weibo, milliseconds for XHS; told apart by magnitude),
else ``create_date_time`` ("YYYY-MM-DD HH:MM:SS+08:00"). Counts are strings ("1.2万", "10万+").
Ids are text; a float or an id Excel rewrote in scientific notation (``5.01E+15``) is quarantined.

Example:
    >>> line = ('{"note_id": "5012", "content": "好//@小红:对", "create_time": 1700000000, '
    ...         '"user_id": "9", "nickname": "阿花", "liked_count": "1.2万"}')
    >>> b = parse_mediacrawler(line, "search_contents_2026-08-14.jsonl", platform="weibo")
    >>> b.posts.loc[0, "likes"], b.interactions.loc[0, "src_name"], b.interactions.loc[0, "dst_user"]
    (np.int64(12000), '小红', '9')
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from store.bulk import bulk_session
from store.csv import is_well_quoted, iter_csv_records
from store.fields import (
    COUNT_OVERFLOW,
    MAX_FIELD_CHARS,
    NAME_PATTERN,
    as_count,
    damaged_byte,
    decode_export_bytes,
    parse_weibo_datetime,
)
from store.mediacrawler_sql import GENDERS, parse_cells_sql
from store.mediacrawler_sql import SPEC as _SPEC
from store.mediacrawler_sql import SQL_KEYS as _SQL_KEYS
from store.records import INTERACTION_COLUMNS, ExportBatch, make_batch, whole_file_quarantine

__all__ = [
    "KINDS",
    "PLATFORMS",
    "SQL_MIN_ROWS",
    "MediaCrawlerFile",
    "classify_mediacrawler",
    "parse_mediacrawler",
    "parse_mediacrawler_rows",
    "read_mediacrawler",
    "sibling_note_authors",
    "sniff_mediacrawler",
]

PLATFORMS = ("weibo", "xhs")
KINDS = ("contents", "comments", "creators")
#: MediaCrawler's other platforms: recognised so that their files are refused with a clear reason.
_OTHER_PLATFORMS = {"douyin", "dy", "bilibili", "bili", "kuaishou", "ks", "tieba", "zhihu"}
_FILE_NAME = re.compile(
    r"(?:^|_)(contents|comments|creators)_\d{4}-\d{2}-\d{2}\.(csv|jsonl|json)$", re.IGNORECASE
)
_ID_OK = r"^[0-9A-Za-z_\-]+$"
_ID_RE = re.compile(_ID_OK)
_CHAIN_PART = re.compile(r"//\s*@(" + NAME_PATTERN + r")\s*[:：]")  # as store.fields
_MENTION = re.compile(r"@(" + NAME_PATTERN + r")")
_REPLY_PREFIX = re.compile(r"^\s*回复\s*@(" + NAME_PATTERN + r")\s*[:：]")
_HEAD_KEYS = re.compile(r'"([A-Za-z_]+)"\s*:')
_NO_PARENT = {"", "0", "None", "null"}

_USER_KEYS = ("user_id", "creator_hash", "nickname", "gender", "ip_location", "last_modify_ts")
_CREATOR_KEYS = ("desc", "follows", "fans")


# --------------------------------------------------------------------------------------------
# telling what a file is


def _platform_from_path(path: Path | str) -> str | None:
    for part in reversed(Path(path).parts[:-1]):
        p = part.lower()
        if p in PLATFORMS:
            return p
        if p in ("xiaohongshu", "red"):
            return "xhs"
        if p in _OTHER_PLATFORMS:
            return p
    return None


def _kind_from_path(path: Path | str) -> str | None:
    m = _FILE_NAME.search(Path(path).name)
    return m.group(1).lower() if m else None


def classify_mediacrawler(keys: Iterable[str], path: Path | str = "") -> tuple[str, str] | None:
    """``(platform, kind)`` of a MediaCrawler export from its keys (header), helped by its path;
    None when the keys are not those of a Weibo/XHS contents, comments or creators export.

    >>> classify_mediacrawler(["note_id", "content", "create_time", "creator_hash"])
    ('weibo', 'contents')
    >>> classify_mediacrawler(["comment_id", "note_id", "create_time", "pictures", "like_count"])
    ('xhs', 'comments')
    """
    k = set(keys)
    by_path = _platform_from_path(path) if path else None
    has_user = bool(k & {"user_id", "creator_hash"})
    if "comment_id" in k and "note_id" in k:
        if k & {"create_date_time", "comment_like_count"}:
            return "weibo", "comments"
        if k & {"pictures", "like_count"}:
            return "xhs", "comments"
        return (by_path, "comments") if by_path in PLATFORMS else None
    if "note_id" in k:
        if k & {"aweme_id", "video_id", "content_id"}:
            return None
        if "content" in k and k & {"create_time", "create_date_time"} and "desc" not in k:
            return "weibo", "contents"
        if "desc" in k and k & {"time", "xsec_token", "collected_count"}:
            return "xhs", "contents"
        return None
    if has_user and {"fans", "follows"} <= k:
        if "interaction" in k:
            return "xhs", "creators"
        return (by_path if by_path in PLATFORMS else "weibo"), "creators"
    return None


def _head_keys(head: str) -> list[str]:
    text = head.lstrip("\ufeff").lstrip()
    if text.startswith(("{", "[")):
        return _HEAD_KEYS.findall(text[:4096])
    first = text.split("\n", 1)[0].strip("\r")
    try:
        return next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return []


def sniff_mediacrawler(path: Path, head: str) -> bool:
    """True when ``path`` (with ``head``, its first ~4 KB decoded) is a MediaCrawler Weibo or XHS
    contents / comments / creators export that :func:`read_mediacrawler` reads."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".json", ".jsonl"):
        return False
    by_path = _platform_from_path(path)
    if by_path is not None and by_path not in PLATFORMS:
        return False
    found = classify_mediacrawler(_head_keys(head), path)
    if found is not None:
        return by_path is None or found[0] == by_path
    # The head may cut the first JSON object short; the file name and folder then decide.
    first = head.lstrip("\ufeff \r\n")[:1]
    return _kind_from_path(path) is not None and by_path in PLATFORMS and first in ("[", "{")


# --------------------------------------------------------------------------------------------
# reading rows: every format ends as columns (lists or Arrow arrays) plus line numbers


@dataclass
class MediaCrawlerFile:
    """Rows read from one export before they are interpreted: columns by key, one line per row,
    the raw text of each row (for quarantine), and the rows that could not be read at all."""

    source: str
    fmt: str
    keys: list[str]
    columns: dict[str, Any]
    lines: np.ndarray
    raws: Any  # callable(i) -> str
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines)


def _json_rows(
    objs: list[Any],
    lines: list[int],
    raws: list[str] | None,
    source: str,
    unreadable: list[tuple[int, str, str]],
    fmt: str,
) -> MediaCrawlerFile:
    rows: list[dict] = []
    kept_lines: list[int] = []
    kept_raws: list[str] = []
    for i, obj in enumerate(objs):
        if isinstance(obj, dict):
            rows.append(obj)
            kept_lines.append(lines[i])
            if raws is not None:
                kept_raws.append(raws[i])
        else:
            raw = raws[i] if raws is not None else _dump(obj)
            unreadable.append(
                (
                    lines[i],
                    raw,
                    f"{source}, line {lines[i]}: expected a JSON object "
                    f"(one MediaCrawler record); got {type(obj).__name__}",
                )
            )
    keys: list[str] = []
    seen: set[str] = set()
    step = max(1, len(rows) // 200)
    for r in rows[:200] + rows[200::step]:
        for k in r:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    columns = {k: [r.get(k) for r in rows] for k in keys}
    raw_of = kept_raws.__getitem__ if raws is not None else (lambda i: _dump(rows[i]))
    return MediaCrawlerFile(
        source, fmt, keys, columns, np.asarray(kept_lines, dtype=np.int64), raw_of, unreadable
    )


def _dump(obj: Any) -> str:
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return repr(obj)


def _read_jsonl(text: str, source: str) -> MediaCrawlerFile:
    objs: list[Any] = []
    lines: list[int] = []
    raws: list[str] = []
    unreadable: list[tuple[int, str, str]] = []
    loads = orjson.loads
    for n, raw in enumerate(text.split("\n"), 1):
        s = raw.strip()
        if not s:
            continue
        try:
            objs.append(loads(s))
        except orjson.JSONDecodeError as exc:
            unreadable.append(
                (
                    n,
                    raw.rstrip("\r"),
                    f"{source}, line {n}: not valid JSON ({exc}); "
                    "expected one MediaCrawler record per line (a line cut short by a "
                    "crash, or not an export?)",
                )
            )
            continue
        lines.append(n)
        raws.append(raw.rstrip("\r"))
    return _json_rows(objs, lines, raws, source, unreadable, "jsonl")


_KEY_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _read_jsonl_fast(path: Path, data: bytes, source: str) -> MediaCrawlerFile | None:
    """JSON lines through DuckDB's parallel reader, every value as text. Only for a clean file
    (UTF-8 without BOM, no blank lines, every line an object); None sends it to the exact path."""
    if data.startswith((b"\xef\xbb\xbf", b"\n", b"\r")):
        return None
    keys: dict[str, None] = {}
    for raw in data[: 1 << 20].split(b"\n")[:200]:
        if raw.strip():
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                break  # the last sampled line may be cut by the sample
            if not isinstance(obj, dict):
                return None
            keys.update(dict.fromkeys(obj))
    if not keys or not all(_KEY_OK.match(k) for k in keys):
        return None
    found = classify_mediacrawler(keys, path)
    if found is not None:  # only the columns this reader uses (ids, texts, times, counts, users)
        wanted = set(_SPEC.get(found, {}).values()) | set(_USER_KEYS) | set(_CREATOR_KEYS)
        wanted.add("interaction")
        keys = {k: None for k in keys if k in wanted} or keys
    expected = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    columns = ", ".join(f"'{k}': 'VARCHAR'" for k in keys)
    try:
        with duckdb.connect() as con:
            rel = con.sql(
                f"SELECT * FROM read_json(?, format = 'newline_delimited', columns = {{{columns}}}, "
                "maximum_object_size = 268435456)",
                params=[str(path)],
            )
            table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
    except duckdb.Error:
        return None
    if table.num_rows != expected:  # blank lines (DuckDB skips them): lines would not be i + 1
        return None
    cols = {k: table.column(k).combine_chunks() for k in keys}
    lines_of: list[bytes] = []

    def raw_of(i: int) -> str:
        if not lines_of:
            lines_of.extend(data.split(b"\n"))
        return lines_of[i].decode("utf-8", "replace").rstrip("\r")

    return MediaCrawlerFile(
        source, "jsonl", list(keys), cols, np.arange(1, table.num_rows + 1, dtype=np.int64), raw_of
    )


_ITEM_START = np.zeros(256, dtype=bool)
_ITEM_START[list(b'{["0123456789tfn-')] = True


def _item_lines(text: str, data: bytes | None = None) -> np.ndarray:
    """The line numbers (from 1) of the lines that start an item of a ``json.dumps(items,
    indent=4)`` array: four spaces, then a value (what ``^    [{["0-9tfn-]`` matches), found in
    the UTF-8 bytes with numpy (the regular expression over a 140 MB str took 1.2 s). ``data``:
    the UTF-8 bytes ``text`` was decoded from, when at hand (a BOM is skipped)."""
    raw = text.encode("utf-8") if data is None else data.removeprefix(b"\xef\xbb\xbf")
    return _item_starts(raw)[0]


def _item_starts(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(line numbers from 1, byte offsets) of the lines of ``raw`` that start an item of an
    indent=4 JSON array (see :func:`_item_lines`)."""
    b = np.frombuffer(raw, dtype=np.uint8)
    starts = np.concatenate([[0], np.flatnonzero(b == 10) + 1])  # where each line begins
    line = np.arange(1, len(starts) + 1, dtype=np.int64)
    fits = starts + 4 < len(b)
    starts, line = starts[fits], line[fits]
    item = _ITEM_START[b[starts + 4]]
    for k in range(4):
        item &= b[starts + k] == 32
    return line[item], starts[item]


#: The keys :func:`classify_mediacrawler` looks at.
_CLASS_KEYS = (
    "comment_id",
    "note_id",
    "create_date_time",
    "comment_like_count",
    "pictures",
    "like_count",
    "aweme_id",
    "video_id",
    "content_id",
    "content",
    "create_time",
    "desc",
    "time",
    "xsec_token",
    "collected_count",
    "user_id",
    "creator_hash",
    "fans",
    "follows",
    "interaction",
)
#: Keys whose values the reference reads as text only (another JSON type means something else).
_TEXT_KEYS = ("content", "nickname", "gender", "ip_location", "create_date_time")
_INT_TYPES = {"UBIGINT", "BIGINT"}
#: The (platform, kind) pairs :func:`_read_json_fast` reads.
_JSON_FAST = {("weibo", "contents"), ("weibo", "comments")}


def _read_json_fast(path: Path, data: bytes, source: str) -> MediaCrawlerFile | None:
    """A large ``json.dumps(items, indent=4)`` array of Weibo contents or comments through
    DuckDB's reader, values as text, as the JSON-lines fast path. Only when it reads exactly as
    :func:`_read_json` would: every item an object on its own line, text keys holding strings,
    id / time / count keys holding either strings or integers (not both: the reference reads a
    mixed column by other rules); else None. One known difference: a key that holds ``null`` in
    every item counts as absent here (DuckDB does not tell the two apart)."""
    if data.startswith(b"\xef\xbb\xbf") or not data.lstrip().startswith(b"["):
        return None
    if classify_mediacrawler(_head_keys(data[:4096].decode("utf-8", "ignore")), path) not in _JSON_FAST:
        return None  # the type checks below cover Weibo's keys only: not worth reading twice
    item_lines, item_offsets = _item_starts(data)
    first = np.frombuffer(data, dtype=np.uint8)[item_offsets + 4]
    if len(first) == 0 or not (first == ord("{")).all():
        return None  # an item that is not an object: the reference says which
    keys = tuple(dict.fromkeys((*_CLASS_KEYS, *sorted(_SQL_KEYS), *_TEXT_KEYS)))
    columns = ", ".join(f"'{k}': 'JSON'" for k in keys)
    select = ", ".join(f'"{k}"->>\'$\' AS "{k}"' for k in keys)
    kinds = ", ".join(f'list(DISTINCT json_type("{k}")) FILTER (WHERE "{k}" IS NOT NULL)' for k in keys)
    try:
        with duckdb.connect() as con:
            con.execute(
                f"CREATE TEMP TABLE j AS SELECT * FROM read_json(?, format = 'array', records = true, "
                f"columns = {{{columns}}}, maximum_object_size = 268435456)",
                [str(path)],
            )
            types = con.execute(f"SELECT count(*), {kinds} FROM j").fetchall()[0]
            table = con.sql(f"SELECT {select} FROM j").to_arrow_table()
    except duckdb.Error:
        return None
    n, kinds_of = types[0], dict(zip(keys, types[1:], strict=True))
    if n != len(first):
        return None
    present = [k for k in keys if kinds_of[k]]
    if classify_mediacrawler(present, path) not in _JSON_FAST:
        return None
    for k in present:
        got = set(kinds_of[k])
        if got != {"VARCHAR"} and (k in _TEXT_KEYS or not got <= _INT_TYPES):
            return None
    offsets = np.append(item_offsets, len(data))

    def raw_of(i: int) -> str:
        chunk = data[offsets[i] : offsets[i + 1]].rstrip().rstrip(b"]").rstrip().rstrip(b",")
        try:
            return _dump(orjson.loads(chunk))
        except orjson.JSONDecodeError:
            return chunk.decode("utf-8", "replace")

    cols = {k: table.column(k).combine_chunks() for k in present}
    return MediaCrawlerFile(source, "json", present, cols, item_lines, raw_of)


def _read_json(text: str, source: str, data: bytes | None = None) -> MediaCrawlerFile:
    """One JSON array (``json.dumps(items, indent=4)``), possibly cut short by a crash. ``data``:
    the UTF-8 bytes ``text`` was decoded from, when at hand."""
    state = [0, 1]  # (offset, line) of the last lookup: offsets only grow, so this stays linear

    def line_at(offset: int) -> int:
        if offset < state[0]:
            state[0], state[1] = 0, 1
        state[1] += text.count("\n", state[0], offset)
        state[0] = offset
        return state[1]

    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, list):
        item_lines = _item_lines(text, data)
        if len(item_lines) == len(doc):
            return _json_rows(doc, item_lines.tolist(), None, source, [], "json")
    elif isinstance(doc, dict):
        return _json_rows([doc], [line_at(len(text) - len(text.lstrip()))], None, source, [], "json")
    # The general path: item by item, so that a truncated array keeps every complete item.
    decoder = json.JSONDecoder()
    objs: list[Any] = []
    lines: list[int] = []
    unreadable: list[tuple[int, str, str]] = []
    i = len(text) - len(text.lstrip())
    in_array = text.startswith("[", i)
    if in_array:
        i += 1
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n or (in_array and text[i] == "]"):
            break
        try:
            obj, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            line = line_at(i)
            unreadable.append(
                (
                    line,
                    text[i : i + 2000],
                    f"{source}, line {line}: not valid JSON from "
                    f"here on ({exc.msg} at line {line_at(max(exc.pos, i))}); expected "
                    "the rest of a JSON array of MediaCrawler records (a file cut "
                    "short by a crash?)",
                )
            )
            break
        objs.append(obj)
        lines.append(line_at(i))
        i = end
    if in_array and i >= n and not unreadable:
        line = line_at(max(n - 1, 0))
        unreadable.append(
            (
                line,
                text[-2000:],
                f"{source}, line {line}: the JSON array is never "
                "closed with ']'; expected a complete array (a file cut short by a crash?)",
            )
        )
    if in_array and i < n and text[i] == "]" and text[i + 1 :].strip():
        j = i + 1 + len(text[i + 1 :]) - len(text[i + 1 :].lstrip())
        line = line_at(j)
        unreadable.append(
            (
                line,
                text[j : j + 2000],
                f"{source}, line {line}: text after the array's closing ']'; expected nothing "
                "after it (two exports written into one file?)",
            )
        )
    if damaged_byte(text) is not None:  # decoded leniently: records holding a bad byte go
        for k in reversed(range(len(objs))):
            why = damaged_byte(repr(objs[k]))
            if why is not None:
                unreadable.append((lines[k], _printable_repr(objs[k]), f"{source}, line {lines[k]}: {why}"))
                del objs[k], lines[k]
        unreadable.sort(key=lambda u: u[0])
    return _json_rows(objs, lines, None, source, unreadable, "json")


def _printable_repr(obj: Any) -> str:
    return repr(obj).encode("utf-8", "surrogateescape").decode("utf-8", "replace")[:4000]


def _read_csv(data: bytes | None, text: str, source: str) -> MediaCrawlerFile:
    """CSV as ``csv.DictWriter`` writes it: header from the first item, values quoted when they
    hold commas, quotes or newlines. Arrow reads clean UTF-8 files; a file with ragged rows, a
    cut-off quote or another encoding goes through the csv module, which knows each row's line."""
    header = _head_keys(text[:65536])
    if not header:
        return MediaCrawlerFile(source, "csv", [], {}, np.zeros(0, np.int64), lambda i: "")
    fast = _read_csv_fast(data, header, source) if data is not None else None
    return fast if fast is not None else _read_csv_slow(text, source)


def _read_csv_fast(data: bytes, header: list[str], source: str) -> MediaCrawlerFile | None:
    bad: list[Any] = []

    def on_bad(row: Any) -> str:
        bad.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_bad),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowKeyError):
        return None
    if bad or table.column_names != header:
        return None
    cols = {h: table.column(i).combine_chunks() for i, h in enumerate(header)}
    if any((pc.max(pc.utf8_length(c)).as_py() or 0) > MAX_FIELD_CHARS for c in cols.values() if len(c)):
        return None  # an over-long cell: the csv module quarantines its row
    # Line of each row: 2 (after the header) + the lines the rows before it spanned. When the
    # file has one line per row (no cell holds a line break: the common case), that is i + 2.
    n = table.num_rows
    file_lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if file_lines == n + 1:
        return MediaCrawlerFile(
            source, "csv", header, cols, np.arange(2, n + 2, dtype=np.int64), _csv_raw_of(cols, header)
        )
    extra = np.zeros(n, dtype=np.int64)
    for col in cols.values():
        extra += pc.count_substring(col, "\n").to_numpy(zero_copy_only=False)
    if file_lines != 1 + n + int(extra.sum()):
        return None  # blank lines (Arrow skips them) or lone CRs: the csv module knows the lines
    lines = 2 + np.concatenate([[0], np.cumsum(1 + extra)[:-1]]) if len(extra) else extra
    if not _spans_well_quoted(data, lines, extra):
        return None  # a runaway quote: the csv module reads the rows after it
    return MediaCrawlerFile(source, "csv", header, cols, lines.astype(np.int64), _csv_raw_of(cols, header))


def _spans_well_quoted(data: bytes, lines: np.ndarray, extra: np.ndarray) -> bool:
    """Whether every row spanning several lines (``extra`` line breaks in its cells, starting on
    line ``lines[i]``) is quoted as ``csv.writer`` quotes: else a quote ran away with the rows
    after it."""
    multi = np.flatnonzero(extra > 0)
    if not len(multi):
        return True
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    for i in multi:
        first, stop = int(lines[i]), int(lines[i] + extra[i] + 1)
        a = int(newlines[first - 2]) + 1
        b = int(newlines[stop - 2]) + 1 if stop - 2 < len(newlines) else len(data)
        if not is_well_quoted(data[a:b].decode("utf-8", "replace")):
            return False
    return True


def _csv_raw_of(cols: dict[str, pa.Array], header: list[str]) -> Any:
    """The raw text of row ``i`` of Arrow columns, as ``csv.writer`` writes it (for quarantine)."""

    def raw_of(i: int) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow([cols[h][i].as_py() for h in header])
        return out.getvalue()

    return raw_of


def _read_csv_slow(text: str, source: str) -> MediaCrawlerFile:
    """The csv module's reading, record by record (:func:`store.csv.iter_csv_records`):
    a row with a runaway quote, an over-long cell or a number of cells unlike the header's is
    quarantined, and the rows after it are read."""
    text = text.lstrip("\ufeff")
    header_line = 1
    while True:  # the header is the first line that is not blank (as in _head_keys)
        first, newline, body = text.partition("\n")
        if first.strip() or not newline:
            break
        text, header_line = body, header_line + 1
    try:
        header = next(csv.reader([first.rstrip("\r")]), [])
    except csv.Error:  # a stray carriage return inside the line
        header = []
    if not header:
        unreadable = [
            (
                header_line,
                first[:2000],
                f"{source}, line {header_line}: the header is not a CSV line; expected "
                "MediaCrawler's column names (note_id, desc, time, …)",
            )
        ]
        return MediaCrawlerFile(
            source, "csv", [], {}, np.zeros(0, np.int64), lambda i: "", unreadable if first.strip() else []
        )
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    raws: list[str] = []
    unreadable: list[tuple[int, str, str]] = []
    for record in iter_csv_records(
        body, header=header, first_line=header_line + 1, min_cells=width, max_cells=width
    ):
        start, row = record.line, record.cells
        if row is None:
            unreadable.append((start, record.raw, f"{source}, line {start}: {record.reason}"))
            continue
        raw = _csv_line(row)
        if len(row) != width:
            unreadable.append(
                (
                    start,
                    raw,
                    f"{source}, line {start}: has {len(row)} cells; expected "
                    f"{width} like the header ({', '.join(header[:4])}, …)",
                )
            )
        else:
            rows.append(row)
            lines.append(start)
            raws.append(raw)
    cols = {h: [r[j] for r in rows] for j, h in enumerate(header)}
    return MediaCrawlerFile(
        source, "csv", header, cols, np.asarray(lines, dtype=np.int64), raws.__getitem__, unreadable
    )


def _csv_line(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()


def _sniff_format(text: str, path: Path | str) -> str:
    s = text.lstrip("\ufeff \t\r\n")
    if str(path).lower().removesuffix(".gz").endswith((".jsonl", ".ndjson")):
        return "jsonl"  # by its name, even when its first line is damaged
    if s.startswith("["):
        return "json"
    if s.startswith("{"):
        first = s.split("\n", 1)[0].strip()
        try:
            orjson.loads(first)
            return "jsonl"
        except orjson.JSONDecodeError:
            return "json" if str(path).lower().endswith(".json") or "\n" in s else "jsonl"
    return "csv"


# --------------------------------------------------------------------------------------------
# columns → values (vectorised where the column is clean)


def _arrow(col: Any) -> pa.Array | None:
    """The column as an Arrow array when its values share one type; None when they are mixed."""
    if isinstance(col, pa.Array | pa.ChunkedArray):
        return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    try:
        return pa.array(col, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None


def _strings(col: Any, n: int) -> np.ndarray:
    """Text values (None where missing or not text) as an object array."""
    if col is None:
        return np.full(n, None, dtype=object)
    arr = _arrow(col)
    if arr is not None and pa.types.is_string(arr.type):
        return arr.to_numpy(zero_copy_only=False)
    if arr is not None and pa.types.is_null(arr.type):
        return np.full(n, None, dtype=object)
    values = col.to_pylist() if isinstance(col, pa.Array) else col
    return np.array([v if isinstance(v, str) else None for v in values], dtype=object)


def _ids(col: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids as text or None, a reason per row where the id is unusable, else None)."""
    problems = np.full(n, None, dtype=object)
    if col is None:
        return np.full(n, None, dtype=object), problems
    arr = _arrow(col)
    if arr is not None and pa.types.is_integer(arr.type):
        return pc.cast(arr, pa.string()).to_numpy(zero_copy_only=False), problems
    if arr is not None and pa.types.is_string(arr.type):
        trimmed = pc.utf8_trim_whitespace(arr)
        ok = pc.match_substring_regex(trimmed, _ID_OK)
        empty = pc.equal(pc.utf8_length(trimmed), 0)
        values = trimmed.to_numpy(zero_copy_only=False)
        okv = ok.to_numpy(zero_copy_only=False)
        emptyv = empty.to_numpy(zero_copy_only=False)
        values = np.where(emptyv == True, None, values)  # noqa: E712
        for i in np.flatnonzero((okv == False) & (emptyv == False)):  # noqa: E712
            values[i], problems[i] = None, _id_problem(values[i])
        return values, problems
    values = col.to_pylist() if isinstance(col, pa.Array) else list(col)
    out = np.full(n, None, dtype=object)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if isinstance(v, int) and not isinstance(v, bool):
            out[i] = str(v)
        elif isinstance(v, str) and _ID_RE.match(v.strip()):
            out[i] = v.strip()
        else:
            problems[i] = _id_problem(v)
    return out, problems


def _id_problem(v: Any) -> str:
    if isinstance(v, float) or (isinstance(v, str) and re.fullmatch(r"\s*[\d.]+[eE][+-]?\d+\s*", v)):
        return (
            f"is {v!r}, a number (Excel rewrites long ids like this); expected the id as text, "
            "e.g. '5012345678901234' (use the JSON export, or import the CSV with text columns)"
        )
    return f"is {str(v)[:40]!r}; expected an id of letters and digits"


_COUNT_RE = r"^(?P<num>\d+(?:\.\d+)?)(?P<unit>万|亿)?\+?$"


def _numbers(col: Any, n: int) -> np.ndarray:
    """float64 values (NaN where missing or unreadable); counts like "1.2万" / "10万+" included."""
    if col is None:
        return np.full(n, np.nan)
    arr = _arrow(col)
    if arr is not None and (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type)):
        return np.array(
            pc.cast(arr, pa.float64(), safe=False).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    if arr is not None and pa.types.is_null(arr.type):
        return np.full(n, np.nan)
    if arr is not None and pa.types.is_string(arr.type):
        trimmed = pc.utf8_trim_whitespace(arr)
        parts = pc.extract_regex(trimmed, _COUNT_RE)
        num = pc.cast(pc.struct_field(parts, "num"), pa.float64())
        unit = pc.struct_field(parts, "unit")
        scale = pc.if_else(pc.equal(unit, "万"), 10_000.0, pc.if_else(pc.equal(unit, "亿"), 1e8, 1.0))
        out = np.array(
            pc.multiply(num, pc.fill_null(scale, 1.0)).to_numpy(zero_copy_only=False), dtype=np.float64
        )
        redo = np.flatnonzero(
            np.isnan(out)
            & pc.greater(pc.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False).astype(bool, copy=False)
            if len(out)
            else np.zeros(0, bool)
        )
        values = trimmed
    else:
        values = col.to_pylist() if isinstance(col, pa.Array) else list(col)
        out = np.full(n, np.nan)
        redo = np.arange(n)
    for i in redo:
        v = values[int(i)]
        v = v.as_py() if isinstance(v, pa.Scalar) else v
        c = as_count(v)
        if c is not None:
            out[i] = c
        elif isinstance(v, str):
            with contextlib.suppress(ValueError):
                out[i] = float(v)
    return out


def _counts(col: Any, n: int) -> pd.Series:
    """Counts as whole numbers; a number too large (or infinite) is COUNT_OVERFLOW and a negative
    one stays negative, so that the load quarantines the row saying why (not a silent NULL)."""
    v = _numbers(col, n)
    with np.errstate(invalid="ignore"):
        big = ~np.isnan(v) & ~(np.abs(v) < 2.0**62)
    v = np.where(big, float(COUNT_OVERFLOW), np.floor(v))
    return pd.array(v, dtype="Float64").astype("Int64") if n else pd.array([], dtype="Int64")


def _count_problem(counts: pd.Series) -> np.ndarray:
    """For a profile's count column: what is wrong where the count is negative or too large."""
    values = counts.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(values), None, dtype=object)
    out[values < 0] = "is negative; expected a count (0 or more)"
    out[values == COUNT_OVERFLOW] = "is too large for a count (2^62 or more)"
    return out


def _times(col: Any, text_col: Any, n: int) -> pd.Series:
    """UTC timestamps from unix seconds or milliseconds, else from the date-time text."""
    v = _numbers(col, n)
    with np.errstate(over="ignore"):  # absurd numbers become inf here, and are not times
        ms = np.where(v > 1e11, v, v * 1000.0)
    ok = np.isfinite(ms) & (ms > 0) & (ms < 4.2e12)
    out = pd.Series(pd.to_datetime(np.where(ok, ms, np.nan), unit="ms", utc=True))
    need = np.flatnonzero(~ok)
    if len(need) and text_col is not None:
        texts = _strings(text_col, n)
        for i in need:
            t = texts[i]
            if t:
                with contextlib.suppress(ValueError):
                    out.iat[i] = pd.Timestamp(parse_weibo_datetime(t))
    return out


def _none_if_empty(values: np.ndarray) -> np.ndarray:
    return np.where(pd.isna(values) | (values == ""), None, values)


# --------------------------------------------------------------------------------------------
# rows → batch


class _Out:
    """The frames of a batch under construction, plus quarantined rows."""

    def __init__(self, f: MediaCrawlerFile, platform: str) -> None:
        self.f = f
        self.platform = platform
        self.quarantine: list[tuple[int, str, str]] = list(f.unreadable)
        self.edges: list[tuple] = []  # (src_user, src_name, dst_user, dst_name, kind, post_id, row)
        self.frames: list[pd.DataFrame] = []  # the same columns, built vectorised
        self.created: pd.Series | None = None

    def edge_frame(self) -> pd.DataFrame:
        frames = list(self.frames)
        if self.edges:
            cols = zip(INTERACTION_COLUMNS, (list(c) for c in zip(*self.edges, strict=True)), strict=True)
            frames.append(pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols}))
        if not frames:
            return pd.DataFrame(columns=list(INTERACTION_COLUMNS))
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        rows = df["created_at"].to_numpy(dtype=np.int64)
        df["created_at"] = (
            self.created.iloc[rows].reset_index(drop=True) if self.created is not None else pd.NaT
        )
        return df

    def reject(self, idx: np.ndarray, reasons: np.ndarray) -> None:
        for i in idx:
            line = int(self.f.lines[i])
            self.quarantine.append((line, self.f.raws(int(i)), f"{self.f.source}, line {line}: {reasons[i]}"))

    def edge(
        self,
        kind: str,
        post_id: str,
        when: int,
        *,
        src_user: str | None = None,
        src_name: str | None = None,
        dst_user: str | None = None,
        dst_name: str | None = None,
    ) -> None:
        if src_user is not None and src_user == dst_user:
            return
        if src_name is not None and src_name == dst_name:
            return
        self.edges.append((src_user, src_name, dst_user, dst_name, kind, post_id, when))


def _first_problem(n: int, checks: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Per row: the first failed check's reason (None when the row is fine). Each check is a
    (reason-or-None array | boolean 'missing' array, text) pair."""
    reasons = np.full(n, None, dtype=object)
    for arr, text in checks:
        if arr.dtype == bool:
            reasons = np.where((reasons == None) & arr, text, reasons)  # noqa: E711
        else:
            fill = (
                np.array([None if a is None else f"{text} {a}" for a in arr], dtype=object)
                if (arr != None).any()  # noqa: E711
                else arr
            )
            reasons = np.where(reasons == None, fill, reasons)  # noqa: E711
    return reasons


def _users_of(f: MediaCrawlerFile, n: int) -> dict[str, np.ndarray]:
    """The author columns of each row: id (user_id, else creator_hash), name, masked flag, …"""
    raw_uid, uid_problem = _ids(f.columns.get("user_id"), n)
    hashed, hash_problem = _ids(f.columns.get("creator_hash"), n)
    uid = np.where(raw_uid == None, hashed, raw_uid)  # noqa: E711
    # an unusable user_id only matters when there is no creator_hash to fall back on
    problem = np.where(
        uid == None,  # noqa: E711
        np.where(uid_problem == None, hash_problem, uid_problem),  # noqa: E711
        None,
    )
    names = _none_if_empty(_strings(f.columns.get("nickname"), n))
    new_schema = (raw_uid == None) & (hashed != None)  # noqa: E711
    gender = _map_strings(f.columns.get("gender"), n, GENDERS)
    location = _locations(f.columns.get("ip_location"), n)
    return {
        "uid": uid,
        "problem": problem,
        "name": names,
        "new": new_schema,
        "gender": gender,
        "location": location,
    }


def _map_strings(col: Any, n: int, mapping: dict[str, str]) -> np.ndarray:
    values = _strings(col, n)
    if not n:
        return values
    mapped = pd.Series(values, dtype=object).map(mapping)
    return mapped.astype(object).where(mapped.notna(), None).to_numpy(dtype=object)


def _locations(col: Any, n: int) -> np.ndarray:
    """``ip_location`` without MediaCrawler's and Weibo's prefixes ("发布于 ", "来自", "IP属地：")."""
    arr = _arrow(col) if col is not None else None
    if arr is None or not pa.types.is_string(arr.type):
        return _none_if_empty(_strings(col, n))
    clean = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r"^\s*(发布于|来自|IP属地[:：])", ""))
    clean = pc.if_else(pc.equal(pc.utf8_length(clean), 0), None, clean)
    return clean.to_numpy(zero_copy_only=False)


def _user_frame(
    platform: str,
    uid: np.ndarray,
    users: dict[str, np.ndarray],
    seen: pd.Series,
    keep: np.ndarray,
    **profile: Any,
) -> pd.DataFrame:
    k = int(keep.sum())
    base = {
        "user_id": uid[keep],
        "platform": platform,
        "screen_name": users["name"][keep],
        "followers": profile.get("followers", pd.array([None] * k, dtype="Int64")),
        "following": profile.get("following", pd.array([None] * k, dtype="Int64")),
        "statuses": pd.array([None] * k, dtype="Int64"),
        "verified": pd.array([None] * k, dtype="boolean"),
        "verified_type": pd.array([None] * k, dtype="Int64"),
        "description": profile.get("description", np.full(k, None, dtype=object)),
        "gender": users["gender"][keep],
        "location": users["location"][keep],
        "seen_at": seen[keep].reset_index(drop=True),
    }
    return pd.DataFrame(base)


def _posts(
    f: MediaCrawlerFile, platform: str, kind: str, note_authors: Mapping[str, str] | None, out: _Out
) -> tuple[pd.DataFrame, pd.DataFrame]:
    spec = _SPEC[(platform, kind)]
    n = len(f)
    cols = f.columns
    pid, pid_problem = _ids(cols.get(spec["id"]), n)
    users = _users_of(f, n)
    created = _times(cols.get(spec["time"]), cols.get(spec.get("time_text", "")), n)
    has_key = {k for k in f.keys}
    checks: list[tuple[np.ndarray, str]] = [
        (pid_problem, f"field '{spec['id']}'"),
        (
            pid == None,  # noqa: E711
            f"field '{spec['id']}' is missing; expected the {'note' if kind == 'contents' else 'comment'} id",
        ),
        (users["problem"], "field 'user_id'" if "user_id" in has_key else "field 'creator_hash'"),
        (
            users["uid"] == None,  # noqa: E711
            "fields 'user_id' and 'creator_hash' are both missing; "
            "expected the author's id (or its hash in MediaCrawler's new schema)",
        ),
        (
            created.isna().to_numpy(),
            f"field '{spec['time']}' is missing or unreadable; expected "
            + (
                "unix milliseconds, e.g. 1700000000000"
                if platform == "xhs"
                else "unix seconds, e.g. 1700000000, or 'create_date_time' like '2026-08-14 12:00:00+08:00'"
            ),
        ),
    ]
    note = None
    if kind == "comments":
        note, note_problem = _ids(cols.get(spec["note"]), n)
        checks += [
            (note_problem, "field 'note_id'"),
            (note == None, "field 'note_id' is missing; expected the commented note's id"),  # noqa: E711
        ]
    text = _strings(cols.get(spec["text"]), n)
    raw_text = cols.get(spec["text"])
    if raw_text is not None and not isinstance(raw_text, pa.Array | pa.ChunkedArray):
        wrong = np.array([v is not None and not isinstance(v, str) for v in raw_text], dtype=bool)
        checks.append((wrong, f"field '{spec['text']}' is not text"))
    if "title" in spec:
        title = _none_if_empty(_strings(cols.get(spec["title"]), n))
        text = np.array([_join_title(t, d) for t, d in zip(title, text, strict=True)], dtype=object)
    reasons = _first_problem(n, checks)
    bad = reasons != None  # noqa: E711
    out.reject(np.flatnonzero(bad), reasons)
    keep = ~bad
    uid = users["uid"]
    seen = _times(cols.get("last_modify_ts"), None, n)
    seen = seen.where(seen.notna(), created)
    parent = None
    if kind == "comments":
        parent, _ = _ids(cols.get(spec["parent"]), n)
        parent = np.array([None if p is None or p in _NO_PARENT else p for p in parent], dtype=object)
        parent = np.where(parent == pid, None, parent)
    posts = pd.DataFrame(
        {
            "post_id": pid[keep],
            "platform": platform,
            "user_id": uid[keep],
            "created_at": created[keep].reset_index(drop=True),
            "text": text[keep],
            "repost_of": None,
            "reply_to": note[keep] if note is not None else None,
            "reposts": _counts(cols.get(spec.get("reposts", "")), n)[keep]
            if "reposts" in spec
            else pd.array([None] * int(keep.sum()), dtype="Int64"),
            "comments": _counts(cols.get(spec["comments"]), n)[keep],
            "likes": _counts(cols.get(spec["likes"]), n)[keep],
            "line": f.lines[keep],
            "from_row": True,
        }
    )
    user_frame = _user_frame(platform, uid, users, seen, keep)
    _text_edges(out, platform, kind, pid, uid, users, text, created, note, parent, keep, note_authors)
    return posts, user_frame


def _join_title(title: Any, desc: Any) -> Any:
    if not title:
        return desc
    if not desc:
        return title
    return desc if desc.startswith(title) or title == desc[:255] else f"{title}\n{desc}"


def _mask(name: str) -> str:
    """MediaCrawler's ``mask_nickname``: first char + *** + last char."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "***" + name[-1]


def _text_edges(
    out: _Out,
    platform: str,
    kind: str,
    pid: np.ndarray,
    uid: np.ndarray,
    users: dict[str, np.ndarray],
    text: np.ndarray,
    created: pd.Series,
    note: np.ndarray | None,
    parent: np.ndarray | None,
    keep: np.ndarray,
    note_authors: Mapping[str, str] | None,
) -> None:
    names = users["name"]
    idx = np.flatnonzero(keep)
    out.created = created
    if kind == "comments":
        assert note is not None and parent is not None
        _comment_edges(out, platform, idx, pid, uid, names, text, note, parent, note_authors or {})
        return
    edges = out.edges
    weibo = platform == "weibo"
    chain_re, mention_re = _CHAIN_PART, _MENTION
    for i in [i for i in idx if "@" in (text[i] or "")]:
        t = text[i]
        me, post_id, me_name = uid[i], pid[i], names[i]
        first = chain_re.search(t) if "//" in t else None
        own = t if first is None else t[: first.start()]
        if first is not None and weibo:
            # B got it from C1, C1 from C2, …; the chain's last name got it from someone unknown.
            chain = chain_re.findall(t, first.start())
            if chain[0] != me_name:
                edges.append((None, chain[0], me, None, "repost", post_id, i))
            for a, c in zip(chain[1:], chain, strict=False):
                if a != c:
                    edges.append((None, a, None, c, "repost", post_id, i))
        if "@" in own:
            for name in dict.fromkeys(mention_re.findall(own)):
                if name != me_name:
                    edges.append((me, None, None, name, "mention", post_id, i))


def _none_where_na(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    return np.where(pd.isna(arr), None, arr)


def _comment_edges(
    out: _Out,
    platform: str,
    idx: np.ndarray,
    pid: np.ndarray,
    uid: np.ndarray,
    names: np.ndarray,
    text: np.ndarray,
    note: np.ndarray,
    parent: np.ndarray,
    note_authors: Mapping[str, str],
) -> None:
    """Note author → commenter, replied-to author → replier (vectorised), mentions (per row)."""
    k_pid, k_uid, k_note, k_par, k_name = pid[idx], uid[idx], note[idx], parent[idx], names[idx]
    k_text = text[idx]
    author = _none_where_na(pd.Series(k_note, dtype=object).map(note_authors))
    comment_author = dict(zip(k_pid, k_uid, strict=True))
    target = _none_where_na(pd.Series(k_par, dtype=object).map(comment_author))
    target_name = np.full(len(idx), None, dtype=object)
    replies = [j for j, t in enumerate(k_text) if t and "回复" in t] if platform == "weibo" else []
    prefixes: dict[int, re.Match] = {}
    if replies:
        comment_name = dict(zip(k_pid, k_name, strict=True))
        by_name = {nm: u for nm, u in zip(k_name, k_uid, strict=True) if nm and "*" not in nm}
        for j in replies:
            m = _REPLY_PREFIX.match(k_text[j])
            if m is None:
                continue
            prefixes[j] = m
            name, p, p_author = m.group(1), k_par[j], target[j]
            p_name = comment_name.get(p) if p is not None else None
            if (
                p_author is not None
                and p_name
                and (p_name == name or ("*" in p_name and _mask(name) == p_name))
            ):
                continue  # "回复@name:" is the parent comment's author
            target[j] = by_name.get(name)
            if target[j] is None and name != k_name[j]:
                target_name[j] = name
    none = np.full(len(idx), None, dtype=object)
    has_author = (author != None) & (author != k_uid)  # noqa: E711
    has_target = (target != None) & (target != author) & (target != k_uid)  # noqa: E711
    has_name = target_name != None  # noqa: E711
    for keep, src_user, src_name in (
        (has_author, author, none),
        (has_target, target, none),
        (has_name, none, target_name),
    ):
        if keep.any():
            out.frames.append(
                pd.DataFrame(
                    {
                        "src_user": src_user[keep],
                        "src_name": src_name[keep],
                        "dst_user": k_uid[keep],
                        "dst_name": none[keep],
                        "kind": "comment",
                        "post_id": k_note[keep],
                        "created_at": idx[keep],
                    }
                )
            )
    edges = out.edges
    for j in [j for j, t in enumerate(k_text) if t and "@" in t]:
        t = k_text[j]
        m = prefixes.get(j)
        own = t[m.end() :] if m is not None else t
        first = _CHAIN_PART.search(own) if "//" in own else None
        own = own if first is None else own[: first.start()]
        for name in dict.fromkeys(_MENTION.findall(own)):
            if name != k_name[j]:
                edges.append((k_uid[j], None, None, name, "mention", k_note[j], int(idx[j])))


def _creators(f: MediaCrawlerFile, platform: str, out: _Out) -> tuple[pd.DataFrame, list[str]]:
    n = len(f)
    cols = f.columns
    users = _users_of(f, n)
    checks = [
        (users["problem"], "field 'user_id'"),
        (users["uid"] == None, "field 'user_id' is missing; expected the creator's id"),  # noqa: E711
    ]
    fans, follows = _counts(cols.get("fans"), n), _counts(cols.get("follows"), n)
    checks += [(_count_problem(fans), "field 'fans'"), (_count_problem(follows), "field 'follows'")]
    reasons = _first_problem(n, checks)
    bad = reasons != None  # noqa: E711
    out.reject(np.flatnonzero(bad), reasons)
    keep = ~bad
    seen = _times(cols.get("last_modify_ts"), None, n)
    desc = _none_if_empty(_strings(cols.get("desc"), n))[keep]
    frame = _user_frame(
        platform,
        users["uid"],
        users,
        seen,
        keep,
        followers=fans[keep],
        following=follows[keep],
        description=desc,
    )
    return frame, [f"user:{u}" for u in users["uid"][keep]]


def _empty_posts() -> pd.DataFrame:
    return make_batch("").posts


#: From this many rows on, ``engine="auto"`` interprets a clean contents or comments file
#: read as Arrow text (the JSON-lines and CSV fast paths) in DuckDB SQL
#: (:mod:`store.mediacrawler_sql`); below it, binding the SQL costs more than it saves.
SQL_MIN_ROWS = 5_000
_ENGINES = ("auto", "sql", "python")


def _sql_batch(
    f: MediaCrawlerFile, platform: str, kind: str, note_authors: Mapping[str, str] | None
) -> ExportBatch | None:
    """The batch of a clean contents / comments file through SQL, or None (see
    :func:`store.mediacrawler_sql.parse_cells_sql`)."""
    if f.unreadable or not len(f):
        return None
    wanted = [k for k in f.keys if k in _SQL_KEYS]
    if not wanted or not all(isinstance(f.columns[k], pa.Array | pa.ChunkedArray) for k in wanted):
        return None
    cells = pa.table({k: f.columns[k] for k in wanted})
    with bulk_session() as con:
        out = parse_cells_sql(con, cells, platform, kind, lines=f.lines, note_authors=note_authors)
    if out is None:
        return None
    return make_batch(
        f.source,
        platform,
        posts=out.posts,
        users=out.users,
        interactions=out.interactions,
        row_keys=out.row_keys,
    )


def parse_file(
    f: MediaCrawlerFile,
    *,
    platform: str | None = None,
    kind: str | None = None,
    note_authors: Mapping[str, str] | None = None,
    engine: str = "auto",
) -> ExportBatch:
    """Interpret rows read from a MediaCrawler export (see :class:`MediaCrawlerFile`).

    ``engine="python"`` interprets the rows with numpy and Python here, the reference;
    ``"sql"`` hands a clean contents or comments file read as Arrow text to DuckDB
    (:mod:`store.mediacrawler_sql`, the same batch, ~3x faster on large files) and anything else
    to the reference; ``"auto"`` (the default) does so from :data:`SQL_MIN_ROWS` rows on."""
    if engine not in _ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, _ENGINES))}; got {engine!r}")
    found = classify_mediacrawler(f.keys, f.source) if f.keys else None
    platform = platform or (found[0] if found else None) or _platform_from_path(f.source)
    kind = kind or (found[1] if found else None) or _kind_from_path(f.source)
    if not len(f) and not f.unreadable and (found is not None or not f.keys):
        return make_batch(f.source, platform if platform in PLATFORMS else "weibo")
    if platform not in PLATFORMS or kind not in KINDS or (found is None and (len(f) or f.keys)):
        return whole_file_quarantine(
            f.source,
            _describe(f),
            _not_export_reason(f, platform),
            platform if platform in PLATFORMS else "weibo",
        )
    if kind in ("contents", "comments") and (
        engine == "sql" or (engine == "auto" and len(f) >= SQL_MIN_ROWS)
    ):
        batch = _sql_batch(f, platform, kind, note_authors)
        if batch is not None:
            return batch
    out = _Out(f, platform)
    if kind == "creators":
        users, keys = _creators(f, platform, out)
        posts = _empty_posts()
    else:
        if kind == "comments" and note_authors is None:
            note_authors = {}
        posts, users = _posts(f, platform, kind, note_authors, out)
        keys = posts["post_id"].tolist()
    edges = out.edge_frame()
    quarantine = sorted(out.quarantine, key=lambda q: q[0])
    return make_batch(
        f.source, platform, posts=posts, users=users, interactions=edges, quarantine=quarantine, row_keys=keys
    )


def _describe(f: MediaCrawlerFile) -> str:
    if f.keys:
        return ",".join(f.keys)[:2000]
    return f.unreadable[0][1][:2000] if f.unreadable else ""


def _not_export_reason(f: MediaCrawlerFile, platform: str | None) -> str:
    if platform is not None and platform not in PLATFORMS:
        return f"a MediaCrawler {platform} export; only Weibo and Xiaohongshu (xhs) exports are read"
    keys = ", ".join(f.keys[:8]) if f.keys else "no keys"
    return (
        f"does not look like a MediaCrawler Weibo/XHS export (keys: {keys}); expected "
        "contents (note_id, content/desc, create_time/time, …), comments (comment_id, note_id, "
        "…) or creators (user_id, fans, follows, …)"
    )


def read_rows(
    text: str, source: str, fmt: str | None = None, data: bytes | None = None, path: Path | None = None
) -> MediaCrawlerFile:
    """Read the rows of an export's text (``fmt`` jsonl | json | csv, sniffed when None).
    ``data``: the file's bytes when they are UTF-8 (fast paths read them as they are)."""
    fmt = fmt or _sniff_format(text, source)
    if fmt == "jsonl":
        if path is not None and data is not None and len(data) > 1 << 16:
            fast = _read_jsonl_fast(path, data, source)
            if fast is not None:
                return fast
        return _read_jsonl(text, source)
    if fmt == "json":
        return _read_json(text, source, data)
    if fmt == "csv":
        return _read_csv(data, text, source)
    raise ValueError(f"unknown MediaCrawler file format {fmt!r}; expected jsonl, json or csv")


def parse_mediacrawler(
    text: str,
    source: str,
    *,
    fmt: str | None = None,
    platform: str | None = None,
    kind: str | None = None,
    note_authors: Mapping[str, str] | None = None,
    engine: str = "auto",
) -> ExportBatch:
    """Parse a MediaCrawler export's text into an :class:`~store.records.ExportBatch`.

    ``fmt`` (jsonl | json | csv), ``platform`` (weibo | xhs) and ``kind`` (contents | comments |
    creators) are told from the text, its keys and ``source`` (the path) when not given.
    ``note_authors`` maps note ids to their authors' ids for comment edges.
    Rows read = parsed + quarantined; a text that is not such an export is one quarantine entry.
    """
    if not text.strip():
        return make_batch(source, platform or _platform_from_path(source) or "weibo")
    s = text.lstrip("\ufeff \t\r\n")
    if s[:1] not in ("[", "{") and not _head_keys(s):
        return whole_file_quarantine(source, text, "is empty of rows", platform or "weibo")
    return parse_file(
        read_rows(text, source, fmt), platform=platform, kind=kind, note_authors=note_authors, engine=engine
    )


def parse_mediacrawler_rows(
    rows: list[dict[str, Any]],
    source: str,
    *,
    platform: str | None = None,
    kind: str | None = None,
    note_authors: Mapping[str, str] | None = None,
) -> ExportBatch:
    """Parse MediaCrawler records already loaded as dicts (e.g. from its MongoDB store)."""
    f = _json_rows(list(rows), list(range(1, len(rows) + 1)), None, source, [], "json")
    return parse_file(f, platform=platform, kind=kind, note_authors=note_authors)


# --------------------------------------------------------------------------------------------
# files


def _decode(path: Path) -> tuple[bytes | None, str | None, str | None]:
    return _decode_bytes(path.read_bytes())


def _decode_bytes(data: bytes) -> tuple[bytes | None, str | None, str | None]:
    """(UTF-8 bytes Arrow may read as they are, or None; the text; why it cannot be decoded)."""
    text, encoding = decode_export_bytes(data, lenient=True)  # rows with bad bytes: quarantined
    return (data if encoding in ("utf-8", "utf-8-sig") else None), text, None


@lru_cache(maxsize=64)
def _authors_of(path: str, mtime_ns: int, size: int) -> dict[str, str]:
    p = Path(path)
    data, text, err = _decode(p)
    if text is None or err is not None:
        return {}
    f = read_rows(text, path, None, data, Path(path))
    found = classify_mediacrawler(f.keys, path)
    if found is None or found[1] != "contents":
        return {}
    spec = _SPEC[found]
    n = len(f)
    pid, _ = _ids(f.columns.get(spec["id"]), n)
    uid = _users_of(f, n)["uid"]
    ok = (pid != None) & (uid != None)  # noqa: E711
    return dict(zip(pid[ok], uid[ok], strict=True))


def sibling_note_authors(path: str | Path) -> dict[str, str]:
    """Note id → author id from the ``*_contents_*`` exports in the folder of ``path`` (the files
    MediaCrawler writes next to a comments file), for comment edges."""
    path = Path(path)
    platform = _platform_from_path(path)
    authors: dict[str, str] = {}
    for sib in sorted(path.parent.glob("*contents_*")):
        if sib == path or not sib.is_file() or _kind_from_path(sib) != "contents":
            continue
        if platform is not None and _platform_from_path(sib) != platform:
            continue
        st = sib.stat()
        authors.update(_authors_of(str(sib), st.st_mtime_ns, st.st_size))
    return authors


def read_mediacrawler(
    path: str | Path,
    *,
    platform: str | None = None,
    kind: str | None = None,
    note_authors: Mapping[str, str] | None = None,
    siblings: bool = True,
    engine: str = "auto",
) -> ExportBatch:
    """Read one MediaCrawler Weibo/XHS export file (``.jsonl``, ``.json`` or ``.csv``).

    Platform and kind come from the keys, else from the path (``data/<platform>/…/
    <crawler_type>_<kind>_<date>.<ext>``). For a comments file the notes' authors come from
    ``note_authors`` and, with ``siblings``, from the contents files in the same folder. A file that
    is not such an export becomes one quarantine entry; an empty file is fine. ``engine``: see
    :func:`parse_file`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such export file; expected a MediaCrawler .jsonl, .json or .csv file"
        )
    source = str(path)
    plat = platform or _platform_from_path(path)
    plat = plat if plat in PLATFORMS else "weibo"
    raw = path.read_bytes()
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    rows = None
    if len(body) > 1 << 16:  # big files: fast paths on the bytes, no decoding in Python
        head = body[:65536].decode("utf-8", "ignore")
        fmt = _sniff_format(head, path)
        if fmt == "jsonl":
            rows = _read_jsonl_fast(path, raw, source)
        elif fmt == "json":
            rows = _read_json_fast(path, raw, source)
        elif fmt == "csv" and _head_keys(head):
            rows = _read_csv_fast(raw, _head_keys(head), source)
    if rows is None:
        data, text, err = _decode_bytes(raw)
        if text is None:
            return whole_file_quarantine(source, raw, str(err), plat)
        if not text.strip():
            return make_batch(source, plat)
        if not text.strip(" \t\r\n\x00\ufeff"):  # only NULs: content, but no row in it
            return whole_file_quarantine(source, text, "holds only NUL characters, no rows", plat)
        fmt = _sniff_format(text, path)
        if fmt == "csv" and not _head_keys(text):
            return whole_file_quarantine(source, text, "does not look like a MediaCrawler export", plat)
        rows = read_rows(text, source, fmt, data, None)
    authors: dict[str, str] = {}
    found = classify_mediacrawler(rows.keys, path)
    if (kind or (found[1] if found else _kind_from_path(path))) == "comments":
        if siblings:
            authors.update(sibling_note_authors(path))
        authors.update(note_authors or {})
    return parse_file(rows, platform=platform, kind=kind, note_authors=authors, engine=engine)
