"""Hypothesis-made damaged exports (issue 17, fault suite): CSV and JSON-lines files with runaway
and stray quotes, over-long cells, NULs, bytes that are not UTF-8, short and long rows, blank
lines and CRLF. Never a crash, and every line accounted for: each non-blank line is one row read,
counted as loaded, a duplicate or quarantined, and every undamaged row is loaded.

Every row of these files is on one physical line (the damage stays on its line), so rows read
must equal the file's non-blank lines exactly. MAX_FIELD_CHARS is lowered to 300 so that "huge"
cells stay small enough for many examples.

``TAJIAN_FUZZ_EXAMPLES`` sets the examples per test (8 by default, to keep ``make test`` fast);
``TAJIAN_FUZZ_TALLY=FILE`` appends each example's lines and outcome to FILE (the figures of the
closing note come from a run with 300 examples per test).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.readers import read_export
from store.warehouse import load_batch, open_warehouse
from tests.store.test_malformed import FORMATS, Format

LIMIT = 300  # MAX_FIELD_CHARS for these tests
EXAMPLES = int(os.environ.get("TAJIAN_FUZZ_EXAMPLES", "8"))
#: Text of undamaged cells: CJK, ASCII, commas, spaces and quotes inside (never first)
WORDS = st.text(st.sampled_from([*"宝宝妈妈辅食abc 123,.!！@#", "😀", "𠮷"]), min_size=1, max_size=12)
DAMAGE = [
    "clean",
    "clean",
    "clean",
    "open_quote",  # a quote opened and never closed
    "stray_quote",  # a quote inside a plain cell
    "nul",
    "huge",
    "bad_bytes",  # bytes that are not UTF-8
    "short",  # fewer cells than the header
    "extra",  # more cells than the header
    "blank",
    "crlf",
]


@pytest.fixture(autouse=True)
def small_limit(monkeypatch):
    import store.fields
    import store.mediacrawler
    import store.records
    import store.weibo_crawler

    for module in (store.fields, store.mediacrawler, store.records, store.weibo_crawler):
        monkeypatch.setattr(module, "MAX_FIELD_CHARS", LIMIT, raising=False)


def line_of(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def damaged_row(fmt: Format, i: int, damage: str, words: str) -> tuple[bytes, bool]:
    """One row (its bytes, ending in a line end) and whether it is undamaged."""
    j = fmt.header.index(fmt.text)
    cells = fmt.cells(i, text=f"{words.lstrip(chr(34))}{i}")
    if damage == "open_quote":
        cells[j] = '"x' + cells[j].replace('"', "").replace(",", "")
        return (
            ",".join(c.replace(",", "").replace('"', "") if k != j else c for k, c in enumerate(cells)) + "\n"
        ).encode(), False
    if damage == "stray_quote":
        cells[j] = 'a"b' + cells[j].replace('"', "").replace(",", "")
        return (
            ",".join(c.replace(",", "").replace('"', "") if k != j else c for k, c in enumerate(cells)) + "\n"
        ).encode(), False
    if damage == "nul":
        cells[j] = cells[j] + "\x00"
        return line_of(cells).encode(), False
    if damage == "huge":
        cells[j] = "长" * (LIMIT + 1 + i % 50)
        return line_of(cells).encode(), False
    if damage == "bad_bytes":
        raw = line_of(cells).encode()
        return raw[:-1] + b"\xff\xfe" + raw[-1:], False
    if damage == "short":
        return line_of(cells[:3]).encode(), False
    if damage == "extra":
        return line_of([*cells, "extra"]).encode(), False
    if damage == "blank":
        return b"\n", False
    if damage == "crlf":
        return line_of(cells).encode()[:-1] + b"\r\n", True
    return line_of(cells).encode(), True


def key_of(fmt: Format, i: int) -> str:
    cells = fmt.cells(i)
    return cells[
        fmt.header.index(
            {"weibo-search": "id", "weibo-crawler": "id", "mediacrawler": "note_id"}.get(
                fmt.fmt, "mid" if "mid" in fmt.header else "bid"
            )
        )
    ].strip()


def accounted(path: Path, fmt: str, undamaged: set[str], lines: int) -> None:
    batch = read_export(path, fmt)  # never raises
    con = open_warehouse(":memory:")  # DuckDB itself; a file per example would only be slower
    try:
        report = load_batch(con, batch)
    finally:
        con.close()
    assert report.rows_read == report.loaded + report.duplicates + report.quarantined
    assert report.rows_read == lines, (report, batch.quarantine["reason"].tolist())
    assert report.duplicates == 0
    assert undamaged <= set(batch.row_keys), batch.quarantine["reason"].tolist()
    if os.environ.get("TAJIAN_FUZZ_TALLY"):
        with open(os.environ["TAJIAN_FUZZ_TALLY"], "a", encoding="utf-8") as tally:
            tally.write(f"{fmt}\t{lines}\t{report.loaded}\t{report.duplicates}\t{report.quarantined}\n")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name.rsplit("/", 1)[-1])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(DAMAGE), WORDS), min_size=1, max_size=40))
def test_damaged_csv_never_crashes_and_accounts_for_every_line(tmp_path, fmt, rows):
    body, undamaged, lines = b"", set(), 0
    for i, (damage, words) in enumerate(rows):
        raw, ok = damaged_row(fmt, i, damage, words)
        body += raw
        lines += damage != "blank"
        if ok:
            undamaged.add(key_of(fmt, i))
    path = tmp_path / fmt.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + line_of(fmt.header).encode() + body)
    accounted(path, fmt.fmt, undamaged, lines)


def api_status(i: int, words: str) -> dict:
    user = {"id": 100 + i, "idstr": str(100 + i), "screen_name": f"u{i}", "followers_count": 5}
    return {
        "created_at": "Fri Nov 13 10:00:00 +0800 2026",
        "id": 5000 + i,
        "idstr": str(5000 + i),
        "text": words,
        "user": user,
        "reposts_count": 1,
    }


def mc_note(i: int, words: str) -> dict:
    return {
        "note_id": str(5012000000000000 + i),
        "content": words,
        "create_time": 1786681000,
        "liked_count": "5",
        "comments_count": "2",
        "shared_count": "0",
        "creator_hash": f"{i:016x}",
        "nickname": "多***夜",
    }


JSON_DAMAGE = [
    "clean",
    "clean",
    "clean",
    "cut",  # a line cut short
    "nul",  # a raw NUL inside a string
    "huge",
    "bad_bytes",
    "not_object",
    "blank",
    "crlf",
]
JSON_FORMATS = {
    "weibo-api": ("statuses.jsonl", api_status, "text", lambda i: str(5000 + i)),
    "mediacrawler": (
        "data/weibo/jsonl/search_contents_2026-08-14.jsonl",
        mc_note,
        "content",
        lambda i: str(5012000000000000 + i),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(JSON_FORMATS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(JSON_DAMAGE), WORDS), min_size=1, max_size=40))
def test_damaged_json_lines_never_crash_and_account_for_every_line(tmp_path, fmt, rows):
    name, make, text, key = JSON_FORMATS[fmt]
    body, undamaged, lines = b"", set(), 0
    for i, (damage, words) in enumerate(rows):
        obj = make(i, words)
        raw = json.dumps(obj, ensure_ascii=False).encode()
        if damage == "cut":
            raw = raw[: len(raw) // 2]
        elif damage == "nul":
            raw = raw.replace(words.encode(), words.encode() + b"\x00", 1)
        elif damage == "huge":
            obj[text] = "长" * (LIMIT + 1 + i % 50)
            raw = json.dumps(obj, ensure_ascii=False).encode()
        elif damage == "bad_bytes":
            raw = raw.replace(words.encode(), words.encode() + b"\xff", 1)
        elif damage == "not_object":
            raw = json.dumps([words, i][i % 2]).encode()
        elif damage == "blank":
            raw = b""
        body += raw + (b"\r\n" if damage == "crlf" else b"\n")
        lines += damage != "blank"
        if damage in ("clean", "crlf"):
            undamaged.add(key(i))
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    accounted(path, fmt, undamaged, lines)


def test_the_damage_counter_covers_every_kind():
    """The strategies reach every kind of damage (a guard against a silently narrowed test)."""
    assert Counter(DAMAGE)["clean"] == 3 and len(set(DAMAGE)) == 10 and len(set(JSON_DAMAGE)) == 8
