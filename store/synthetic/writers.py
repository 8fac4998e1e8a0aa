"""Writes the sample as the official Weibo API status JSON, one object per line (UTF-8 JSON lines):
``weibo_statuses.jsonl`` (originals and reposts, a repost carrying its root in ``retweeted_status``
and the ``//@name:words`` chain of intermediate reposters) and ``weibo_comments.jsonl`` (comments,
some of them replies), each sorted by time.

Lines are built as strings (faster than ``json.dumps`` of dicts) and streamed to the files in
batches; users, texts and root statuses are cached, as cascades are short-lived.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

from store.synthetic.cascades import Activity
from store.synthetic.kinds import BOT_WORDS, REACTION_GROUP
from store.synthetic.people import Users
from store.synthetic.posting import clock_seconds
from store.synthetic.texts import TextRenderer
from store.synthetic.vocabulary import Vocabulary

__all__ = ["COMMENTS_FILE", "STATUSES_FILE", "format_created_at", "write_weibo_api_files"]

STATUSES_FILE = "weibo_statuses.jsonl"
COMMENTS_FILE = "weibo_comments.jsonl"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEIBO_EPOCH = 515483463  # (id >> 22) + this = unix seconds
_CACHE = 16_384  # rendered users/texts kept (cascades are short-lived, so hits stay high)
_BATCH = 5_000  # lines per write
_FIXED = (
    ',"favorited":false,"truncated":false,"in_reply_to_status_id":"",'
    '"in_reply_to_user_id":"","in_reply_to_screen_name":"","pic_urls":[],"geo":null'
)
_TAIL = ',"isLongText":false,"mlevel":0,"visible":{"type":0,"list_id":0}}'


def format_created_at(local_secs: int) -> str:
    """Weibo's ``created_at`` of a local (Asia/Shanghai) time in seconds since 1970.

    Example:
        >>> format_created_at(86400 * 365 + 3661)
        'Fri Jan 01 01:01:01 +0800 1971'
    """
    d = date(1970, 1, 1) + timedelta(days=local_secs // 86400)
    s = local_secs % 86400
    return (
        f"{_WEEKDAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day:02d} "
        f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d} +0800 {d.year}"
    )


@dataclass
class _Timeline:
    """Statuses and comments in time order (rank = line number); references are ranks. ``*_sec`` are
    seconds since the first local midnight; ``status_client`` the app each status was posted from."""

    status_user: np.ndarray
    status_sec: np.ndarray
    status_root: np.ndarray
    status_parent: np.ndarray
    status_kind: np.ndarray
    status_seed: np.ndarray
    status_mention: np.ndarray
    status_appeal: np.ndarray
    status_client: np.ndarray
    comment_user: np.ndarray
    comment_sec: np.ndarray
    comment_status: np.ndarray
    comment_reply: np.ndarray
    comment_kind: np.ndarray
    comment_seed: np.ndarray


def write_weibo_api_files(
    rng: np.random.Generator,
    out_dir: Path,
    users: Users,
    vocab: Vocabulary,
    activity: Activity,
    *,
    start: date,
    days: int,
    progress: Callable[[str], None] | None,
) -> tuple[int, int]:
    """Write the two files into ``out_dir`` (created) and return (statuses, comments) written.
    ``activity``'s arrays are released on the way (set to None) to bound memory."""
    timeline = _in_time_order(rng, users, vocab, activity)
    lines = _ApiLines(rng, users, vocab, timeline, start=start, days=days)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_s = timeline.status_user.size
    _write_lines(out_dir / STATUSES_FILE, map(lines.status_line, range(n_s)))
    if progress:
        progress(f"wrote {n_s} statuses")
    n_c = timeline.comment_user.size
    _write_lines(out_dir / COMMENTS_FILE, map(lines.comment_line, range(n_c)))
    if progress:
        progress(f"wrote {n_c} comments")
    return n_s, n_c


