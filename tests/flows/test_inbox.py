"""The inbox: real export files in a temp folder, loaded into a real DuckDB file, then moved."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from flows.inbox import inbox_files, ingest_inbox
from store.warehouse import WarehouseBusyError, open_warehouse

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "store" / "fixtures"
DAY = date(2026, 11, 22)


def counts(wh: Path) -> dict[str, int]:
    con = open_warehouse(wh, read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("posts", "users", "interactions", "loads", "quarantine")
        }
    finally:
        con.close()


@pytest.fixture
def inbox(tmp_path, sample_dir) -> Path:
    box = tmp_path / "inbox"
    (box / "阿花妈妈").mkdir(parents=True)
    shutil.copy(sample_dir / "weibo_comments.jsonl", box)
    shutil.copy(FIXTURES / "ced" / "ced_original.csv", box)
    shutil.copy(FIXTURES / "weibo_search" / "damaged" / "宝宝辅食.csv", box)  # some rows quarantined
    shutil.copy(FIXTURES / "weibo_crawler" / "阿花妈妈" / "1001.csv", box / "阿花妈妈")
    (box / "junk.jsonl").write_text('{"hello": "not an export"}\n', encoding="utf-8")
    (box / "empty.csv").write_bytes(b"")
    (box / "notes.txt").write_text("call the client\n", encoding="utf-8")
    (box / ".incoming.jsonl.part").write_text("half-written", encoding="utf-8")  # ignored
    return box


def test_loads_good_files_and_moves_every_file_to_processed_or_failed(inbox, tmp_path):
    wh = tmp_path / "w.duckdb"
    seen = []
    results = ingest_inbox(inbox, wh, day=DAY, on_file=seen.append)
    by_name = {r.source: r for r in results}
    assert seen == results
    assert sorted(by_name) == sorted(
        [
            "empty.csv",
            "junk.jsonl",
            "notes.txt",
            "weibo_comments.jsonl",
            "ced_original.csv",
            "宝宝辅食.csv",
            "阿花妈妈/1001.csv",
        ]
    )
    loaded = {s for s, r in by_name.items() if r.status == "loaded"}
    assert loaded == {"weibo_comments.jsonl", "ced_original.csv", "宝宝辅食.csv", "阿花妈妈/1001.csv"}
    processed, failed = inbox / "processed" / "2026-11-22", inbox / "failed" / "2026-11-22"
    for name in loaded:
        r = by_name[name]
        assert Path(r.moved_to) == processed / name and (processed / name).is_file()
        assert r.load["rows_read"] == r.load["loaded"] + r.load["duplicates"] + r.load["quarantined"]
    # the sub-folder is kept (weibo-crawler takes the user from it) and the emptied one removed
    assert (processed / "阿花妈妈" / "1001.csv").is_file() and not (inbox / "阿花妈妈").exists()
    assert by_name["宝宝辅食.csv"].load["quarantined"] > 0  # partly bad rows: still loaded
    assert by_name["weibo_comments.jsonl"].load["loaded"] > 1000
    # bad files: moved to failed/<day>/ with a reason beside them
    reasons = {
        name: (failed / f"{name}.reason.txt").read_text(encoding="utf-8")
        for name in ("junk.jsonl", "empty.csv", "notes.txt")
    }
    assert "not a known export" in reasons["junk.jsonl"]
    assert "empty (0 bytes)" in reasons["empty.csv"]
    assert "not an export file" in reasons["notes.txt"] and "'notes.txt'" in reasons["notes.txt"]
    assert all("How to fix" in text for text in reasons.values())
    for name in ("junk.jsonl", "empty.csv", "notes.txt"):
        assert by_name[name].status == "failed" and (failed / name).is_file()
        assert by_name[name].reason in reasons[name]
    # only the hidden half-written file is left in the inbox, and nothing more is waiting
    assert inbox_files(inbox) == []
    assert (inbox / ".incoming.jsonl.part").is_file()
    # the warehouse holds the loads (one `loads` row per loaded file), nothing of the failed ones
    c = counts(wh)
    assert c["loads"] == 4 and c["posts"] >= sum(by_name[n].load["posts_added"] for n in loaded)
    assert ingest_inbox(inbox, wh, day=DAY) == []  # processed/ and failed/ are not scanned
    assert counts(wh) == c


def test_a_file_dropped_again_is_not_reloaded_and_a_fixed_file_loads(inbox, tmp_path, sample_dir):
    wh = tmp_path / "w.duckdb"
    ingest_inbox(inbox, wh, day=DAY)
    before = counts(wh)
    # the same content again (under another name): not loaded again, moved to processed/
    shutil.copy(sample_dir / "weibo_comments.jsonl", inbox / "comments-again.jsonl")
    shutil.copy(FIXTURES / "ced" / "ced_original.csv", inbox)  # same name as the first drop
    again = {r.source: r for r in ingest_inbox(inbox, wh, day=DAY)}
    assert {r.status for r in again.values()} == {"already loaded"}
    assert counts(wh) == before
    processed = inbox / "processed" / "2026-11-22"
    assert Path(again["ced_original.csv"].moved_to) == processed / "ced_original-1.csv"
    assert (processed / "ced_original.csv").is_file()  # the first one is kept
    # the failed file, fixed and dropped back in, loads on the next day's run
    shutil.copy(FIXTURES / "ced" / "ced_reposts.csv", inbox / "junk.csv")
    fixed = ingest_inbox(inbox, wh, day=date(2026, 11, 23))
    assert [(r.source, r.status) for r in fixed] == [("junk.csv", "loaded")]
    assert (inbox / "processed" / "2026-11-23" / "junk.csv").is_file()
    assert counts(wh)["loads"] == before["loads"] + 1


def test_files_stay_in_the_inbox_while_another_process_holds_the_warehouse(tmp_path, sample_dir):
    wh = tmp_path / "w.duckdb"
    open_warehouse(wh).close()
    box = tmp_path / "inbox"
    box.mkdir()
    shutil.copy(FIXTURES / "ced" / "ced_original.csv", box)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, duckdb
            con = duckdb.connect({str(wh)!r})
            print("holding", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(WarehouseBusyError, match="a run is in progress"):
            ingest_inbox(box, wh, day=DAY)
    finally:
        holder.communicate("", timeout=30)
    assert inbox_files(box) == [box / "ced_original.csv"]  # not moved: nothing was committed
    assert not (box / "processed").exists() and not (box / "failed").exists()
    assert [r.status for r in ingest_inbox(box, wh, day=DAY)] == ["loaded"]


def test_an_inbox_that_is_a_file_is_refused_and_a_missing_one_is_created(tmp_path):
    not_a_folder = tmp_path / "inbox.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match="the inbox must be a folder; got a file"):
        ingest_inbox(not_a_folder, tmp_path / "w.duckdb")
    assert ingest_inbox(tmp_path / "new-inbox", tmp_path / "w.duckdb") == []
    assert (tmp_path / "new-inbox").is_dir() and not (tmp_path / "w.duckdb").exists()
