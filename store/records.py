"""Plain records that every export reader produces and the warehouse loads.

A reader turns one export file into an :class:`ExportBatch`: lists of post, user and
interaction rows in the warehouse's vocabulary (DESIGN.md "Data model"), plus the rows it
could not read, each with its line and reason. Readers never touch the warehouse and the
warehouse never parses files, so each side is tested alone.

Interactions may name a user by screen name instead of id (``//@name:`` chains and
``@name`` mentions carry only names). The warehouse resolves names against ``users``
when it loads the batch, and keeps what it cannot resolve yet as pending.

Example:
    >>> batch = ExportBatch(source="a.jsonl")
    >>> batch.rows_read
    0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

__all__ = [
    "INTERACTION_KINDS",
    "ExportBatch",
    "InteractionRecord",
    "PostRecord",
    "QuarantineRecord",
    "UserRecord",
]

INTERACTION_KINDS = ("repost", "comment", "mention", "follow")
InteractionKind = Literal["repost", "comment", "mention", "follow"]


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One post, repost or comment.

    ``repost_of`` is the id of the post it reposts and ``reply_to`` the id of the post a comment
    is on; both None for an original post.
    """

    post_id: str
    platform: str
    user_id: str
    created_at: datetime
    text: str | None
    repost_of: str | None
    reposts: int | None
    comments: int | None
    likes: int | None
    line: int
    """Line of the export the post was read from (its own row or the row embedding it)."""
    reply_to: str | None = None
    """For a comment: the id of the post it comments on (comments are stored as posts)."""
    embedded: bool = False
    """True when the post was carried inside another row (a repost's source post)."""


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user profile as seen at ``seen_at``; unknown fields are None."""

    user_id: str
    platform: str
    screen_name: str | None
    followers: int | None
    following: int | None
    statuses: int | None
    verified: bool | None
    verified_type: int | None
    description: str | None
    gender: str | None
    location: str | None
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class InteractionRecord:
    """Influence flowing from ``src`` to ``dst``: by id, or by screen name where only that is known."""

    kind: InteractionKind
    post_id: str | None
    created_at: datetime
    src_user: str | None = None
    dst_user: str | None = None
    src_name: str | None = None
    dst_name: str | None = None


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """A row that could not be loaded, kept verbatim with the reason."""

    line: int
    raw: str
    reason: str


@dataclass
class ExportBatch:
    """Everything read from one export file.

    ``primary_post_ids[i]`` is the post id that row ``i`` (a line that was read and not
    quarantined) stands for; the warehouse uses it to count each row as loaded or duplicate.
    """

    source: str
    platform: str = "weibo"
    posts: list[PostRecord] = field(default_factory=list)
    users: list[UserRecord] = field(default_factory=list)
    interactions: list[InteractionRecord] = field(default_factory=list)
    quarantine: list[QuarantineRecord] = field(default_factory=list)
    primary_post_ids: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Rows read from the file: parsed rows plus quarantined rows."""
        return len(self.primary_post_ids) + len(self.quarantine)
