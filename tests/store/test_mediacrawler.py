"""MediaCrawler Weibo / XHS exports: exact records from fixtures written as MediaCrawler writes them
(see fixtures/mediacrawler/make_fixtures.py), old and new schema, three file formats."""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from store.fields import decode_export_bytes
from store.mediacrawler import (
    SQL_MIN_ROWS,
    _head_keys,
    _item_lines,
    _read_csv_fast,
    _read_json_fast,
    _read_jsonl_fast,
    classify_mediacrawler,
    parse_file,
    parse_mediacrawler,
    parse_mediacrawler_rows,
    read_mediacrawler,
    sibling_note_authors,
    sniff_mediacrawler,
)
from store.warehouse import load_batch, open_warehouse

FIX = Path(__file__).parent / "fixtures" / "mediacrawler"
DATA = FIX / "data"
CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 8, 14, 12, 0, tzinfo=CST)

_spec = importlib.util.spec_from_file_location("mc_fixtures", FIX / "make_fixtures.py")
mk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mk)


def h(uid) -> str:
    return mk.anonymize_user_id(uid)


def v(x):
    """A cell as a plain value: missing (NaN / NA / None) → None, numpy ints → int."""
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return None
    return int(x) if hasattr(x, "dtype") and x.dtype.kind in "iu" else x


def edges(batch) -> set[tuple]:
    return {
        (e.kind, v(e.src_user) or v(e.src_name), v(e.dst_user) or v(e.dst_name), v(e.post_id))
        for e in batch.interactions.itertuples()
    }


def posts(batch) -> list[tuple]:
    return [
        tuple(
            v(getattr(p, c))
            for c in (
                "post_id",
                "user_id",
                "created_at",
                "text",
                "repost_of",
                "reply_to",
                "reposts",
                "comments",
                "likes",
                "line",
            )
        )
        for p in batch.posts.itertuples()
    ]


def users(batch) -> list[tuple]:
    return [
        tuple(
            v(getattr(u, c))
            for c in ("user_id", "screen_name", "followers", "following", "description", "gender", "location")
        )
        for u in batch.users.itertuples()
    ]


def reconciles(batch) -> bool:
    return batch.rows_read == len(batch.row_keys) + len(batch.quarantine)


def head(p: Path) -> str:
    return p.read_bytes()[:4096].decode("utf-8", "replace")


# --- telling the files apart -------------------------------------------------------------------


def test_every_fixture_export_is_sniffed_and_nothing_else():
    exports = sorted(p for p in DATA.rglob("*.*") if p.name != "notes.csv")
    assert len(exports) == 12
    assert all(sniff_mediacrawler(p, head(p)) for p in exports)
    assert not sniff_mediacrawler(DATA / "weibo/csv/notes.csv", head(DATA / "weibo/csv/notes.csv"))
    api = '{"id": 1, "idstr": "1", "created_at": "Fri Mar 31 23:47:24 +0800 2017", "text": "x"}'
    assert not sniff_mediacrawler(Path("statuses.jsonl"), api)
    douyin = '{"aweme_id": "1", "note_id": "1", "desc": "x", "create_time": 1, "user_id": "2"}'
    assert not sniff_mediacrawler(Path("data/douyin/jsonl/search_contents_2026-08-14.jsonl"), douyin)
    # a head cut inside the first object of a JSON array: the name and the folder decide
    assert sniff_mediacrawler(Path("data/xhs/json/search_comments_2026-08-14.json"), '[\n    {\n  "comm')


def test_classify_from_keys_then_path():
    assert classify_mediacrawler(["comment_id", "note_id", "create_date_time"]) == ("weibo", "comments")
    assert classify_mediacrawler(["note_id", "desc", "time", "creator_hash"]) == ("xhs", "contents")
    assert classify_mediacrawler(["user_id", "fans", "follows", "interaction"]) == ("xhs", "creators")
    assert classify_mediacrawler(["user_id", "fans", "follows"], "data/xhs/csv/x.csv") == ("xhs", "creators")
    assert classify_mediacrawler(["user_id", "fans", "follows"]) == ("weibo", "creators")
    assert classify_mediacrawler(["id", "text", "created_at"]) is None


# --- Weibo, old schema -------------------------------------------------------------------------


def test_weibo_old_contents_jsonl_exact():
    b = read_mediacrawler(DATA / "weibo/jsonl/search_contents_2026-08-14.jsonl")
    assert b.platform == "weibo" and b.quarantine.empty and reconciles(b)
    assert b.row_keys == ["5012000000000001", "5012000000000002", "5012000000000001"]
    assert posts(b) == [
        (
            "5012000000000001",
            "1001",
            T0,
            "宝宝今天会走路了 @小红 #育儿#",
            None,
            None,
            1_000_000,
            3,
            12_000,
            1,
        ),
        (
            "5012000000000002",
            "1002",
            T0 + timedelta(minutes=1),
            "太真实了//@小明:我家也是//@阿花:宝宝今天会走路了",
            None,
            None,
            0,
            0,
            0,
            2,
        ),
        (
            "5012000000000001",
            "1001",
            T0,
            "宝宝今天会走路了 @小红 #育儿#",
            None,
            None,
            1_000_000,
            4,
            13_000,
            3,
        ),
    ]
    assert all(isinstance(p, str) for p in b.posts["post_id"])
    assert str(b.posts["created_at"].dt.tz) == "UTC"
    assert users(b)[:2] == [
        ("1001", "阿花", None, None, None, "f", "北京"),
        ("1002", "小红", None, None, None, "f", "北京"),
    ]
    # a repost carries only its //@ chain: C1 → reposter, C2 → C1; no repost_of, no invented post
    assert edges(b) == {
        ("mention", "1001", "小红", "5012000000000001"),
        ("repost", "小明", "1002", "5012000000000002"),
        ("repost", "阿花", "小明", "5012000000000002"),
    }


