"""The report's reads of the rows it shows (:mod:`store.report_rows`): each the same rows, in the
same order, as its whole-window counterpart filtered in pandas."""

from __future__ import annotations

from datetime import date

import pandas as pd
from pandas.testing import assert_frame_equal

from nlp.words import sample_positions, sampled_top_words, window_top_words
from report.build import _member_days
from report.portrait import audience_portrait
from store.report_rows import (
    count_window_posts,
    fetch_sample_texts,
    fetch_window_interactions_among,
    fetch_window_posts_no_text_of,
    member_activity,
    read_run_tags_shown,
)
from store.runs import read_run_tags
from store.warehouse import fetch_window_interactions, fetch_window_posts, open_warehouse, window_bounds

WINDOW = window_bounds(date(2026, 11, 15), 30)


def _warehouse(tmp_path):
    con = open_warehouse(tmp_path / "w.duckdb")
    rows = [  # two posts at one instant (ordered by id), one before the window, one elsewhere
        ("p3", "weibo", "a", "2026-11-10 02:00:00+00", "宝宝辅食南瓜泥", 1, 0, 2),
        ("p1", "weibo", "b", "2026-11-10 02:00:00+00", "今天天气好", None, 1, 0),
        ("p2", "weibo", "a", "2026-11-11 02:00:00+00", None, 0, 0, 0),
        ("p4", "weibo", "c", "2026-11-12 02:00:00+00", "上班好累", 3, 3, 3),
        ("p5", "weibo", "a", "2026-11-13 02:00:00+00", "宝宝夜奶好累", 0, 2, 1),
        ("p0", "weibo", "a", "2026-09-01 02:00:00+00", "窗口之前", 0, 0, 0),
        ("p9", "douyin", "a", "2026-11-12 02:00:00+00", "别的平台", 0, 0, 0),
    ]
    con.executemany(
        "INSERT INTO posts (post_id, platform, user_id, created_at, text, reposts, comments, likes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.execute(
        "INSERT INTO interactions (src_user, dst_user, kind, post_id, created_at) VALUES "
        "('a', 'b', 'repost', 'p1', '2026-11-10 03:00:00+00'), ('b', 'a', 'follow', NULL, NULL),"
        "('a', 'c', 'comment', 'p4', '2026-11-12 03:00:00+00'), ('b', 'a', 'mention', 'p2', "
        "'2026-09-01 03:00:00+00'), ('c', 'b', 'follow', NULL, NULL)"
    )
    con.execute(
        "INSERT INTO user_tags (run_id, user_id, segment, score, n_posts, n_hits, evidence) VALUES "
        "('r', 'a', 'mothers', 0.9, 3, 2, '[{\"hits\": [\"宝宝\"]}]'),"
        "('r', 'b', 'mothers', 0.5, 1, 1, '[{\"hits\": [\"好\"]}]'),"
        "('q', 'c', 'mothers', 0.7, 1, 1, '[]')"
    )
    return con


def test_reads_are_the_whole_window_filtered(tmp_path):
    con = _warehouse(tmp_path)
    whole = fetch_window_posts(con, *WINDOW)
    assert count_window_posts(con, *WINDOW) == len(whole) == 5
    mine = fetch_window_posts_no_text_of(con, *WINDOW, {"a", "b"})
    expected = whole[whole["user_id"].isin({"a", "b"})].drop(columns="text").reset_index(drop=True)
    assert_frame_equal(mine, expected)
    assert mine["post_id"].tolist() == ["p1", "p3", "p2", "p5"]

    edges = fetch_window_interactions(con, *WINDOW)
    among = fetch_window_interactions_among(con, *WINDOW, ["a", "b"])
    keep = edges["src_user"].isin({"a", "b"}) & edges["dst_user"].isin({"a", "b"})
    assert_frame_equal(among, edges[keep].reset_index(drop=True), check_dtype=False)
    assert among["src_user"].dtype == object
    assert len(among) == 2

    tags = read_run_tags_shown(con, "r", ["a"])
    full = read_run_tags(con, "r")
    assert_frame_equal(tags.drop(columns="evidence"), full.drop(columns="evidence"))
    assert tags["evidence"][0] == full["evidence"][0] and pd.isna(tags["evidence"][1])
    con.close()


def test_texts_by_position(tmp_path):
    con = _warehouse(tmp_path)
    mine, every = fetch_sample_texts(con, *WINDOW, ["a"], [0, 2], [0, 3])  # a's posts: p3, p2, p5
    assert every["post_id"].tolist() == ["p1", "p4"]
    assert every["pos"].tolist() == [0, 3]
    assert every["text"].tolist() == ["今天天气好", "上班好累"]
    assert mine["post_id"].tolist() == ["p3", "p5"]
    assert mine["pos"].tolist() == [0, 2]
    assert mine["text"].tolist() == ["宝宝辅食南瓜泥", "宝宝夜奶好累"]
    mine, every = fetch_sample_texts(con, *WINDOW, ["a"], [0], [1])  # p3 in both samples
    assert mine["post_id"].tolist() == every["post_id"].tolist() == ["p3"]
    con.close()


def test_member_activity_is_what_their_posts_show(tmp_path):
    con = _warehouse(tmp_path)
    con.execute(  # Beijing time: 2026-11-13 23:30 UTC is the 14th, 07:30, a Saturday
        "INSERT INTO posts (post_id, platform, user_id, created_at) VALUES "
        "('p6', 'weibo', 'b', '2026-11-13 23:30:00+00'), ('p7', 'weibo', 'a', '2026-11-13 23:40:00+00')"
    )
    members = ["a", "b"]
    got = member_activity(con, *WINDOW, members)
    whole = fetch_window_posts(con, *WINDOW)
    mine = whole[whole["user_id"].isin(members)]
    as_of = date(2026, 11, 15)
    assert _member_days(None, as_of, 30, got["days"]) == _member_days(mine, as_of, 30)
    assert got["days"][date(2026, 11, 14)] == (2, 2)
    profiles = pd.DataFrame({"user_id": ["a"], "gender": ["f"]})
    counted = audience_portrait(profiles, None, members, theirs=True, activity=got)
    assert counted == audience_portrait(profiles, mine, members, theirs=True)
    assert counted["posts"] == 6 and counted["hours"][7] == 2 and counted["weekdays"][5] == 2
    con.close()


def test_top_words_from_the_sampled_texts_alone(tmp_path):
    con = open_warehouse(tmp_path / "w.duckdb")
    seg = ["宝宝辅食南瓜泥", "宝宝夜奶好累", "宝宝辅食吃得好"] * 3
    other = ["今天天气好", "上班好累", "周末去看电影"] * 20
    rows = [
        (f"p{i:03d}", "weibo", "m" if i < len(seg) else "x", f"2026-11-{1 + i % 14:02d} 02:00:00+00", t)
        for i, t in enumerate(seg + other)
    ]
    con.executemany(
        "INSERT INTO posts (post_id, platform, user_id, created_at, text) VALUES (?, ?, ?, ?, ?)", rows
    )
    whole = fetch_window_posts(con, *WINDOW)
    n_members = member_activity(con, *WINDOW, ["m"])["posts"]
    for cap in (5, 20, 1000):  # sampled on both sides, on one side, on neither
        expected = window_top_words(whole, ["m"], cap=cap, n=5)
        at = (sample_positions(n_members, cap), sample_positions(len(whole), cap))
        mine, window = fetch_sample_texts(con, *WINDOW, ["m"], *at)
        assert sampled_top_words(mine, window, n=5) == expected
        assert expected or cap < 1000
    con.close()
