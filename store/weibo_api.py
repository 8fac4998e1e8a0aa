"""Reader for the official Weibo API status JSON (JSON lines or ``{"statuses": [...]}``).

Each line holds one status object (a post or a repost, with its author in ``user`` and, for
a repost, the reposted source post in ``retweeted_status``) or one comment object (with the
commented post in ``status`` and, for a reply, ``reply_comment``). ``parse_weibo_api`` takes
lines of text; ``read_weibo_api`` opens a file (``.jsonl``, ``.json``, optionally ``.gz``) and
calls it.

What comes out (DESIGN.md, "Data model"):

* every status becomes a post; a repost's ``retweeted_status`` becomes a post of its own (its
  author a user), so ``repost_of`` points at a post that exists;
* comments are stored as posts with ``reply_to`` set to the commented post;
* interactions in the direction influence flows: B reposts A's post gives A→B, or with a
  chain ``"words//@C1:…//@C2:…"`` C1→B, C2→C1 and A→C2; A's ``@B`` gives A→B; B comments on
  A's post gives A→B, and a reply to R's comment also gives R→B. Self-loops are dropped.

Example:
    >>> line = ('{"id": 1, "idstr": "1", "created_at": "Fri Mar 31 23:47:24 +0800 2017", '
    ...         '"text": "hi @小明", "user": {"idstr": "9", "screen_name": "阿花"}}')
    >>> batch = parse_weibo_api([line], source="x.jsonl")
    >>> batch.posts.loc[0, "user_id"], batch.interactions.loc[0, "dst_name"]
    ('9', '小明')
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

try:  # orjson is 2–3× faster and comes with Prefect; fall back to the standard library
    import orjson

    _loads = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover
    import json as _json

    _loads = _json.loads
    _JSONError = (_json.JSONDecodeError,)
import json

import numpy as np
import pyarrow as pa

from store.bulk import bulk_session
from store.fields import (
    NAME_PATTERN,
    as_count,
    as_id,
    decode_export_bytes,
    first_solid_byte,
    is_utf8,
    own_mentions,
    parse_weibo_datetime,
    repost_chain_names,
)
from store.records import (
    ARROW_SCHEMAS,
    INTERACTION_COLUMNS,
    POST_COLUMNS,
    USER_COLUMNS,
    BatchBuilder,
    ExportBatch,
    make_batch,
    whole_file_quarantine,
)
from store.weibo_api_sql import parse_api_lines_sql

__all__ = [
    "PART_BYTES",
    "SQL_MIN_LINES",
    "WeiboApiFormatError",
    "parse_weibo_api",
    "parse_weibo_datetime",
    "read_weibo_api",
    "read_weibo_api_parts",
    "repost_chain_names",
]

PLATFORM = "weibo"
_REPLY_PREFIX = re.compile(r"^回复@" + NAME_PATTERN + r"\s*[:：]")


class WeiboApiFormatError(ValueError):
    """A file that is not Weibo API status JSON at all (as opposed to a few bad rows)."""


class _RowError(ValueError):
    pass


def _status_id(obj: dict[str, Any]) -> str | None:
    return as_id(obj.get("idstr")) or as_id(obj.get("mid")) or as_id(obj.get("id"))


def _created(obj: dict[str, Any], where: str) -> datetime:
    raw = obj.get("created_at")
    if raw is None:
        raise _RowError(
            f"field '{where}created_at' is missing; expected e.g. 'Fri Mar 31 23:47:24 +0800 2017'"
        )
    try:
        return parse_weibo_datetime(raw)
    except ValueError as exc:
        raise _RowError(f"field '{where}created_at': {exc}") from None


def _user(obj: Any, seen_at: datetime, where: str) -> tuple[str, dict[str, Any]]:
    """The user id and the profile fields of a ``user`` object."""
    if not isinstance(obj, dict):
        raise _RowError(f"field '{where}user' must be an object with an id; got {obj!r:.60}")
    uid = as_id(obj.get("idstr")) or as_id(obj.get("id"))
    if uid is None:
        raise _RowError(f"field '{where}user.id' is missing; expected the author's numeric id")
    verified = obj.get("verified")
    vtype = obj.get("verified_type")
    location = obj.get("location")
    return uid, {
        "screen_name": obj.get("screen_name") or obj.get("name") or None,
        "followers": as_count(obj.get("followers_count")),
        "following": as_count(obj.get("friends_count")),
        "statuses": as_count(obj.get("statuses_count")),
        "verified": verified if isinstance(verified, bool) else None,
        "verified_type": as_count(vtype),
        "description": obj.get("description") or None,
        "gender": obj.get("gender") or None,
        "location": location.strip() if isinstance(location, str) and location.strip() else None,
    }


class _Post:
    __slots__ = ("created", "post_id", "profile", "repost_of", "text", "user_id", "where")

    def __init__(self, obj: dict[str, Any], where: str) -> None:
        pid = _status_id(obj)
        if pid is None:
            raise _RowError(f"field '{where}idstr' (or 'id'/'mid') is missing; expected the post id")
        self.post_id = pid
        self.where = where
        self.created = _created(obj, where)
        self.user_id, self.profile = _user(obj.get("user"), self.created, where)
        rt = obj.get("retweeted_status")
        self.repost_of = _status_id(rt) if isinstance(rt, dict) else None
        text = obj.get("text")
        if text is not None and not isinstance(text, str):
            raise _RowError(f"field '{where}text' must be a string; got {type(text).__name__}")
        self.text = text


def _emit(b: BatchBuilder, p: _Post, obj: dict[str, Any], line: int, from_row: bool) -> None:
    b.add_post(
        p.post_id,
        p.user_id,
        p.created,
        p.text,
        line=line,
        repost_of=p.repost_of,
        reposts=as_count(obj.get("reposts_count")),
        comments=as_count(obj.get("comments_count")),
        likes=as_count(obj.get("attitudes_count")),
        from_row=from_row,
    )
    b.add_user(p.user_id, p.created, **p.profile)
    for name in own_mentions(p.text):
        if name != p.profile["screen_name"]:
            b.add_interaction("mention", p.post_id, p.created, src_user=p.user_id, dst_name=name)


def _parse_status(obj: dict[str, Any], line: int, b: BatchBuilder) -> str:
    post = _Post(obj, "")
    rt = obj.get("retweeted_status")
    root = None
    if isinstance(rt, dict):
        root = _Post(rt, "retweeted_status.")
        if root.repost_of is not None:
            raise _RowError("field 'retweeted_status' is itself a repost; the API nests the original post")
    _emit(b, post, obj, line, True)
    me = post.profile["screen_name"]
    # the author's own name in the chain (a repost of their own repost) is no hop
    chain = [name for name in repost_chain_names(post.text or "")[1] if name != me]
    when = post.created
    if root is not None:
        _emit(b, root, rt, line, False)
        # B got it from C1, C1 from C2, …, Ck from the root author A.
        hops: list[tuple[str | None, str | None]] = [(post.user_id, None)]
        hops += [(None, name) for name in chain]
        hops.append((root.user_id, None))
        for (dst_id, dst_name), (src_id, src_name) in pairwise(hops):
            if dst_name is not None and dst_name == root.profile["screen_name"] and src_id:
                continue  # the root author named in the chain: no A→A
            b.add_interaction(
                "repost",
                post.post_id,
                when,
                src_user=src_id,
                src_name=src_name,
                dst_user=dst_id,
                dst_name=dst_name,
            )
    elif chain:
        # A repost whose source post the export does not carry: the chain still says who spread it.
        b.add_interaction("repost", post.post_id, when, src_name=chain[0], dst_user=post.user_id)
        for a, c in zip(chain[1:], chain, strict=False):
            b.add_interaction("repost", post.post_id, when, src_name=a, dst_name=c)
    return post.post_id


def _parse_comment(obj: dict[str, Any], line: int, b: BatchBuilder) -> str:
    cid = _status_id(obj)
    if cid is None:
        raise _RowError("field 'idstr' (or 'id') of the comment is missing")
    created = _created(obj, "")
    commenter, profile = _user(obj.get("user"), created, "")
    status = obj.get("status")
    if not isinstance(status, dict):
        raise _RowError("field 'status' must be the commented post object")
    target_id = _status_id(status)
    if target_id is None:
        raise _RowError("field 'status.idstr' is missing; expected the commented post id")
    target = None
    author_id = None
    if isinstance(status.get("user"), dict) and status.get("created_at"):
        target = _Post(status, "status.")
        author_id = target.user_id
    elif isinstance(status.get("user"), dict):
        author_id = as_id(status["user"].get("idstr")) or as_id(status["user"].get("id"))
    text = obj.get("text") if isinstance(obj.get("text"), str) else ""
    b.add_post(
        cid, commenter, created, text, line=line, reply_to=target_id, likes=as_count(obj.get("like_count"))
    )
    b.add_user(commenter, created, **profile)
    if target is not None:
        _emit(b, target, status, line, False)
    if author_id is not None:
        b.add_interaction("comment", target_id, created, src_user=author_id, dst_user=commenter)
    reply = obj.get("reply_comment")
    if isinstance(reply, dict) and isinstance(reply.get("user"), dict):
        rid = as_id(reply["user"].get("idstr")) or as_id(reply["user"].get("id"))
        if rid is not None and rid != author_id:
            b.add_interaction("comment", target_id, created, src_user=rid, dst_user=commenter)
    for name in own_mentions(_REPLY_PREFIX.sub("", text)):
        if name != profile["screen_name"]:
            b.add_interaction("mention", target_id, created, src_user=commenter, dst_name=name)
    return cid


def _parse_line(b: BatchBuilder, lineno: int, raw: str, source: str) -> None:
    """The reference parser: one line into ``b`` (rows, or quarantine entries with reasons)."""
    text = raw.strip().lstrip("\ufeff")
    if not text:
        return
    raw = raw.rstrip("\r\n")
    try:
        obj = _loads(text)
    except _JSONError as exc:
        b.quarantine(
            lineno,
            raw,
            f"{source}, line {lineno}: not valid JSON ({exc}); expected "
            "one status object per line (a truncated line, or not an export?)",
        )
        return
    items = obj.get("statuses") if isinstance(obj, dict) and "statuses" in obj else [obj]
    if not isinstance(items, list):
        items = [items]
    for item in items:
        mark = (len(b.posts), len(b.users), len(b.interactions))
        try:
            if not isinstance(item, dict):
                raise _RowError(f"expected a JSON object; got {type(item).__name__}")
            if "status" in item and "retweeted_status" not in item:
                key = _parse_comment(item, lineno, b)
            else:
                key = _parse_status(item, lineno, b)
            b.add_row(key)
        except _RowError as exc:
            # drop whatever the bad row had added before it failed
            del b.posts[mark[0] :], b.users[mark[1] :], b.interactions[mark[2] :]
            row = raw if len(items) == 1 else json.dumps(item, ensure_ascii=False)
            b.quarantine(lineno, row, f"{source}, line {lineno}: {exc}")


#: Below this many lines the line-by-line parser is as fast: planning the SQL costs ~0.8 s and
#: saves ~10 µs a line (measured at 2k–170k lines of 1.3 KB).
SQL_MIN_LINES = 50_000


def parse_weibo_api(
    lines: Iterable[str], source: str, *, engine: str = "auto", first_line: int = 1
) -> ExportBatch:
    """Parse Weibo API JSON lines into an :class:`~store.records.ExportBatch`.

    A line that cannot be read is quarantined with a reason that names the line and field;
    every other line yields one row key, so rows read = parsed + quarantined. A line holding
    ``{"statuses": [...]}`` counts each status as one row. Blank lines are not rows.

    ``engine="sql"`` reads the common lines in DuckDB (:mod:`store.weibo_api_sql`) and the rest
    line by line; ``engine="python"`` reads every line line by line, the reference the SQL path
    is tested against; ``"auto"`` (the default) takes SQL from :data:`SQL_MIN_LINES` lines on.
    Both give the same batch. ``first_line`` is the file's number of the first line (a part of
    a file read in parts, :func:`read_weibo_api_parts`), for the quarantine's line numbers.
    """
    if engine not in ("auto", "sql", "python"):
        raise ValueError(f"engine must be 'auto', 'sql' or 'python'; got {engine!r}")
    lines = lines if isinstance(lines, list) else list(lines)
    if engine == "python" or (engine == "auto" and len(lines) < SQL_MIN_LINES):
        b = BatchBuilder(source, PLATFORM)
        for lineno, raw in enumerate(lines, first_line):
            _parse_line(b, lineno, raw, source)
        return b.build_arrow()
    return _parse_lines_sql(pa.array(lines, pa.large_string()), source, first_line)


def _lines_of(data: bytes) -> pa.LargeStringArray:
    """The ``\n``-separated lines of UTF-8 ``data`` as Arrow strings, without copying them
    (each keeps its line end; a final line without one is kept too)."""
    nl = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
    if data and data[-1:] != b"\n":
        nl = np.append(nl, len(data))
    offsets = np.concatenate([[0], nl]).astype(np.int64)
    return pa.LargeStringArray.from_buffers(len(nl), pa.py_buffer(offsets), pa.py_buffer(data))


def _reference_tables(
    lines: pa.LargeStringArray,
    numbers: list[int],
    source: str,
    first_line: int = 1,
) -> tuple[dict[str, pa.Table], list[tuple]]:
    """The reference parser over the given lines: tables with ``_line`` and ``_seq``, and the
    quarantine rows (their line numbers counted from ``first_line``, the file's number of the
    first of ``lines``)."""
    b = BatchBuilder(source, PLATFORM)
    ends: dict[str, list[int]] = {"posts": [], "users": [], "interactions": [], "keys": []}
    for lineno in numbers:
        _parse_line(b, lineno + first_line - 1, lines[lineno - 1].as_py(), source)
        for name, rows in (
            ("posts", b.posts),
            ("users", b.users),
            ("interactions", b.interactions),
            ("keys", b.row_keys),
        ):
            ends[name].append(len(rows))
    out: dict[str, pa.Table] = {}
    for name, rows, columns in (
        ("posts", b.posts, POST_COLUMNS),
        ("users", b.users, USER_COLUMNS),
        ("interactions", b.interactions, INTERACTION_COLUMNS),
        ("keys", [(k,) for k in b.row_keys], ("key",)),
    ):
        schema = ARROW_SCHEMAS.get(name, pa.schema([("key", pa.string())]))
        cols = {
            c: pa.array(
                _as_text([r[j] for r in rows])
                if schema.field(c).type == pa.string()
                else [r[j] for r in rows],
                schema.field(c).type,
            )
            for j, c in enumerate(columns)
        }
        counts = np.diff(np.asarray(ends[name], dtype=np.int64), prepend=0)
        cols["_line"] = pa.array(np.repeat(np.asarray(numbers, dtype=np.int64), counts))
        cols["_seq"] = pa.array(np.arange(len(rows), dtype=np.int64))
        out[name] = pa.table(cols)
    return out, b.quarantined


def _as_text(values: list) -> list:
    """Text cells as the batch stores them: a profile value of another JSON type (a number where
    a name belongs) becomes its text, as :func:`store.records.make_batch` does."""
    return [v if v is None or isinstance(v, str) else str(v) for v in values]


def _merged(sql: pa.Table, ref: pa.Table | None, schema: pa.Schema) -> pa.Table:
    """The SQL rows and the reference rows in file order, as ``schema``."""
    sql = sql.select([*schema.names, "_line", "_seq"]).cast(
        pa.schema([*schema, pa.field("_line", pa.int64()), pa.field("_seq", pa.int64())])
    )
    if ref is not None and len(ref):
        sql = pa.concat_tables([sql, ref.cast(sql.schema)]).sort_by(
            [("_line", "ascending"), ("_seq", "ascending")]
        )
    return sql.select(schema.names)


def _parse_lines_sql(lines: pa.LargeStringArray, source: str, first_line: int = 1) -> ExportBatch:
    with bulk_session() as con:
        fast = parse_api_lines_sql(con, lines)
    ref: dict[str, pa.Table] = {}
    quarantine: list[tuple] = []
    if fast.slow_lines:
        ref, quarantine = _reference_tables(lines, fast.slow_lines, source, first_line)
    keys = _merged(fast.row_keys, ref.get("keys"), pa.schema([("key", pa.string())]))
    return make_batch(
        source,
        PLATFORM,
        posts=_merged(fast.posts, ref.get("posts"), ARROW_SCHEMAS["posts"]),
        users=_merged(fast.users, ref.get("users"), ARROW_SCHEMAS["users"]),
        interactions=_merged(fast.interactions, ref.get("interactions"), ARROW_SCHEMAS["interactions"]),
        quarantine=quarantine,
        row_keys=keys.column("key"),
    )


def read_weibo_api(path: str | Path) -> ExportBatch:
    """Read one Weibo API export file (``.jsonl``/``.json``, optionally gzipped).

    A whole-file JSON document (``{"statuses": [...]}`` or a list, over many lines) is read
    too. A file that is not JSON at all becomes one quarantine entry; an empty file is fine.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such export file; expected a .jsonl or .json file")
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            return whole_file_quarantine(str(path), data, f"not a readable gzip file ({exc})")
    lines = _large_json_lines(data)
    if lines is not None:
        return _parse_lines_sql(lines, str(path))
    text, encoding = decode_export_bytes(data, lenient=True)  # a line with bad bytes: quarantined
    stripped = text.strip()
    if not stripped:
        return BatchBuilder(str(path), PLATFORM).build()
    if stripped.startswith("[") or (
        stripped.startswith("{") and "\n" in stripped and _is_single_document(stripped)
    ):
        try:
            doc = _loads(stripped)
        except _JSONError as exc:
            return whole_file_quarantine(str(path), data, f"not valid JSON ({exc})")
        items = (
            doc if isinstance(doc, list) else doc.get("statuses", [doc]) if isinstance(doc, dict) else [doc]
        )
        lines = [json.dumps({"statuses": items}, ensure_ascii=False)]
        return parse_weibo_api(lines, str(path))
    lines_by_name = path.name.lower().removesuffix(".gz").endswith((".jsonl", ".ndjson"))
    if not stripped.startswith("{") and not lines_by_name:  # (a .jsonl is read line by line even so)
        return whole_file_quarantine(
            str(path),
            data,
            f"does not look like Weibo API JSON (it starts with {stripped[:20]!r}); "
            'expected one status object per line or {"statuses": [...]}',
        )
    if text.count("\n") + 1 < SQL_MIN_LINES or encoding == "utf-8-damaged":  # bad bytes: line by line
        return parse_weibo_api(text.split("\n"), str(path), engine="python")
    if encoding != "utf-8":  # a BOM or GB18030: work on the decoded text as UTF-8
        data = text.encode("utf-8")
    return _parse_lines_sql(_lines_of(data), str(path))