def test_weibo_old_comments_edges_use_sibling_contents_and_parents():
    f = DATA / "weibo/jsonl/search_comments_2026-08-14.jsonl"
    b = read_mediacrawler(f)
    assert reconciles(b) and b.quarantine.empty
    n1 = "5012000000000001"
    assert [(p[0], p[1], p[5], p[9]) for p in posts(b)] == [
        ("6000000000000001", "1002", n1, 1),
        ("6000000000000002", "1003", n1, 2),
        ("6000000000000003", "1001", n1, 3),
        ("6000000000000004", "1004", "5012000000000999", 4),
    ]
    assert edges(b) == {
        ("comment", "1001", "1002", n1),  # note author → commenter
        ("comment", "1001", "1003", n1),
        ("comment", "1002", "1003", n1),  # "回复@小红:" → 小红's comment → replier
        ("mention", "1003", "阿花", n1),  # the reply's own words
        ("comment", "1002", "1001", n1),  # reply to the root comment (rootid) → its author
    }  # no 1001 → 1001 self-loop; note 999 unknown: no edge
    alone = read_mediacrawler(f, siblings=False)
    assert edges(alone) == {e for e in edges(b) if e[1] != "1001"}
    assert sibling_note_authors(f)[n1] == "1001"
    given_authors = read_mediacrawler(f, siblings=False, note_authors={"5012000000000999": "1009"})
    assert ("comment", "1009", "1004", "5012000000000999") in edges(given_authors)


def test_weibo_creators_json_are_profiles():
    b = read_mediacrawler(DATA / "weibo/json/creator_creators_2026-06-01.json")
    assert b.posts.empty and b.interactions.empty and reconciles(b)
    assert b.row_keys == ["user:1001", "user:1005"]
    assert users(b) == [
        ("1001", "阿花", 12_000, 200, "两个娃的妈", "f", "北京"),
        ("1005", "大V", 500, 10, None, "m", None),
    ]
    assert b.users["seen_at"].iloc[0] == pd.Timestamp(mk.MODIFY, unit="ms", tz="UTC")


# --- Weibo, new schema (creator_hash, masked nicknames), CSV with BOM ---------------------------


def test_weibo_new_schema_csv_with_bom_and_multiline_cells():
    f = DATA / "weibo/csv/search_contents_2026-08-14.csv"
    assert f.read_bytes().startswith(b"\xef\xbb\xbfnote_id,")
    b = read_mediacrawler(f)
    assert b.quarantine.empty and reconciles(b)
    assert posts(b) == [
        (
            "5012000000000003",
            h(2001),
            T0 + timedelta(seconds=1000),
            "今天带娃去公园 @小红",
            None,
            None,
            0,
            2,
            5,
            2,
        ),
        (
            "5012000000000004",
            h(2002),
            T0 + timedelta(seconds=2000),
            '第一行\n第二行，有逗号, and "quotes"',
            None,
            None,
            0,
            0,
            0,
            3,
        ),
        (
            "5012000000000005",
            h(2003),
            T0 + timedelta(seconds=3000),
            "转发//@多多夜:今天带娃去公园",
            None,
            None,
            0,
            0,
            0,
            5,
        ),  # the cell above spans two lines
    ]
    # masked nicknames are kept for display, never used as names to resolve
    assert users(b) == [
        (h(2001), "多***夜", None, None, None, None, None),
        (h(2002), "王***六", None, None, None, None, None),
        (h(2003), "李*", None, None, None, None, None),
    ]
    assert edges(b) == {
        ("mention", h(2001), "小红", "5012000000000003"),
        ("repost", "多多夜", h(2003), "5012000000000005"),
    }


def test_weibo_new_schema_comment_reply_matches_masked_parent():
    b = read_mediacrawler(DATA / "weibo/csv/search_comments_2026-08-14.csv")
    n3 = "5012000000000003"
    assert [(p[0], p[1], p[5]) for p in posts(b)] == [
        ("6000000000000010", h(2002), n3),
        ("6000000000000011", h(2001), n3),
    ]
    # "回复@王五六:" and the parent's masked nickname "王***六" agree: the parent's author replied to
    assert edges(b) == {("comment", h(2001), h(2002), n3), ("comment", h(2002), h(2001), n3)}


def test_same_items_read_alike_from_jsonl_json_and_csv(tmp_path):
    # every item with the same keys: csv.DictWriter writes each row in its own item's key order
    items = [
        mk.weibo_note_old("5012000000000001", 1001, "阿花", 'a,"b"\n@小红 c', mk.T0, "1.2万")
        | {"creator_hash": ""},
        mk.weibo_note_new("5012000000000002", 2001, "多多夜", "//@阿花:好", mk.T0 + 5),
    ]
    items[1] = {k: items[1].get(k, "") for k in items[0]} | {"user_id": "", "creator_hash": h(2001)}
    mk.write_jsonl(tmp_path / "weibo/jsonl/search_contents_2026-08-14.jsonl", items)
    mk.write_json(tmp_path / "weibo/json/search_contents_2026-08-14.json", items)
    mk.write_csv(tmp_path / "weibo/csv/search_contents_2026-08-14.csv", items)
    batches = [
        read_mediacrawler(tmp_path / f"weibo/{x}/search_contents_2026-08-14.{x}")
        for x in ("jsonl", "json", "csv")
    ]
    cols = ["post_id", "user_id", "created_at", "text", "reposts", "comments", "likes"]
    for b in batches:
        assert b.quarantine.empty and reconciles(b)
        pd.testing.assert_frame_equal(b.posts[cols], batches[0].posts[cols])
        pd.testing.assert_frame_equal(b.users, batches[0].users)
        assert edges(b) == edges(batches[0])
    assert [b.posts["line"].tolist() for b in batches] == [[1, 2], [2, 21], [2, 4]]


# --- Xiaohongshu ---------------------------------------------------------------------------------


