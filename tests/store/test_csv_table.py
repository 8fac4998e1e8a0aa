"""CsvTable, the CSV reading the CSV readers share: UTF-8 bytes read exactly as decoded text."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import csv as store_csv
from store.csv import DUCKDB_MIN_CHARS, CsvTable, csv_export_text
from store.fields import is_utf8

CELLS = ["", "好", "a,b", 'say "hi"', "two\nlines", "crlf\r\nline", "😀𠮷", "  ", "\u3000"]


def csv_text(rng: random.Random, rows: int, line_end: str = "\n") -> str:
    out = ["id,text,n"]
    for k in range(rows):
        if rng.random() < 0.05:
            out.append("")  # a blank line
            continue
        cells = [str(k), rng.choice(CELLS), str(rng.randrange(100))][: rng.choice([1, 2, 3, 3, 3])]
        if rng.random() < 0.02:
            cells.append("extra")
        out.append(
            ",".join('"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\r\n') else c for c in cells)
        )
    return line_end.join(out) + line_end


def same(a: CsvTable, b: CsvTable) -> None:
    assert a.header == b.header and a.n == b.n
    assert np.array_equal(a.line, b.line) and np.array_equal(a.extra, b.extra)
    assert a.arrow(["id", "text", "n"]).equals(b.arrow(["id", "text", "n"]))
    assert [a.raw(i) for i in range(0, a.n, max(1, a.n // 50))] == [
        b.raw(i) for i in range(0, b.n, max(1, b.n // 50))
    ]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 40), st.sampled_from(["\n", "\r\n"]))
def test_bytes_and_text_give_the_same_table(seed, rows, line_end):
    text = csv_text(random.Random(seed), rows, line_end)
    same(
        CsvTable(text.encode("utf-8"), "t.csv", ["id", "text", "n"]),
        CsvTable(text, "t.csv", ["id", "text", "n"]),
    )


@pytest.mark.slow
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_a_large_file_read_by_duckdb_from_bytes_matches_the_csv_module(tmp_path, monkeypatch, line_end):
    text = csv_text(random.Random(5), 90_000, line_end)
    assert len(text) >= DUCKDB_MIN_CHARS  # the DuckDB path, with line numbers from the bytes
    f = tmp_path / "big.csv"
    f.write_text(text, encoding="utf-8", newline="")
    from_bytes = CsvTable(text.encode("utf-8"), "big.csv", ["id", "text", "n"], file=f)
    monkeypatch.setattr(store_csv, "DUCKDB_MIN_CHARS", 10**12)
    same(from_bytes, CsvTable(text, "big.csv", ["id", "text", "n"]))  # the csv module
    assert from_bytes.extra.sum() > 0 and from_bytes.n < 90_000  # extra cells, blank lines


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 30), st.sampled_from(["\n", "\r\n"]))
def test_record_start_lines_match_the_csv_module(seed, rows, line_end):
    """The numpy line numbering of large files equals what ``csv.reader`` counts (blank lines,
    quoted newlines and CRs included), on the text and on its UTF-8 bytes."""
    text = csv_text(random.Random(seed), rows, line_end)
    expected = CsvTable(text, "t.csv", ["id"]).line  # the csv module's count
    for form in (text, text.encode("utf-8")):
        assert CsvTable._start_lines(form, len(expected)).tolist() == expected.tolist()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40) | st.text(max_size=20).map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_is_utf8_accepts_exactly_what_decoding_accepts(data):
    try:
        data.decode("utf-8")
        decodes = True
    except UnicodeDecodeError:
        decodes = False
    assert is_utf8(data) is decodes


def test_csv_export_text_keeps_a_large_utf8_file_as_bytes(monkeypatch):
    text = "\ufeffid,正文\n1,宝宝\n"
    assert csv_export_text(text.encode("utf-8")) == "id,正文\n1,宝宝\n"  # small: decoded
    assert csv_export_text(text.encode("gb18030")) == "id,正文\n1,宝宝\n"
    monkeypatch.setattr(store_csv, "DUCKDB_MIN_CHARS", 0)
    assert csv_export_text(text.encode("utf-8")) == "id,正文\n1,宝宝\n".encode()  # large: bytes
    assert csv_export_text(text.encode("gb18030")) == "id,正文\n1,宝宝\n"  # not UTF-8: decoded
    # neither UTF-8 nor GB18030: read as UTF-8, its bad bytes kept so that their rows are quarantined
    assert csv_export_text(b"id\n\xff\xff") == "id\n\udcff\udcff"