def _large_json_lines(data: bytes) -> pa.LargeStringArray | None:
    """The lines of ``data`` when it is a large UTF-8 file of JSON lines (one object per line,
    at least :data:`SQL_MIN_LINES` of them), found without decoding it into a str (for 200 MB
    that took 1.2 s: decoding, stripping, splitting); else None, and the caller decides from
    the decoded text, as it always did."""
    if data.count(b"\n") + 1 < SQL_MIN_LINES or not is_utf8(data):
        return None
    body = data.removeprefix(b"\xef\xbb\xbf")
    first = first_solid_byte(body)
    if first < 0 or body[first : first + 1] != b"{":
        return None
    # one JSON document over many lines (a pretty-printed {"statuses": [...]}) starts with a
    # first line that is not JSON by itself: the caller reads those
    end = body.find(b"\n", first)
    head = body[first:] if end < 0 else body[first:end]
    try:
        _loads(head.decode("utf-8").strip())
    except _JSONError:
        return None
    return _lines_of(body)


def _is_single_document(text: str) -> bool:
    """True when the text is one JSON document spread over lines (not JSON lines)."""
    first = text.split("\n", 1)[0].strip()
    try:
        _loads(first)
    except _JSONError:
        try:
            _loads(text)
        except _JSONError:
            return False
        return True
    return False


