"""Format detection: every fixture, written as its exporter writes it, is told apart by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.readers import detect_format, find_export_files, read_export

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = {"ced": "ced", "weibo_crawler": "weibo-crawler", "weibo_search": "weibo-search",
            "mediacrawler": "mediacrawler"}


NOT_AN_EXPORT = FIXTURES / "mediacrawler" / "data" / "weibo" / "csv" / "notes.csv"


def fixture_files() -> list[Path]:
    # damaged files are checked by each reader's own tests: they may be too broken to tell apart
    return [f for f in find_export_files([FIXTURES])
            if f.relative_to(FIXTURES).parts[0] in EXPECTED and "damaged" not in f.parts
            and f != NOT_AN_EXPORT]


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_each_fixture_is_detected_as_its_format_and_reconciles(path):
    assert detect_format(path) == EXPECTED[path.relative_to(FIXTURES).parts[0]]
    batch = read_export(path)
    assert batch.rows_read == len(batch.row_keys) + len(batch.quarantine)


def test_a_csv_that_no_exporter_writes_is_one_quarantine_entry():
    batch = read_export(NOT_AN_EXPORT)
    assert batch.rows_read == 1 and batch.posts.empty
    assert "not a known export" in batch.quarantine.loc[0, "reason"]
