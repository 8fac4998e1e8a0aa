"""Format detection: every fixture, written as its exporter writes it, is told apart by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.readers import UnknownFormatError, detect_format, find_export_files, read_export, read_exports

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = {
    "ced": "ced",
    "weibo_crawler": "weibo-crawler",
    "weibo_search": "weibo-search",
    "mediacrawler": "mediacrawler",
}


NOT_AN_EXPORT = FIXTURES / "mediacrawler" / "data" / "weibo" / "csv" / "notes.csv"


def fixture_files() -> list[Path]:
    # damaged files are checked by each reader's own tests: they may be too broken to tell apart
    return [
        f
        for f in find_export_files([FIXTURES])
        if f.relative_to(FIXTURES).parts[0] in EXPECTED and "damaged" not in f.parts and f != NOT_AN_EXPORT
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_each_fixture_is_detected_as_its_format_and_reconciles(path):
    assert detect_format(path) == EXPECTED[path.relative_to(FIXTURES).parts[0]]
    batch = read_export(path)
    assert batch.rows_read == len(batch.row_keys) + len(batch.quarantine)


def test_a_csv_that_no_exporter_writes_is_one_quarantine_entry():
    batch = read_export(NOT_AN_EXPORT)
    assert batch.rows_read == 1 and batch.posts.empty
    assert "not a known export" in batch.quarantine.loc[0, "reason"]


def _same_batch(a, b) -> bool:
    # a users.csv profile is stamped with the time it was read (seen_at)
    return (
        a.source == b.source
        and a.row_keys == b.row_keys
        and a.posts.equals(b.posts)
        and a.users.drop(columns="seen_at").equals(b.users.drop(columns="seen_at"))
        and a.interactions.equals(b.interactions)
        and a.quarantine.equals(b.quarantine)
    )


@pytest.mark.slow
@pytest.mark.parametrize("prefetch", [0, 1 << 30], ids=["one by one", "next file read ahead"])
def test_read_exports_gives_each_files_batch_in_order(prefetch):
    files = fixture_files()
    got = list(read_exports(files, prefetch_max_bytes=prefetch))
    assert [p for p, _ in got] == files
    assert all(_same_batch(f.result(), read_export(p)) for p, f in got)


def test_read_exports_hands_each_files_error_to_that_file_only(tmp_path):
    files = fixture_files()[:2]
    missing = tmp_path / "gone.jsonl"
    order = [files[0], missing, files[1]]
    got = list(read_exports(order, "weibo-crawler"))
    assert [p for p, _ in got] == order
    with pytest.raises(FileNotFoundError, match=r"gone\.jsonl"):
        got[1][1].result()
    assert got[2][1].result().source == str(files[1])
    with pytest.raises(UnknownFormatError, match="unknown export format 'nope'"):
        next(read_exports(order, "nope"))[1].result()


def test_read_exports_can_be_left_early():
    reader = read_exports(fixture_files())
    path, first = next(reader)
    reader.close()  # the file read ahead is waited for or cancelled, nothing hangs
    assert first.result().source == str(path)