def test_xhs_new_schema_notes_and_comments():
    notes = read_mediacrawler(DATA / "xhs/jsonl/search_contents_2026-08-14.jsonl")
    author = h("5f0000000000000000000001")
    assert notes.platform == "xhs" and reconciles(notes)
    assert posts(notes) == [
        (
            "65a1b2c3d4e5f60718293a4b",
            author,
            T0,
            "宝宝辅食分享\n第一次做南瓜泥 #辅食[话题]# #育儿[话题]# @小红薯",
            None,
            None,
            100_000,
            45,
            12_000,
            1,
        )
    ]
    assert edges(notes) == {("mention", author, "小红薯", "65a1b2c3d4e5f60718293a4b")}
    comments = read_mediacrawler(DATA / "xhs/jsonl/search_comments_2026-08-14.jsonl")
    asker = h("5f0000000000000000000002")
    assert [(p[0], p[1], p[2], p[5]) for p in posts(comments)] == [
        ("65b000000000000000000001", asker, T0 + timedelta(seconds=5), "65a1b2c3d4e5f60718293a4b"),
        ("65b000000000000000000002", author, T0 + timedelta(seconds=9), "65a1b2c3d4e5f60718293a4b"),
    ]
    # note author → asker; the author's reply (parent_comment_id) → asker → author
    assert edges(comments) == {
        ("comment", author, asker, "65a1b2c3d4e5f60718293a4b"),
        ("comment", asker, author, "65a1b2c3d4e5f60718293a4b"),
    }


def test_xhs_old_schema_json_notes_and_csv_creators():
    b = read_mediacrawler(DATA / "xhs/json/search_contents_2026-06-01.json")
    assert posts(b) == [
        (
            "65a1b2c3d4e5f60718293a4c",
            "5f0000000000000000000003",
            T0,
            "带娃日常 #日常[话题]#",
            None,
            None,
            100_000,
            45,
            12_000,
            2,
        )
    ]
    assert users(b) == [("5f0000000000000000000003", "小米粥", None, None, None, None, "广东")]
    c = read_mediacrawler(DATA / "xhs/csv/creator_creators_2026-06-01.csv")
    assert c.platform == "xhs" and c.row_keys == ["user:5f0000000000000000000003"]
    assert users(c) == [("5f0000000000000000000003", "小米粥", 100_000, 12, "记录带娃", "f", "上海")]


# --- damaged files -------------------------------------------------------------------------------


def test_damaged_jsonl_rows_are_quarantined_with_line_and_reason():
    f = DATA / "weibo/jsonl/search_contents_2026-08-15.jsonl"
    b = read_mediacrawler(f)
    assert b.row_keys == ["5012000000000006"] and b.rows_read == 6
    q = b.quarantine
    assert q["line"].tolist() == [2, 3, 4, 5, 6]
    reasons = q["reason"].tolist()
    assert reasons[0] == (
        f"{f}, line 2: field 'create_time' is missing or unreadable; expected unix "
        "seconds, e.g. 1700000000, or 'create_date_time' like '2026-08-14 12:00:00+08:00'"
    )
    assert "field 'note_id' is 5012000000000008.0, a number" in reasons[1]
    assert reasons[2].endswith("field 'note_id' is missing; expected the note id")
    assert "expected a JSON object" in reasons[3]
    assert "line 6: not valid JSON" in reasons[4] and "cut short" in reasons[4]
    assert q["raw"].iloc[4] == f.read_text(encoding="utf-8").split("\n")[5]


def test_truncated_json_array_keeps_the_complete_items():
    b = read_mediacrawler(DATA / "weibo/json/search_comments_2026-08-15.json")
    assert b.row_keys == ["6000000000000001"] and len(b.quarantine) == 1 and reconciles(b)
    assert b.quarantine["line"].iloc[0] == 19
    assert "not valid JSON from here on" in b.quarantine["reason"].iloc[0]


def test_excel_saved_gb18030_csv_with_scientific_ids_and_a_short_row():
    f = DATA / "weibo/csv/search_contents_2026-08-16.csv"
    b = read_mediacrawler(f)
    assert b.row_keys == ["5012000000000009"] and b.posts["text"].tolist() == ["用Excel打开过"]
    assert b.quarantine["line"].tolist() == [3, 4]
    assert "field 'note_id' is '5.01E+15', a number (Excel rewrites long ids" in b.quarantine["reason"][0]
    assert b.quarantine["reason"][1].endswith(
        "line 4: has 2 cells; expected 16 like the header "
        "(note_id, content, create_time, create_date_time, …)"
    )


def test_scientific_ids_in_a_clean_csv_take_the_fast_path_too(tmp_path):
    p = tmp_path / "weibo/csv/search_contents_2026-08-14.csv"
    item = mk.weibo_note_old("5012000000000001", 1001, "阿花", "x", mk.T0)
    mk.write_csv(p, [item, {**item, "note_id": "5.012E+15"}, {**item, "user_id": "1.001E+3"}])
    b = read_mediacrawler(p)
    assert b.row_keys == ["5012000000000001"] and b.quarantine["line"].tolist() == [3, 4]
    assert "field 'user_id' is '1.001E+3'" in b.quarantine["reason"][1]


def test_not_an_export_is_one_entry_and_empty_files_are_fine(tmp_path):
    b = read_mediacrawler(DATA / "weibo/csv/notes.csv")
    assert len(b.quarantine) == 1 and b.rows_read == 1 and b.quarantine["line"][0] == 0
    assert "does not look like a MediaCrawler Weibo/XHS export" in b.quarantine["reason"][0]
    for name in (
        "search_contents_2026-08-14.jsonl",
        "search_comments_2026-08-14.json",
        "search_contents_2026-08-14.csv",
    ):
        (tmp_path / name).write_bytes(b"")
        assert read_mediacrawler(tmp_path / name).rows_read == 0
    dy = tmp_path / "douyin/jsonl/search_contents_2026-08-14.jsonl"
    dy.parent.mkdir(parents=True)
    dy.write_text('{"aweme_id": "1", "desc": "x", "create_time": 1, "user_id": "2"}\n', encoding="utf-8")
    b = read_mediacrawler(dy)
    assert len(b.quarantine) == 1 and "douyin" in b.quarantine["reason"][0]
    binary = tmp_path / "search_contents_2026-08-14.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert read_mediacrawler(binary).rows_read == 1


