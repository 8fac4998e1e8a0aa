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
    >>> batch.posts[0].user_id, batch.interactions[0].dst_name
    ('9', '小明')
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from store.records import (
    ExportBatch,
    InteractionRecord,
    PostRecord,
    QuarantineRecord,
    UserRecord,
)

__all__ = [
    "WeiboApiFormatError",
    "parse_weibo_api",
    "parse_weibo_datetime",
    "read_weibo_api",
    "repost_chain_names",
]

PLATFORM = "weibo"
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
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
# Weibo screen names: 2–30 characters of CJK, letters, digits, '_' and '-'.
_NAME = r"[\w\u4e00-\u9fff\-]{1,30}"
_CHAIN_PART = re.compile(r"//\s*@(" + _NAME + r")\s*[:：]")
_MENTION = re.compile(r"@(" + _NAME + r")")
_PURE_REPOST = {"转发微博", "轉發微博", "Repost", "repost"}


class WeiboApiFormatError(ValueError):
    """A file that is not Weibo API status JSON at all (as opposed to a few bad rows)."""


def parse_weibo_datetime(value: str) -> datetime:
    """Parse the API's ``created_at`` ("Fri Mar 31 23:47:24 +0800 2017") to an aware datetime.

    Independent of the process locale. ISO-8601 strings are accepted too; a time without a zone
    is Asia/Shanghai.

    >>> parse_weibo_datetime("Fri Mar 31 23:47:24 +0800 2017").isoformat()
    '2017-03-31T23:47:24+08:00'
    """
    if not isinstance(value, str):
        raise ValueError(f"expected a date string like 'Fri Mar 31 23:47:24 +0800 2017'; got {value!r}")
    m = _API_TIME.match(value)
    if m:
        mon, day, hh, mm, ss, sign, tzh, tzm, year = m.groups()
        if mon not in _MONTHS:
            raise ValueError(f"unknown month {mon!r} in {value!r}")
        offset = timedelta(hours=int(tzh), minutes=int(tzm)) * (1 if sign == "+" else -1)
        return datetime(
            int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss),
            tzinfo=timezone(offset),
        )
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