#: A plain JSON-lines file larger than this is read in parts of about this size
#: (:func:`read_weibo_api_parts`), so reading a 5 GB export needs memory for one part, not all.
PART_BYTES = 128 << 20


def read_weibo_api_parts(path: str | Path, part_bytes: int = PART_BYTES) -> Iterator[ExportBatch]:
    """Read one Weibo API export as batches of whole lines, about ``part_bytes`` each, in file
    order, with the file's own line numbers; loading them one after the other in one transaction
    (:func:`store.warehouse.load_parts`) gives what loading :func:`read_weibo_api`'s one batch
    gives. A file that is not plain UTF-8 JSON lines larger than ``part_bytes`` (gzipped, one
    JSON document, another encoding, small) is one batch, from :func:`read_weibo_api`.

    Example:
        >>> import tempfile
        >>> line = ('{"idstr": "%d", "created_at": "Fri Mar 31 23:47:24 +0800 2017", '
        ...         '"text": "hi", "user": {"idstr": "9"}}\\n')
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     f = Path(folder) / "s.jsonl"
        ...     _ = f.write_text("".join(line % k for k in range(5)) + "{oops\\n")
        ...     parts = list(read_weibo_api_parts(f, part_bytes=200))
        >>> [p.rows_read for p in parts], [n for p in parts for n in p.quarantine["line"]]
        ([1, 2, 3], [6])
    """
    path = Path(path)
    if part_bytes < 1:
        raise ValueError(f"part_bytes must be at least 1; got {part_bytes}")
    if path.suffix == ".gz" or not path.is_file() or path.stat().st_size <= part_bytes:
        yield read_weibo_api(path)
        return
    with open(path, "rb") as f:
        first = True
        first_line = 1
        for data in _whole_line_blocks(f, part_bytes):
            if first and not _json_lines_head(data):
                yield read_weibo_api(path)  # not JSON lines: the whole-file reader says why
                return
            yield _parse_part(data, str(path), first_line, bom=first)
            first_line += data.count(b"\n")
            first = False