def test_parse_rows_and_text_entry_points():
    rows = [mk.xhs_comment("c1", "n1", "u1", "甲乙丙", "hi", mk.T0 * 1000, 0, True)]
    b = parse_mediacrawler_rows(rows, "mongo:xhs_comments")
    assert b.platform == "xhs" and b.posts["reply_to"].tolist() == ["n1"]
    text = json.dumps(rows[0], ensure_ascii=False)
    assert parse_mediacrawler(text, "x.jsonl").posts["post_id"].tolist() == ["c1"]


# --- into the warehouse --------------------------------------------------------------------------


@pytest.mark.slow
def test_every_fixture_loads_twice_idempotently_and_counts_reconcile(tmp_path):
    con = open_warehouse(tmp_path / "w.duckdb")
    files = sorted(DATA.rglob("*.*"))

    def snapshot():
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("posts", "users", "interactions", "quarantine")
        }

    first = [load_batch(con, read_mediacrawler(f)) for f in files]
    for r in first:
        assert r.rows_read == r.loaded + r.duplicates + r.quarantined
    after_first = snapshot()
    assert after_first["posts"] == 17 and after_first["quarantine"] == 9
    second = [load_batch(con, read_mediacrawler(f)) for f in files]
    assert snapshot() == after_first
    for r in second:
        assert r.rows_read == r.loaded + r.duplicates + r.quarantined
        assert r.posts_added == r.users_added == r.interactions_added == 0
        # creator rows stand for users ("user:<id>"), which the warehouse does not count yet
        assert r.loaded == 0 or "creators" in r.source
    # real names resolve (小红 → 1002); masked nicknames never do, and real names never resolve
    # to a hashed user: the chain name 多多夜 stays a placeholder
    got = set(con.execute("SELECT src_user, dst_user, kind FROM interactions").fetchall())
    assert ("1001", "1002", "mention") in got
    assert ("@多多夜", h(2003), "repost") in got
    assert not con.execute(
        "SELECT count(*) FROM users WHERE placeholder AND screen_name LIKE '%*%'"
    ).fetchone()[0]
    assert con.execute("SELECT count(*) FROM interactions WHERE src_user = dst_user").fetchone()[0] == 0
    assert con.execute("SELECT followers FROM users WHERE user_id = '1001'").fetchone()[0] == 12_000
    xhs = con.execute("SELECT count(*) FROM posts WHERE platform = 'xhs'").fetchone()[0]
    assert xhs == 4
    con.close()


# --- never crash, always reconcile ---------------------------------------------------------------

_KEYS = [
    "note_id",
    "comment_id",
    "content",
    "desc",
    "title",
    "time",
    "create_time",
    "create_date_time",
    "user_id",
    "creator_hash",
    "nickname",
    "parent_comment_id",
    "liked_count",
    "fans",
    "follows",
    "like_count",
    "comment_like_count",
    "last_modify_ts",
    "gender",
    "ip_location",
    "interaction",
]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(
        ["1.2万", "10万+", "5.01E+15", "0", "", "2026-08-14 12:00:00+08:00", "回复@甲:x", "a//@b:c @d"]
    ),
    st.lists(st.integers(), max_size=2),
)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=10), max_size=8),
    st.sampled_from(["jsonl", "json", "csv"]),
)
def test_arbitrary_records_never_crash_and_reconcile(rows, fmt):
    if fmt == "jsonl":
        text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    elif fmt == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=4)
    else:
        keys = list(dict.fromkeys(k for r in rows for k in r))
        import csv
        import io

        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in keys})
        text = out.getvalue() if keys else ""
    b = parse_mediacrawler(text, f"data/weibo/{fmt}/search_contents_2026-08-14.{fmt}")
    assert reconciles(b)
    whole_file = b.quarantine["line"].eq(0).any()
    if fmt != "csv" and not whole_file:
        assert b.rows_read == len(rows)  # every record is loaded or quarantined, once
    assert not (
        b.interactions["src_user"].notna() & (b.interactions["src_user"] == b.interactions["dst_user"])
    ).any()


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(
    st.binary(max_size=300),
    st.sampled_from(["jsonl", "json", "csv"]),
    st.sampled_from(["contents", "comments", "creators"]),
)
@example(b"\x00", "json", "contents")  # only NULs
@example(b"\n\x01", "json", "contents")  # a blank first line, then a non-blank one (CI found it)
@example(b"\n\x01", "csv", "comments")
@example(b"\r\x01", "json", "contents")  # a carriage return the csv module will not read
@example(b"[]\x00", "json", "contents")  # text after the closing bracket
def test_arbitrary_bytes_never_crash(tmp_path_factory, data, ext, kind):
    d = tmp_path_factory.mktemp("mc") / "xhs" / ext
    d.mkdir(parents=True)
    p = d / f"search_{kind}_2026-08-14.{ext}"
    p.write_bytes(data)
    b = read_mediacrawler(p)
    assert reconciles(b)
    try:
        text = decode_export_bytes(data)[0].strip()
    except ValueError:
        text = "?"
    blank = not text or re.fullmatch(r"\[\s*\]", text) is not None  # or an empty array
    assert b.rows_read >= (0 if blank else 1)  # something there: rows, or one quarantine entry


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"])
def test_every_row_is_counted_once(tmp_path, prefix):
    p = tmp_path / "weibo/jsonl/search_comments_2026-08-14.jsonl"
    p.parent.mkdir(parents=True)
    good = json.dumps(mk.weibo_comment_old("1", "2", 3, "甲", "x", mk.T0, ""), ensure_ascii=False)
    p.write_bytes(prefix + "\n".join([good, "", good, "{", good.replace('"1"', "1.5", 1)]).encode())
    b = read_mediacrawler(p)
    assert (b.rows_read, len(b.row_keys), len(b.quarantine)) == (4, 2, 2)


