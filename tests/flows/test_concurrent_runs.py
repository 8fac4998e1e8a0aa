"""Two runs of the same (segment, day) at once never erase each other (issue 17, point 1).

A run holds the day's lease (store/leases.py) for its whole life, without any server; a second
run refuses with one line (exit 75) or, with ``--wait``, queues behind it. Afterwards the day's
``seeds``, ``user_tags`` and ``selections`` are exactly the rows of the last run to publish, and
every run marked ``succeeded`` published its rows. On the code before the lease, two runs 0.05 s
apart both exited 0 with 0 seed rows left in 2 of 5 tries (the issue's probe).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from flows.steps import ingest_paths
from store.leases import LeaseHeldError, lease_path, run_lease
from tests.flows.faults import (
    AS_OF,
    ROOT,
    RUN_ARGS,
    child_env,
    finish,
    hidden,
    lease_of,
    migrated_prefect_home,
    one_line,
    published_run,
    state,
    tajian,
    wait_until,
)

BUSY = 75  # flows.messages.EXIT_BUSY


@pytest.fixture(scope="module")
def sample_warehouse(sample_dir, tmp_path_factory) -> Path:
    wh = tmp_path_factory.mktemp("sample") / "w.duckdb"
    ingest_paths(wh, [sample_dir])
    return wh


#: A process that takes the day's lease at ``start`` (a time.time()) and holds it until its stdin
#: closes, printing "held", or prints "refused".
HOLD = textwrap.dedent(
    """
    import sys, time
    from datetime import date
    from store.leases import LeaseHeldError, run_lease
    wh, start = sys.argv[1], float(sys.argv[2])
    time.sleep(max(0.0, start - time.time()))
    try:
        with run_lease(wh, "mothers", date(2026, 11, 15)) as lease:
            lease.note(run_id=f"r{lease.info['pid']}")
            print("held", flush=True)
            sys.stdin.read()
            lease.settled = True
    except LeaseHeldError:
        print("refused", flush=True)
    """
)


def _holder(wh: Path, start: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", HOLD, str(wh), str(start)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("attempt", range(5))
def test_processes_racing_for_a_day_get_exactly_one_lease(tmp_path, attempt):
    """Four processes try to take the same day's lease at the same instant: exactly one holds
    it (until all four have answered), the others are refused."""
    wh = tmp_path / "w.duckdb"
    start = time.time() + 1.0  # after every child has imported the module
    procs = [_holder(wh, start) for _ in range(4)]
    answers = [p.stdout.readline().strip() for p in procs]
    outcomes = sorted(
        p.communicate("", timeout=60)[0].strip() or a for p, a in zip(procs, answers, strict=True)
    )
    assert outcomes == ["held", "refused", "refused", "refused"], answers
    assert not lease_path(wh, "mothers", AS_OF).exists()  # released and removed


def test_a_lease_is_refused_waited_for_and_reentered(tmp_path):
    wh = tmp_path / "w.duckdb"
    holder = _holder(wh)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(LeaseHeldError, match=f"pid {holder.pid}") as refused, run_lease(wh, "mothers", AS_OF):
        pass
    assert refused.value.holder["run_id"] == f"r{holder.pid}"
    told = []
    release = threading.Timer(0.5, holder.stdin.close)
    release.start()
    with run_lease(wh, "mothers", AS_OF, wait_s=60, on_wait=told.append) as lease:
        assert told and told[0]["pid"] == holder.pid  # it was waited for
        assert holder.wait(timeout=30) == 0
        with run_lease(wh, "mothers", AS_OF) as again:  # the same process: re-entered
            assert again is lease
        assert lease_of(wh)["pid"] == lease.info["pid"]
    assert lease_of(wh) is None


@pytest.mark.slow
def test_two_real_runs_of_one_day_never_erase_each_other(sample_warehouse, tmp_path):
    """Real ``tajian run`` processes on one warehouse, without a server: two started 0.05 s
    apart (the issue's repro), a third while the winner is mid-run, a fourth with --wait."""
    wh = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, wh)
    before = state(wh)
    env = child_env(migrated_prefect_home())
    run = {}
    for name in ("a", "b"):
        run[name] = tajian(
            [*RUN_ARGS, "--warehouse", str(wh), "--out-dir", str(tmp_path / name)], env, tmp_path, name
        )
        time.sleep(0.05)
    holder = wait_until("a run holds the day", lambda: (lease_of(wh) or {}).get("pid"))
    winner, loser = ("a", "b") if holder == run["a"].pid else ("b", "a")
    assert holder == run[winner].pid
    # the winner is past begin_run (its run id is in the lease): one more run refuses, one waits
    wait_until("the winner's run row", lambda: (lease_of(wh) or {}).get("run_id"), run[winner])
    run["c"] = tajian(
        [*RUN_ARGS, "--warehouse", str(wh), "--out-dir", str(tmp_path / "c")], env, tmp_path, "c"
    )
    run["d"] = tajian(
        [*RUN_ARGS, "--warehouse", str(wh), "--out-dir", str(tmp_path / "d"), "--wait", "600"],
        env,
        tmp_path,
        "d",
    )
    done = {name: finish(p) for name, p in run.items() if name != "d"}
    for name in (loser, "c"):  # refused at once: one line, exit 75, no run row of its own
        code, out, err = done[name]
        assert code == BUSY and one_line(err), (name, code, out, err)
        assert not (tmp_path / name).exists()
    code, out, err = done[winner]
    assert code == 0, (out, err)
    first = state(wh)  # the winner published (the waiting run is still starting or tagging)
    won = published_run(tmp_path / winner)
    assert first["runs"][won] == "succeeded"
    assert set(first["owners"]["seeds"]) == {won} and set(first["owners"]["user_tags"]) == {won}
    code, out, err = finish(run["d"])
    assert code == 0, (out, err)
    after = state(wh)
    last = published_run(tmp_path / "d")
    new = {r: s for r, s in after["runs"].items() if r not in before["runs"]}
    assert new == {won: "succeeded", last: "succeeded"}  # the refused runs left no run row
    # the day's rows are exactly the last publisher's: never a mix, never empty
    for table in ("seeds", "user_tags", "selections"):
        assert set(after["owners"][table]) == {last}, table
    assert after["owners"]["seeds"][last] == 5 and after["owners"]["selections"][last] == 1
    for table in ("posts", "users", "interactions", "quarantine", "loads"):
        assert after["counts"][table] == before["counts"][table]
    assert all(hidden(tmp_path / name) == [] for name in (winner, "d"))  # no staging left
    assert lease_of(wh) is None
