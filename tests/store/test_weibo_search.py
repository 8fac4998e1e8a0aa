"""The weibo-search reader: exact records from fixtures written as the tool writes them.

The fixtures are made by tests/store/fixtures/weibo_search/make_fixtures.py, which mirrors the
tool's CsvPipeline (BOM, CRLF, 21 cells, source post row before the reposting row, no spaces).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.warehouse import load_batch, open_warehouse
from store.weibo_search import parse_weibo_search, read_weibo_search, sniff_weibo_search

FIX = Path(__file__).parent / "fixtures" / "weibo_search"
CSV = FIX / "结果文件" / "宝宝辅食" / "宝宝辅食.csv"
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


def test_fixture_is_written_as_the_tool_writes_it():
    data = CSV.read_bytes()
    assert data.startswith("\ufeffid,bid,user_id,用户昵称,微博正文".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert {len(r) for r in rows} == {21}
    assert data.count(b"\r\n") == 8


def test_posts_users_and_counts_exactly(engine):
    b = read_weibo_search(CSV)
    assert b.quarantine.empty and b.rows_read == 7
    assert b.row_keys == ["4001", "5002", "4002", "5003", "5005", "5006", "4001"]
    got = [
        (p.post_id, p.user_id, p.created_at, p.text, v(p.repost_of), p.reposts, p.comments, p.likes, p.line)
        for p in b.posts.itertuples()
    ]
    assert got == [
        (
            "4001",
            "2002",
            datetime(2026, 11, 12, 8, 0, tzinfo=CST),
            "辅食添加指南@营养师王收藏",
            None,
            12000,
            1000000,
            3,
            2,
        ),
        ("5002", "1001", datetime(2026, 11, 13, 11, 15, tzinfo=CST), "转发微博", "4001", 0, 0, 0, 3),
        (
            "4002",
            "2003",
            datetime(2026, 11, 11, 21, 30, tzinfo=CST),
            "秋冬季宝宝咳嗽怎么办",
            None,
            0,
            0,
            0,
            4,
        ),
        (
            "5003",
            "1003",
            datetime(2026, 11, 13, 12, 0, tzinfo=CST),
            "说得对//@小红:我家也是//@小明:转发",
            "4002",
            0,
            0,
            0,
            5,
        ),
        (
            "5005",
            "1005",
            datetime(2026, 11, 13, 12, 30, tzinfo=CST),
            "@小红看这个宝宝辅食",
            None,
            0,
            0,
            12,
            6,
        ),
        ("5006", "1006", datetime(2026, 11, 13, 13, 0, tzinfo=CST), "好文//@小明:推荐", "4999", 0, 0, 0, 7),
        (
            "4001",
            "2002",
            datetime(2026, 11, 12, 8, 0, tzinfo=CST),
            "辅食添加指南@营养师王收藏",
            None,
            13000,
            1000000,
            4,
            8,
        ),
    ]
    users = {(u.user_id, u.screen_name, v(u.verified), v(u.verified_type)) for u in b.users.itertuples()}
    assert users == {
        ("2002", "育儿百科", None, None),
        ("1001", "阿花妈妈", False, -1),
        ("2003", "儿科医生李", None, None),
        ("1003", "小芳", True, 0),
        ("1005", "宝宝辅食铺", True, 7),
        ("1006", "小丽", True, 0),
    }


def test_interactions_follow_influence_and_use_the_at_column(engine):
    assert edges(read_weibo_search(CSV)) == {
        ("repost", "2002", "1001", "5002"),  # source row in the file: its author → reposter
        ("repost", "小红", "1003", "5003"),  # chain C1 → B
        ("repost", "小明", "小红", "5003"),  # C2 → C1
        ("repost", "2003", "小明", "5003"),  # A → C2
        ("repost", "小明", "1006", "5006"),  # source 4999 not in the file: the chain alone
        ("mention", "2002", "营养师王", "4001"),
        # "@小红看这个…" (spaces removed): the name comes from 艾特用户, not a greedy regex
        ("mention", "1005", "小红", "5005"),
    }


def test_gb18030_reads_the_same(engine):
    a, b = read_weibo_search(CSV), read_weibo_search(FIX / "gb18030" / "宝宝辅食.csv")
    assert a.posts.equals(b.posts) and edges(a) == edges(b)


def test_damaged_rows_are_quarantined(engine):
    f = FIX / "damaged" / "宝宝辅食.csv"
    b = read_weibo_search(f)
    assert b.rows_read == 5 and b.row_keys == ["5101"]
    assert b.quarantine["line"].tolist() == [3, 4, 5, 6]
    assert b.quarantine.loc[3, "raw"] == "5105,B5105,1001"
    assert b.quarantine["reason"].tolist() == [
        f"{f}, line 3: field 'id' is '5.37E+15'; expected the weibo id as digits (Excel turns 16-digit "
        "ids into numbers like 5.37E+15: weibo-search issue #207)",
        f"{f}, line 4: field '发布时间' is ''; expected a time like '2026-11-13 10:00'",
        f"{f}, line 5: field 'retweet_id' is '5.37E+15'; expected empty or the reposted weibo's id as "
        "digits (weibo-search issue #207)",
        f"{f}, line 6: field '发布时间' is ''; expected a time like '2026-11-13 10:00'",
    ]


def test_old_header_tab_ids_and_not_an_export(tmp_path):
    old = (
        "id,bid,user_id,用户昵称,微博正文,发布位置,艾特用户,话题,转发数,评论数,点赞数,发布时间,发布工具,"
        "微博图片url,微博视频url,retweet_id\r\n\t77,b,\t9,甲,你好,,,,1,2,3,2020-01-02 03:04,,,,\r\n"
    )
    b = parse_weibo_search(old, "old.csv")
    assert b.row_keys == ["77"] and b.posts.loc[0, "user_id"] == "9"
    assert b.users.loc[0, "verified"] is pd.NA or pd.isna(b.users.loc[0, "verified"])
    f = tmp_path / "x.csv"
    f.write_text("a,b\r\n1,2\r\n", encoding="utf-8")
    q = read_weibo_search(f)
    assert q.rows_read == 1 and "not a weibo-search result CSV" in q.quarantine.loc[0, "reason"]
    f.write_bytes(b"")
    assert read_weibo_search(f).rows_read == 0


def test_sniffing():
    assert sniff_weibo_search(CSV, CSV.read_text(encoding="utf-8-sig")[:4000])
    assert sniff_weibo_search(CSV, "\ufeffid,bid,user_id,用户昵称,微博正文,头条文章url\r\n")
    assert not sniff_weibo_search(CSV, "id,bid,正文,头条文章url\r\n")


def test_loading_twice_into_duckdb_is_idempotent_and_counts_reconcile(tmp_path):
    con = open_warehouse(tmp_path / "w.duckdb")
    try:

        def counts():
            return {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("posts", "users", "interactions", "quarantine")
            }

        first = load_batch(con, read_weibo_search(CSV))
        assert (first.rows_read, first.loaded, first.duplicates, first.quarantined) == (7, 6, 1, 0)
        # which of the two 4001 rows' counts a single load keeps is the warehouse's choice
        assert con.execute("SELECT reposts, likes FROM posts WHERE post_id = '4001'").fetchone() in {
            (12000, 3),
            (13000, 4),
        }
        before = counts()
        assert before["posts"] == 6 and before["interactions"] == 7
        again = load_batch(con, read_weibo_search(CSV))
        assert (again.loaded, again.duplicates) == (0, 7)
        assert counts() == before
        vt = con.execute("SELECT verified, verified_type FROM users WHERE user_id = '1005'").fetchone()
        assert vt == (True, 7)
    finally:
        con.close()


HEADER = (
    "id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,点赞数,发布时间,"
    "发布工具,微博图片url,微博视频url,retweet_id,ip,user_authentication,会员类型,会员等级"
)
cell = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["1", "2", "2026-01-01 10:00", "@a", "//@b:c", "蓝V", "1.2万", "\n", ","]),
)


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, max_size=24), max_size=6))
def test_parser_never_crashes_on_arbitrary_rows_and_counts_reconcile(rows):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    b = parse_weibo_search(HEADER + "\r\n" + buf.getvalue(), "k.csv")
    assert b.rows_read == len(b.row_keys) + len(b.quarantine)
    e = b.interactions
    assert not (e.src_user.notna() & (e.src_user == e.dst_user)).any()


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_reader_never_crashes_on_arbitrary_bytes(tmp_path_factory, data):
    f = tmp_path_factory.mktemp("b") / "k.csv"
    f.write_bytes(HEADER.encode() + b"\r\n" + data)
    b = read_weibo_search(f)
    assert b.rows_read == len(b.row_keys) + len(b.quarantine)


def test_rows_keep_their_order_around_a_chain_the_python_rules_finish(tmp_path):
    """A chain naming someone in 31+ characters is finished by the Python rules after the SQL
    pass; the rows around it keep the file's order."""
    rows = CSV.read_text(encoding="utf-8-sig").splitlines()
    long = "a//@" + "名" * 31 + ":b//@c:d"
    rows[3] = rows[3].replace("秋冬季宝宝咳嗽怎么办", long)
    path = tmp_path / "k.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    b = read_weibo_search(path)
    assert b.row_keys == ["4001", "5002", "4002", "5003", "5005", "5006", "4001"]
    assert b.posts.loc[2, "text"] == long and b.posts["line"].tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert ("repost", "c", "2003", "4002") in edges(b)  # only "//@c:" is a chain part