def test_large_jsonl_fast_path_matches_the_exact_path(tmp_path):
    """Files over 64 KB go through DuckDB's reader; the result is the same as line by line."""
    p = tmp_path / "weibo/jsonl/search_contents_2026-08-14.jsonl"
    items = [
        mk.weibo_note_old(
            str(5012000000000000 + i),
            1000 + i % 7,
            f"用户{i % 7}",
            f"第{i}条 //@用户{(i + 1) % 7}:好 @用户{(i + 2) % 7}",
            mk.T0 + i,
            "1.2万",
        )
        for i in range(300)
    ]
    items[5] = {**items[5], "create_time": "soon", "create_date_time": ""}
    mk.write_jsonl(p, items)
    with open(p, "a", encoding="utf-8") as f:
        f.write(json.dumps({**items[0], "note_id": 5.012e15}) + "\n")
    fast = read_mediacrawler(p, siblings=False)
    exact = parse_mediacrawler(p.read_text(encoding="utf-8"), str(p))
    assert p.stat().st_size > 1 << 16 and fast.rows_read == exact.rows_read == 301
    for frame in ("posts", "users", "interactions"):
        pd.testing.assert_frame_equal(getattr(fast, frame), getattr(exact, frame))
    assert fast.quarantine["line"].tolist() == exact.quarantine["line"].tolist() == [6, 301]
    assert fast.row_keys == exact.row_keys
    with open(p, "a", encoding="utf-8") as f:  # a blank line: line numbers must still be right
        f.write("\n" + json.dumps({**items[1], "note_id": ""}) + "\n")
    again = read_mediacrawler(p, siblings=False)
    assert again.quarantine["line"].tolist() == [6, 301, 303] and again.rows_read == 302


@pytest.mark.slow
@pytest.mark.parametrize("blank_lines", [0, 5])
@pytest.mark.parametrize("two_line_cell", [False, True])
def test_large_csv_rows_keep_their_line_numbers(tmp_path, blank_lines, two_line_cell):
    """Arrow reads large CSV files and skips blank lines; the line of each row (and so of each
    quarantined row) is still the file's, as the csv module counts them."""
    p = tmp_path / "weibo/csv/search_contents_2026-08-14.csv"
    p.parent.mkdir(parents=True)
    items = [
        mk.weibo_note_old(str(100 + i), 9, "甲", "好\n好" if i == 10 and two_line_cell else "好", mk.T0 + i)
        for i in range(3000)
    ]
    items[2500]["note_id"] = ""
    mk.write_csv(p, items)
    p.write_bytes(p.read_bytes().replace(b"\r\n", b"\r\n\r\n", blank_lines))  # near the top
    fast = read_mediacrawler(p)
    exact = parse_mediacrawler(p.read_text(encoding="utf-8-sig"), str(p))
    assert p.stat().st_size > 1 << 16
    assert (
        fast.quarantine["line"].tolist()
        == exact.quarantine["line"].tolist()
        == [2502 + two_line_cell + blank_lines]
    )  # after the header and 2,500 rows
    assert fast.posts["line"].tolist() == exact.posts["line"].tolist()


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["好", "@甲", "@乙 ", "//@丙:", "//@甲：", " //", "@", ":", "x"]), max_size=10)
)
def test_text_edges_agree_with_the_shared_field_parsers(parts):
    from store.fields import own_mentions, repost_chain_names

    text = "".join(parts)
    item = mk.weibo_note_old("1", 9, "我", text, mk.T0)
    b = parse_mediacrawler(
        json.dumps(item, ensure_ascii=False), "data/weibo/jsonl/x_contents_2026-08-14.jsonl"
    )
    _, chain = repost_chain_names(text)
    want = {("mention", "9", n, "1") for n in own_mentions(text) if n != "我"}
    if chain and chain[0] != "我":
        want.add(("repost", chain[0], "9", "1"))
    want |= {("repost", a, c, "1") for a, c in zip(chain[1:], chain, strict=False) if a != c}
    assert edges(b) == want


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["\n", "\r\n", "    ", " ", "{", "[", '"', "7", "t", "n", "-", "x", "宝", "😀", "\t", "]", ","]
        ),
        max_size=40,
    ).map("".join)
)
def test_json_item_lines_match_the_item_pattern(text):
    """The numpy search for the lines that start an item of an indent=4 JSON array finds what
    the pattern ``^    [{["0-9tfn-]`` finds, on any text (multi-byte characters included)."""
    expected = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"^    [\{\[\"0-9tfn-]", text, re.M)]
    assert _item_lines(text).tolist() == expected
    assert _item_lines(text, ("\ufeff" + text).encode("utf-8")).tolist() == expected  # the file's bytes


# --- the SQL path for large clean Weibo files (store.mediacrawler_sql) -------------------------


def _arrow_rows(path: Path):
    """The rows of an export read as Arrow text columns, as large files are (JSON lines through
    DuckDB, CSV through Arrow); None when the fast readers refuse the file."""
    data = path.read_bytes()
    if path.suffix == ".jsonl":
        return _read_jsonl_fast(path, data, str(path))
    return _read_csv_fast(data, _head_keys(data[:65536].decode("utf-8-sig", "ignore")), str(path))


def _same(a, b) -> None:
    """Both batches hold the same rows (times compared as instants)."""

    def norm(df):
        df = df.copy()
        for c in ("created_at", "seen_at"):
            if c in df:
                df[c] = df[c].astype("datetime64[ns, UTC]")
        return df

    for name in ("posts", "users", "interactions", "quarantine"):
        pd.testing.assert_frame_equal(norm(getattr(a, name)), norm(getattr(b, name)))
    assert a.row_keys == b.row_keys and a.rows_read == b.rows_read


def _by_both_engines(path: Path, note_authors=None):
    rows = _arrow_rows(path)
    assert rows is not None, path
    authors = note_authors if note_authors is not None else sibling_note_authors(path)
    sql = parse_file(rows, note_authors=authors, engine="sql")
    reference = parse_file(rows, note_authors=authors, engine="python")
    return sql, reference


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "weibo/jsonl/search_contents_2026-08-14.jsonl",
        "weibo/jsonl/search_comments_2026-08-14.jsonl",
        "weibo/csv/search_contents_2026-08-14.csv",
        "weibo/csv/search_comments_2026-08-14.csv",
        "xhs/jsonl/search_contents_2026-08-14.jsonl",
        "xhs/jsonl/search_comments_2026-08-14.jsonl",
    ],
)
def test_sql_path_gives_the_reference_batch_on_the_fixtures(name):
    sql, reference = _by_both_engines(DATA / name)
    _same(sql, reference)


