"""The DuckDB warehouse: idempotent, atomic, reconciling loads in a real DuckDB file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pytest

from store.records import make_batch
from store.warehouse import (
    fetch_window_interactions,
    fetch_window_posts,
    fetch_window_posts_of,
    load_batch,
    newest_post_date,
    open_warehouse,
    publish_run,
    read_tag_funnel,
    start_run,
    window_bounds,
    write_tag_funnel,
    write_user_tags,
)
from store.weibo_api import parse_weibo_api, read_weibo_api
from tests.store.test_weibo_api import lines, status


@pytest.fixture
def con(tmp_path):
    c = open_warehouse(tmp_path / "w.duckdb")
    yield c
    c.close()


def counts(con) -> dict[str, int]:
    return {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("posts", "users", "interactions", "pending_interactions", "quarantine")
    }


def write(tmp_path, name, objs, extra_lines=()):
    p = tmp_path / name
    p.write_text("\n".join(lines(*objs) + list(extra_lines)) + "\n", encoding="utf-8")
    return p


def test_same_file_twice_adds_nothing_and_counts_reconcile(con, tmp_path):
    root = status(100, 1, "A", "原帖 @B")
    f = write(
        tmp_path,
        "a.jsonl",
        [
            root,
            status(101, 2, "B", "转发微博", "Fri Nov 13 11:00:00 +0800 2026", retweeted_status=root),
            status(102, 3, "C", "哈//@B:好", "Fri Nov 13 12:00:00 +0800 2026", retweeted_status=root),
            status(101, 2, "B", "转发微博", "Fri Nov 13 11:00:00 +0800 2026", retweeted_status=root),
        ],
        extra_lines=["not json"],
    )
    first = load_batch(con, read_weibo_api(f))
    assert (first.rows_read, first.loaded, first.duplicates, first.quarantined) == (5, 3, 1, 1)
    assert first.updated == 0
    assert first.rows_read == first.loaded + first.duplicates + first.quarantined
    assert counts(con) == {
        "posts": 3,
        "users": 3,
        "interactions": 4,
        "pending_interactions": 0,
        "quarantine": 1,
    }
    before = counts(con)
    again = load_batch(con, read_weibo_api(f))
    assert (again.loaded, again.duplicates, again.quarantined) == (0, 4, 1)
    assert counts(con) == before
    got = set(con.execute("SELECT src_user, dst_user, kind, post_id FROM interactions").fetchall())
    assert got == {
        ("1", "2", "mention", "100"),
        ("1", "2", "repost", "101"),
        ("2", "3", "repost", "102"),
        ("1", "2", "repost", "102"),
    }


@pytest.mark.slow
def test_a_row_whose_post_was_only_seen_embedded_counts_as_loaded(con, tmp_path):
    root = status(100, 1, "A", "原帖", attitudes_count=1)
    reposts = write(
        tmp_path,
        "a.jsonl",
        [status(101, 2, "B", "转发微博", "Fri Nov 13 11:00:00 +0800 2026", retweeted_status=root)],
    )
    load_batch(con, read_weibo_api(reposts))
    fresher = dict(root, attitudes_count=9)
    r = load_batch(con, read_weibo_api(write(tmp_path, "b.jsonl", [fresher])))
    assert (r.loaded, r.duplicates, r.posts_added) == (1, 0, 0)
    assert con.execute("SELECT likes, from_row FROM posts WHERE post_id='100'").fetchone() == (9, True)
    again = load_batch(con, read_weibo_api(write(tmp_path, "c.jsonl", [fresher])))
    assert (again.loaded, again.updated, again.duplicates) == (0, 0, 1)
    fresher_still = dict(root, attitudes_count=12)
    r = load_batch(con, read_weibo_api(write(tmp_path, "d.jsonl", [fresher_still])))
    assert (r.loaded, r.updated, r.duplicates) == (0, 1, 1)
    assert con.execute("SELECT likes FROM posts WHERE post_id='100'").fetchone() == (12,)


def test_unknown_names_become_placeholders_merged_when_the_id_turns_up(con, tmp_path):
    f1 = write(tmp_path, "1.jsonl", [status(1, 1, "A", "你好 @后来者"), status(3, 5, "E", "也@后来者 一下")])
    r1 = load_batch(con, read_weibo_api(f1))
    assert (r1.interactions_added, r1.interactions_pending) == (2, 2)
    assert con.execute("SELECT placeholder FROM users WHERE user_id = '@后来者'").fetchone() == (True,)
    # the real user mentions A back and brings the id of the name
    f2 = write(tmp_path, "2.jsonl", [status(2, 9, "后来者", "我来了 @A")])
    r2 = load_batch(con, read_weibo_api(f2))
    assert (r2.interactions_added, r2.interactions_pending) == (1, 0)
    assert sorted(con.execute("SELECT src_user, dst_user, kind FROM interactions").fetchall()) == [
        ("1", "9", "mention"),
        ("5", "9", "mention"),
        ("9", "1", "mention"),
    ]
    assert con.execute("SELECT count(*) FROM users WHERE placeholder").fetchone()[0] == 0


def test_masked_names_never_resolve(con, tmp_path):
    masked = status(1, 7, "多***夜", "hi")
    load_batch(con, read_weibo_api(write(tmp_path, "m.jsonl", [masked])))
    r = load_batch(con, read_weibo_api(write(tmp_path, "n.jsonl", [status(2, 1, "A", "@多***夜 你好")])))
    assert r.interactions_pending == 1


@pytest.mark.slow
def test_newer_profile_snapshot_updates_the_user(con, tmp_path):
    old = status(1, 1, "A", "x", "Fri Nov 13 10:00:00 +0800 2026")
    new = status(2, 1, "A", "y", "Sat Nov 14 10:00:00 +0800 2026")
    old["user"]["followers_count"] = 10
    new["user"]["followers_count"] = 25
    load_batch(con, read_weibo_api(write(tmp_path, "old.jsonl", [old])))
    r = load_batch(con, read_weibo_api(write(tmp_path, "new.jsonl", [new])))
    assert r.users_updated == 1
    assert con.execute("SELECT followers FROM users").fetchone()[0] == 25
    # an older snapshot loaded later does not overwrite
    old2 = status(3, 1, "A", "z", "Thu Nov 12 10:00:00 +0800 2026")
    old2["user"]["followers_count"] = 5
    assert load_batch(con, read_weibo_api(write(tmp_path, "older.jsonl", [old2]))).users_updated == 0
    assert con.execute("SELECT followers FROM users").fetchone()[0] == 25


def test_a_newer_profile_that_differs_only_in_gender_is_updated(con, tmp_path):
    old = status(1, 1, "A", "x", "Fri Nov 13 10:00:00 +0800 2026")
    new = status(2, 1, "A", "y", "Sat Nov 14 10:00:00 +0800 2026")
    old["user"]["gender"], new["user"]["gender"] = "m", "f"
    load_batch(con, read_weibo_api(write(tmp_path, "old.jsonl", [old])))
    r = load_batch(con, read_weibo_api(write(tmp_path, "new.jsonl", [new])))
    assert r.users_updated == 1
    assert con.execute("SELECT gender FROM users").fetchone()[0] == "f"


def test_a_failing_load_leaves_the_warehouse_as_before(con, tmp_path):
    load_batch(con, read_weibo_api(write(tmp_path, "ok.jsonl", [status(1, 1, "A", "x")])))
    before = counts(con)
    good = parse_weibo_api(lines(status(2, 2, "B", "y")), "bad.jsonl")
    # a post whose author id is missing violates NOT NULL after the user rows went in
    broken = good.posts.iloc[[0]].assign(post_id="3", user_id=None)
    batch = make_batch(
        "bad.jsonl", posts=pd.concat([good.posts, broken]), users=good.users, row_keys=["2", "3"]
    )
    with pytest.raises(duckdb.ConstraintException):
        load_batch(con, batch)
    assert counts(con) == before
    assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == 1


def test_window_bounds_are_shanghai_days(con, tmp_path):
    start, end = window_bounds(date(2026, 11, 15), 2)
    assert start.isoformat() == "2026-11-13T16:00:00+00:00"
    assert end.isoformat() == "2026-11-15T16:00:00+00:00"
    with pytest.raises(ValueError, match="window_days must be at least 1; got 0"):
        window_bounds(date(2026, 11, 15), 0)
    f = write(
        tmp_path,
        "w.jsonl",
        [
            status(1, 1, "A", "before", "Fri Nov 13 23:59:59 +0800 2026"),
            status(2, 1, "A", "first", "Sat Nov 14 00:00:00 +0800 2026"),
            status(3, 1, "A", "last", "Sun Nov 15 23:59:59 +0800 2026"),
            status(4, 1, "A", "after", "Mon Nov 16 00:00:00 +0800 2026"),
        ],
    )
    load_batch(con, read_weibo_api(f))
    posts = fetch_window_posts(con, start, end)
    assert posts["text"].tolist() == ["first", "last"]
    assert str(posts["created_at"].dt.tz) == "Asia/Shanghai"
    assert newest_post_date(con) == date(2026, 11, 16)
    assert fetch_window_interactions(con, start, end).empty


def test_window_posts_of_some_authors_are_those_rows_of_the_window(con, tmp_path):
    start, end = window_bounds(date(2026, 11, 15), 2)
    f = write(
        tmp_path,
        "w.jsonl",
        [
            status(1, 1, "A", "before", "Fri Nov 13 23:59:59 +0800 2026"),
            status(2, 2, "B", "b", "Sat Nov 14 09:00:00 +0800 2026"),
            status(3, 1, "A", "a1", "Sat Nov 14 10:00:00 +0800 2026"),
            status(4, 3, "C", "c", "Sun Nov 15 08:00:00 +0800 2026"),
            status(5, 1, "A", "a2", "Sun Nov 15 09:00:00 +0800 2026"),
        ],
    )
    load_batch(con, read_weibo_api(f))
    every = fetch_window_posts(con, start, end)
    some = fetch_window_posts_of(con, start, end, pd.Series(["1", "3", "9"]))
    assert some["text"].tolist() == ["a1", "c", "a2"]
    want = every[every["user_id"].isin(["1", "3"])].reset_index(drop=True)

    def plain(df):  # the same values (missing: None), whatever types the reads chose
        return df.astype(object).where(df.notna(), None).to_dict("records")

    assert list(some.columns) == list(every.columns)
    assert str(some["created_at"].dt.tz) == "Asia/Shanghai"
    assert plain(some) == plain(want)
    assert fetch_window_posts_of(con, start, end, []).empty


def test_publish_replaces_the_days_earlier_results(con):
    tags = pd.DataFrame(
        {
            "user_id": ["1"],
            "segment": ["mothers"],
            "score": [0.9],
            "n_posts": [3],
            "n_hits": [3],
            "evidence": [json.dumps([])],
        }
    )
    for run in ("r1", "r2"):
        start_run(
            con, run_id=run, flow="t", segment="mothers", as_of=date(2026, 11, 15), window_days=30, params={}
        )
        write_user_tags(con, run, tags)
    start_run(
        con,
        run_id="other-day",
        flow="t",
        segment="mothers",
        as_of=date(2026, 11, 14),
        window_days=30,
        params={},
    )
    write_user_tags(con, "other-day", tags)
    assert publish_run(con, "r2", "mothers", date(2026, 11, 15)) == 1
    assert sorted(r[0] for r in con.execute("SELECT run_id FROM user_tags").fetchall()) == ["other-day", "r2"]
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 3  # runs are append-only
    assert con.execute("SELECT status FROM runs WHERE run_id='r2'").fetchone()[0] == "succeeded"


def test_a_warehouse_from_before_the_rule_column_gains_it(tmp_path):
    """Warehouses written before user_tags.rule and user_tags.business existed are migrated on
    open; tags written without them keep NULL, tags with them keep them."""
    import duckdb

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("""CREATE TABLE user_tags (run_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
                   segment VARCHAR NOT NULL, score DOUBLE, n_posts INTEGER, n_hits INTEGER,
                   evidence VARCHAR)""")
    old.execute("INSERT INTO user_tags VALUES ('r0', 'u0', 'mothers', 0.5, 3, 3, '[]')")
    old.close()
    con = open_warehouse(path)
    tags = pd.DataFrame(
        {
            "user_id": ["u1"],
            "segment": ["mothers"],
            "score": [0.9],
            "n_posts": [1],
            "n_hits": [1],
            "evidence": ["[]"],
            "rule": ["both"],
            "business": ["3 of 4 posts sell (现货)"],
        }
    )
    write_user_tags(con, "r1", tags)
    rows = con.execute("SELECT run_id, user_id, rule, business FROM user_tags ORDER BY run_id").fetchall()
    assert rows == [("r0", "u0", None, None), ("r1", "u1", "both", "3 of 4 posts sell (现货)")]
    con.close()


def test_a_warehouse_from_before_the_business_column_gains_it_and_tag_funnels(tmp_path):
    """The schema just before issue 16: user_tags with rule, no business, no tag_funnels."""
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("""CREATE TABLE user_tags (run_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
                   segment VARCHAR NOT NULL, score DOUBLE, n_posts INTEGER, n_hits INTEGER,
                   evidence VARCHAR, rule VARCHAR)""")
    old.execute("INSERT INTO user_tags VALUES ('r0', 'u0', 'mothers', 0.5, 3, 3, '[]', 'strong post')")
    old.close()
    con = open_warehouse(path)
    columns = [r[0] for r in con.execute("DESCRIBE user_tags").fetchall()]
    assert columns[-3:] == ["rule", "business", "confirmed_by"]
    rows = con.execute("SELECT rule, business, confirmed_by FROM user_tags").fetchall()
    assert rows == [("strong post", None, None)]  # confirmation not recorded: NULL
    assert read_tag_funnel(con, "r0") is None  # the table is there, empty
    con.close()


def _tags(business: list) -> pd.DataFrame:
    n = len(business)
    return pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(n)],
            "segment": ["mothers"] * n,
            "score": [0.9 - i / 10 for i in range(n)],
            "n_posts": [1] * n,
            "n_hits": [1] * n,
            "evidence": ['[{"kind": "profile", "field": "bio", "text": "两个娃的妈"}]'] * n,
            "rule": ["posts", "profile", "both"][:n],
            "business": business,
        }
    )


def test_user_tags_business_round_trips(con):
    """``business`` is why a member looks like a shop; None (or pandas' NaN) for ordinary people
    is stored as NULL. Tags without the column (an older caller) store NULL."""
    write_user_tags(con, "r1", _tags([None, "3 of 4 posts sell (现货)", float("nan")]))
    rows = con.execute(
        "SELECT user_id, rule, business FROM user_tags WHERE run_id = 'r1' ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("u0", "posts", None),
        ("u1", "profile", "3 of 4 posts sell (现货)"),
        ("u2", "both", None),
    ]
    write_user_tags(con, "r2", _tags(["x", "y"]).drop(columns=["business", "rule"]))
    assert (
        con.execute("SELECT rule, business FROM user_tags WHERE run_id = 'r2'").fetchall()
        == [(None, None)] * 2
    )
    # a re-write replaces the run's rows
    write_user_tags(con, "r1", _tags(["bio names a shop (代购)"]))
    assert con.execute("SELECT user_id, business FROM user_tags WHERE run_id = 'r1'").fetchall() == [
        ("u0", "bio names a shop (代购)")
    ]


def test_tag_funnels_round_trip(con):
    from nlp.tagger import TagFunnel

    funnel = TagFunnel(
        n_posts=900,
        n_relevant=120,
        n_positive_posts=9,
        n_authors=7,
        n_members=6,
        by_rule=(("posts", 4), ("profile", 1), ("both", 1)),
        prior=0.06,
        prior_estimated=True,
        threshold=0.83,
        chance_rate=0.013,
    ).as_dict()
    write_tag_funnel(con, "r1", "mothers", funnel)
    assert read_tag_funnel(con, "r1") == funnel
    assert con.execute("SELECT segment, by_rule FROM tag_funnels").fetchall() == [
        ("mothers", '{"posts": 4, "profile": 1, "both": 1}')
    ]
    # the rules scorer has no prior or threshold: NULLs round-trip as None; a re-write replaces
    rules = TagFunnel(n_posts=3, n_relevant=2, chance_rate=0.02).as_dict()
    write_tag_funnel(con, "r1", "mothers", rules)
    assert read_tag_funnel(con, "r1") == rules
    assert rules["prior"] is None and rules["by_rule"] == {"posts": 0, "profile": 0, "both": 0}
    assert con.execute("SELECT count(*) FROM tag_funnels").fetchone()[0] == 1
    assert read_tag_funnel(con, "nope") is None


def test_a_warehouse_with_primary_key_indexes_is_rebuilt_without_them(tmp_path):
    """Warehouses from before the loader kept the keys itself had PRIMARY KEY indexes on posts
    and users; opening one rebuilds both tables without them, keeping every row, and loading
    stays idempotent."""
    from store.warehouse import SCHEMA

    path = tmp_path / "keyed.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        SCHEMA.replace(
            "from_row BOOLEAN DEFAULT true\n",
            "from_row BOOLEAN DEFAULT true,\n    PRIMARY KEY (platform, post_id)\n",
        ).replace(
            "placeholder BOOLEAN DEFAULT false\n",
            "placeholder BOOLEAN DEFAULT false,\n    PRIMARY KEY (platform, user_id)\n",
        )
    )
    assert (
        len(
            old.execute(
                "SELECT * FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                "AND table_name IN ('posts', 'users')"
            ).fetchall()
        )
        == 2
    )
    old.close()
    con = open_warehouse(path)
    root = status(100, 1, "A", "原帖 @B")
    f = write(
        tmp_path,
        "a.jsonl",
        [root, status(101, 2, "B", "转发微博", "Fri Nov 13 11:00:00 +0800 2026", retweeted_status=root)],
    )
    batch = read_weibo_api(f)
    first = load_batch(con, batch)
    con.close()
    con = open_warehouse(path)
    assert not con.execute(
        "SELECT * FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
        "AND table_name IN ('posts', 'users')"
    ).fetchall()
    again = load_batch(con, batch)
    assert first.loaded > 0 and again.loaded == 0 and again.duplicates == first.rows_read - first.quarantined
    n_posts = con.execute("SELECT count(*), count(DISTINCT (platform, post_id)) FROM posts").fetchone()
    assert n_posts[0] == n_posts[1] == first.posts_added
    assert (
        con.execute(
            "SELECT column_default FROM information_schema.columns WHERE table_name = 'posts' "
            "AND column_name = 'from_row'"
        ).fetchone()[0]
        == "true"
    )
    con.close()


def test_several_snapshots_of_a_user_in_one_batch_merge_field_by_field(con):
    def at(day):
        return datetime(2026, 11, day, tzinfo=UTC)

    # (user_id, platform, screen_name, followers, following, statuses, verified, verified_type,
    #  description, gender, location, seen_at)
    users = [
        ("1", "weibo", "旧名", 10, 5, None, None, None, None, "f", "北京", at(1)),
        ("2", "weibo", "单身", 7, None, None, True, 0, None, None, None, at(2)),
        ("1", "weibo", None, 20, None, None, None, None, None, None, None, at(3)),
        ("1", "weibo", "新名", None, None, None, None, None, None, None, None, None),
    ]
    load_batch(con, make_batch("u.jsonl", users=users))
    rows = con.execute("""SELECT user_id, screen_name, followers, following, verified, gender,
                                 location, seen_at::DATE FROM users ORDER BY user_id""").fetchall()
    # the newest snapshot wins field by field (a row without a time counts as newest); a field it
    # lacks keeps the newest known value; a user with one row is that row
    assert rows == [
        ("1", "新名", 20, 5, None, "f", "北京", date(2026, 11, 3)),
        ("2", "单身", 7, None, True, None, None, date(2026, 11, 2)),
    ]


def test_a_user_whose_newest_snapshot_knows_every_field_is_that_snapshot(con):
    def at(day):
        return datetime(2026, 11, day, tzinfo=UTC)

    full = ("9", "weibo", "新名", 30, 3, 300, True, 0, "新简介", "m", "上海", at(5))
    users = [
        ("9", "weibo", "旧名", 10, 1, 100, False, -1, "旧简介", "f", "北京", at(1)),
        full,
        ("9", "weibo", "中名", 20, 2, 200, None, None, None, None, None, at(3)),
        # user 8: the newest row lacks the description, which an older row has
        ("8", "weibo", "甲", 1, 1, 1, False, -1, "有简介", "f", "北京", at(1)),
        ("8", "weibo", "乙", 2, 2, 2, True, 0, None, "m", "上海", at(2)),
    ]
    load_batch(con, make_batch("u.jsonl", users=users))
    cols = (
        "user_id, platform, screen_name, followers, following, statuses, verified, verified_type, "
        "description, gender, location, seen_at"
    )
    got = con.execute(f"SELECT {cols} FROM users WHERE user_id = '9'").fetchall()
    assert got == [full]
    assert con.execute(
        "SELECT screen_name, description, location FROM users WHERE user_id = '8'"
    ).fetchall() == [("乙", "有简介", "上海")]
