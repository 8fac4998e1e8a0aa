"""Two runs of the same (segment, day) at once never erase each other (issue 17, point 1): the
day's lease (store/leases.py), held by real processes racing for it.

A run holds the day's lease for its whole life, without any server; a second run is refused
(or, with ``--wait``, waits), and within one process the lease is re-entered. The real
``tajian run`` processes racing for a day are in test_run_faults.py (one scenario shared with
the kill tests, since each process costs 5–16 s of Prefect start-up).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.errors import EXIT_BUSY
from store.leases import STALE_S, LeaseHeldError, lease_path, run_lease
from tests.flows.faults import AS_OF, ROOT, lease_of, one_line

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
def test_two_real_runs_of_one_day_never_erase_each_other(real_runs):
    """Real ``tajian run`` processes on one warehouse, without a server (tests/flows/faults.py:
    real_runs): two started 0.05 s apart (the issue's repro), a third while the winner is
    mid-run, a fourth with --wait. The two refused say so in one line (exit 75) and leave no run
    row; the winner and the waiting run both publish, the later one last; the day's rows are
    exactly the last publisher's, never a mix, never empty."""
    done, winner, loser = real_runs["done"], real_runs["winner"], real_runs["loser"]
    for name in (loser, "c"):
        code, out, err = done[name]
        assert code == EXIT_BUSY and one_line(err), (name, code, out, err)
    for name in (winner, "d"):
        code, out, err = done[name]
        assert code == 0, (name, out, err)
    won, last = real_runs["published"][winner], real_runs["published"]["d"]
    first = real_runs["after_winner"]  # when the winner had published: its rows are the day's
    assert first["runs"][won] == "succeeded"
    assert set(first["owners"]["seeds"]) == {won} and set(first["owners"]["selections"]) == {won}
    after = real_runs["after"]
    killed = real_runs["k2"]["lease"]["run_id"]
    new = {r: s for r, s in after["runs"].items() if r not in real_runs["before"]["runs"]}
    assert new == {killed: "failed", won: "succeeded", last: "succeeded"}  # refused: no run row
    for table in ("seeds", "user_tags", "selections"):
        assert set(after["owners"][table]) == {last}, table
    assert after["owners"]["seeds"][last] == 5 and after["owners"]["selections"][last] == 1
    assert real_runs["hidden"][winner] == [] and real_runs["hidden"]["d"] == []
    assert real_runs["lease_after"] is None


def _record(wh: Path, staging: Path, **holder) -> None:
    """A lock file left with ``holder``'s record and a staging folder in its journal, unlocked."""
    path = lease_path(wh, "mothers", AS_OF)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging.mkdir()
    path.write_text(json.dumps({"staging": str(staging), **holder}), encoding="utf-8")


def test_a_record_from_a_live_looking_holder_is_respected_where_flock_cannot_tell(tmp_path):
    """Where flock does not reach the holder (a network filesystem), its record decides: another
    host's holder with a fresh heartbeat holds the day; one silent for STALE_S, or a dead pid on
    this host, is taken over and its journal undone."""
    wh = tmp_path / "w.duckdb"
    now = datetime.now(UTC)
    fresh, stale = now.isoformat(), (now - timedelta(seconds=STALE_S + 5)).isoformat()
    _record(wh, tmp_path / "s1", host="another-host", pid=1, heartbeat_at=fresh)
    with pytest.raises(LeaseHeldError), run_lease(wh, "mothers", AS_OF):
        pass
    assert (tmp_path / "s1").exists()
    for n, holder in enumerate(
        [
            {"host": "another-host", "pid": 1, "heartbeat_at": stale},
            {"host": socket.gethostname(), "pid": _dead_pid(), "heartbeat_at": fresh},
        ]
    ):
        lease_path(wh, "mothers", AS_OF).unlink(missing_ok=True)
        _record(wh, tmp_path / f"s{n + 2}", **holder)
        told: list[list[str]] = []
        with run_lease(wh, "mothers", AS_OF, on_recover=lambda prev, done, told=told: told.append(done)):
            pass
        assert told and not (tmp_path / f"s{n + 2}").exists()
        assert lease_of(wh) is None


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(child.stdout)


def test_a_holder_that_died_while_taking_over_leaves_both_journals_to_undo(tmp_path):
    """A run killed while it undid a dead run's leftovers: the next holder undoes both."""
    wh = tmp_path / "w.duckdb"
    (tmp_path / "first").mkdir()
    _record(
        wh,
        tmp_path / "second",
        host=socket.gethostname(),
        pid=_dead_pid(),
        taking_over={"staging": str(tmp_path / "first")},
    )
    with run_lease(wh, "mothers", AS_OF) as lease:
        assert lease_of(wh)["pid"] == lease.info["pid"] and "taking_over" not in lease_of(wh)
    assert not (tmp_path / "first").exists() and not (tmp_path / "second").exists()
    assert lease_of(wh) is None
