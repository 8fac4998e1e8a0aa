"""The CED reader: exact records from a small fixture in CED's format, and the real dataset."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.ced import parse_ced_reposts, read_ced
from store.readers import detect_format, read_export
from store.warehouse import load_batch, open_warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "ced"
CST = timezone(timedelta(hours=8))


def test_original_posts_carry_their_authors_profiles():
    b = read_export(FIXTURES / "ced_original.csv")
    assert detect_format(FIXTURES / "ced_original.csv") == "ced"
    assert b.rows_read == 3 and b.row_keys == ["yBmepBtUB", "zAbCdEfGh"]
    post = b.posts.set_index("post_id").loc["zAbCdEfGh"]
    assert post["text"] == '带逗号,和"引号"的原帖' and post["user_id"] == "1234567890"
    assert post["created_at"] == datetime(2013, 4, 5, 19, 25, 39, tzinfo=CST)
    user = b.users.set_index("user_id").loc["1234567890"]
    assert (user["followers"], user["verified"], user["verified_type"], user["location"]) == (
        1_200_000,
        True,
        1,
        "北京 海淀区",
    )
    assert b.quarantine["reason"].tolist() == [
        f"{FIXTURES / 'ced_original.csv'}, line 4: field 'bid' is missing; expected the post id"
    ]


def test_reposts_give_parent_author_to_reposter_edges():
    b = read_ced(FIXTURES / "ced_reposts.csv")
    assert b.rows_read == 7
    edges = sorted(
        zip(b.interactions["src_user"], b.interactions["dst_user"], b.interactions["post_id"], strict=True)
    )
    # m4 is the author reposting herself: no self-loop; m1 appears in two cascades
    assert edges == [
        ("100", "200", "m2"),
        ("1234567890", "100", "m1"),
        ("200", "300", "m3"),
        ("2279086572", "100", "m1"),
    ]
    reposts = b.posts[b.posts["from_row"]].set_index("post_id")
    assert reposts.loc["m2", "repost_of"] == "m1"
    assert reposts.loc["m4", "repost_of"] == "yBmepBtUB"
    # "09月12日 08:15" takes its cascade's year
    assert reposts.loc["m3", "created_at"] == datetime(2012, 9, 12, 8, 15, tzinfo=CST)
    # the sibling originals come along as embedded posts, so repost_of points at a post
    roots = b.posts[~b.posts["from_row"]]
    assert set(roots["post_id"]) == {"yBmepBtUB", "zAbCdEfGh"}
    assert [r.split(": ", 1)[1] for r in b.quarantine["reason"]] == [
        "field 'parent' names a repost not found in its cascade",
        "field 'uid' is missing; expected the reposter's id",
    ]
    assert b.row_keys.count("m1") == 2  # the second is counted as a duplicate at load


def test_loading_twice_adds_nothing_and_counts_reconcile(tmp_path):
    con = open_warehouse(tmp_path / "w.duckdb")
    first = load_batch(con, read_ced(FIXTURES / "ced_reposts.csv"))
    assert (first.rows_read, first.loaded, first.duplicates, first.quarantined) == (7, 4, 1, 2)
    orig = load_batch(con, read_ced(FIXTURES / "ced_original.csv"))
    assert (orig.loaded, orig.duplicates) == (2, 0)  # completes the embedded source posts
    again = load_batch(con, read_ced(FIXTURES / "ced_reposts.csv"))
    assert (again.loaded, again.duplicates, again.interactions_added, again.posts_added) == (0, 5, 0, 0)
    assert (
        con.execute(
            "SELECT count(*) FROM posts p WHERE repost_of IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM posts q WHERE q.post_id = p.repost_of)"
        ).fetchone()[0]
        == 0
    )
    con.close()


def test_a_csv_that_is_not_ced_is_one_quarantine_entry(tmp_path):
    f = tmp_path / "ced_reposts.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    b = read_ced(f)
    assert b.rows_read == 1 and "not a CED file" in b.quarantine.loc[0, "reason"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["c1", "c2"]),
            st.text(max_size=4),
            st.text(max_size=4),
            st.text(max_size=4),
            st.text(max_size=25),
        ),
        max_size=8,
    )
)
def test_parser_never_crashes_and_counts_reconcile(rows):
    lines = ["cascade,root_bid,root_uid,mid,uid,parent,n_kids,date,text"]
    for cascade, mid, uid, parent, date in rows:
        clean = [
            x.replace(",", "").replace('"', "").replace("\n", "").replace("\r", "")
            for x in (mid, uid, parent, date)
        ]
        lines.append(f"{cascade},R,1,{clean[0]},{clean[1]},{clean[2]},0,{clean[3]},t")
    b = parse_ced_reposts("\n".join(lines) + "\n", "h.csv")
    assert b.rows_read == len(rows)
    assert len(b.posts) == len(b.row_keys)
    assert not (b.interactions["src_user"] == b.interactions["dst_user"]).any()


@pytest.mark.real_data
def test_the_real_ced_dataset_yields_its_million_user_graph(real_data_dir, tmp_path):
    con = open_warehouse(tmp_path / "ced.duckdb")
    for name in ("ced_original.csv", "ced_reposts.csv"):
        report = load_batch(con, read_export(real_data_dir / "ced" / name))
        assert report.rows_read == report.loaded + report.duplicates + report.quarantined
    posts, quarantined = con.execute(
        "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM quarantine)"
    ).fetchone()
    assert posts + quarantined >= 3_387 + 1_275_180 - 724  # 724 mids repeat across cascades
    pairs, users = con.execute(
        """SELECT count(*), (SELECT count(*) FROM (SELECT src_user u FROM interactions
                                UNION SELECT dst_user FROM interactions))
           FROM (SELECT DISTINCT src_user, dst_user FROM interactions)"""
    ).fetchone()
    # the SNAP edge list shipped with the data was derived the same way
    assert pairs == 1_231_173 and users == 1_067_141
    unresolved = con.execute(
        """SELECT count(*) FROM posts p WHERE repost_of IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM posts q WHERE q.post_id = p.repost_of)"""
    ).fetchone()[0]
    assert unresolved == 0  # every parent resolved
    assert pd.isna(
        con.execute("SELECT max(followers) FROM users WHERE user_id = '446895431'").fetchone()[0]
    )  # reposters have no profile fields
    con.close()
