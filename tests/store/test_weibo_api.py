"""The Weibo API reader: exact records from small hand-written exports."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.readers import UnknownFormatError, detect_format, find_export_files, read_export
from store.weibo_api import (
    parse_weibo_api,
    parse_weibo_datetime,
    read_weibo_api,
    repost_chain_names,
)

CST = timezone(timedelta(hours=8))


def user(uid: int, name: str, **extra) -> dict:
    return {"id": uid, "idstr": str(uid), "screen_name": name, **extra}


def status(
    pid: int, uid: int, name: str, text: str, when: str = "Fri Nov 13 10:00:00 +0800 2026", **extra
) -> dict:
    return {
        "id": pid,
        "idstr": str(pid),
        "mid": str(pid),
        "created_at": when,
        "text": text,
        "user": user(uid, name),
        **extra,
    }


def lines(*objs) -> list[str]:
    return [json.dumps(o, ensure_ascii=False) for o in objs]


def edges(batch) -> set[tuple]:
    df = batch.interactions.astype(object)
    df = df.where(df.notna(), None)
    return {(e.kind, e.src_user or e.src_name, e.dst_user or e.dst_name) for e in df.itertuples()}


def posts(batch) -> list:
    df = batch.posts.astype(object)
    return list(df.where(df.notna(), None).itertuples())


def test_parse_datetime_is_locale_free_and_keeps_the_zone():
    dt = parse_weibo_datetime("Fri Mar 31 23:47:24 +0800 2017")
    assert dt == datetime(2017, 3, 31, 23, 47, 24, tzinfo=CST)
    assert parse_weibo_datetime("2017-03-31 23:47:24").utcoffset() == timedelta(hours=8)
    with pytest.raises(ValueError, match="expected a date like"):
        parse_weibo_datetime("yesterday")


def test_repost_chain_names_split_own_words_from_the_chain():
    assert repost_chain_names("好//@小红:我家也是//@小明 ：哈哈") == ("好", ["小红", "小明"])
    assert repost_chain_names("转发微博") == ("转发微博", [])


def test_original_post_user_and_mentions():
    b = parse_weibo_api(lines(status(5366486905059756, 1, "阿花", "我家宝宝会走路了 @小红 @阿花")), "x.jsonl")
    assert b.rows_read == 1 and b.quarantine.empty
    (p,) = posts(b)
    assert p.post_id == "5366486905059756" and isinstance(p.post_id, str)
    assert p.user_id == "1" and p.repost_of is None
    assert p.created_at == datetime(2026, 11, 13, 10, 0, tzinfo=CST)
    # a self-mention is not an edge
    assert edges(b) == {("mention", "1", "小红")}


def test_repost_chain_gives_edges_along_the_chain():
    root = status(100, 1, "A", "原帖")
    # B reposts C1's repost of C2's repost of A's post.
    rp = status(
        103, 2, "B", "真好//@C1:太对了//@C2:转发", "Fri Nov 13 12:00:00 +0800 2026", retweeted_status=root
    )
    b = parse_weibo_api(lines(rp), "x.jsonl")
    assert [p.post_id for p in posts(b)] == ["103", "100"]
    assert posts(b)[0].repost_of == "100" and not posts(b)[1].from_row
    assert edges(b) == {("repost", "C1", "2"), ("repost", "C2", "C1"), ("repost", "1", "C2")}


def test_plain_repost_gives_author_to_reposter():
    rp = status(101, 2, "B", "转发微博", retweeted_status=status(100, 1, "A", "原帖"))
    assert edges(parse_weibo_api(lines(rp), "x.jsonl")) == {("repost", "1", "2")}


def test_comment_is_a_post_with_reply_to_and_edges_from_author_and_replied():
    c = {
        "id": 900,
        "idstr": "900",
        "created_at": "Fri Nov 13 12:00:00 +0800 2026",
        "text": "回复@C:同意",
        "user": user(4, "D"),
        "status": status(100, 1, "A", "原帖"),
        "reply_comment": {"id": 899, "idstr": "899", "text": "嗯", "user": user(3, "C")},
    }
    b = parse_weibo_api(lines(c), "x.jsonl")
    comment = posts(b)[0]
    assert (comment.post_id, comment.reply_to, comment.user_id) == ("900", "100", "4")
    assert edges(b) == {("comment", "1", "4"), ("comment", "3", "4")}


def test_bad_rows_are_quarantined_with_line_and_field():
    good = status(1, 1, "A", "hi")
    no_date = {k: v for k, v in status(2, 1, "A", "x").items() if k != "created_at"}
    no_user = {k: v for k, v in status(3, 1, "A", "x").items() if k != "user"}
    b = parse_weibo_api([*lines(good), "{oops", *lines(no_date, no_user), ""], "f.jsonl")
    assert b.rows_read == 4 and len(b.row_keys) == 1
    reasons = b.quarantine["reason"].tolist()
    assert reasons[0].startswith("f.jsonl, line 2: not valid JSON")
    assert "line 3: field 'created_at' is missing" in reasons[1]
    assert "line 4: field 'user' must be an object" in reasons[2]
    assert b.quarantine.loc[0, "raw"] == "{oops"
    assert len(b.posts) == 1  # a bad row leaves nothing behind


def test_counts_like_wan_are_numbers():
    s = status(1, 1, "A", "x", reposts_count="1.2万", comments_count="100万+", attitudes_count=3)
    p = posts(parse_weibo_api(lines(s), "x"))[0]
    assert (p.reposts, p.comments, p.likes) == (12000, 1000000, 3)


def test_read_gzip_and_statuses_document(tmp_path):
    objs = [status(1, 1, "A", "x"), status(2, 2, "B", "y")]
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines(*objs)))
    assert read_weibo_api(gz).posts["post_id"].tolist() == ["1", "2"]
    doc = tmp_path / "b.json"
    doc.write_text(json.dumps({"statuses": objs}, ensure_ascii=False, indent=2), encoding="utf-8")
    assert read_export(doc).rows_read == 2
    bom = tmp_path / "c.jsonl"
    bom.write_text("\n".join(lines(*objs)), encoding="utf-8-sig")
    assert read_export(bom).rows_read == 2


def test_format_detection_and_folder_expansion(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps(status(1, 1, "A", "x")), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json.gz").write_bytes(
        gzip.compress(json.dumps({"statuses": [status(2, 1, "A", "y")]}).encode())
    )
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in find_export_files([tmp_path])] == ["a.jsonl", "b.json.gz"]
    assert detect_format(tmp_path / "a.jsonl") == "weibo-api"
    assert detect_format(tmp_path / "sub" / "b.json.gz") == "weibo-api"
    with pytest.raises(UnknownFormatError, match=r"notes.txt: not a known export"):
        detect_format(tmp_path / "notes.txt")
    # a file that is not an export at all is one quarantine entry, not a crash
    batch = read_export(tmp_path / "notes.txt")
    assert batch.rows_read == 1 and "not a known export" in batch.quarantine.loc[0, "reason"]
    with pytest.raises(UnknownFormatError, match=r"unknown export format 'xml'; expected one of"):
        read_export(tmp_path / "a.jsonl", "xml")
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        find_export_files([tmp_path / "nope"])


def test_empty_files_and_garbage_are_fine(tmp_path):
    empty = tmp_path / "e.jsonl"
    empty.write_bytes(b"")
    assert read_weibo_api(empty).rows_read == 0
    junk = tmp_path / "j.jsonl"
    junk.write_bytes(bytes(range(256)) * 3)
    b = read_weibo_api(junk)  # read line by line: each of its 4 lines is quarantined
    assert b.rows_read == len(b.quarantine) == 4 and b.posts.empty


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=80),
            st.builds(
                lambda t, n, c: json.dumps(
                    status(1, 2, n, t, retweeted_status=status(3, 4, "Z", c)), ensure_ascii=False
                ),
                st.text(max_size=40),
                st.text(min_size=1, max_size=10),
                st.text(max_size=20),
            ),
        ),
        max_size=6,
    )
)
def test_parser_never_crashes_and_counts_reconcile(raw_lines):
    b = parse_weibo_api(raw_lines, "h.jsonl")
    assert b.rows_read == len(b.row_keys) + len(b.quarantine)
    df = b.interactions
    assert not (df["src_user"].notna() & (df["src_user"] == df["dst_user"])).any()
