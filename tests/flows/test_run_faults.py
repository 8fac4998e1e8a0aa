"""The run half of the fault suite (issue 17, points 1 and 6): ``kill -9`` at several points of a
run, at each step of the publish swap, and a full disk (a small tmpfs in a private mount
namespace, where the machine allows one).

After any of them the warehouse is as before apart from the failed run's row (marked failed, or
absent when it died before writing it), no staging or set-aside folder is left, and the next run
of the day takes the lease over and works. A killed process cannot clean up after itself: what
it left (its partial rows, its staging folder, a half-done swap) is named in its lease's journal
and undone by the next run of the day, which is checked here too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flows.steps import ingest_paths
from store.leases import lease_path, run_lease
from tests.flows.faults import (
    AS_OF,
    ROOT,
    RUN_ARGS,
    can_mount_tmpfs,
    child_env,
    finish,
    hidden,
    in_tmpfs,
    kill9,
    lease_of,
    migrated_prefect_home,
    one_line,
    published_run,
    state,
    tajian,
    wait_until,
)


@pytest.fixture(scope="module")
def sample_warehouse(sample_dir, tmp_path_factory) -> Path:
    wh = tmp_path_factory.mktemp("sample") / "w.duckdb"
    ingest_paths(wh, [sample_dir])
    return wh


def _unchanged_apart_from_runs(before: dict, after: dict) -> None:
    for table in ("posts", "users", "interactions", "quarantine", "loads"):
        assert after["counts"][table] == before["counts"][table], table


# --- kill -9 at the steps of the publish swap (a small child process, killed exactly there) ---

#: The child: a run that has its rows and its staged folder, publishing over an earlier run's
#: folder; it SIGKILLs itself at ``point`` (the n-th os.replace, or just before/after the commit).
PUBLISH = textwrap.dedent(
    """
    import os, signal, sys, tempfile
    from datetime import date
    from pathlib import Path
    import pandas as pd
    from store import leases
    from store.warehouse import open_warehouse, publish_run, start_run, write_seeds, write_selection

    wh, out, point = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    day = date(2026, 11, 15)
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    replaces, real_replace = [], os.replace
    def replace(a, b):
        replaces.append(a)
        if point == f"replace{len(replaces)}":
            die()
        return real_replace(a, b)
    os.replace = replace
    with leases.run_lease(wh, "mothers", day) as lease:
        lease.note(run_id="new")
        con = open_warehouse(wh)
        start_run(con, run_id="new", flow="pipeline", segment="mothers", as_of=day, window_days=3, params={})
        write_seeds(con, "new", pd.DataFrame({"segment": ["mothers"], "rank": [1], "user_id": ["u2"],
            "marginal_reach": [1.0], "cumulative_reach": [1.0], "community": [0], "reason": [""]}))
        write_selection(con, "new", "mothers", day, {"seeds": []})
        con.close()
        staged = Path(tempfile.mkdtemp(prefix=".mothers-2026-11-15-", dir=out))
        lease.note(staging=str(staged))
        (staged / "seeds.json").write_text("new", encoding="utf-8")
        def commit():
            if point == "commit":
                die()
            con = open_warehouse(wh)
            publish_run(con, "new", "mothers", day)
            con.close()
            if point == "committed":
                die()
        leases.swap_in(staged, out / "mothers" / "2026-11-15", commit, lease.note)
        lease.settled = True
    """
)


@pytest.mark.parametrize(
    ("point", "published"),
    [("replace1", False), ("replace2", False), ("commit", False), ("committed", True)],
)
def test_kill_9_at_each_step_of_the_publish_swap(tmp_path, point, published):
    """The old folder and rows stay unless the warehouse committed; then the new ones do."""
    import pandas as pd

    from store.warehouse import open_warehouse, publish_run, start_run, write_seeds, write_selection

    wh, out = tmp_path / "w.duckdb", tmp_path / "out"
    final = out / "mothers" / AS_OF.isoformat()
    final.mkdir(parents=True)
    (final / "seeds.json").write_text("old", encoding="utf-8")
    con = open_warehouse(wh)  # the day's earlier, published run
    start_run(con, run_id="old", flow="pipeline", segment="mothers", as_of=AS_OF, window_days=3, params={})
    seeds = pd.DataFrame(
        {
            "segment": ["mothers"],
            "rank": [1],
            "user_id": ["u1"],
            "marginal_reach": [1.0],
            "cumulative_reach": [1.0],
            "community": [0],
            "reason": [""],
        }
    )
    write_seeds(con, "old", seeds)
    write_selection(con, "old", "mothers", AS_OF, {"seeds": []})
    publish_run(con, "old", "mothers", AS_OF)
    con.close()
    child = subprocess.run([sys.executable, "-c", PUBLISH, str(wh), str(out), point], cwd=ROOT, timeout=120)
    assert child.returncode == -9  # killed where it was told
    assert lease_of(wh)["run_id"] == "new"  # the journal names what it left
    told = []
    with run_lease(wh, "mothers", AS_OF, on_recover=lambda prev, done: told.extend(done)) as lease:
        lease.settled = True
    after = state(wh)
    expected = "new" if published else "old"
    assert (final / "seeds.json").read_text(encoding="utf-8") == expected
    assert after["runs"] == {"old": "succeeded", "new": "succeeded" if published else "failed"}
    for table in ("seeds", "selections"):
        assert set(after["owners"][table]) == {expected}, table
    assert hidden(out) == [] and told  # no staging, no set-aside folder
    assert lease_of(wh) is None


# --- a full disk, started early so that it runs beside the kill chain below -------------------


@pytest.fixture(scope="module")
def full_disk_run(sample_warehouse, tmp_path_factory) -> dict:
    """A real run whose outputs go to a 256 KiB tmpfs (a private mount namespace): writing the
    ~5 MB report fails. Started when first asked for and awaited by the test that checks it.
    Where no tmpfs can be mounted, says why (the test skips: RLIMIT_FSIZE would give EFBIG, a
    different error, not a full disk)."""
    why = can_mount_tmpfs()
    if why:
        return {"skip": why}
    base = tmp_path_factory.mktemp("full-disk")
    wh, out, listing = base / "w.duckdb", base / "out", base / "listing.txt"
    shutil.copy(sample_warehouse, wh)
    out.mkdir()
    run = [sys.executable, "-m", "flows.cli", *RUN_ARGS, "--warehouse", str(wh), "--out-dir", str(out)]
    # inside the namespace: run, then record what the tmpfs holds before it vanishes
    shell = f"\"$@\"; code=$?; find '{out}' -mindepth 1 > '{listing}'; exit $code"
    proc = subprocess.Popen(
        in_tmpfs({out: "256k"}, ["sh", "-c", shell, "sh", *run]),
        cwd=base,
        env=child_env(migrated_prefect_home()),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return {"proc": proc, "wh": wh, "listing": listing, "before": state(sample_warehouse)}


# --- kill -9 of real `tajian run` processes ------------------------------------------------


@pytest.mark.slow
def test_kill_9_during_real_runs_then_the_next_run_takes_over(sample_warehouse, tmp_path, full_disk_run):
    """kill -9 while Prefect starts (the lease held, no run row yet), then while the report is
    being written (the run's rows in the warehouse, its staging folder half full); each next
    run takes the lease over and undoes what the killed one left; the last one completes.
    (The full-disk run runs meanwhile, on its own warehouse.)"""
    wh, out = tmp_path / "w.duckdb", tmp_path / "out"
    shutil.copy(sample_warehouse, wh)
    before = state(wh)
    env = child_env(migrated_prefect_home())
    args = [*RUN_ARGS, "--warehouse", str(wh), "--out-dir", str(out)]

    # 1. killed while Prefect starts: the lease is held, nothing written yet
    k1 = tajian(args, env, tmp_path, "k1")
    wait_until("k1 holds the lease", lambda: (lease_of(wh) or {}).get("pid") == k1.pid, k1)
    kill9(k1)
    assert state(wh) == before and hidden(out) == []  # as before: no run row at all
    assert lease_of(wh)["pid"] == k1.pid  # a stale lease: its holder is dead

    # 2. killed while writing its report: it took k1's lease over (nothing to undo)
    k2 = tajian(args, env, tmp_path, "k2")
    staging = wait_until("k2's staging folder", lambda: (lease_of(wh) or {}).get("staging"), k2)
    kill9(k2)
    k2_run = lease_of(wh)["run_id"]
    mid = state(wh)  # what a killed process cannot clean: its rows, its staging folder
    assert mid["runs"][k2_run] == "running"
    assert all(k2_run in mid["owners"][t] for t in ("user_tags", "seeds", "selections"))
    assert Path(staging).exists() and hidden(out) == [Path(staging).name]

    # 3. the next run takes k2's lease over, removes its rows and staging folder, and completes
    k3 = tajian(args, env, tmp_path, "k3")
    code, stdout, stderr = finish(k3)
    assert code == 0, (stdout, stderr)
    assert k2_run in stderr  # the note: which run it took over, what it undid
    after = state(wh)
    k3_run = published_run(out)
    _unchanged_apart_from_runs(before, after)
    assert {r: s for r, s in after["runs"].items() if r not in before["runs"]} == {
        k2_run: "failed",
        k3_run: "succeeded",
    }
    assert "killed" in after["errors"][k2_run]
    for table in ("user_tags", "seeds", "selections"):
        assert set(after["owners"][table]) == {k3_run}, table
    assert hidden(out) == [] and lease_of(wh) is None


# --- a full disk under the warehouse ----------------------------------------------------------


@pytest.fixture
def tmpfs_ok() -> None:
    why = can_mount_tmpfs()
    if why:
        pytest.skip(f"no full-disk test on this machine: {why} (RLIMIT_FSIZE would give EFBIG, not ENOSPC)")


WRITE_ON_FULL_DISK = textwrap.dedent(
    """
    import json, os, sys
    from datetime import date
    import pandas as pd
    from store.warehouse import open_warehouse, start_run, write_user_tags
    wh, report = sys.argv[1], sys.argv[2]
    con = open_warehouse(wh)
    start_run(con, run_id="r", flow="pipeline", segment="mothers", as_of=date(2026, 11, 15),
              window_days=3, params={})
    try:  # fill the disk, then write a run's tags: the commit's WAL write fails
        with open(os.path.join(os.path.dirname(wh), "filler"), "wb") as f:
            while True:
                f.write(bytes(65536))
    except OSError:
        pass
    n = 2000
    tags = pd.DataFrame({"user_id": [str(i) for i in range(n)], "segment": "mothers", "score": 0.5,
                         "n_posts": 3, "n_hits": 3, "evidence": ["x" * 100] * n})
    try:
        write_user_tags(con, "r", tags)
        error = None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    with open(report, "w") as f:
        json.dump({"error": error}, f)
    """
)


def test_a_full_disk_under_the_warehouse_raises_the_real_error(tmp_path, tmpfs_ok):
    """The write's own error ("No space left on device"), not DuckDB's "cannot rollback - no
    transaction is active" from the rollback after its failed commit (the code before gave that)."""
    from store.warehouse import open_warehouse

    disk, report = tmp_path / "disk", tmp_path / "report.json"
    disk.mkdir()
    open_warehouse(tmp_path / "w.duckdb").close()
    child = [sys.executable, "-c", WRITE_ON_FULL_DISK, str(disk / "w.duckdb"), str(report)]
    shell = f"cp '{tmp_path / 'w.duckdb'}' '{disk}' && exec \"$@\""
    done = subprocess.run(
        in_tmpfs({disk: "4m"}, ["sh", "-c", shell, "sh", *child]),
        cwd=ROOT,
        env=child_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    error = json.loads(report.read_text(encoding="utf-8"))["error"]
    assert error and "No space left on device" in error and "cannot rollback" not in error


@pytest.mark.slow
def test_a_full_disk_fails_the_run_in_one_line_and_leaves_nothing(full_disk_run):
    """One line naming the full disk (its log file has the traceback), exit 1; no staging folder
    or partial report left; no rows of the failed run, its row marked failed with the error;
    the warehouse otherwise as before; no lease file."""
    if "skip" in full_disk_run:
        pytest.skip(f"no full-disk test on this machine: {full_disk_run['skip']}")
    stdout, stderr = full_disk_run["proc"].communicate(timeout=900)
    assert full_disk_run["proc"].returncode == 1, (stdout, stderr)
    assert one_line(stderr) and "No space left on device" in stderr, stderr
    log = Path(stderr.rsplit("(details: ", 1)[1].rstrip().rstrip(")"))
    assert "Traceback" in log.read_text(encoding="utf-8")
    assert full_disk_run["listing"].read_text(encoding="utf-8") == ""  # nothing left on the disk
    wh, before = full_disk_run["wh"], full_disk_run["before"]
    after = state(wh)
    _unchanged_apart_from_runs(before, after)
    new = {r: s for r, s in after["runs"].items() if r not in before["runs"]}
    assert list(new.values()) == ["failed"]
    (failed,) = new
    assert "No space left on device" in after["errors"][failed]
    assert all(failed not in after["owners"][t] for t in ("user_tags", "seeds", "selections"))
    assert lease_of(wh) is None and not lease_path(wh, "mothers", AS_OF).parent.exists()