def _whole_line_blocks(f: Any, size: int) -> Iterator[bytes]:
    """The file's bytes in blocks of about ``size``, each ending at a line end (the last one
    maybe not)."""
    rest = b""
    while block := f.read(size):
        data = rest + block
        cut = data.rfind(b"\n") + 1
        if cut:
            yield data[:cut]
            rest = data[cut:]
        else:
            rest = data
    if rest:
        yield rest


def _json_lines_head(data: bytes) -> bool:
    """Whether the first part of a file is UTF-8 JSON lines (its first line one JSON object)."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    first = first_solid_byte(body)
    if first < 0 or body[first : first + 1] != b"{":
        return False
    end = body.find(b"\n", first)
    try:
        _loads(body[first : end if end >= 0 else len(body)].decode("utf-8").strip())
    except (_JSONError, UnicodeDecodeError):
        return False
    return True


def _parse_part(data: bytes, source: str, first_line: int, *, bom: bool) -> ExportBatch:
    """One part's lines (numbered from ``first_line``) into a batch: in DuckDB when it is UTF-8
    and long, line by line otherwise (damaged bytes are quarantined per line)."""
    if bom:
        data = data.removeprefix(b"\xef\xbb\xbf")
    if is_utf8(data) and data.count(b"\n") + 1 >= SQL_MIN_LINES:
        return _parse_lines_sql(_lines_of(data), source, first_line)
    text, _ = decode_export_bytes(data, lenient=True)
    lines = text.split("\n")
    if lines and not lines[-1]:  # the part's last line end is not the start of another line
        lines.pop()
    return parse_weibo_api(lines, source, engine="python", first_line=first_line)
