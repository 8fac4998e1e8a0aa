"""Reader for dataabc/weibo-search keyword results (``结果文件/<keyword>/<keyword>.csv``).

The tool (../shared/data/export-formats.md, section 2) writes one row per search hit with
``csv.writer`` into a UTF-8-with-BOM file; the header (HEAD b4535b7) is::

    id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,点赞数,发布时间,
    发布工具,微博图片url,微博视频url,retweet_id,ip,user_authentication,会员类型,会员等级

Older versions lack the last columns, some forks add more (or prefix ids with a tab): columns
are found by name. What the reader makes of it:

* every row is a post by ``user_id`` (``发布时间`` "YYYY-MM-DD HH:MM", Asia/Shanghai); counts like
  ``1.2万`` / ``100万+`` are numbers;
* a repost row has ``retweet_id`` = the source post's id, and the tool writes the source post as a
  row of its own just before it: ``repost_of`` = ``retweet_id``, and the interaction source author
  → reposter, or along the ``//@`` chain in the text (C1→B, C2→C1, A→C2). When the source row is
  not in the file (weibo-search issue #559) the chain alone gives the edges;
* the text has ALL spaces removed, so ``@name`` mentions are not delimited in it: the names come
  from ``艾特用户`` (which also lists the chain names: only names written in the author's own words
  count);
* ``user_authentication``: 蓝V → a verified organisation (``verified_type`` 7), 黄V/红V/金V → a
  verified person (0), 普通用户 → not verified (-1).

Example:
    >>> text = ("id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,"
    ...         "点赞数,发布时间,发布工具,微博图片url,微博视频url,retweet_id,ip,"
    ...         "user_authentication,会员类型,会员等级\\r\\n"
    ...         "5001,Nb1,1001,阿花,宝宝会走路了@小红,,,小红,,1.2万,3,5,2026-11-13 10:00,iPhone,,,,"
    ...         "上海,普通用户,,\\r\\n")
    >>> b = parse_weibo_search(text, "宝宝.csv")
    >>> b.posts.loc[0, "reposts"], b.interactions.loc[0, "dst_name"]
    (np.int64(12000), '小红')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from store.fields import decode_export_bytes
from store.records import USER_COLUMNS, ExportBatch, make_batch, whole_file_quarantine
from store.weibo_crawler import (
    CsvTable,
    CsvUnreadableError,
    chain_edges,
    counts,
    edges_at,
    first_reason,
    ids,
    is_id,
    mentions_bulk,
    quarantine_frame,
    text_or_none,
    times,
)

__all__ = ["AUTHENTICATION", "parse_weibo_search", "read_weibo_search", "sniff_weibo_search"]

PLATFORM = "weibo"
#: user_authentication → (verified, verified_type); Weibo's verified_type: -1 none, 0 a verified
#: person, 1–7 organisations (7: other organisations).
AUTHENTICATION: dict[str, tuple[bool, int]] = {
    "蓝V": (True, 7), "黄V": (True, 0), "红V": (True, 0), "金V": (True, 0), "橙V": (True, 0),
    "普通用户": (False, -1),
}
_REQUIRED = ("id", "user_id", "微博正文", "发布时间")
_USER_ID = r"[0-9A-Za-z_\-]{1,40}"
_COLUMNS = ("id", "user_id", "用户昵称", "微博正文", "发布时间", "retweet_id", "转发数", "评论数", "点赞数",
            "艾特用户", "user_authentication")


def _cell(s: pd.Series, i: int) -> str:
    return repr(s.iloc[i][:40])


def parse_weibo_search(text: str, source: str, *, file: Path | None = None) -> ExportBatch:
    """Parse a weibo-search result CSV (decoded text, header included). ``file``, when given, is
    the UTF-8 file ``text`` was decoded from (read directly when the file is large)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return make_batch(source, PLATFORM)
    try:
        t = CsvTable(text, source, _COLUMNS, file=file)
    except CsvUnreadableError as exc:
        return whole_file_quarantine(source, text, f"{exc}; expected a weibo-search result CSV")
    header = t.header
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        return whole_file_quarantine(
            source, text, f"not a weibo-search result CSV: the header {header[:6]!r} lacks "
            f"{missing}; expected 'id,bid,user_id,用户昵称,微博正文,…,发布时间,…'")
    n = t.n
    pid = ids(t.col("id"))
    uid = ids(t.col("user_id"))
    name = t.col("用户昵称").str.strip()
    body = t.col("微博正文")
    created = times(t.col("发布时间"))
    rt = ids(t.col("retweet_id"))
    checks = [
        (t.extra_cells(), lambda i: "the row has more cells than the header; its cells do not line up "
         "with the columns"),
        (pid == "", lambda i: "field 'id' is empty; expected the weibo id (mid)"),
        (~is_id(pid) & (pid != ""), lambda i: f"field 'id' is {_cell(pid, i)}; expected the weibo id "
         "as digits (Excel turns 16-digit ids into numbers like 5.37E+15: weibo-search issue #207)"),
        (~uid.str.fullmatch(_USER_ID).fillna(False).astype(bool), lambda i: (
            f"field 'user_id' is {_cell(uid, i)}; expected the author's id")),
        (created.isna(), lambda i: f"field '发布时间' is {_cell(t.col('发布时间'), i)}; expected a time "
         "like '2026-11-13 10:00'"),
        ((rt != "") & ~is_id(rt), lambda i: f"field 'retweet_id' is {_cell(rt, i)}; expected empty or "
         "the reposted weibo's id as digits (weibo-search issue #207)"),
    ]
    reasons = first_reason(checks, n)
    bad = np.array(sorted(reasons), dtype=np.int64)
    good = np.ones(n, dtype=bool)
    good[bad] = False
    quarantine = quarantine_frame(t, bad, [f"{source}, line {t.line[i]}: {reasons[int(i)]}" for i in bad])

    auth = t.col("user_authentication").str.strip()
    verified = auth.map({k: v[0] for k, v in AUTHENTICATION.items()})
    vtype = auth.map({k: v[1] for k, v in AUTHENTICATION.items()})
    posts = pd.DataFrame({
        "post_id": pid, "platform": PLATFORM, "user_id": uid, "created_at": created, "text": body,
        "repost_of": text_or_none(rt), "reply_to": None,
        "reposts": counts(t.col("转发数")), "comments": counts(t.col("评论数")),
        "likes": counts(t.col("点赞数")), "line": t.line, "from_row": True,
    })[good]
    users = pd.DataFrame({
        "user_id": uid, "platform": PLATFORM, "screen_name": text_or_none(name),
        "verified": verified.astype("boolean"), "verified_type": vtype.astype("Int64"),
        "seen_at": created,
    })[good]
    for c in USER_COLUMNS:
        if c not in users.columns:
            users[c] = None
    users = users[list(USER_COLUMNS)]

    # The source post of each repost, looked up among this file's rows.
    g = pd.Series(good)
    authors = pd.DataFrame({"rt": pid[g], "root_user": uid[g], "root_name": name[g]}) \
        .drop_duplicates("rt", keep="last")
    rows = pd.DataFrame({"i": np.arange(n), "rt": rt, "post_id": pid, "uid": uid, "name": name,
                         "created_at": created, "good": good})
    rows = rows.merge(authors, on="rt", how="left", sort=False).sort_values("i", kind="stable")
    root_user = rows["root_user"].reset_index(drop=True)
    root_name = rows["root_name"].reset_index(drop=True)
    is_repost = (rt != "") & g
    has_chain = body.str.contains("//", regex=False) & g
    plain = is_repost & ~has_chain & root_user.notna() & (root_user != uid)
    plain_edges = pd.DataFrame({
        "src_user": root_user[plain], "src_name": None, "dst_user": uid[plain], "dst_name": None,
        "kind": "repost", "post_id": pid[plain], "created_at": created[plain]})
    edges: list[tuple] = []
    rows_ = np.flatnonzero((has_chain & (is_repost | body.str.contains("//@", regex=False))).to_numpy())
    for i, p, u, nm, b_, ru, rn in zip(rows_, pid[rows_].tolist(), uid[rows_].tolist(),
                                       name[rows_].tolist(), body[rows_].tolist(),
                                       root_user[rows_].tolist(), root_name[rows_].tolist(), strict=True):
        edges += chain_edges(p, i, u, nm or None, b_, ru if isinstance(ru, str) else None,
                             (rn or None) if isinstance(rn, str) else None)
    rows_ = np.flatnonzero((g & body.str.contains("@", regex=False)).to_numpy())
    listed = t.col("艾特用户")[rows_].tolist() if "艾特用户" in header else None
    edges += mentions_bulk(rows_, pid[rows_].tolist(), uid[rows_].tolist(), name[rows_].tolist(),
                           body[rows_].tolist(), listed)
    frames = [f for f in (plain_edges, edges_at(edges, created)) if len(f)]
    interactions = pd.concat(frames, ignore_index=True) if frames else None
    return make_batch(source, PLATFORM, posts=posts, users=users, interactions=interactions,
                      quarantine=quarantine, row_keys=posts["post_id"].tolist())


def read_weibo_search(path: str | Path) -> ExportBatch:
    """Read one weibo-search result CSV (UTF-8 with or without BOM, or GB18030). A file that is
    not such an export is one quarantine entry; an empty file gives an empty batch."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such export file; expected a weibo-search .csv")
    data = path.read_bytes()
    try:
        text, encoding = decode_export_bytes(data)
    except ValueError as exc:
        return whole_file_quarantine(str(path), data, str(exc))
    return parse_weibo_search(text, str(path), file=path if encoding.startswith("utf-8") else None)


def sniff_weibo_search(path: Path, head: str) -> bool:
    """True when ``head`` (the file's first ~4 KB, decoded) starts with weibo-search's header."""
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first.replace(" ", "").startswith("id,bid,user_id,用户昵称,微博正文")
