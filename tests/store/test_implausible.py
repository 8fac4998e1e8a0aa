"""Rows that parse but cannot be right (issue 17, points 4 and 8): posts dated more than a day
after the load or before Weibo existed, negative counts and counts too large to store are
quarantined with the reason, never loaded as they are or turned into a silent NULL; the
default as-of never passes today."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from flows.steps import resolve_as_of
from store.fields import SHANGHAI
from store.readers import read_export
from store.warehouse import load_batch, open_warehouse
from tests.store.test_malformed import FORMATS, csv_line

SEARCH = FORMATS[0]


def load(tmp_path: Path, path: Path, fmt: str):
    batch = read_export(path, fmt)
    con = open_warehouse(tmp_path / "w.duckdb")
    try:
        report = load_batch(con, batch)
        posts = dict(con.execute("SELECT post_id, created_at FROM posts").fetchall())
        quarantine = con.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall()
        users = {r[0]: r[1:] for r in con.execute("SELECT user_id, followers, seen_at FROM users").fetchall()}
        edges = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
    finally:
        con.close()
    return report, posts, quarantine, users, edges


def search_file(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "宝宝.csv"
    path.write_text("\ufeff" + csv_line(SEARCH.header) + "".join(map(csv_line, rows)), encoding="utf-8")
    return path


def search_row(i: int, when: str = "2026-11-13 10:00", **counts: str) -> list[str]:
    cells = SEARCH.cells(i)
    cells[SEARCH.header.index("发布时间")] = when
    for name, value in counts.items():
        cells[SEARCH.header.index(name)] = value
    return cells


def shanghai(delta: timedelta) -> str:
    """The wall-clock time in Asia/Shanghai ``delta`` from now, as exports write it (no zone)."""
    return (datetime.now(UTC) + delta).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def test_posts_from_the_future_or_before_weibo_are_quarantined(tmp_path):
    # compared as instants: 20 hours ahead is fine, although its Shanghai wall-clock time is 28
    # hours ahead of UTC's
    rows = [
        search_row(1, shanghai(timedelta(hours=20))),
        search_row(2, shanghai(timedelta(hours=26))),
        search_row(3, "2099-01-01 10:00"),
        search_row(4, "2001-01-01 08:00"),
        search_row(5, "2009-08-15 12:00"),
    ]
    report, posts, quarantine, users, _ = load(tmp_path, search_file(tmp_path, rows), "weibo-search")
    assert (report.rows_read, report.loaded, report.quarantined) == (5, 2, 3)
    assert sorted(posts) == ["5001", "5005"]
    assert [line for line, _ in quarantine] == [3, 4, 5]
    assert "is more than a day after the load" in quarantine[0][1]
    assert "2099-01-01 10:00:00 (Asia/Shanghai) is more than a day after the load" in quarantine[1][1]
    assert "2001-01-01 08:00:00 (Asia/Shanghai) is before Weibo existed" in quarantine[2][1]
    assert sorted(users) == ["1001", "1005"]  # the quarantined rows' authors are not loaded


def status(i: int, when: str = "Fri Nov 13 10:00:00 +0800 2026", **fields) -> dict:
    user = {"id": 100 + i, "idstr": str(100 + i), "screen_name": f"u{i}", "followers_count": 5}
    user.update(fields.pop("user", {}))
    s = {"created_at": when, "id": 5000 + i, "idstr": str(5000 + i), "text": "宝宝", "user": user}
    s.update({"reposts_count": 1, "comments_count": 0, "attitudes_count": 0, **fields})
    return s


def api_file(tmp_path: Path, statuses: list[dict]) -> Path:
    path = tmp_path / "statuses.jsonl"
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in statuses), encoding="utf-8")
    return path


def test_a_repost_carrying_a_post_from_the_future_is_quarantined_with_it(tmp_path):
    source = status(1, "Fri Jan 01 10:00:00 +0800 2099")
    repost = status(2, text="转发//@u1:宝宝", retweeted_status=source)
    report, posts, quarantine, users, edges = load(
        tmp_path, api_file(tmp_path, [repost, status(3)]), "weibo-api"
    )
    assert (report.rows_read, report.loaded, report.quarantined) == (2, 1, 1)
    assert sorted(posts) == ["5003"] and sorted(users) == ["103"] and edges == 0
    assert quarantine[0][0] == 1
    assert "the post it carries (5001): its time 2099-01-01 10:00:00" in quarantine[0][1]


def test_the_default_as_of_never_passes_today(tmp_path):
    wh = tmp_path / "w.duckdb"
    con = open_warehouse(wh)
    yesterday = datetime.now(SHANGHAI) - timedelta(days=1)
    con.execute(
        "INSERT INTO posts (post_id, platform, user_id, created_at) VALUES "
        "('1', 'weibo', 'u', ?), ('2', 'weibo', 'u', '2099-01-01 00:00:00+00')",
        [yesterday],
    )  # a post from the future, loaded before loads refused them
    con.close()
    assert resolve_as_of(wh, None) == yesterday.date()
    assert resolve_as_of(wh, None, today=date(2099, 1, 1)) == date(2099, 1, 1)
    assert resolve_as_of(wh, date(2030, 1, 1)) == date(2030, 1, 1)  # as given
    with pytest.raises(ValueError, match=r"every post in it is dated after today \(2020-01-01\)"):
        resolve_as_of(wh, None, today=date(2020, 1, 1))


def test_negative_and_overflowing_counts_are_quarantined_not_null(tmp_path):
    rows = [
        search_row(1, 转发数="-5"),
        search_row(2, 评论数="99999999999999999999"),
        search_row(3, 点赞数="1e999"),
        search_row(4, 转发数="1.2万"),
    ]
    report, posts, quarantine, _, _ = load(tmp_path, search_file(tmp_path, rows), "weibo-search")
    assert (report.rows_read, report.loaded, report.quarantined) == (4, 1, 3)
    assert sorted(posts) == ["5004"]
    reasons = [r for _, r in quarantine]
    assert "field 'reposts' is -5; expected a count (0 or more)" in reasons[0]
    assert "field 'comments' is too large for a count" in reasons[1]
    assert "field 'likes' is too large for a count" in reasons[2]


@pytest.mark.parametrize("copies", [1, 400])  # the row-by-row reading and the bulk one
def test_json_counts_out_of_range_quarantine_their_row(tmp_path, copies):
    statuses = [
        status(1, reposts_count=-5),
        status(2, reposts_count=99999999999999999999),
        status(3, attitudes_count=2**62 + 1),
        status(4, user={"followers_count": -7}),
        status(5, user={"followers_count": 10**22}),
        status(6, comments_count=1e30),
        *(status(100 + k) for k in range(copies)),
    ]
    report, posts, quarantine, users, _ = load(tmp_path, api_file(tmp_path, statuses), "weibo-api")
    assert (report.rows_read, report.quarantined) == (6 + copies, 6)
    assert report.loaded == copies and "5001" not in posts and "104" not in users and "105" not in users
    reasons = [r for _, r in quarantine]
    assert "field 'reposts' is -5" in reasons[0] and "too large for a count" in reasons[1]
    assert "field 'likes' is too large for a count" in reasons[2]
    assert "the author's 'followers' is -7" in reasons[3] and "'followers' is too large" in reasons[4]
    assert "field 'comments' is too large for a count" in reasons[5]


def test_profile_exports_quarantine_their_own_bad_counts(tmp_path):
    folder = tmp_path / "weibo"
    folder.mkdir()
    from store.weibo_crawler import USERS_HEADER

    header = ",".join(USERS_HEADER)
    row = "{uid},花{uid},f,,上海,,,,,,10,{fans},3,,,,,,,False,-1,,\n"
    (folder / "users.csv").write_text(
        "\ufeff" + header + "\n" + row.format(uid=1001, fans=-3) + row.format(uid=1002, fans=5),
        encoding="utf-8",
    )
    report, _, quarantine, users, _ = load(tmp_path, folder / "users.csv", "weibo-crawler")
    assert (report.rows_read, report.loaded, report.quarantined) == (2, 1, 1)
    assert sorted(users) == ["1002"] and quarantine[0][0] == 2
    assert "field '粉丝数' is '-3'; expected a count" in quarantine[0][1]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fmt", "column", "value", "reason"),
    [
        (FORMATS[2], "liked_count", "-3", "field 'likes' is -3"),  # MediaCrawler CSV
        (FORMATS[2], "shared_count", "99999999999999999999", "field 'reposts' is too large"),
        (FORMATS[4], "reposts", "-1", "field 'reposts' is -1"),  # CED originals
        (FORMATS[4], "likes", "1e30", "field 'likes' is too large"),
        (FORMATS[1], "点赞数", "-2", "field 'likes' is -2"),  # weibo-crawler
    ],
    ids=["mc-negative", "mc-overflow", "ced-negative", "ced-overflow", "crawler-negative"],
)
def test_every_csv_reader_quarantines_counts_out_of_range(tmp_path, fmt, column, value, reason):
    bad = fmt.cells(1)
    bad[fmt.header.index(column)] = value
    path = tmp_path / fmt.name
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [bad, fmt.cells(2)]
    path.write_text("\ufeff" + csv_line(fmt.header) + "".join(map(csv_line, rows)), encoding="utf-8")
    report, _, quarantine, _, _ = load(tmp_path, path, fmt.fmt)
    assert (report.rows_read, report.loaded, report.quarantined) == (2, 1, 1)
    assert quarantine[0][0] == 2 and reason in quarantine[0][1]
