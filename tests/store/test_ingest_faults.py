"""``tajian ingest`` when files are not what they should be (issue 17, point 7) or the process
dies mid-load (the fault suite): a named file that loads nothing exits non-zero with the reason on
one line; a folder says which of its files loaded nothing; kill -9 at any point of an ingest
leaves the warehouse as it was (or as one whole load made it), and loading again gives what a
clean load gives."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.store.test_malformed import FORMATS, csv_line

runner = CliRunner(env={"COLUMNS": "200", "TAJIAN_LANG": "en"})  # English lines checked
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


@pytest.mark.slow
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


# --------------------------------------------------------------------------------------------
# kill -9 during an ingest

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "weibo_api"
TAJIAN = Path(sys.executable).parent / "tajian"
#: how many ingests to kill (``TAJIAN_KILL_TRIES``; the closing note's figures come from 40)
KILL_TRIES = int(os.environ.get("TAJIAN_KILL_TRIES", "4"))


def dump(wh: Path, tables=("posts", "users", "interactions", "quarantine", "loads")) -> dict:
    """Every row of the warehouse's data tables (but the load times), as a hash and a count per
    table. Opened read-write: a write-ahead log left by a killed process is replayed first."""
    con = duckdb.connect(str(wh))
    try:
        out = {}
        for table in tables:
            cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "loaded_at"]
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
            out[table] = (hashlib.sha256(repr(rows).encode()).hexdigest(), len(rows))
        return out
    finally:
        con.close()


def data_only(state: dict) -> dict:
    """The data tables without ``loads`` (which logs every load, a repeated one too)."""
    return {k: v for k, v in state.items() if k != "loads"}


@pytest.mark.slow
def test_kill_9_during_an_ingest_leaves_the_warehouse_as_before_and_a_reload_is_clean(tmp_path):
    big = tmp_path / "statuses.jsonl"  # one file: one transaction
    with (SAMPLE / "weibo_statuses.jsonl").open(encoding="utf-8") as fh:
        big.write_text("".join(line for _, line in zip(range(2000), fh, strict=False)), encoding="utf-8")
    base = tmp_path / "base.duckdb"
    assert ingest(SAMPLE / "weibo_comments.jsonl", "--warehouse", base).exit_code == 0
    before = dump(base)
    clean = tmp_path / "clean.duckdb"
    shutil.copy(base, clean)
    started = time.monotonic()
    subprocess.run([TAJIAN, "ingest", big, "--warehouse", clean], check=True, capture_output=True)
    took = time.monotonic() - started
    after = dump(clean)
    assert after["posts"][1] > before["posts"][1]
    outcomes: Counter[str] = Counter()
    for k in range(KILL_TRIES):
        wh = tmp_path / f"killed{k}.duckdb"
        shutil.copy(base, wh)
        proc = subprocess.Popen(
            [TAJIAN, "ingest", big, "--warehouse", wh], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(took * (0.2 + 0.8 * k / max(KILL_TRIES - 1, 1)))  # from reading the file to its commit
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        writing = Path(f"{wh}.wal").exists()  # DuckDB's log: the load had begun writing
        state = dump(wh)
        assert state in (before, after), f"kill {k}: the warehouse is neither as before nor as one whole load"
        outcome = "finished first" if finished else "as before" if state == before else "committed"
        outcomes[f"{outcome}{' (log written)' if writing else ''}"] += 1
        assert ingest(big, "--warehouse", wh).exit_code == 0
        assert data_only(dump(wh)) == data_only(after)
        wh.unlink()
    print(f"kill -9 of {KILL_TRIES} ingests (a clean one took {took:.1f} s): {dict(outcomes)}")
