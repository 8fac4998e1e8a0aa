"""What every export reader produces and the warehouse loads: an :class:`ExportBatch`.

A batch is columnar: pandas frames of posts, users, interactions and quarantined rows in the
warehouse's vocabulary (DESIGN.md "Data model"), plus one *row key* per row that was read and
not quarantined (the id of the post that row stands for), so that the warehouse can count each
row as loaded or duplicate. Readers never touch the warehouse and the warehouse never parses
files, so each side is tested alone.

Row-by-row parsers fill a :class:`BatchBuilder` (appending plain tuples is cheap); vectorised
parsers (CSV through Arrow, say) build the frames directly with :func:`make_batch`.

Interactions may name a user by screen name instead of id (``//@name:`` chains and ``@name``
mentions carry only names). The warehouse resolves names against ``users`` when it loads the
batch; a name it does not know becomes a placeholder user, merged when the name's id turns up.

Example:
    >>> b = BatchBuilder("a.jsonl")
    >>> b.quarantine(3, "{oops", "a.jsonl, line 3: not valid JSON")
    >>> batch = b.build()
    >>> batch.rows_read, len(batch.quarantine)
    (1, 1)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from store.fields import COUNT_OVERFLOW, MAX_COUNT, MAX_FIELD_CHARS, SHANGHAI

__all__ = [
    "ARROW_SCHEMAS",
    "EARLIEST_POST",
    "FUTURE_SLACK",
    "INTERACTION_COLUMNS",
    "INTERACTION_KINDS",
    "POST_COLUMNS",
    "QUARANTINE_COLUMNS",
    "USER_COLUMNS",
    "BatchBuilder",
    "ExportBatch",
    "make_batch",
    "screen_batch",
    "whole_file_quarantine",
]

INTERACTION_KINDS = ("repost", "comment", "mention", "follow")

#: A post, repost or comment. ``repost_of``: the post it reposts; ``reply_to``: the post a
#: comment is on; ``line``: the export line it was read from; ``from_row``: False when the post
#: was only carried inside another row (a repost's source post).
POST_COLUMNS = (
    "post_id",
    "platform",
    "user_id",
    "created_at",
    "text",
    "repost_of",
    "reply_to",
    "reposts",
    "comments",
    "likes",
    "line",
    "from_row",
)
#: A profile as seen at ``seen_at``; unknown fields are missing.
USER_COLUMNS = (
    "user_id",
    "platform",
    "screen_name",
    "followers",
    "following",
    "statuses",
    "verified",
    "verified_type",
    "description",
    "gender",
    "location",
    "seen_at",
)
#: Influence flowing src → dst, each end by id or (when only that is known) by screen name.
INTERACTION_COLUMNS = ("src_user", "src_name", "dst_user", "dst_name", "kind", "post_id", "created_at")
QUARANTINE_COLUMNS = ("line", "raw", "reason")

_TEXT = "object"
_DTYPES: dict[str, Any] = {
    "post_id": _TEXT,
    "platform": _TEXT,
    "user_id": _TEXT,
    "text": _TEXT,
    "repost_of": _TEXT,
    "reply_to": _TEXT,
    "reposts": "Int64",
    "comments": "Int64",
    "likes": "Int64",
    "line": "int64",
    "from_row": "bool",
    "screen_name": _TEXT,
    "followers": "Int64",
    "following": "Int64",
    "statuses": "Int64",
    "verified": "boolean",
    "verified_type": "Int64",
    "description": _TEXT,
    "gender": _TEXT,
    "location": _TEXT,
    "src_user": _TEXT,
    "src_name": _TEXT,
    "dst_user": _TEXT,
    "dst_name": _TEXT,
    "kind": _TEXT,
    "raw": _TEXT,
    "reason": _TEXT,
}


def _printable(value: Any) -> Any:
    """Text with lone surrogates (bytes that were not UTF-8) as U+FFFD, so that it can be stored."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def _frame(rows: list[tuple] | pd.DataFrame | None, columns: tuple[str, ...]) -> pd.DataFrame:
    if columns == QUARANTINE_COLUMNS and isinstance(rows, list):
        # a row kept with a byte that is not UTF-8 (decoded leniently) shows it as U+FFFD
        rows = [(r[0], _printable(r[1]), _printable(r[2])) for r in rows]
    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows or [], columns=list(columns))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"a batch frame needs columns {list(columns)}; missing {missing}")
    df = df[list(columns)]
    for col in columns:
        if col in ("created_at", "seen_at"):
            values = df[col]
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                df[col] = values.dt.tz_convert("UTC")
            else:
                df[col] = pd.to_datetime(values, utc=True)
        elif _DTYPES.get(col) == _TEXT:
            # Arrow-backed strings: a third of the memory of Python str objects; missing = NaN
            df[col] = df[col].astype("str")
        elif col in _DTYPES:
            df[col] = df[col].astype(_DTYPES[col])
    return df.reset_index(drop=True)


