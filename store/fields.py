"""Field parsing shared by every export reader: ids, counts, times, names, encodings.

Ids are text, always (``5366486905059756\\t`` → ``'5366486905059756'``; a float is refused);
counts such as ``1.2万`` or ``100万+`` are numbers; Weibo times without a zone are Asia/Shanghai.

Example:
    >>> as_id("5366486905059756\\t"), as_count("1.2万"), as_count("100万+")
    ('5366486905059756', 12000, 1000000)
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa

__all__ = [
    "COUNT_OVERFLOW",
    "MAX_COUNT",
    "MAX_FIELD_CHARS",
    "NAME_PATTERN",
    "SHANGHAI",
    "as_count",
    "as_id",
    "damaged_byte",
    "decode_export_bytes",
    "file_sha256",
    "first_solid_byte",
    "is_blank",
    "is_masked_name",
    "is_utf8",
    "mention_names",
    "own_mentions",
    "parse_weibo_datetime",
    "repost_chain_names",
]

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
#: A cell longer than this many characters is not a field of a Weibo export (a post is at most a
#: few thousand characters): its row is quarantined instead of loaded.
MAX_FIELD_CHARS = 1_000_000
#: Counts (reposts, followers, …) are at most this; a larger number in an export is damage.
MAX_COUNT = 2**62 - 1
#: What a count parser returns for a number too large to store (or a count that is not a finite
#: number but looks like one, e.g. ``1e999``): never a real count (those are ≥ 0), so the load
#: quarantines its row, saying why, instead of storing a silent NULL.
COUNT_OVERFLOW = -(2**63)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_API_TIME = re.compile(
    r"^\s*(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+"
    r"([+-])(\d{2}):?(\d{2})\s+(\d{4})\s*$"
)
#: Weibo screen names: 1–30 characters of CJK, letters, digits, '_' and '-'.
NAME_PATTERN = r"[\w\u4e00-\u9fff\-]{1,30}"
_CHAIN_PART = re.compile(r"//\s*@(" + NAME_PATTERN + r")\s*[:：]")
_MENTION = re.compile(r"@(" + NAME_PATTERN + r")")


def as_id(value: Any) -> str | None:
    """An id as text: ints and strings (stripped, incl. the tab weibo-crawler appends) only."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        v = value.strip()
        return v or None
    return None


def as_count(value: Any) -> int | None:
    """A count: ints, integral floats, and text like ``"1,234"``, ``"1.2万"``, ``"100万+"``, ``"3亿"``.

    Missing or not a number (``""``, ``"abc"``, ``nan``): None. A number too large to be a count
    (beyond :data:`MAX_COUNT`, or infinite): :data:`COUNT_OVERFLOW`, so that the load can say so.
    A negative number is returned as it is (the load quarantines its row).

    >>> as_count("-5"), as_count("99999999999999999999") == COUNT_OVERFLOW, as_count("abc")
    (-5, True, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        x = value
    elif isinstance(value, float):
        if value != value:  # nan
            return None
        if value in (float("inf"), float("-inf")):
            return COUNT_OVERFLOW
        if not value.is_integer():
            return None
        x = int(value)
    elif isinstance(value, str):
        v = value.strip().replace(",", "").rstrip("+")
        try:
            if v.endswith("万"):
                x = round(float(v[:-1]) * 10_000)
            elif v.endswith("亿"):
                x = round(float(v[:-1]) * 100_000_000)
            elif not v:
                return None
            else:
                x = int(float(v))
        except OverflowError:  # "inf", "1e999"
            return COUNT_OVERFLOW
        except ValueError:  # "abc", "nan"
            return None
    else:
        return None
    return x if -MAX_COUNT <= x <= MAX_COUNT else COUNT_OVERFLOW


def parse_weibo_datetime(value: str) -> datetime:
    """Parse the API's ``created_at`` ("Fri Mar 31 23:47:24 +0800 2017") or ISO-8601 text.

    Independent of the process locale; a time without a zone is Asia/Shanghai.

    >>> parse_weibo_datetime("Fri Mar 31 23:47:24 +0800 2017").isoformat()
    '2017-03-31T23:47:24+08:00'
    >>> parse_weibo_datetime("2017-03-31 23:47").isoformat()
    '2017-03-31T23:47:00+08:00'
    """
    if not isinstance(value, str):
        raise ValueError(f"expected a date string like 'Fri Mar 31 23:47:24 +0800 2017'; got {value!r}")
    m = _API_TIME.match(value)
    if m:
        mon, day, hh, mm, ss, sign, tzh, tzm, year = m.groups()
        if mon not in _MONTHS:
            raise ValueError(f"unknown month {mon!r} in {value!r}")
        offset = timedelta(hours=int(tzh), minutes=int(tzm)) * (1 if sign == "+" else -1)
        return datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=timezone(offset))
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"expected a date like 'Fri Mar 31 23:47:24 +0800 2017' or ISO-8601; got {value!r}"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=SHANGHAI)


def repost_chain_names(text: str | None) -> tuple[str, list[str]]:
    """Split a repost text into the reposter's own words and the ``//@name:`` chain names.

    >>> repost_chain_names("太真实了//@小红:我家也是//@小明: 哈哈")
    ('太真实了', ['小红', '小明'])
    """
    if not text:
        return "", []
    parts = list(_CHAIN_PART.finditer(text))
    if not parts:
        return text, []
    return text[: parts[0].start()], [p.group(1) for p in parts]


def own_mentions(text: str | None) -> list[str]:
    """``@name`` mentions in the author's own words, each once (a ``//@`` chain is not one).

    >>> own_mentions("@小明 看这个 @小红 @小明//@小刚:好")
    ['小明', '小红']
    """
    if not text:
        return []
    own, _ = repost_chain_names(text)
    seen: list[str] = []
    for m in _MENTION.finditer(own):
        if m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def mention_names(text: str, listed: str | None) -> list[str]:
    """Names the author @-mentions in their own words. ``listed`` is the exporter's comma-joined
    name list (it includes ``//@`` chain names; empty: no mentions, even if the text has an ``@``
    as in an e-mail address); ``None`` (no such column) scans the text.

    >>> mention_names("@小红 看 @小明//@小刚:好", "小明,小刚"), mention_names("@小红 好", None)
    (['小明'], ['小红'])
    """
    own = text or ""
    if "/" in own:
        own, _ = repost_chain_names(own)
    if listed is not None:  # the exporter's list is authoritative, even when empty
        out: list[str] = []
        for name in listed.split(","):
            name = name.strip().lstrip("@")
            if name and name not in out and ("@" + name) in own:
                out.append(name)
        return out
    return own_mentions(own)


def is_masked_name(name: str | None) -> bool:
    """MediaCrawler's masked nicknames (``多***夜``) must never be used to resolve names."""
    return bool(name) and "*" in name