def _mentions(text: str) -> list[str]:
    """``@name`` mentions in the author's own words (a ``//@`` chain is not a mention)."""
    seen: list[str] = []
    for m in _MENTION.finditer(text):
        if m.start() >= 2 and text[m.start() - 2 : m.start()] == "//":
            continue
        if m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def _as_id(value: Any) -> str | None:
    """Ids are text, always: ints and strings become stripped strings; floats are refused."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        v = value.strip()
        return v or None
    return None


def _as_count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        v = value.strip().replace(",", "")
        if v.endswith("万+"):
            v = v[:-2] + "万"
        try:
            if v.endswith("万"):
                return round(float(v[:-1]) * 10_000)
            if v.endswith("亿"):
                return round(float(v[:-1]) * 100_000_000)
            return int(float(v)) if v else None
        except ValueError:
            return None
    return None


def _status_id(obj: dict[str, Any]) -> str | None:
    return _as_id(obj.get("idstr")) or _as_id(obj.get("mid")) or _as_id(obj.get("id"))


class _RowError(ValueError):
    pass


def _user(obj: Any, seen_at: datetime, where: str) -> UserRecord:
    if not isinstance(obj, dict):
        raise _RowError(f"field '{where}user' must be an object with an id; got {obj!r:.60}")
    uid = _as_id(obj.get("idstr")) or _as_id(obj.get("id"))
    if uid is None:
        raise _RowError(f"field '{where}user.id' is missing; expected the author's numeric id")
    verified = obj.get("verified")
    vtype = obj.get("verified_type")
    location = obj.get("location")
    return UserRecord(
        user_id=uid,
        platform=PLATFORM,
        screen_name=(obj.get("screen_name") or obj.get("name") or None),
        followers=_as_count(obj.get("followers_count")),
        following=_as_count(obj.get("friends_count")),
        statuses=_as_count(obj.get("statuses_count")),
        verified=verified if isinstance(verified, bool) else None,
        verified_type=_as_count(vtype) if vtype is not None else None,
        description=obj.get("description") or None,
        gender=obj.get("gender") or None,
        location=location.strip() if isinstance(location, str) and location.strip() else None,
        seen_at=seen_at,
    )


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


def _post(obj: dict[str, Any], line: int, where: str, embedded: bool) -> tuple[PostRecord, UserRecord]:
    pid = _status_id(obj)
    if pid is None:
        raise _RowError(f"field '{where}idstr' (or 'id'/'mid') is missing; expected the post id")
    created = _created(obj, where)
    user = _user(obj.get("user"), created, where)
    rt = obj.get("retweeted_status")
    repost_of = _status_id(rt) if isinstance(rt, dict) else None
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        raise _RowError(f"field '{where}text' must be a string; got {type(text).__name__}")
    post = PostRecord(
        post_id=pid,
        platform=PLATFORM,
        user_id=user.user_id,
        created_at=created,
        text=text,
        repost_of=repost_of,
        reposts=_as_count(obj.get("reposts_count")),
        comments=_as_count(obj.get("comments_count")),
        likes=_as_count(obj.get("attitudes_count")),
        line=line,
        embedded=embedded,
    )
    return post, user


def _mention_edges(post: PostRecord, own_text: str, author: UserRecord) -> list[InteractionRecord]:
    out = []
    for name in _mentions(own_text):
        if name == author.screen_name:
            continue
        out.append(
            InteractionRecord(
                kind="mention", post_id=post.post_id, created_at=post.created_at,
                src_user=post.user_id, dst_name=name,
            )
        )
    return out


def _parse_status(obj: dict[str, Any], line: int, batch: ExportBatch) -> str:
    post, user = _post(obj, line, "", embedded=False)
    rt = obj.get("retweeted_status")
    records: list[PostRecord] = [post]
    users: list[UserRecord] = [user]
    edges: list[InteractionRecord] = []
    own_text, chain = repost_chain_names(post.text or "")
    edges += _mention_edges(post, own_text, user)
    if isinstance(rt, dict):
        root, root_user = _post(rt, line, "retweeted_status.", embedded=True)
        if root.repost_of is not None:
            raise _RowError(
                "field 'retweeted_status' is itself a repost; the API nests the original post"
            )
        records.append(root)
        users.append(root_user)
        root_own, _ = repost_chain_names(root.text or "")
        edges += _mention_edges(root, root_own, root_user)
        # B got it from C1, C1 from C2, …, Ck from the root author A.
        hops: list[tuple[str | None, str | None]] = [(None, user.user_id)]
        hops += [(name, None) for name in chain]
        hops.append((None, root_user.user_id))
        for (dst_name, dst_id), (src_name, src_id) in itertools.pairwise(hops):
            if src_id is not None and src_id == dst_id:
                continue
            if src_name is not None and src_name == dst_name:
                continue
            if src_name is not None and src_name == user.screen_name and dst_id == user.user_id:
                continue
            if dst_name is not None and src_id is not None and dst_name == root_user.screen_name:
                continue
            edges.append(
                InteractionRecord(
                    kind="repost", post_id=post.post_id, created_at=post.created_at,
                    src_user=src_id, src_name=src_name, dst_user=dst_id, dst_name=dst_name,
                )
            )
    elif chain:
        # A repost whose source post the export does not carry: the chain still says who spread it.
        names = chain
        edges.append(
            InteractionRecord(
                kind="repost", post_id=post.post_id, created_at=post.created_at,
                src_name=names[0], dst_user=user.user_id,
            )
        )
        for a, b in zip(names[1:], names, strict=False):
            if a != b:
                edges.append(
                    InteractionRecord(
                        kind="repost", post_id=post.post_id, created_at=post.created_at,
                        src_name=a, dst_name=b,
                    )
                )
    batch.posts.extend(records)
    batch.users.extend(users)
    batch.interactions.extend(e for e in edges if not _self_loop(e))
    return post.post_id


def _self_loop(e: InteractionRecord) -> bool:
    return (e.src_user is not None and e.src_user == e.dst_user) or (
        e.src_name is not None and e.src_name == e.dst_name
    )


def _parse_comment(obj: dict[str, Any], line: int, batch: ExportBatch) -> str:
    cid = _status_id(obj)
    if cid is None:
        raise _RowError("field 'idstr' (or 'id') of the comment is missing")
    created = _created(obj, "")
    commenter = _user(obj.get("user"), created, "")
    status = obj.get("status")
    if not isinstance(status, dict):
        raise _RowError("field 'status' must be the commented post object")
    target_id = _status_id(status)
    if target_id is None:
        raise _RowError("field 'status.idstr' is missing; expected the commented post id")
    users = [commenter]
    posts: list[PostRecord] = []
    author_id = None
    if isinstance(status.get("user"), dict) and status.get("created_at"):
        target, author = _post(status, line, "status.", embedded=True)
        posts.append(target)
        users.append(author)
        author_id = author.user_id
    elif isinstance(status.get("user"), dict):
        author_id = _as_id(status["user"].get("idstr")) or _as_id(status["user"].get("id"))
    edges = []
    if author_id is not None and author_id != commenter.user_id:
        edges.append(
            InteractionRecord(
                kind="comment", post_id=target_id, created_at=created,
                src_user=author_id, dst_user=commenter.user_id,
            )
        )
    reply = obj.get("reply_comment")
    if isinstance(reply, dict) and isinstance(reply.get("user"), dict):
        rid = _as_id(reply["user"].get("idstr")) or _as_id(reply["user"].get("id"))
        if rid is not None and rid not in (commenter.user_id, author_id):
            edges.append(
                InteractionRecord(
                    kind="comment", post_id=target_id, created_at=created,
                    src_user=rid, dst_user=commenter.user_id,
                )
            )
    text = obj.get("text") if isinstance(obj.get("text"), str) else ""
    own = re.sub(r"^回复@" + _NAME + r"\s*[:：]", "", text)
    for name in _mentions(own):
        if name != commenter.screen_name:
            edges.append(
                InteractionRecord(
                    kind="mention", post_id=target_id, created_at=created,
                    src_user=commenter.user_id, dst_name=name,
                )
            )
    posts.insert(
        0,
        PostRecord(
            post_id=cid, platform=PLATFORM, user_id=commenter.user_id, created_at=created,
            text=text, repost_of=None, reposts=None, comments=None,
            likes=_as_count(obj.get("like_count")), line=line, reply_to=target_id,
        ),
    )
    batch.posts.extend(posts)
    batch.users.extend(users)
    batch.interactions.extend(edges)
    return cid


def _objects(lines: Iterable[str]) -> Iterator[tuple[int, str, Any]]:
    for lineno, raw in enumerate(lines, 1):
        text = raw.strip().lstrip("\ufeff")
        if not text:
            continue
        try:
            yield lineno, raw.rstrip("\r\n"), json.loads(text)
        except json.JSONDecodeError as exc:
            yield lineno, raw.rstrip("\r\n"), exc


def parse_weibo_api(lines: Iterable[str], source: str) -> ExportBatch:
    """Parse Weibo API JSON lines into an :class:`~store.records.ExportBatch`.

    A line that cannot be read is quarantined with a reason that names the line and field;
    every other line yields one primary post (or comment) id, so rows read = parsed + quarantined.
    A line holding ``{"statuses": [...]}`` counts each status as one row.
    """
    batch = ExportBatch(source=source, platform=PLATFORM)
    for lineno, raw, obj in _objects(lines):
        if isinstance(obj, json.JSONDecodeError):
            batch.quarantine.append(
                QuarantineRecord(lineno, raw, f"{source}, line {lineno}: not valid JSON ({obj.msg} "
                                 f"at column {obj.colno}); expected one status object per line")
            )
            continue
        items = obj.get("statuses") if isinstance(obj, dict) and "statuses" in obj else [obj]
        if not isinstance(items, list):
            items = [items]
        for item in items:
            try:
                if not isinstance(item, dict):
                    raise _RowError(f"expected a JSON object; got {type(item).__name__}")
                if "status" in item and "retweeted_status" not in item:
                    primary = _parse_comment(item, lineno, batch)
                else:
                    primary = _parse_status(item, lineno, batch)
                batch.primary_post_ids.append(primary)
            except _RowError as exc:
                batch.quarantine.append(
                    QuarantineRecord(lineno, raw if len(items) == 1 else json.dumps(
                        item, ensure_ascii=False), f"{source}, line {lineno}: {exc}")
                )
    return batch


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_weibo_api(path: str | Path) -> ExportBatch:
    """Read one Weibo API export file (``.jsonl``/``.json``, optionally gzipped).

    A whole-file JSON document (``{"statuses": [...]}`` spread over many lines) is read too.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such export file; expected a .jsonl or .json file")
    try:
        with _open_text(path) as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise WeiboApiFormatError(
            f"{path}: byte {exc.start} is not UTF-8; Weibo API exports are UTF-8 JSON"
        ) from None
    stripped = text.lstrip()
    if stripped.startswith("{") and "\n" in stripped.strip() and _is_single_document(stripped):
        return parse_weibo_api([json.dumps(json.loads(stripped), ensure_ascii=False)], str(path))
    if stripped and not stripped.startswith(("{", "[")):
        raise WeiboApiFormatError(
            f"{path}: does not look like Weibo API JSON (first character {stripped[0]!r}); "
            "expected one status object per line or {\"statuses\": [...]}"
        )
    if stripped.startswith("["):
        items = json.loads(stripped)
        return parse_weibo_api(
            [json.dumps({"statuses": items}, ensure_ascii=False)], str(path)
        )
    return parse_weibo_api(text.split("\n"), str(path))


def _is_single_document(text: str) -> bool:
    first = text.split("\n", 1)[0].strip()
    try:
        json.loads(first)
    except json.JSONDecodeError:
        try:
            json.loads(text)
        except json.JSONDecodeError:
            return False
        return True
    return False