#: The Arrow schema of each table, as bulk (SQL) readers hand them over.
ARROW_SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema(
        [
            (
                c,
                pa.timestamp("us", tz="UTC")
                if c in ("created_at", "seen_at")
                else pa.int64()
                if _DTYPES[c] in ("Int64", "int64")
                else pa.bool_()
                if _DTYPES[c] in ("bool", "boolean")
                else pa.string(),
            )
            for c in cols
        ]
    )
    for name, cols in (
        ("posts", POST_COLUMNS),
        ("users", USER_COLUMNS),
        ("interactions", INTERACTION_COLUMNS),
        ("quarantine", QUARANTINE_COLUMNS),
    )
}


def _arrow_table(table: pa.Table, name: str) -> pa.Table:
    schema = ARROW_SCHEMAS[name]
    missing = [c for c in schema.names if c not in table.column_names]
    if missing:
        raise ValueError(f"a batch's {name} table needs columns {schema.names}; missing {missing}")
    return table.select(schema.names).cast(schema)


class ExportBatch:
    """Everything read from one export file (see the ``*_COLUMNS`` constants).

    Row-by-row readers hand over pandas frames; bulk readers hand over Arrow tables, which the
    warehouse loads without a detour through pandas. Either way ``posts``, ``users``,
    ``interactions`` and ``quarantine`` read as pandas frames (converted once, on first use) and
    :meth:`table` gives what the warehouse registers.
    """

    def __init__(
        self,
        source: str,
        platform: str,
        posts: pd.DataFrame | pa.Table,
        users: pd.DataFrame | pa.Table,
        interactions: pd.DataFrame | pa.Table,
        quarantine: pd.DataFrame | pa.Table,
        row_keys: list[str] | pa.Array | pa.ChunkedArray | None = None,
    ) -> None:
        self.source = source
        self.platform = platform
        self._tables: dict[str, pd.DataFrame | pa.Table] = {
            "posts": posts,
            "users": users,
            "interactions": interactions,
            "quarantine": quarantine,
        }
        self._keys = row_keys if row_keys is not None else []
        #: the export format the batch was read as (set by :func:`store.readers.read_export`)
        self.format: str | None = None

    def table(self, name: str) -> pd.DataFrame | pa.Table:
        """The ``posts`` / ``users`` / ``interactions`` / ``quarantine`` table as it was handed
        over (an Arrow table from a bulk reader, else a pandas frame)."""
        return self._tables[name]

    def _frame_of(self, name: str) -> pd.DataFrame:
        t = self._tables[name]
        if isinstance(t, pa.Table):
            t = _frame(t.to_pandas(types_mapper=_PANDAS_TYPES.get), _COLUMNS_OF[name])
            self._tables[name] = t
        return t

    @property
    def posts(self) -> pd.DataFrame:
        return self._frame_of("posts")

    @property
    def users(self) -> pd.DataFrame:
        return self._frame_of("users")

    @property
    def interactions(self) -> pd.DataFrame:
        return self._frame_of("interactions")

    @property
    def quarantine(self) -> pd.DataFrame:
        return self._frame_of("quarantine")

    @property
    def row_keys(self) -> list[str]:
        """One key per row read and not quarantined: the id of the post the row stands for."""
        if not isinstance(self._keys, list):
            self._keys = self._keys.to_pylist()
        return self._keys

    def row_keys_arrow(self) -> pa.Array | pa.ChunkedArray:
        """:attr:`row_keys` as Arrow strings (no Python objects for bulk readers)."""
        if isinstance(self._keys, list):
            return pa.array(self._keys, type=pa.string())
        return self._keys

    @property
    def rows_read(self) -> int:
        """Rows read from the file: parsed rows plus quarantined rows."""
        return len(self._keys) + len(self._tables["quarantine"])

    def renamed(self, old: str, new: str) -> ExportBatch:
        """The batch as read from ``new`` (its source, and the file named in quarantine reasons),
        when it was read from a copy at ``old`` (a decompressed ``.gz``)."""
        q = self.quarantine.copy()
        q["reason"] = q["reason"].str.replace(old, new, regex=False)
        return ExportBatch(
            new,
            self.platform,
            self._tables["posts"],
            self._tables["users"],
            self._tables["interactions"],
            q,
            self._keys,
        )

    def __repr__(self) -> str:
        return (
            f"ExportBatch(source={self.source!r}, platform={self.platform!r}, "
            f"rows_read={self.rows_read}, "
            f"posts={len(self._tables['posts'])}, interactions={len(self._tables['interactions'])})"
        )