def decode_export_bytes(data: bytes, *, lenient: bool = False) -> tuple[str, str]:
    """Decode an export: UTF-8 (with or without BOM), else GB18030 (what Excel writes on Chinese
    Windows). Returns (text, encoding used); raises ValueError naming the byte that fails.

    ``lenient``: never raise, and never let a few damaged bytes turn a UTF-8 file into GB18030
    mojibake: a file that is mostly UTF-8 (or neither encoding) is decoded as UTF-8 with each bad
    byte kept as a lone surrogate (``surrogateescape``, encoding ``"utf-8-damaged"``), so that the
    readers quarantine the rows that hold one (:func:`damaged_byte`) and load the others.

    >>> decode_export_bytes("宝宝".encode() + b"\\xff", lenient=True)
    ('宝宝\\udcff', 'utf-8-damaged')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        if not lenient or is_utf8(data):
            return data[3:].decode("utf-8"), "utf-8-sig"
        return data[3:].decode("utf-8", "surrogateescape"), "utf-8-damaged"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start
    escaped = data.decode("utf-8", "surrogateescape") if lenient else ""
    if lenient and _mostly_utf8(escaped):
        return escaped, "utf-8-damaged"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        if lenient:
            return escaped, "utf-8-damaged"
        raise ValueError(f"byte {first_bad} is neither UTF-8 nor GB18030; expected a text export") from None


_SURROGATE = re.compile("[\\udc80-\\udcff]")


def _mostly_utf8(escaped: str) -> bool:
    """Whether text decoded with ``surrogateescape`` is UTF-8 with a few damaged bytes: its valid
    non-ASCII characters far outnumber the bad bytes (GB18030 text read as UTF-8 is mostly bad
    bytes, with the odd pair that happens to be valid UTF-8)."""
    bad = len(_SURROGATE.findall(escaped))
    good = sum(1 for ch in escaped if ord(ch) > 127) - bad
    return good >= 4 * bad


def damaged_byte(text: str) -> str | None:
    """What is wrong when ``text`` (a row, decoded leniently) holds a byte that is not UTF-8.

    >>> damaged_byte("ok"), damaged_byte("a\\udcff")
    (None, 'byte 0xff in it is not UTF-8 (nor GB18030 for the whole file): a damaged file?')
    """
    m = _SURROGATE.search(text)
    if m is None:
        return None
    byte = ord(m.group()) - 0xDC00
    return f"byte 0x{byte:02x} in it is not UTF-8 (nor GB18030 for the whole file): a damaged file?"


#: A byte that ``bytes.strip`` keeps.
_SOLID_BYTE = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def first_solid_byte(data: bytes, start: int = 0) -> int:
    """The offset of the first byte at or after ``start`` that ``bytes.strip`` would keep (-1
    when there is none), found without copying ``data``.

    >>> first_solid_byte(b"  \\n{}"), first_solid_byte(b" \\t")
    (3, -1)
    """
    m = _SOLID_BYTE.search(data, start)
    return -1 if m is None else m.start()


def is_blank(text: str | bytes, start: int = 0) -> bool:
    """Whether ``text[start:]`` is white space only, as ``str.strip`` sees it. Large bytes are
    searched in place; only a body under 64 KB whose ASCII white space hides other bytes is
    decoded to check for Unicode spaces (a 64 KB run of them is not an export anyway).

    >>> is_blank(" \\n\\u3000"), is_blank("\\u3000".encode()), is_blank(b"id\\n x", 3)
    (True, True, False)
    """
    if isinstance(text, str):
        return not text[start:].strip()
    if first_solid_byte(text, start) < 0:
        return True
    return len(text) - start < 65536 and not text[start:].decode("utf-8", "replace").strip()


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (exactly as ``data.decode("utf-8")`` would accept it), without
    making a str: Arrow checks the bytes in place, ~3.5x faster than decoding a CJK export.

    >>> is_utf8("宝宝".encode()), is_utf8(b"\\xe5\\xae"), is_utf8(b"\\xed\\xa0\\x80")  # cut, surrogate
    (True, False, False)
    """
    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    cells = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        cells.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MB blocks (how loads recognise a file again).

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> file_sha256(f.name)[:16]
    'ba7816bf8f01cfea'
    >>> os.unlink(f.name)
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
