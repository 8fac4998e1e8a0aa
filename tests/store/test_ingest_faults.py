"""``tajian ingest`` when files are not what they should be (issue 17, point 7) or the process
dies mid-load (the fault suite): a named file that loads nothing exits non-zero with the reason on
one line; a folder says which of its files loaded nothing; kill -9 at any point of an ingest
leaves the warehouse as it was (or as one whole load made it), and loading again gives what a
clean load gives."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.store.test_malformed import FORMATS, csv_line

runner = CliRunner(env={"COLUMNS": "200"})
SEARCH = FORMATS[0]


def search_csv(rows: range) -> bytes:
    return ("\ufeff" + csv_line(SEARCH.header) + "".join(csv_line(SEARCH.cells(i)) for i in rows)).encode()


def posts(wh: Path) -> int:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM posts").fetchone()[0]
    finally:
        con.close()


def ingest(*args: str | Path):
    result = runner.invoke(app, ["ingest", *map(str, args)], terminal_width=200)
    assert "Traceback" not in result.output
    return result


BAD_FILES = {
    "empty.csv": (b"", "the file is empty"),
    "garbage.csv": (bytes(range(256)) * 8, "not text"),
    "utf16.csv": (search_csv(range(3)).decode().encode("utf-16"), "UTF-16"),
    "cut.csv.gz": (gzip.compress(search_csv(range(200)))[:300], "not a readable .gz file"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_named_file_that_loads_nothing_exits_non_zero_saying_why(tmp_path, name):
    data, why = BAD_FILES[name]
    f = tmp_path / name
    f.write_bytes(data)
    result = ingest(f, "--warehouse", tmp_path / "w.duckdb")
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(f) in errors[0] and why in errors[0]
    assert posts(tmp_path / "w.duckdb") == 0


def test_a_named_file_whose_rows_are_all_quarantined_exits_non_zero(tmp_path):
    f = tmp_path / "宝宝.csv"
    f.write_bytes(search_csv(range(0)) + b'5001,Nb1,1001,a,"never closed,,,\n')
    result = ingest(f, "--warehouse", tmp_path / "w.duckdb")
    assert result.exit_code == 1
    assert any(x.startswith("error:") and "an unterminated quote" in x for x in result.output.splitlines())


def test_a_folder_says_which_files_loaded_nothing_and_loads_the_rest(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, (data, _) in BAD_FILES.items():
        (folder / name).write_bytes(data)
    (folder / "宝宝.csv").write_bytes(search_csv(range(5)))
    (folder / "辅食.csv.gz").write_bytes(gzip.compress(search_csv(range(100, 103))))
    result = ingest(folder, "--warehouse", tmp_path / "w.duckdb")
    assert result.exit_code == 0, result.output  # the folder loaded what it could
    nothing = sorted(x for x in result.output.splitlines() if x.startswith("nothing loaded:"))
    assert [x.split(": ")[1] for x in nothing] == sorted(str(folder / n) for n in BAD_FILES)
    assert posts(tmp_path / "w.duckdb") == 8
    # named on the command line, a file that gives nothing fails the command, the others still load
    again = ingest(folder / "宝宝.csv", folder / "empty.csv", "--warehouse", tmp_path / "w2.duckdb")
    assert again.exit_code == 1 and posts(tmp_path / "w2.duckdb") == 5


def test_a_folder_where_nothing_loads_exits_non_zero(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, (data, _) in BAD_FILES.items():
        (folder / name).write_bytes(data)
    result = ingest(folder, "--warehouse", tmp_path / "w.duckdb")
    assert result.exit_code == 1
    assert sum(x.startswith("nothing loaded:") for x in result.output.splitlines()) == len(BAD_FILES)