_COLUMNS_OF = {
    "posts": POST_COLUMNS,
    "users": USER_COLUMNS,
    "interactions": INTERACTION_COLUMNS,
    "quarantine": QUARANTINE_COLUMNS,
}
_PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def make_batch(
    source: str,
    platform: str = "weibo",
    *,
    posts: pd.DataFrame | pa.Table | list[tuple] | None = None,
    users: pd.DataFrame | pa.Table | list[tuple] | None = None,
    interactions: pd.DataFrame | pa.Table | list[tuple] | None = None,
    quarantine: pd.DataFrame | pa.Table | list[tuple] | None = None,
    row_keys: list[str] | pa.Array | pa.ChunkedArray | None = None,
) -> ExportBatch:
    """Build a batch from frames, Arrow tables or tuples, checking columns and setting types."""

    def norm(rows, name: str):
        if isinstance(rows, pa.Table):
            return _arrow_table(rows, name)
        return _frame(rows, _COLUMNS_OF[name])

    return ExportBatch(
        source=source,
        platform=platform,
        posts=norm(posts, "posts"),
        users=norm(users, "users"),
        interactions=norm(interactions, "interactions"),
        quarantine=norm(quarantine, "quarantine"),
        row_keys=list(row_keys or []) if row_keys is None or isinstance(row_keys, list) else row_keys,
    )


