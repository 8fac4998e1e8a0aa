"""Errors people can read (issue 17, point 5): ``tajian run`` answers a user error with one line
(what, where, how to fix) and a non-zero exit, never a traceback; ``--debug`` shows the traceback.

Each case is checked by the exit code, the absence of a traceback, one line on stderr, and that
the warehouse was left as it was, not by the wording (flows/catalogue.py holds that). The code
before printed 60–346 lines of traceback for each.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.errors import EXIT_BUSY, EXIT_FAILED, EXIT_USAGE, explain, os_cause
from flows.settings import PROJECT_ROOT
from tests.flows.faults import can_mount_tmpfs, child_env, one_line, state

runner = CliRunner(env={"COLUMNS": "200", "TAJIAN_LANG": "en"})  # English lines checked


@pytest.fixture(scope="module")
def sample_warehouse(sample_dir, tmp_path_factory) -> Path:
    from flows.exports import ingest_paths

    wh = tmp_path_factory.mktemp("errors") / "w.duckdb"
    ingest_paths(wh, [sample_dir])
    return wh


@pytest.fixture
def warehouse(sample_warehouse, tmp_path) -> Path:
    """The sample's warehouse, a copy of its own for each test."""
    wh = tmp_path / "sample.duckdb"
    shutil.copy(sample_warehouse, wh)
    return wh


def _run(*args: str, env: dict[str, str] | None = None):
    result = runner.invoke(app, ["run", *args], env=env)
    # handled: an exit code, not an exception escaping the command (which prints a traceback)
    assert isinstance(result.exception, SystemExit | None), result.exception
    return result


def test_a_day_without_posts_is_one_line_and_no_run(warehouse):
    before = state(warehouse)
    result = _run("--as-of", "1970-01-01", "--warehouse", str(warehouse))
    assert result.exit_code == EXIT_FAILED and one_line(result.stderr), result.output
    assert "1970-01-01" in result.stderr  # where: the day asked for
    assert state(warehouse) == before


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda text: "nonsense_field = 1\n" + text, "nonsense_field"),
        (lambda text: text.replace("regex = '", "regex = '(", 1), "regex"),
    ],
    ids=["unknown field", "broken regex"],
)
def test_a_broken_segment_file_is_one_line_naming_the_field(warehouse, tmp_path, edit, named):
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "segments", data / "segments")
    mothers = data / "segments" / "mothers.toml"
    mothers.write_text(edit(mothers.read_text(encoding="utf-8")), encoding="utf-8")
    before = state(warehouse)
    result = _run("--warehouse", str(warehouse), env={"TAJIAN_DATA_DIR": str(data)})
    assert result.exit_code == EXIT_USAGE and one_line(result.stderr), result.output
    assert str(mothers) in result.stderr and named in result.stderr
    assert state(warehouse) == before


def test_a_file_that_is_not_a_duckdb_database_is_one_line_and_left_alone(tmp_path):
    notes = tmp_path / "notes.duckdb"
    notes.write_text("not a database\n", encoding="utf-8")
    result = _run("--warehouse", str(notes), "--as-of", "2026-11-15")
    assert result.exit_code == EXIT_FAILED and one_line(result.stderr), result.output
    assert notes.read_text(encoding="utf-8") == "not a database\n"
    assert not Path(f"{notes}.leases").exists()


def test_a_missing_warehouse_is_one_line_and_not_created(tmp_path):
    result = _run("--warehouse", str(tmp_path / "nope.duckdb"))
    assert result.exit_code == EXIT_FAILED and one_line(result.stderr), result.output
    assert not (tmp_path / "nope.duckdb").exists()


HOLD_WAREHOUSE = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])  # as an ingest does: the file's write lock
    print("holding", flush=True)
    sys.stdin.read()
    """
)


def test_a_warehouse_locked_by_an_ingest_is_one_line_exit_75(warehouse, tmp_path):
    """A real ``tajian run`` process against a warehouse another process holds (DuckDB's write
    lock, as ``tajian ingest`` holds it): after its retries, one line naming the holder's pid."""
    wh = tmp_path / "w.duckdb"
    shutil.copy(warehouse, wh)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WAREHOUSE, str(wh)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        done = subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", "--warehouse", str(wh), "--as-of", "2026-11-15"],
            env=child_env(tmp_path),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        holder.communicate("", timeout=60)
    assert done.returncode == EXIT_BUSY and one_line(done.stderr), done.stderr
    assert f"pid {holder.pid}" in done.stderr
    assert state(wh)["runs"] == {}


def test_a_read_only_warehouse_folder_is_one_line(warehouse, tmp_path):
    """The warehouse's folder cannot be written (a read-only bind mount in a private mount
    namespace; as a user without it, chmod): one line naming the folder, exit 1."""
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(warehouse, folder / "w.duckdb")
    run = [sys.executable, "-m", "flows.cli", "run", "--warehouse", str(folder / "w.duckdb")]
    if can_mount_tmpfs() is None:
        remount = f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' && exec \"$@\""
        command = ["unshare", "-rm", "sh", "-c", remount, "sh", *run]
    elif os.geteuid() != 0:
        folder.chmod(0o555)
        command = run
    else:
        pytest.skip("root without unshare: a read-only folder cannot be made here")
    try:
        done = subprocess.run(
            command, env=child_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
    finally:
        folder.chmod(0o755)
    assert done.returncode == EXIT_FAILED and one_line(done.stderr), done.stderr
    assert str(folder) in done.stderr
    assert state(folder / "w.duckdb")["runs"] == {}


def test_debug_shows_the_traceback(warehouse):
    result = _run("--as-of", "1970-01-01", "--warehouse", str(warehouse), "--debug")
    assert result.exit_code == EXIT_FAILED and "Traceback" in result.stderr


def test_an_unexpected_error_names_a_log_file_with_the_traceback(capsys):
    """An error that is no user error: one line naming a log file that holds the traceback."""
    import typer

    from flows.cli_errors import user_errors as _user_errors

    with pytest.raises(typer.Exit) as exited, _user_errors("run", debug=False):
        raise KeyError("a bug")
    err = capsys.readouterr().err
    assert exited.value.exit_code == EXIT_FAILED and one_line(err), err
    log = Path(re.search(r"(/\S+?\.log)", err).group(1))  # "(details: …)" / "（详情见：…）"
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError: 'a bug'" in text
    log.unlink()


def test_explain_finds_a_full_disk_and_a_read_only_folder_under_other_errors():
    import duckdb

    try:
        try:
            raise OSError(28, "No space left on device", "/data/out/report.html")
        except OSError as inner:
            raise RuntimeError("report failed") from inner
    except RuntimeError as exc:
        assert os_cause(exc) == ("no_space", "/data/out/report.html", "No space left on device")
    wal = duckdb.IOException('IO Error: Could not write file "/d/w.duckdb.wal": No space left on device')
    assert os_cause(wal) == ("no_space", "/d/w.duckdb.wal", "No space left on device")
    ro = duckdb.IOException('IO Error: Cannot open file "/ro/w.duckdb": Read-only file system')
    line, code, _ = explain(ro)
    assert code == EXIT_FAILED and "/ro/w.duckdb" in line