def _write_lines(path: Path, lines: Iterator[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= _BATCH:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")


def _in_time_order(rng: np.random.Generator, users: Users, vocab: Vocabulary, act: Activity) -> _Timeline:
    """Sort statuses and comments by clock second (ties: in generation order, so children come after
    their parents), remap references to ranks, and draw each status's client app."""
    n_s = act.status_user.size
    n_c = act.comment_user.size
    s_sec = np.floor(clock_seconds(act.status_time)).astype(np.int64)
    c_sec = np.floor(clock_seconds(act.comment_time)).astype(np.int64)
    s_order = np.lexsort((np.arange(n_s), s_sec))
    s_rank = np.empty(n_s, dtype=np.int64)
    s_rank[s_order] = np.arange(n_s)
    c_order = np.lexsort((np.arange(n_c), c_sec))
    c_rank = np.empty(n_c, dtype=np.int64)
    c_rank[c_order] = np.arange(n_c)

    s_user = act.status_user[s_order]
    n_clients = len(vocab.clients)
    timeline = _Timeline(
        status_user=s_user,
        status_sec=s_sec[s_order],
        status_root=np.where(act.status_root >= 0, s_rank[np.maximum(act.status_root, 0)], -1)[s_order],
        status_parent=np.where(act.status_parent >= 0, s_rank[np.maximum(act.status_parent, 0)], -1)[s_order],
        status_kind=act.status_kind[s_order],
        status_seed=act.status_seed[s_order],
        status_mention=act.status_mention[s_order],
        status_appeal=act.status_appeal[s_order],
        # mostly the user's usual app
        status_client=np.where(rng.random(n_s) < 0.85, users.client[s_user], rng.integers(0, n_clients, n_s)),
        comment_user=act.comment_user[c_order],
        comment_sec=c_sec[c_order],
        comment_status=s_rank[act.comment_status][c_order],
        comment_reply=np.where(act.comment_reply >= 0, c_rank[np.maximum(act.comment_reply, 0)], -1)[c_order],
        comment_kind=act.comment_kind[c_order],
        comment_seed=act.comment_seed[c_order],
    )
    for f in fields(act):  # the unsorted arrays are no longer needed
        setattr(act, f.name, None)
    return timeline


class _ApiLines:
    """The JSON line of each status and comment of a timeline (rank -> line)."""

    def __init__(
        self,
        rng: np.random.Generator,
        users: Users,
        vocab: Vocabulary,
        t: _Timeline,
        *,
        start: date,
        days: int,
    ) -> None:
        self.users, self.vocab, self.t = users, vocab, t
        self.texts = TextRenderer(vocab, users)
        self.names = users.screen_names
        start_local = (start - date(1970, 1, 1)).days * 86400
        self.start_unix = start_local - 8 * 3600
        self.status_id = self._ids(t.status_sec, 0)
        self.comment_id = self._ids(t.comment_sec, 1)
        self.reposts, self.comments, self.likes, self.posted = _crawl_counts(rng, users, t)
        self.day_prefix = []
        for d in range(days + 1):
            dd = start + timedelta(days=d)
            self.day_prefix.append(
                (f"{_WEEKDAYS[dd.weekday()]} {_MONTHS[dd.month - 1]} {dd.day:02d} ", f" +0800 {dd.year}")
            )
        self.source_json = tuple(
            json.dumps(
                f'<a href="http://app.weibo.com/t/feed/{c.code}" rel="nofollow">{c.name}</a>',
                ensure_ascii=False,
            )
            for c in vocab.clients
        )
        # per-instance caches (a cached method would keep every writer alive)
        self.user_json = lru_cache(maxsize=_CACHE)(self._user_json)
        self.status_text = lru_cache(maxsize=_CACHE)(self._status_text)
        self.status_core = lru_cache(maxsize=_CACHE)(self._status_core)
        self.comment_text = lru_cache(maxsize=_CACHE)(self._comment_text)

    def _ids(self, sec: np.ndarray, parity: int) -> np.ndarray:
        """Weibo-style ids: (unix - epoch) << 22 plus a rank within the second; statuses even,
        comments odd, so every id is unique and grows with time."""
        if sec.size == 0:
            return np.zeros(0, dtype=np.int64)
        first = np.searchsorted(sec, sec, side="left")
        rank = np.arange(sec.size) - first
        return ((self.start_unix + sec - _WEIBO_EPOCH) << 22) + (rank << 1) + parity

    def created(self, sec: int) -> str:
        pre, post = self.day_prefix[sec // 86400]
        s = sec % 86400
        return f"{pre}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}{post}"

    def _user_json(self, i: int) -> str:
        u = self.users
        c = self.vocab.cities[u.city[i]]
        loc = f"{c.province} {c.city}" if c.city else c.province
        uid = int(u.user_id[i])
        name = json.dumps(self.names[i], ensure_ascii=False)
        description = json.dumps(self.texts.profile_description(i), ensure_ascii=False)
        return (
            f'{{"id":{uid},"idstr":"{uid}","screen_name":{name},"name":{name},'
            f'"province":"{c.province_code}","city":"{c.city_code}","location":"{loc}",'
            f'"description":{description},"url":"",'
            f'"profile_image_url":"https://tvax{uid % 4 + 1}.sinaimg.cn/thumb180/{uid:x}.jpg",'
            f'"gender":"{"f" if u.female[i] else "m"}",'
            f'"followers_count":{int(u.followers[i])},"friends_count":{int(u.friends[i])},'
            f'"statuses_count":{int(u.statuses[i] + self.posted[i])},'
            f'"favourites_count":{int(u.favourites[i])},'
            f'"created_at":"{format_created_at(int(u.created[i]))}",'
            f'"verified":{"true" if u.verified[i] else "false"},'
            f'"verified_type":{int(u.verified_type[i])}}}'
        )

    def mention_name(self, i: int) -> str | None:
        return self.names[i] if i >= 0 else None

    def _status_text(self, k: int) -> str:
        t = self.t
        user = int(t.status_user[k])
        day = int(t.status_sec[k] // 86400)
        if t.status_root[k] < 0:
            mention = self.mention_name(int(t.status_mention[k]))
            return self.texts.original_post(user, int(t.status_kind[k]), int(t.status_seed[k]), day, mention)
        own = self.repost_own_words(k)
        p = int(t.status_parent[k])
        if t.status_root[p] >= 0:  # the parent is itself a repost: quote it
            own += "//@" + self.names[int(t.status_user[p])] + ":" + self.status_text(p)
        return own or "转发微博"

    def repost_own_words(self, k: int) -> str:
        t = self.t
        code = int(t.status_kind[k])
        p_pure = 0.6 if code == BOT_WORDS else 0.3
        if code == REACTION_GROUP["giveaway"]:
            p_pure = 0.1
        return self.texts.reaction(
            int(t.status_user[k]),
            code,
            int(t.status_seed[k]),
            int(t.status_sec[k] // 86400),
            self.vocab.reposts,
            p_pure,
            self.mention_name(int(t.status_mention[k])),
        )

    def _status_core(self, k: int) -> str:
        """The status object without retweeted_status and the counts (cached for roots)."""
        t = self.t
        sid = int(self.status_id[k])
        return (
            f'{{"created_at":"{self.created(int(t.status_sec[k]))}","id":{sid},"idstr":"{sid}",'
            f'"mid":"{sid}","text":{json.dumps(self.status_text(k), ensure_ascii=False)},'
            f'"source":{self.source_json[int(t.status_client[k])]}{_FIXED},'
            f'"user":{self.user_json(int(t.status_user[k]))}'
        )

    def counts(self, k: int) -> str:
        return (
            f',"reposts_count":{int(self.reposts[k])},"comments_count":{int(self.comments[k])},'
            f'"attitudes_count":{int(self.likes[k])}{_TAIL}'
        )

    def status_line(self, k: int) -> str:
        root = int(self.t.status_root[k])
        if root < 0:
            return self.status_core(k) + self.counts(k)
        return (
            self.status_core(k)
            + ',"retweeted_status":'
            + self.status_core(root)
            + self.counts(root)
            + self.counts(k)
        )

    def _comment_text(self, j: int) -> str:
        t = self.t
        user = int(t.comment_user[j])
        day = int(t.comment_sec[j] // 86400)
        words = self.texts.reaction(
            user, int(t.comment_kind[j]), int(t.comment_seed[j]), day, self.vocab.comments, 0.0, None
        )
        rep = int(t.comment_reply[j])
        if rep >= 0:
            return "回复@" + self.names[int(t.comment_user[rep])] + ":" + words
        return words

    def comment_line(self, j: int) -> str:
        t = self.t
        cid = int(self.comment_id[j])
        k = int(t.comment_status[j])
        sid = int(self.status_id[k])
        line = (
            f'{{"created_at":"{self.created(int(t.comment_sec[j]))}","id":{cid},"idstr":"{cid}",'
            f'"mid":"{cid}","text":{json.dumps(self.comment_text(j), ensure_ascii=False)},'
            f'"source":{self.source_json[int(self.users.client[t.comment_user[j]])]},'
            f'"user":{self.user_json(int(t.comment_user[j]))},'
            f'"status":{{"id":{sid},"idstr":"{sid}","mid":"{sid}",'
            f'"created_at":"{self.created(int(t.status_sec[k]))}",'
            f'"text":{json.dumps(self.status_text(k), ensure_ascii=False)},'
            f'"user":{self.user_json(int(t.status_user[k]))}}}'
        )
        rep = int(t.comment_reply[j])
        if rep >= 0:
            rid = int(self.comment_id[rep])
            line += (
                f',"reply_comment":{{"id":{rid},"idstr":"{rid}",'
                f'"text":{json.dumps(self.comment_text(rep), ensure_ascii=False)},'
                f'"user":{self.user_json(int(t.comment_user[rep]))}}}'
            )
        return line + "}"


def _crawl_counts(
    rng: np.random.Generator, users: Users, t: _Timeline
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(reposts, comments, likes) of each status as seen at crawl time (in-sample activity plus some
    from outside the sample), and the number of statuses and comments each user wrote."""
    n_s = t.status_user.size
    is_rep = t.status_root >= 0
    cascade = np.bincount(t.status_root[is_rep], minlength=n_s)
    direct = np.bincount(t.status_parent[is_rep], minlength=n_s)
    in_com = np.bincount(t.comment_status, minlength=n_s)
    fol = users.followers[t.status_user].astype(float)
    appeal = t.status_appeal
    reposts = np.where(is_rep, direct, cascade) + rng.poisson(
        np.where(is_rep, 0.2, 1.0) * appeal * fol * 2e-5
    )
    comments = in_com + rng.poisson(np.where(is_rep, 0.2, 1.0) * appeal * fol * 3e-5)
    likes = reposts + 2 * comments + rng.poisson(np.where(is_rep, 0.3, 1.0) * appeal * (1.5 + fol * 2e-4))
    posted = np.bincount(t.status_user, minlength=users.n) + np.bincount(t.comment_user, minlength=users.n)
    return reposts, comments, likes, posted