class BatchBuilder:
    """Collects rows as tuples for a row-by-row parser, then builds the batch once."""

    def __init__(self, source: str, platform: str = "weibo") -> None:
        self.source = source
        self.platform = platform
        self.posts: list[tuple] = []
        self.users: list[tuple] = []
        self.interactions: list[tuple] = []
        self._quarantine: list[tuple] = []
        self.row_keys: list[str] = []

    def add_post(
        self,
        post_id: str,
        user_id: str,
        created_at: datetime,
        text: str | None,
        *,
        line: int,
        repost_of: str | None = None,
        reply_to: str | None = None,
        reposts: int | None = None,
        comments: int | None = None,
        likes: int | None = None,
        from_row: bool = True,
    ) -> None:
        self.posts.append(
            (
                post_id,
                self.platform,
                user_id,
                created_at,
                text,
                repost_of,
                reply_to,
                reposts,
                comments,
                likes,
                line,
                from_row,
            )
        )

    def add_user(
        self,
        user_id: str,
        seen_at: datetime,
        *,
        screen_name: str | None = None,
        followers: int | None = None,
        following: int | None = None,
        statuses: int | None = None,
        verified: bool | None = None,
        verified_type: int | None = None,
        description: str | None = None,
        gender: str | None = None,
        location: str | None = None,
    ) -> None:
        self.users.append(
            (
                user_id,
                self.platform,
                screen_name,
                followers,
                following,
                statuses,
                verified,
                verified_type,
                description,
                gender,
                location,
                seen_at,
            )
        )

    def add_interaction(
        self,
        kind: str,
        post_id: str | None,
        created_at: datetime | None,
        *,
        src_user: str | None = None,
        src_name: str | None = None,
        dst_user: str | None = None,
        dst_name: str | None = None,
    ) -> None:
        """Add src → dst unless it is a self-loop (same id, or same name)."""
        if src_user is not None and src_user == dst_user:
            return
        if src_name is not None and src_name == dst_name:
            return
        self.interactions.append((src_user, src_name, dst_user, dst_name, kind, post_id, created_at))

    def add_row(self, key: str) -> None:
        """Record one parsed row, standing for the post (or comment) ``key``; a row of a profile
        export stands for its user: ``"user:<id>"``."""
        self.row_keys.append(key)

    def quarantine(self, line: int, raw: str, reason: str) -> None:
        self._quarantine.append((line, raw, reason))

    @property
    def quarantined(self) -> list[tuple]:
        """The quarantine rows so far: ``(line, raw, reason)``."""
        return self._quarantine

    def build_arrow(self) -> ExportBatch:
        """The batch as Arrow tables (:data:`ARROW_SCHEMAS`), what the warehouse registers: for
        a file of a few rows several times cheaper than :meth:`build`'s pandas frames (which
        the batch still gives, on first use of ``posts`` and the like). Rows Arrow cannot hold
        as they are (a number where text belongs) get :meth:`build`'s frames, as before.

        >>> b = BatchBuilder("a.jsonl")
        >>> b.quarantine(3, "{oops", "a.jsonl, line 3: not valid JSON")
        >>> batch = b.build_arrow()
        >>> type(batch.table("quarantine")).__name__, batch.quarantine.loc[0, "line"]
        ('Table', np.int64(3))
        """
        quarantine = [(r[0], _printable(r[1]), _printable(r[2])) for r in self._quarantine]
        try:
            tables = {
                name: _rows_table(rows, name)
                for name, rows in (
                    ("posts", self.posts),
                    ("users", self.users),
                    ("interactions", self.interactions),
                    ("quarantine", quarantine),
                )
            }
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            return self.build()
        return ExportBatch(self.source, self.platform, **tables, row_keys=self.row_keys)

    def build(self) -> ExportBatch:
        return make_batch(
            self.source,
            self.platform,
            posts=self.posts,
            users=self.users,
            interactions=self.interactions,
            quarantine=self._quarantine,
            row_keys=self.row_keys,
        )


