"""The weibo-crawler reader: exact records from fixtures written as the tool writes them.

The fixtures are made by tests/store/fixtures/weibo_crawler/make_fixtures.py, which mirrors the
tool's own ``get_write_info`` + ``csv.writer`` (BOM, CRLF, tab after ids, 19-cell originals and
37-cell reposts under a 39-column header).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.warehouse import load_batch, open_warehouse
from store.weibo_crawler import (
    parse_weibo_crawler,
    parse_weibo_crawler_csv,
    read_weibo_crawler,
    sniff_weibo_crawler,
)

FIX = Path(__file__).parent / "fixtures" / "weibo_crawler"
CSV = FIX / "阿花妈妈" / "1001.csv"
CST = timezone(timedelta(hours=8))


@pytest.fixture(params=["csv-module", "duckdb"])
def engine(request, monkeypatch):
    """Run a test through both CSV paths: the csv module (small files) and DuckDB (large ones)."""
    import store.csv

    if request.param == "duckdb":
        monkeypatch.setattr(store.csv, "DUCKDB_MIN_CHARS", 0)
    return request.param


def v(x):
    return None if x is None or (not isinstance(x, str) and pd.isna(x)) else x


def edges(batch) -> set[tuple]:
    return {
        (e.kind, v(e.src_user) or v(e.src_name), v(e.dst_user) or v(e.dst_name), e.post_id)
        for e in batch.interactions.itertuples()
    }


def post_rows(batch) -> list[tuple]:
    return [
        (
            p.post_id,
            p.user_id,
            p.created_at,
            v(p.text),
            v(p.repost_of),
            p.reposts,
            p.comments,
            p.likes,
            p.line,
            p.from_row,
        )
        for p in batch.posts.itertuples()
    ]


EXPECTED_POSTS = [
    (
        "5001",
        "1001",
        datetime(2026, 11, 13, 10, 0, tzinfo=CST),
        "宝宝今天会走路了 @小红 快来看",
        None,
        1,
        2,
        5,
        2,
        True,
    ),
    ("5002", "1001", datetime(2026, 11, 13, 11, 15, tzinfo=CST), "转发微博", "4001", 0, 0, 0, 3, True),
    (
        "5003",
        "1001",
        datetime(2026, 11, 13, 12, 0, 30, tzinfo=CST),
        "说得对//@小红:我家也是//@小明:转发",
        "4002",
        0,
        0,
        1,
        4,
        True,
    ),
    (
        "5004",
        "1001",
        datetime(2026, 11, 13, 13, 0, tzinfo=CST),
        '第一行\n第二行, 带逗号和"引号"',
        None,
        0,
        0,
        0,
        5,
        True,
    ),
    (
        "5001",
        "1001",
        datetime(2026, 11, 13, 10, 0, tzinfo=CST),
        "宝宝今天会走路了 @小红 快来看",
        None,
        1,
        2,
        7,
        7,
        True,
    ),
    (
        "4001",
        "2002",
        datetime(2026, 11, 12, 8, 0, tzinfo=CST),
        "辅食添加指南 @营养师王 收藏",
        None,
        45,
        30,
        120,
        3,
        False,
    ),
    (
        "4002",
        "2003",
        datetime(2026, 11, 11, 21, 30, 5, tzinfo=CST),
        "秋冬季宝宝咳嗽怎么办",
        None,
        2,
        1,
        9,
        4,
        False,
    ),
]
EXPECTED_EDGES = {
    ("repost", "2002", "1001", "5002"),  # plain repost: source author → reposter
    ("repost", "小红", "1001", "5003"),  # chain: C1 → B
    ("repost", "小明", "小红", "5003"),  # C2 → C1
    ("repost", "2003", "小明", "5003"),  # A → C2
    ("mention", "1001", "小红", "5001"),
    ("mention", "2002", "营养师王", "4001"),  # the source post's own mention
}


def test_fixture_is_written_as_the_tool_writes_it():
    data = CSV.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,bid,")
    assert b"5001\t,Nb5001" in data and b"\r\n" in data
    import csv

    rows = list(csv.reader(data.decode("utf-8-sig").splitlines(keepends=True)))
    assert [len(r) for r in rows] == [39, 19, 37, 37, 19, 19]


def test_post_csv_exact_posts_users_and_edges(engine):
    b = read_weibo_crawler(CSV)
    assert b.quarantine.empty and b.rows_read == 5
    assert b.row_keys == ["5001", "5002", "5003", "5004", "5001"]
    assert post_rows(b) == EXPECTED_POSTS
    assert all(isinstance(p, str) and "\t" not in p for p in b.posts["post_id"])
    users = {(u.user_id, v(u.screen_name)) for u in b.users.itertuples()}
    assert users == {("1001", "阿花妈妈"), ("2002", "育儿百科"), ("2003", "儿科医生李")}
    assert edges(b) == EXPECTED_EDGES
    assert b.posts["created_at"].dt.tz is not None


def test_gb18030_file_reads_the_same(engine):
    a, b = read_weibo_crawler(CSV), read_weibo_crawler(FIX / "gb18030" / "阿花妈妈" / "1001.csv")
    assert post_rows(a) == post_rows(b) and edges(a) == edges(b)


def test_author_comes_from_file_and_folder_names(tmp_path):
    # result_dir_name=1: the folder is the user id, so the screen name is unknown
    f = tmp_path / "1001" / "1001.csv"
    f.parent.mkdir()
    shutil.copy(CSV, f)
    b = read_weibo_crawler(f)
    assert set(b.posts.loc[b.posts.from_row, "user_id"]) == {"1001"}
    assert b.users.set_index("user_id").loc["1001", "screen_name"] in (None,) or pd.isna(
        b.users.set_index("user_id").loc["1001", "screen_name"]
    )
    # a file not named <user_id>.csv: every row quarantined, with the reason
    g = tmp_path / "阿花妈妈" / "export.csv"
    g.parent.mkdir()
    shutil.copy(CSV, g)
    b = read_weibo_crawler(g)
    assert b.rows_read == 5 and len(b.quarantine) == 5 and b.posts.empty
    assert "the author's id is unknown" in b.quarantine.loc[0, "reason"]
    assert "'export.csv' is not a numeric user id" in b.quarantine.loc[0, "reason"]


def test_damaged_rows_are_quarantined_with_line_raw_and_reason(engine):
    f = FIX / "damaged" / "阿花妈妈" / "1001.csv"
    b = read_weibo_crawler(f)
    assert b.rows_read == 4 and b.row_keys == ["5101"]
    q = b.quarantine
    assert q["line"].tolist() == [3, 4, 5]
    assert q.loc[0, "raw"].startswith("5.1001E+15,Nb5102,Excel 改过的 id,")
    assert q["reason"].tolist() == [
        f"{f}, line 3: field 'id' is '5.1001E+15'; expected the weibo id as digits (a float or text "
        "means the cells are shifted or the file was re-saved)",
        f"{f}, line 4: field '日期' is empty; expected a time like '2026-11-13T10:00:00' (a truncated row?)",
        f"{f}, line 5: field '是否原创' is '0'; expected True or False (the cells do not line up with the "
        "header: weibo-crawler issues #516/#581)",
    ]


def test_only_original_header_and_old_date_only_format(engine):
    header = "id,bid,正文,原始图片url,视频url,位置,日期,工具,点赞数,评论数,转发数\r\n"
    text = header + "7\t,b,hi,,,,2019-05-01,网页,1.2万,3,100万+\r\n"
    b = parse_weibo_crawler_csv(text, "x/9.csv", user_id="9", screen_name="x")
    assert post_rows(b) == [
        ("7", "9", datetime(2019, 5, 1, tzinfo=CST), "hi", None, 1000000, 3, 12000, 2, True)
    ]


def test_mentions_come_from_the_at_column_when_there_is_one():
    header = "id,bid,正文,日期,@用户\r\n"
    text = header + (
        "1\t,b,写信到 a@qq.com,2026-01-01T00:00:00,\r\n"
        '2\t,b,@小红你好@小明,2026-01-01T00:00:00,"小红,小明"\r\n'
    )
    b = parse_weibo_crawler_csv(text, "a/9.csv", user_id="9", screen_name="阿花")
    assert edges(b) == {("mention", "9", "小红", "2"), ("mention", "9", "小明", "2")}
    old = parse_weibo_crawler_csv(
        "id,bid,正文,日期\r\n3\t,b,@小红 你好,2026-01-01\r\n", "a/9.csv", user_id="9"
    )
    assert edges(old) == {("mention", "9", "小红", "3")}


def test_rows_longer_than_the_header_are_quarantined(engine):
    header = "id,bid,正文,日期\r\n"
    text = (
        header
        + "1\t,b,ok,2026-01-01T00:00:00\r\n2\t,b,shifted,2026-01-01T00:00:00,extra\r\n"
        + "3\t,b,x,2026-01-01T00:00:00"
        + ",y" * 20
        + "\r\n"
    )
    b = parse_weibo_crawler_csv(text, "a/1.csv", user_id="1")
    assert b.row_keys == ["1"] and b.quarantine["line"].tolist() == [3, 4]
    assert b.quarantine["reason"].str.contains("more cells than the header").all()


def test_not_an_export_is_one_quarantine_entry_and_empty_is_fine(tmp_path):
    f = tmp_path / "u" / "12.csv"
    f.parent.mkdir()
    f.write_text("name,age\r\nbob,3\r\n", encoding="utf-8")
    b = read_weibo_crawler(f)
    assert b.rows_read == 1 and "not a weibo-crawler post CSV" in b.quarantine.loc[0, "reason"]
    f.write_bytes(b"")
    assert read_weibo_crawler(f).rows_read == 0
    f.write_bytes(b"\xef\xbb\xbf")
    assert read_weibo_crawler(f).rows_read == 0
    f.write_bytes(b"\xff\xfe\x00\x81\x30")
    assert len(read_weibo_crawler(f).quarantine) == 1
    with pytest.raises(FileNotFoundError, match="no such export file"):
        read_weibo_crawler(tmp_path / "nope.csv")


def test_users_csv_profiles_and_realigned_short_row():
    b = read_weibo_crawler(FIX / "users.csv")
    assert b.quarantine.empty and b.row_keys == ["user:1001", "user:2002"]
    got = [
        (
            u.user_id,
            u.screen_name,
            u.followers,
            u.following,
            u.statuses,
            u.verified,
            u.verified_type,
            v(u.description),
            u.gender,
            v(u.location),
        )
        for u in b.users.itertuples()
    ]
    assert got == [
        ("1001", "阿花妈妈", 1234, 210, 321, False, -1, "两岁宝宝的妈妈", "f", "上海 浦东新区"),
        # written without ip_location: one cell short from 所在地 on, realigned
        ("2002", "育儿百科", 560000, 210, 321, True, 2, None, "m", "上海 浦东新区"),
    ]


def test_json_export_gives_the_same_posts_and_edges_plus_the_profile():
    b = read_weibo_crawler(FIX / "阿花妈妈" / "1001.json")
    assert b.quarantine.empty and b.row_keys == ["5001", "5002", "5003", "5004"]
    csv_posts = {p[0]: p[:8] for p in EXPECTED_POSTS[:4] + EXPECTED_POSTS[5:]}
    assert {p[0]: p[:8] for p in post_rows(b)} == csv_posts
    assert edges(b) == EXPECTED_EDGES
    profile = b.users[b.users.followers.notna()]
    assert profile[["user_id", "followers", "verified_type"]].values.tolist() == [["1001", 1234, -1]]


def test_json_bad_items_are_quarantined():
    doc = {
        "user": {"id": 1, "screen_name": "A"},
        "weibo": [
            {"user_id": 1, "id": 10, "text": "ok", "created_at": "2026-01-01T00:00:00"},
            {"user_id": 1, "id": "x", "text": "bad"},
            {"user_id": 1, "id": 11, "text": "no date"},
            "nope",
        ],
    }
    b = parse_weibo_crawler(json.dumps(doc, ensure_ascii=False), "A/1.json")
    assert b.row_keys == ["10"] and b.quarantine["line"].tolist() == [2, 3, 4]
    assert "field 'id' is 'x'" in b.quarantine.loc[0, "reason"]
    assert "field 'created_at' is missing" in b.quarantine.loc[1, "reason"]
    truncated = parse_weibo_crawler(json.dumps(doc)[:50], "A/1.json")
    assert truncated.rows_read == 1 and "not valid JSON" in truncated.quarantine.loc[0, "reason"]


def test_sniffing():
    assert sniff_weibo_crawler(CSV, CSV.read_text(encoding="utf-8-sig")[:4000])
    assert sniff_weibo_crawler(FIX / "users.csv", "\ufeff用户id,昵称,性别\r\n")
    js = FIX / "阿花妈妈" / "1001.json"
    assert sniff_weibo_crawler(js, js.read_text(encoding="utf-8")[:4000])
    assert not sniff_weibo_crawler(Path("a.jsonl"), '{"statuses": []}')
    assert not sniff_weibo_crawler(Path("a.csv"), "id,bid,user_id,用户昵称,微博正文\r\n")


def test_loading_twice_into_duckdb_is_idempotent_and_counts_reconcile(tmp_path):
    con = open_warehouse(tmp_path / "w.duckdb")
    try:

        def counts():
            return {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("posts", "users", "interactions", "pending_interactions")
            }

        first = load_batch(con, read_weibo_crawler(CSV))
        assert (first.rows_read, first.loaded, first.duplicates, first.quarantined) == (5, 4, 1, 0)
        assert first.rows_read == first.loaded + first.duplicates + first.quarantined
        before = counts()
        # 7 posts (5 own + 2 sources), 3 users + placeholders for 小红, 小明, 营养师王
        assert before == {"posts": 6, "users": 6, "interactions": 6, "pending_interactions": 5}
        again = load_batch(con, read_weibo_crawler(CSV))
        assert (again.loaded, again.duplicates, again.quarantined) == (0, 5, 0)
        assert counts() == before
        # the profile file names 小红 nowhere; the JSON of the same user adds nothing new
        js = load_batch(con, read_weibo_crawler(FIX / "阿花妈妈" / "1001.json"))
        assert (js.loaded, js.duplicates) == (0, 4)
        assert counts()["posts"] == 6
        row = con.execute("SELECT user_id, repost_of, likes, created_at FROM posts WHERE post_id='5003'")
        uid, rep, likes, when = row.fetchone()
        assert (uid, rep, likes) == ("1001", "4002", 1)
        assert when == datetime(2026, 11, 13, 12, 0, 30, tzinfo=CST)
        assert (
            con.execute(
                "SELECT count(*) FROM posts WHERE repost_of IS NOT NULL AND repost_of NOT IN "
                "(SELECT post_id FROM posts)"
            ).fetchone()[0]
            == 0
        )
        bad = load_batch(con, read_weibo_crawler(FIX / "damaged" / "阿花妈妈" / "1001.csv"))
        assert (bad.rows_read, bad.loaded, bad.quarantined) == (4, 1, 3)
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 3
    finally:
        con.close()


HEADER = (
    "id,bid,正文,头条文章url,原始图片url,视频url,Live Photo视频url,位置,日期,工具,点赞数,评论数,转发数,"
    "话题,@用户,完整日期,是否编辑过,编辑次数,是否原创,源用户id,源用户昵称,源微博id,源微博bid,源微博正文"
)
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["1\t", "True", "False", "2026-01-01T00:00:00", "@a", "//@b:c", '"', "\r\n", ","]),
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, max_size=26), max_size=6))
def test_parser_never_crashes_on_arbitrary_rows_and_counts_reconcile(rows):
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    b = parse_weibo_crawler_csv(HEADER + "\r\n" + buf.getvalue(), "a/1.csv", user_id="1", screen_name="a")
    assert b.rows_read == len(b.row_keys) + len(b.quarantine)
    assert len(b.row_keys) == int(b.posts["from_row"].sum())
    e = b.interactions
    assert not (e.src_user.notna() & (e.src_user == e.dst_user)).any()


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.sampled_from(["id,bid,正文,日期\r\n", "用户id,昵称\r\n", "{", ""]))
def test_reader_never_crashes_on_arbitrary_bytes(tmp_path_factory, data, prefix):
    f = tmp_path_factory.mktemp("b") / "n" / "5.csv"
    f.parent.mkdir()
    f.write_bytes(prefix.encode() + data)
    b = read_weibo_crawler(f)
    assert b.rows_read == len(b.row_keys) + len(b.quarantine)


@pytest.mark.slow
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.lists(cell, max_size=26), max_size=6))
def test_duckdb_path_never_crashes_and_counts_reconcile(monkeypatch, rows):
    import csv
    import io

    import store.csv

    monkeypatch.setattr(store.csv, "DUCKDB_MIN_CHARS", 0)
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    b = parse_weibo_crawler_csv(HEADER + "\r\n" + buf.getvalue(), "a/1.csv", user_id="1", screen_name="a")
    assert b.rows_read == len(b.row_keys) + len(b.quarantine)
    assert (b.quarantine["line"] >= 2).all()


json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**17),
    st.text(max_size=8),
    st.sampled_from(["2026-01-01T00:00:00", "inf", "1.2万", "//@a:b", "@c"]),
)
json_item = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "user_id",
            "screen_name",
            "text",
            "created_at",
            "full_created_at",
            "at_users",
            "attitudes_count",
            "retweet",
        ]
    ),
    json_value,
    max_size=8,
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(json_item, st.builds(lambda a, b: {**a, "retweet": b}, json_item, json_item), json_value),
        max_size=5,
    ),
    json_value,
)
def test_json_parser_never_crashes_and_counts_reconcile(items, user_id):
    doc = {"user": {"id": user_id, "screen_name": "A"}, "weibo": items}
    b = parse_weibo_crawler(json.dumps(doc, ensure_ascii=False), "A/1.json")
    assert b.rows_read == len(items) == len(b.row_keys) + len(b.quarantine)
