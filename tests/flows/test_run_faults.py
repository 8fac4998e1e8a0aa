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
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from store.leases import lease_path, run_lease
from tests.flows.faults import (
    AS_OF,
    ROOT,
    can_mount_tmpfs,
    child_env,
    hidden,
    in_tmpfs,
    lease_of,
    one_line,
    state,
)


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


# --- kill -9 of real `tajian run` processes (tests/flows/faults.py: real_runs) --------------


@pytest.mark.slow
def test_kill_9_while_prefect_starts_leaves_the_warehouse_as_before(real_runs):
    """Killed holding the day's lease, before writing anything: the warehouse as before (no run
    row at all), no folder; the lease file stays, naming its dead holder."""
    k1 = real_runs["k1"]
    assert k1["state"] == real_runs["before"] and k1["hidden"] == []
    assert k1["lease"]["pid"] == k1["pid"]


@pytest.mark.slow
def test_kill_9_mid_report_is_undone_by_the_next_run_of_the_day(real_runs):
    """Killed while writing its report, a run leaves what no process can clean after its own
    death (its rows, its staging folder, its row marked running); the next run of the day takes
    its lease over, removes them, marks it failed, and works."""
    k2 = real_runs["k2"]
    k2_run = k2["lease"]["run_id"]
    assert k2["state"]["runs"][k2_run] == "running"
    assert all(k2_run in k2["state"]["owners"][t] for t in ("user_tags", "seeds", "selections"))
    assert k2["hidden"] == [k2["staging"].name]
    winner = real_runs["winner"]
    code, _, stderr = real_runs["done"][winner]
    assert code == 0 and k2_run in stderr  # the note: which run it took over, what it undid
    after = real_runs["after"]
    assert after["runs"][k2_run] == "failed" and "killed" in after["errors"][k2_run]
    assert all(k2_run not in after["owners"][t] for t in ("user_tags", "seeds", "selections"))
    assert not k2["staging"].exists() and real_runs["hidden"]["k2"] == []
    _unchanged_apart_from_runs(real_runs["before"], after)


@pytest.mark.slow
def test_a_full_disk_fails_the_run_in_one_line_and_leaves_nothing(real_runs):
    """Outputs on a 256 KiB tmpfs, the report (~5 MB) cannot be written: one line naming the
    full disk (its log file holds the traceback), exit 1; nothing left on the disk; no rows of
    the failed run, its row marked failed with the error; the warehouse otherwise as before."""
    f = real_runs["f"]
    if "skip" in f:
        pytest.skip(
            f"no full-disk test on this machine: {f['skip']} (RLIMIT_FSIZE would give EFBIG, not ENOSPC)"
        )
    assert f["code"] == 1, (f["stdout"], f["stderr"])
    assert one_line(f["stderr"]) and "No space left on device" in f["stderr"], f["stderr"]
    log = Path(re.search(r"(/\S+?\.log)", f["stderr"]).group(1))  # "(details: …)" / "（详情见：…）"
    assert "Traceback" in log.read_text(encoding="utf-8")
    assert f["listing"] == ""  # no staging folder, no partial report
    _unchanged_apart_from_runs(f["before"], f["after"])
    new = {r: s for r, s in f["after"]["runs"].items() if r not in f["before"]["runs"]}
    assert list(new.values()) == ["failed"]
    (failed,) = new
    assert "No space left on device" in f["after"]["errors"][failed]
    assert all(failed not in f["after"]["owners"][t] for t in ("user_tags", "seeds", "selections"))
    assert lease_of(f["wh"]) is None and not lease_path(f["wh"], "mothers", AS_OF).parent.exists()


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