def test_a_clean_large_file_takes_the_sql_path_and_a_dirty_one_the_reference(tmp_path):
    p = tmp_path / "weibo/jsonl/search_comments_2026-08-14.jsonl"
    items = [
        mk.weibo_comment_old(
            str(6000 + i),
            "5012",
            1000 + i % 9,
            f"用户{i % 9}",
            f"回复@用户{(i + 1) % 9}:好 @用户{(i + 2) % 9}",
            mk.T0 + i,
            str(6000 + i - i % 3),
        )
        for i in range(SQL_MIN_ROWS)
    ]
    mk.write_jsonl(p, items)
    b = read_mediacrawler(p, note_authors={"5012": "1000"})
    assert isinstance(b.table("posts"), pa.Table)  # what the SQL path hands over
    _same(b, read_mediacrawler(p, note_authors={"5012": "1000"}, engine="python"))
    items[7]["create_time"] = "soon"  # read from create_date_time, by the reference only
    items[9]["comment_id"] = ""  # and one row to quarantine: the whole file goes to the reference
    mk.write_jsonl(p.with_name("search_comments_2026-08-15.jsonl"), items)
    dirty = read_mediacrawler(p.with_name("search_comments_2026-08-15.jsonl"))
    assert isinstance(dirty.table("posts"), pd.DataFrame)
    assert dirty.quarantine["line"].tolist() == [10] and len(dirty.row_keys) == SQL_MIN_ROWS - 1
    assert dirty.posts.loc[7, "created_at"] == pd.Timestamp(mk.T0 + 7, unit="s", tz="UTC")


def test_sql_path_on_hand_made_hard_rows(tmp_path):
    """Rows chosen to hit each rule of the SQL path once; the edges are checked by hand too."""
    notes = tmp_path / "search_contents_2026-08-14.jsonl"
    _write(
        notes,
        [
            {
                "note_id": "1",
                "content": "好 @丙 @丙 @阿花//@甲：//@甲：//@乙:x @丁",
                "create_time": "1786680000",
                "liked_count": "1.13万",
                "comments_count": "2.5",
                "shared_count": "10万+",
                "last_modify_ts": "0",
                "user_id": "100",
                "nickname": "阿花",
                "gender": "女",
                "ip_location": "发布于 上海",
            },
            {
                "note_id": "2",
                "content": "@乙//@丙:y",
                "create_time": "1786680000123",
                "user_id": "200",
                "nickname": "",
                "ip_location": "\t湖北\n",
            },
        ],
    )
    sql, reference = _by_both_engines(notes, {})
    assert isinstance(sql.table("posts"), pa.Table)
    _same(sql, reference)
    assert edges(sql) == {
        ("repost", "甲", "100", "1"),
        ("repost", "乙", "甲", "1"),
        ("mention", "100", "丙", "1"),
        ("repost", "丙", "200", "2"),
        ("mention", "200", "乙", "2"),
    }
    # floor(1.13 × 10000.0 = 11299.999999999998), as the reference computes it
    assert sql.posts["likes"].tolist() == [11299, pd.NA] and sql.posts["comments"][0] == 2
    assert sql.users["location"].tolist() == ["上海", "湖北"]
    assert sql.users["seen_at"].tolist() == sql.posts["created_at"].tolist()  # 0 is no time
    long = notes.with_name("search_contents_2026-08-15.jsonl")
    _write(
        long, [{"note_id": "3", "content": "//@" + "长" * 31 + ":y", "create_time": "1", "user_id": "200"}]
    )
    sql, reference = _by_both_engines(long, {})  # a chain name beyond 30 characters:
    assert isinstance(sql.table("posts"), pd.DataFrame)  # the reference reads the file
    _same(sql, reference)
    comments = tmp_path / "search_comments_2026-08-14.jsonl"

    def comment(cid, note, text, parent, uid, name, t):
        return {
            "comment_id": cid,
            "note_id": note,
            "content": text,
            "create_time": str(1786680000 + t),
            "comment_like_count": "0",
            "parent_comment_id": parent,
            "user_id": uid,
            "nickname": name,
        }

    _write(
        comments,
        [
            comment("c1", "1", "顶", "c1", "300", "多***夜", 0),
            comment("c2", "1", "回复@多多夜:对 @阿花", "c1", "400", "丁", 1),
            comment("c3", "1", "回复@丁:嗯 @阿花//@戊:z @己", "c1", "100", "阿花", 2),
            comment("c4", "9", "回复@庚:哦", "0", "500", "辛", 3),
            comment("0", "9", "", "", "600", "壬", 4),
            comment("c5", "9", "好", "0", "700", "甲", 5),
            comment("c6", "1", "回复@丁:是", "c2", "900", "癸", 6),
            comment("c7", "9", "我也是", "", "800", "丁", 7),
        ],
    )
    sql, reference = _by_both_engines(comments)  # note 1's author (100) from the contents beside it
    assert isinstance(sql.table("posts"), pa.Table)
    _same(sql, reference)
    assert edges(sql) == {
        ("comment", "100", "300", "1"),
        ("comment", "100", "400", "1"),  # note author → commenter
        ("comment", "300", "400", "1"),  # 回复@多多夜 is the masked parent's author
        ("comment", "800", "100", "1"),  # 回复@丁 names a known user (the last 丁), not the parent
        ("comment", "庚", "500", "9"),  # an unknown name
        ("comment", "100", "900", "1"),
        ("comment", "400", "900", "1"),  # the parent's 丁 itself
        ("mention", "400", "阿花", "1"),
    }  # not @阿花 by 阿花 herself; @己 is in the chain