def _rows_table(rows: list[tuple], name: str) -> pa.Table:
    """Tuples of ``name``'s columns (:data:`ARROW_SCHEMAS`) as an Arrow table, column by column."""
    schema = ARROW_SCHEMAS[name]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.Table.from_arrays(
        [pa.array(list(c), f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
    )


def whole_file_quarantine(source: str, raw: str | bytes, why: str, platform: str = "weibo") -> ExportBatch:
    """A file that cannot be read as an export at all: one quarantine entry (line 0) holding its
    first 2,000 characters and ``"<source>: <why>"``, instead of an error.

    >>> whole_file_quarantine("x.csv", b"junk", "not an export").quarantine.loc[0, "reason"]
    'x.csv: not an export'
    """
    if isinstance(raw, bytes):
        raw = raw[:2000].decode("utf-8", "replace")
    return make_batch(source, platform, quarantine=[(0, raw[:2000], f"{source}: {why}")])


# --------------------------------------------------------------------------------------------
# What a reader could parse but cannot be right


#: Weibo opened to the public in August 2009: a post dated before that is damage.
EARLIEST_POST = datetime(2009, 8, 1, tzinfo=SHANGHAI)
#: How far past the load time a post may be dated (a clock a little ahead, a time zone mix-up).
FUTURE_SLACK = timedelta(days=1)
_POST_COUNTS = ("reposts", "comments", "likes")
_USER_COUNTS = ("followers", "following", "statuses")
_INT32 = 2**31


def _range(t: pd.DataFrame | pa.Table, name: str) -> tuple[Any, Any]:
    """(min, max) of a column, missing values skipped (None, None when there are none)."""
    if isinstance(t, pa.Table):
        mm = pc.min_max(t.column(name))
        return mm["min"].as_py(), mm["max"].as_py()
    s = t[name]
    return (s.min(), s.max()) if s.notna().any() else (None, None)


def _longest_text(t: pd.DataFrame | pa.Table) -> int:
    """An upper bound on the longest post text (exact when it exceeds MAX_FIELD_CHARS)."""
    if isinstance(t, pa.Table):
        col = t.column("text")
        if not len(col) or (pc.max(pc.binary_length(col)).as_py() or 0) <= MAX_FIELD_CHARS:
            return 0
        return pc.max(pc.utf8_length(col)).as_py() or 0
    return int(t["text"].str.len().max()) if len(t) and t["text"].notna().any() else 0


def _suspect(batch: ExportBatch, latest: datetime) -> bool:
    """Whether anything in the batch may fail :func:`screen_batch`'s checks (a cheap scan)."""
    posts, users = batch.table("posts"), batch.table("users")

    def outside(t, name: str, low: Any, high: Any) -> bool:
        lo, hi = _range(t, name) if len(t) else (None, None)
        return lo is not None and (lo < low or hi > high)

    return (
        outside(posts, "created_at", EARLIEST_POST, latest)
        or any(outside(posts, c, 0, MAX_COUNT) for c in _POST_COUNTS)
        or (len(posts) > 0 and _longest_text(posts) > MAX_FIELD_CHARS)
        or outside(users, "seen_at", EARLIEST_POST, latest)
        or any(outside(users, c, 0, MAX_COUNT) for c in _USER_COUNTS)
        or outside(users, "verified_type", -_INT32, _INT32 - 1)
    )


def _local(ts: Any) -> str:
    return pd.Timestamp(ts).tz_convert(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _locals(times: pd.Series) -> list[str]:
    """:func:`_local` of many times at once (no pandas call per value)."""
    return times.dt.tz_convert(SHANGHAI).dt.strftime("%Y-%m-%d %H:%M:%S").tolist()


def _post_problems(posts: pd.DataFrame, now: datetime, latest: datetime) -> pd.Series:
    """Per post: why it cannot be right, or None."""
    why = pd.Series(None, index=posts.index, dtype=object)
    for col in reversed(_POST_COUNTS):
        v = posts[col]
        why[((v == COUNT_OVERFLOW) | (v > MAX_COUNT)).fillna(False)] = (
            f"field '{col}' is too large for a count (2^62 or more)"
        )
        neg = ((v < 0) & (v != COUNT_OVERFLOW)).fillna(False)
        why[neg] = [f"field '{col}' is {x}; expected a count (0 or more)" for x in v[neg]]
    long = posts["text"].str.len().fillna(0) > MAX_FIELD_CHARS
    why[long] = [
        f"field 'text' holds {n:,} characters; expected at most {MAX_FIELD_CHARS:,} (no Weibo post "
        "is that long: a damaged file?)"
        for n in posts["text"][long].str.len()
    ]
    when = posts["created_at"]
    early = (when < EARLIEST_POST).fillna(False)
    why[early] = [
        f"its time {t} (Asia/Shanghai) is before Weibo existed (August 2009); expected the "
        "time the post was written (a damaged or defaulted date?)"
        for t in _locals(when[early])
    ]
    late = (when > latest).fillna(False)
    loaded = _local(now)
    why[late] = [
        f"its time {t} (Asia/Shanghai) is more than a day after the load ({loaded}); "
        "expected a time that has passed (a wrong clock, or a damaged date?)"
        for t in _locals(when[late])
    ]
    return why


def _user_problems(users: pd.DataFrame) -> pd.Series:
    """Per user snapshot: a count that cannot be right, or None."""
    why = pd.Series(None, index=users.index, dtype=object)
    for col in reversed(_USER_COUNTS):
        v = users[col]
        why[((v == COUNT_OVERFLOW) | (v > MAX_COUNT)).fillna(False)] = (
            f"the author's '{col}' is too large for a count (2^62 or more)"
        )
        neg = ((v < 0) & (v != COUNT_OVERFLOW)).fillna(False)
        why[neg] = [f"the author's '{col}' is {x}; expected a count (0 or more)" for x in v[neg]]
    return why


def _dumps(obj: dict[str, Any]) -> str:
    try:
        return orjson.dumps(obj, default=str).decode()
    except TypeError:  # text with bytes that are not UTF-8
        return json.dumps(obj, ensure_ascii=False, default=str)


def _isin(values: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """``values.isin(wanted)`` for text, through Arrow (pandas' own is ~10x slower on strings)."""
    got = pc.is_in(
        pa.array(values.to_numpy(dtype=object), pa.string(), from_pandas=True),
        value_set=pa.array(list(wanted), pa.string()),
    )
    return got.to_numpy(zero_copy_only=False).astype(bool)


def _raw_posts(rows: pd.DataFrame) -> list[str]:
    """Quarantined rows' content as the reader read it (the file's raw text is not kept), one
    JSON object per post of ``rows``."""
    fields = {
        "post_id": rows["post_id"].tolist(),
        "user_id": rows["user_id"].tolist(),
        "created_at": _locals(rows["created_at"]),
        "text": rows["text"].str.slice(0, 1000).tolist(),
        **{c: rows[c].astype("object").tolist() for c in _POST_COUNTS},
    }
    out = []
    for values in zip(*fields.values(), strict=True):
        clean = (None if v is None or v is pd.NA or v != v else v for v in values)
        out.append(_dumps(dict(zip(fields, clean, strict=True))))
    return out


def screen_batch(batch: ExportBatch, now: datetime) -> tuple[ExportBatch, list[str]]:
    """Quarantine the rows a reader could parse but that cannot be right, loaded at ``now``: a
    post dated more than :data:`FUTURE_SLACK` after ``now`` (instants compared in UTC; exports'
    zone-less times are Asia/Shanghai, which the readers already applied) or before Weibo existed
    (:data:`EARLIEST_POST`), a negative count or one too large (:data:`COUNT_OVERFLOW`), a text
    longer than :data:`MAX_FIELD_CHARS`, or an author's snapshot with such a count. A row that
    carries such a post (a repost carrying its source) is quarantined too, with the posts,
    interactions and user snapshots it brought. Returns the batch (itself when nothing is wrong:
    one cheap scan) and notes on what was changed without quarantining a row.

    >>> b = make_batch("a.csv", posts=[("1", "weibo", "u", datetime(2099, 1, 1, tzinfo=SHANGHAI),
    ...     "hi", None, None, None, None, None, 2, True)], row_keys=["1"])
    >>> screened, notes = screen_batch(b, datetime(2026, 12, 7, tzinfo=SHANGHAI))
    >>> screened.rows_read, len(screened.posts), screened.quarantine.loc[0, "reason"][:40]
    (1, 0, 'a.csv, line 2: its time 2099-01-01 00:00')
    """
    latest = now + FUTURE_SLACK
    if not _suspect(batch, latest):
        return batch, []
    posts, users = batch.posts, batch.users
    why = _post_problems(posts, now, latest)
    user_why = _user_problems(users)
    notes: list[str] = []
    # an author snapshot with a bad count came from the rows of that author's posts at that time
    wrong_users = users.loc[user_why.notna(), ["user_id", "seen_at"]].assign(_why=user_why[user_why.notna()])
    carried = posts[["user_id", "created_at"]].merge(
        wrong_users.drop_duplicates(["user_id", "seen_at"]),
        left_on=["user_id", "created_at"],
        right_on=["user_id", "seen_at"],
        how="left",
    )["_why"]
    why = why.where(why.notna() | ~posts["from_row"], pd.Series(carried.to_numpy(), index=posts.index))
    bad = why.notna()
    rows = posts[posts["from_row"]]
    line_of_row = dict(zip(rows["line"].tolist(), rows["post_id"].tolist(), strict=True))
    found: dict[str, str] = {}  # each bad row's key → why
    orphans = 0
    wrong = posts[bad]
    columns = (wrong["post_id"], wrong["line"], wrong["from_row"], why[bad])
    for pid, line, own, reason in zip(*(c.tolist() for c in columns), strict=True):
        key = pid if own else line_of_row.get(line)
        if key is None:  # a copy of a post carried by no row of this file
            orphans += 1
        elif key not in found:
            found[key] = reason if own else f"the post it carries ({pid}): {reason}"
    carriers = rows[_isin(rows["post_id"], found)].drop_duplicates("post_id")  # each row's own post
    bad_keys = {
        key: (int(line), raw, found[key])
        for key, line, raw in zip(
            carriers["post_id"].tolist(), carriers["line"].tolist(), _raw_posts(carriers), strict=True
        )
    }
    if orphans:
        notes.append(
            f"{batch.source}: {orphans} post(s) copied from another file dropped: {why[bad].iloc[0]}"
        )
    return _without_rows(batch, bad_keys, bad, latest, notes), notes


def _without_rows(
    batch: ExportBatch,
    bad_keys: dict[str, tuple[int, str, str]],
    bad_posts: pd.Series,
    latest: datetime,
    notes: list[str],
) -> ExportBatch:
    """The batch with the rows of ``bad_keys`` (key → line, raw, reason) quarantined."""
    posts, users = batch.posts, batch.users
    keys = batch.row_keys
    bad_lines = {line for line, _, _ in bad_keys.values() if line}
    drop = bad_posts | posts["line"].isin(bad_lines) | _isin(posts["post_id"], bad_keys)
    kept = posts[~drop]
    dropped = set(posts.loc[drop, "post_id"]) - set(kept["post_id"])
    edges = batch.interactions
    edges = edges[~_isin(edges["post_id"], dropped)]
    # user snapshots: from a dropped row only (same user and time, no kept post of that user) go;
    # a bad count or time on a snapshot no row stands for is cleared, with a note
    gone = posts.loc[drop, ["user_id", "created_at"]]
    gone = gone[~_isin(gone["user_id"], set(kept["user_id"]))]
    from_dropped = users.set_index(["user_id", "seen_at"]).index.isin(
        gone.set_index(["user_id", "created_at"]).index
    )
    users = users[~from_dropped].copy()
    for col in _USER_COUNTS:
        wrong = ((users[col] < 0) | (users[col] > MAX_COUNT)).fillna(False)
        if wrong.any():
            notes.append(
                f"{batch.source}: {int(wrong.sum())} profile(s) with a '{col}' below 0 or too large: cleared"
            )
            users.loc[wrong, col] = pd.NA
    vt = users["verified_type"]
    wrong = ((vt < -_INT32) | (vt >= _INT32)).fillna(False)
    if wrong.any():
        notes.append(
            f"{batch.source}: {int(wrong.sum())} profile(s) with an impossible verified_type: cleared"
        )
        users.loc[wrong, "verified_type"] = pd.NA
    newest = kept.groupby("user_id")["created_at"].max()
    odd = ((users["seen_at"] > latest) | (users["seen_at"] < EARLIEST_POST)).fillna(False)
    if odd.any():  # seen at a time no kept post has: the newest kept post of that user, if any
        users.loc[odd, "seen_at"] = users.loc[odd, "user_id"].map(newest)
        users = users[~(odd & users["seen_at"].isna())]
    quarantine = batch.quarantine
    extra = []
    kept_keys = []
    for key in keys:
        if key in bad_keys:
            line, raw, reason = bad_keys[key]
            extra.append((line, raw, f"{batch.source}, line {line}: {reason}"))
        else:
            kept_keys.append(key)
    if extra:
        quarantine = pd.concat([quarantine, pd.DataFrame(extra, columns=list(QUARANTINE_COLUMNS))])
        quarantine = quarantine.sort_values("line", kind="stable")
    return make_batch(
        batch.source,
        batch.platform,
        posts=kept,
        users=users,
        interactions=edges,
        quarantine=quarantine,
        row_keys=kept_keys,
    )
