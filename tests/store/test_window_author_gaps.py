"""The report's data quality over the window's authors, counted in the warehouse
(:func:`store.warehouse.window_author_gaps`): exact counts, and the same as the pandas count over
those authors' profiles (:func:`report.build.unknown_fields`)."""

from __future__ import annotations

from datetime import date

from report.build import unknown_fields
from store.warehouse import fetch_users, open_warehouse, window_author_gaps, window_bounds


def test_window_author_gaps_counts_each_author_once(tmp_path):
    con = open_warehouse(tmp_path / "w.duckdb")
    con.execute(
        "INSERT INTO posts (post_id, platform, user_id, created_at) VALUES "
        "('1', 'weibo', 'a', '2026-11-10 02:00:00+00'), ('2', 'weibo', 'a', '2026-11-11 02:00:00+00'),"
        "('3', 'weibo', 'b', '2026-11-12 02:00:00+00'), ('4', 'weibo', 'c', '2026-11-12 03:00:00+00'),"
        "('5', 'weibo', 'e', '2026-11-12 04:00:00+00'),"
        "('6', 'weibo', 'd', '2026-09-01 02:00:00+00'),"  # before the window: not an author of it
        "('7', 'douyin', 'f', '2026-11-12 02:00:00+00')"  # another platform
    )
    con.execute(
        "INSERT INTO users (user_id, platform, followers, verified, location, gender) VALUES "
        "('a', 'weibo', 10, true, '广东', 'f'),"
        "('b', 'weibo', NULL, NULL, NULL, 'm'),"  # a gender only: no profile worth the name
        "('d', 'weibo', 5, true, '上海', 'f'),"
        "('e', 'douyin', 7, true, '浙江', 'f'),"  # e's profile on another platform: none here
        "('e', 'weibo', NULL, false, NULL, NULL)"
    )  # c: no profile row
    start, end = window_bounds(date(2026, 11, 15), 30)
    got = window_author_gaps(con, start, end)
    assert got == {
        "n_authors": 4,
        "without_profile": 2,
        "unknown_fields": {"followers": (3, 4), "verified": (2, 4), "location": (3, 4), "gender": (2, 4)},
    }
    authors = {"a", "b", "c", "e"}
    assert got["unknown_fields"] == unknown_fields(authors, fetch_users(con, authors))
    con.close()
