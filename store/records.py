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

from datetime import datetime
from typing import Any

import pandas as pd
import pyarrow as pa

__all__ = [
    "ARROW_SCHEMAS",
    "INTERACTION_COLUMNS",
    "INTERACTION_KINDS",
    "POST_COLUMNS",
    "QUARANTINE_COLUMNS",
    "USER_COLUMNS",
    "BatchBuilder",
    "ExportBatch",
    "make_batch",
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


def _frame(rows: list[tuple] | pd.DataFrame | None, columns: tuple[str, ...]) -> pd.DataFrame:
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


def whole_file_quarantine(source: str, raw: str | bytes, why: str, platform: str = "weibo") -> ExportBatch:
    """A file that cannot be read as an export at all: one quarantine entry (line 0) holding its
    first 2,000 characters and ``"<source>: <why>"``, instead of an error.

    >>> whole_file_quarantine("x.csv", b"junk", "not an export").quarantine.loc[0, "reason"]
    'x.csv: not an export'
    """
    if isinstance(raw, bytes):
        raw = raw[:2000].decode("utf-8", "replace")
    return make_batch(source, platform, quarantine=[(0, raw[:2000], f"{source}: {why}")])