_JSON_CHANGES = {
    "as written": (lambda items: items, True),
    "integer times and ids": (
        lambda items: [
            {**i, "create_time": int(i["create_time"]), "note_id": int(i["note_id"])} for i in items
        ],
        True,
    ),
    "a null item": (lambda items: [*items[:5], None, *items[5:]], False),
    "a count as a number among texts": (lambda items: [{**items[0], "liked_count": 12}, *items[1:]], False),
    "a float time": (lambda items: [{**items[0], "create_time": 1786680000.5}, *items[1:]], False),
    "a text that is a number": (lambda items: [*items[:3], {**items[3], "content": 7}, *items[4:]], False),
    "a list for an id": (lambda items: [{**items[0], "note_id": [1]}, *items[1:]], False),
    "genders as numbers": (lambda items: [{**i, "gender": 1} for i in items], False),
    "compact JSON": (None, False),
}


@pytest.mark.slow
@pytest.mark.parametrize("change", list(_JSON_CHANGES))
def test_large_json_array_fast_path_reads_as_the_exact_path(tmp_path, change):
    """Large JSON arrays go through DuckDB (values as text) and SQL when every value has the
    type the rules expect; anything else is read by the exact path; both give the same batch."""
    p = tmp_path / "weibo/json/search_contents_2026-08-14.json"
    items = [
        mk.weibo_note_old(
            str(5012000000000000 + i),
            1000 + i % 7,
            f"用户{i % 7}",
            f"第{i}条 //@用户{(i + 1) % 7}:好 @用户{(i + 2) % 7}",
            mk.T0 + i,
            "1.13万",
        )
        for i in range(400)
    ]
    fn, fast_path = _JSON_CHANGES[change]
    p.parent.mkdir(parents=True)
    if fn is None:
        p.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    else:
        p.write_text(json.dumps(fn(items), ensure_ascii=False, indent=4), encoding="utf-8")
    assert p.stat().st_size > 1 << 16
    fast = read_mediacrawler(p, engine="sql")
    assert isinstance(fast.table("posts"), pa.Table) == fast_path
    exact = parse_mediacrawler(p.read_text(encoding="utf-8"), str(p), engine="python")
    _same(fast, exact)


def test_sql_path_on_hand_made_xhs_rows(tmp_path):
    """XHS: a note's text joins title and desc; no repost chains and no reply prefixes (the
    reference reads those only on Weibo), mentions all the same."""
    notes = tmp_path / "xhs/jsonl/search_contents_2026-08-14.jsonl"
    notes.parent.mkdir(parents=True)

    def note(nid, title, desc, uid):
        return {
            "note_id": nid,
            "title": title,
            "desc": desc,
            "time": "1786680000000",
            "liked_count": "1.2万",
            "comment_count": "3",
            "share_count": "10万+",
            "collected_count": "0",
            "user_id": uid,
            "nickname": f"作者{uid}",
        }

    _write(
        notes,
        [
            note("a1", "辅食", "辅食第一天 @甲", "u1"),
            note("a2", "", "只有正文", "u2"),
            note("a3", "只有标题", "", "u3"),
            note("a4", "标题", "正文//@乙:转 @丙", "u4"),
        ],
    )
    sql, reference = _by_both_engines(notes, {})
    assert isinstance(sql.table("posts"), pa.Table)
    _same(sql, reference)
    assert sql.posts["text"].tolist() == ["辅食第一天 @甲", "只有正文", "只有标题", "标题\n正文//@乙:转 @丙"]
    assert edges(sql) == {("mention", "u1", "甲", "a1")}  # @丙 is after the //@ part; no chain edges
    assert set(sql.posts["platform"]) == set(sql.users["platform"]) == {"xhs"}
    comments = tmp_path / "xhs/jsonl/search_comments_2026-08-14.jsonl"
    _write(
        comments,
        [
            {
                "comment_id": "c1",
                "create_time": "1786680001000",
                "note_id": "a1",
                "content": "好",
                "like_count": "1",
                "pictures": "",
                "parent_comment_id": "0",
                "user_id": "u5",
                "nickname": "戊",
            },
            {
                "comment_id": "c2",
                "create_time": "1786680002000",
                "note_id": "a1",
                "content": "回复@戊:同感 @丁",
                "like_count": "1",
                "pictures": "",
                "parent_comment_id": "c1",
                "user_id": "u6",
                "nickname": "己",
            },
        ],
    )
    sql, reference = _by_both_engines(comments)  # note a1's author (u1) from the notes beside it
    assert isinstance(sql.table("posts"), pa.Table)
    _same(sql, reference)
    assert edges(sql) == {
        ("comment", "u1", "u5", "a1"),
        ("comment", "u1", "u6", "a1"),
        ("comment", "u5", "u6", "a1"),  # the parent comment's author
        ("mention", "u6", "戊", "a1"),
        ("mention", "u6", "丁", "a1"),
    }


def test_large_xhs_json_array_is_read_once_by_the_exact_path(tmp_path):
    """The DuckDB reader of JSON arrays is for what the SQL path takes (Weibo contents and
    comments): an XHS array is not read twice, and reads as the exact path reads it."""
    p = tmp_path / "xhs/json/search_contents_2026-08-14.json"
    p.parent.mkdir(parents=True)
    items = [
        mk.xhs_note(
            f"66a{i:05d}",
            f"5f{i % 9:04d}",
            f"用户{i % 9}",
            f"标题{i}",
            f"正文{i} @用户{i % 5}",
            1786680000000 + i,
            new=False,
        )
        for i in range(200)
    ]
    p.write_text(json.dumps(items, ensure_ascii=False, indent=4), encoding="utf-8")
    assert p.stat().st_size > 1 << 16
    assert _read_json_fast(p, p.read_bytes(), str(p)) is None
    _same(read_mediacrawler(p), parse_mediacrawler(p.read_text(encoding="utf-8"), str(p)))


def test_engine_must_be_known():
    with pytest.raises(ValueError, match=r"engine must be one of 'auto', 'sql', 'python'; got 'rust'"):
        parse_mediacrawler('{"note_id": "1"}', "search_contents_2026-08-14.jsonl", engine="rust")


