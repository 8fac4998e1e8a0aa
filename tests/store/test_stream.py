"""Loading a large Weibo API file in parts gives the warehouse what loading it whole gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.stream import load_exports, read_ahead, read_in_parts
from store.warehouse import load_batch, load_parts, open_warehouse
from store.weibo_api import read_weibo_api, read_weibo_api_parts

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "weibo_api"
TABLES = {
    "posts": "post_id, platform, user_id, created_at, text, repost_of, reply_to, reposts, comments, likes",
    "users": "user_id, platform, screen_name, followers, location, placeholder",
    "interactions": "src_user, dst_user, kind, post_id, created_at",
    "quarantine": "line, raw, reason",
}


def _contents(con) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall() for t, cols in TABLES.items()}


@pytest.fixture
def export(tmp_path) -> Path:
    """The sample's comments then statuses in one file, a bad line and a duplicate line in it."""
    comments = (SAMPLE / "weibo_comments.jsonl").read_bytes().splitlines(keepends=True)[:800]
    statuses = (SAMPLE / "weibo_statuses.jsonl").read_bytes().splitlines(keepends=True)[:1500]
    f = tmp_path / "big.jsonl"
    f.write_bytes(b"".join(comments) + b"{not json\n" + b"".join(statuses) + statuses[10])
    return f


def test_parts_load_what_the_whole_file_loads(export):
    whole, parts = open_warehouse(":memory:"), open_warehouse(":memory:")
    one = load_batch(whole, read_weibo_api(export))
    many = list(read_weibo_api_parts(export, part_bytes=100_000))
    assert len(many) > 5
    split = load_parts(parts, iter(many))
    for field in ("rows_read", "loaded", "duplicates", "quarantined", "posts_added", "users_added"):
        assert getattr(split, field) == getattr(one, field), field
    assert split.rows_read == split.loaded + split.duplicates + split.quarantined
    assert _contents(parts) == _contents(whole)
    assert parts.execute("SELECT count(*), min(line) FROM quarantine").fetchone() == (1, 801)
    assert parts.execute("SELECT count(*) FROM loads").fetchone()[0] == 1


def test_a_failing_part_leaves_nothing_of_the_file(export):
    con = open_warehouse(":memory:")

    def parts():
        yield from read_weibo_api_parts(export, part_bytes=100_000)
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        load_parts(con, parts())
    left = con.execute("SELECT (SELECT count(*) FROM posts) + (SELECT count(*) FROM loads)").fetchone()
    assert left == (0,)


def test_load_exports_reads_large_weibo_files_in_parts(export, tmp_path):
    small = tmp_path / "small.jsonl"
    small.write_bytes((SAMPLE / "weibo_statuses.jsonl").read_bytes()[:5000].rsplit(b"\n", 1)[0] + b"\n")
    assert read_in_parts(export, part_bytes=100_000) and not read_in_parts(small, part_bytes=100_000)
    con = open_warehouse(":memory:")
    got = [(p.name, r.rows_read) for p, r in load_exports(con, [small, export], part_bytes=100_000)]
    assert got[0][0] == "small.jsonl" and got[1] == ("big.jsonl", 800 + 1 + 1500 + 1)
    with pytest.raises(ValueError, match="part_bytes must be at least 1; got 0"):
        next(read_weibo_api_parts(export, part_bytes=0))


def test_read_ahead_keeps_the_order_and_the_error_and_closes_its_source():
    closed = []

    def source():
        try:
            yield from range(4)
            raise OSError("disk gone")
        finally:
            closed.append(True)

    got = []
    with pytest.raises(OSError, match="disk gone"):
        got.extend(read_ahead(source()))
    assert got == [0, 1, 2, 3] and closed == [True]
    ahead = read_ahead(source())
    assert next(ahead) == 0
    ahead.close()  # the caller stops early: the part under way ends, then the source is closed
    assert closed == [True, True]