_SQL_NAMES = ["甲", "乙乙", "丙丙丙", "多***夜", "甲*", "", "a b", "名" * 31, "ｆｕｌｌ", "カナ", None]
_SQL_TEXT = st.lists(
    st.sampled_from(
        [
            "好",
            "@甲",
            "@乙乙 ",
            "//@丙丙丙:",
            "//@甲：",
            " //",
            "@",
            ":",
            "回复@甲:",
            "回复@多多夜:",
            " 回复 @乙乙 ：",
            "回复@" + "名" * 31 + ":",
            "@" + "长" * 31,
            "//@" + "长" * 31 + ":",
            "#话题#",
            "\u3000",
            "x",
            "回复@カナ:",
            "@甲@甲",
        ]
    ),
    max_size=8,
).map("".join)
_CLEAN = {
    "id": st.sampled_from(["1", "2", "3", "4", "a_b-9"]),
    "uid": st.sampled_from(["100", "200", "300", "ab12_-"]),
    "time": st.sampled_from(["1786680000", "1786680000123", "1", "4199999999999"]),
    "count": st.sampled_from(["", "0", "12", "1.2万", "1.15万", "10万+", "3亿", "007", "2.5"]),
    "loc": st.sampled_from(
        [None, "", "北京", "发布于 上海", "来自广东", "IP属地：浙江", " 江苏 ", "IP属地:", "来自", "\t湖北\n"]
    ),
    "gender": st.sampled_from([None, "", "f", "m", "女", "Male", "x"]),
    "seen": st.sampled_from([None, "", "1786700000000", "0", "1786700000"]),
    "parent": st.sampled_from([None, "", "0", "None", "null", "1", "2", "3", "9"]),
}
_DIRTY = {
    "id": st.sampled_from(["1", "2", " 3", "", None, "5.01E+15"]),
    "uid": st.sampled_from(["100", "", None, " 200", "x y"]),
    "time": st.sampled_from(["1786680000", "0", "", "abc", "99999999999999", "1.5", None]),
    "count": st.sampled_from(["", "12", " 5", "1,234", "十", None]),
    "loc": st.sampled_from(["北京", "\u3000海南", "上海\xa0"]),
    "gender": _CLEAN["gender"],
    "seen": st.sampled_from(["", "x", "17867000000000", "1.5e12"]),
    "parent": st.sampled_from(["", "1", " 2", "?"]),
}


def _sql_rows(pick: dict, kind: str, new_schema: bool, platform: str = "weibo"):
    row = st.fixed_dictionaries(
        {
            "id": pick["id"],
            "uid": pick["uid"],
            "name": st.sampled_from(_SQL_NAMES),
            "text": _SQL_TEXT,
            "time": pick["time"],
            "likes": pick["count"],
            "comments": pick["count"],
            "shares": pick["count"],
            "loc": pick["loc"],
            "gender": pick["gender"],
            "seen": pick["seen"],
            "parent": pick["parent"],
            "note": st.sampled_from(["n1", "n2", "n3"]),
            "title": st.sampled_from([None, "", "好", "宝宝辅食", "@甲 的笔记"]),
        }
    )

    def item(r):
        user = (
            {"creator_hash": r["uid"], "nickname": r["name"]}
            if new_schema
            else {"user_id": r["uid"], "nickname": r["name"], "gender": r["gender"], "ip_location": r["loc"]}
        )
        if platform == "xhs" and kind == "contents":
            return {
                "note_id": r["id"],
                "title": r["title"],
                "desc": r["text"],
                "time": r["time"],
                "liked_count": r["likes"],
                "comment_count": r["comments"],
                "share_count": r["shares"],
                "collected_count": "0",
                "last_modify_ts": r["seen"],
                **user,
            }
        if platform == "xhs":
            return {
                "comment_id": r["id"],
                "create_time": r["time"],
                "note_id": r["note"],
                "content": r["text"],
                "sub_comment_count": r["comments"],
                "pictures": "",
                "like_count": r["likes"],
                "last_modify_ts": r["seen"],
                "parent_comment_id": r["parent"],
                **user,
            }
        if kind == "contents":
            return {
                "note_id": r["id"],
                "content": r["text"],
                "create_time": r["time"],
                "liked_count": r["likes"],
                "comments_count": r["comments"],
                "shared_count": r["shares"],
                "last_modify_ts": r["seen"],
                **user,
            }
        return {
            "comment_id": r["id"],
            "create_time": r["time"],
            "note_id": r["note"],
            "content": r["text"],
            "sub_comment_count": r["comments"],
            "comment_like_count": r["likes"],
            "last_modify_ts": r["seen"],
            "parent_comment_id": r["parent"],
            **user,
        }

    return st.lists(row.map(item), min_size=1, max_size=12)


def _write(path: Path, items: list[dict]) -> None:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    else:
        import csv

        with open(path, "w", newline="", encoding="utf-8-sig") as f:
            w = csv.DictWriter(f, fieldnames=list(items[0]))
            w.writeheader()
            w.writerows([{k: "" if x is None else x for k, x in i.items()} for i in items])


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.data(),
    st.sampled_from(["contents", "comments"]),
    st.sampled_from(["jsonl", "csv"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["weibo", "xhs"]),
)
def test_sql_path_gives_the_reference_batch_on_arbitrary_rows(
    tmp_path_factory, data, kind, ext, new_schema, dirty, platform
):
    items = data.draw(_sql_rows(_DIRTY if dirty else _CLEAN, kind, new_schema, platform))
    p = tmp_path_factory.mktemp("mc") / f"search_{kind}_2026-08-14.{ext}"
    _write(p, items)
    sql, reference = _by_both_engines(p, {"n1": "100", "n2": "900"})
    if not dirty:  # nothing to quarantine: the SQL path made this batch (an Arrow table)
        assert isinstance(sql.table("posts"), pa.Table) or "长" * 31 in "".join(
            f"{i.get('content')}{i.get('desc')}" for i in items
        ), items
    _same(sql, reference)
