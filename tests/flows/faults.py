"""Helpers of the run-side fault tests: real ``tajian run`` processes, what a warehouse holds per
run, the day's lease file, and a small tmpfs where the machine allows one.

Every child process runs this checkout's code (``PYTHONPATH``), in Prefect's ephemeral mode (no
``PREFECT_API_URL``: ``tajian run`` must be safe without a server), with a Prefect home whose
database is migrated once per machine (a fresh one costs ~17 CPU-seconds of migrations in the
first process, and two fresh processes would race to migrate it).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store.leases import lease_path
from store.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 15)
#: a short window and few seeds: the same code paths, a quicker run (~8 s after Prefect's start)
RUN_ARGS = ["run", "--segment", "mothers", "--as-of", AS_OF.isoformat(), "--window-days", "3", "--k", "5"]


def migrated_prefect_home() -> Path:
    """A Prefect home whose database is migrated, made once per machine and Prefect version."""
    import prefect

    home = Path(tempfile.gettempdir()) / f"tajian-test-prefect-{prefect.__version__}"
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test session may be making it
        if not (home / ".migrated").exists():
            env = {**child_env(home), "PREFECT_HOME": str(home)}
            subprocess.run(
                [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
                env=env,
                check=True,
                capture_output=True,
                timeout=600,
            )
            (home / ".migrated").touch()
    return home


def child_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    """The environment of a child ``tajian``: this checkout's code, ephemeral Prefect."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and not k.startswith("TAJIAN_")
    }
    env.update(
        PYTHONPATH=str(ROOT),
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300",
        COLUMNS="200",
    )
    env.update(extra)
    return env


def tajian(args: list[str], env: dict[str, str], cwd: Path, name: str) -> subprocess.Popen:
    """Start ``tajian ARGS`` (stdout and stderr to ``cwd/<name>.out|err``) in a process group of
    its own, so :func:`kill9` also kills the temporary Prefect server it starts."""
    out = open(cwd / f"{name}.out", "w")  # noqa: SIM115 - closed by finish()
    err = open(cwd / f"{name}.err", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        env=env,
        cwd=cwd,
        stdout=out,
        stderr=err,
        start_new_session=True,
    )
    proc.name, proc.files = name, (out, err)  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    """Wait for ``proc``; its exit code, stdout and stderr."""
    code = proc.wait(timeout=timeout)
    for f in proc.files:  # type: ignore[attr-defined]
        f.close()
    cwd = Path(proc.files[0].name).parent  # type: ignore[attr-defined]
    read = lambda ext: (cwd / f"{proc.name}.{ext}").read_text(encoding="utf-8")  # noqa: E731
    return code, read("out"), read("err")


def kill9(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc`` and its process group: a power cut for the run and its Prefect server
    (a killed run's server, its child, would otherwise live on with nobody to stop it)."""
    os.killpg(proc.pid, signal.SIGKILL)
    finish(proc, timeout=60)


def wait_until(
    what: str, check: Callable[[], Any], proc: subprocess.Popen | None = None, timeout: float = 400
) -> Any:
    """Poll ``check`` until it returns something true (returned); fail if ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            code, out, err = finish(proc)
            pytest.fail(f"{proc.name} ended (exit {code}) before {what}:\n{out}\n{err}")  # type: ignore[attr-defined]
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def one_line(text: str) -> bool:
    """An error as the user sees it: exactly one non-empty line and no traceback."""
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) == 1 and "Traceback" not in text


def lease_of(warehouse: Path, segment: str = "mothers", day: date = AS_OF) -> dict[str, Any] | None:
    """What the day's lease file says (None when there is none)."""
    path = lease_path(warehouse, segment, day)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}


def state(warehouse: Path) -> dict[str, Any]:
    """What the warehouse holds: every table's row count, each run's status, and which runs
    own the rows of user_tags, seeds and selections (run id → rows)."""
    con = open_warehouse(warehouse, read_only=True, retries=60)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        runs = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
        owners = {
            t: dict(con.execute(f"SELECT run_id, count(*) FROM {t} GROUP BY run_id").fetchall())
            for t in ("user_tags", "seeds", "selections")
        }
        errors = dict(con.execute("SELECT run_id, error FROM runs WHERE error IS NOT NULL").fetchall())
    finally:
        con.close()
    return {"counts": counts, "runs": runs, "owners": owners, "errors": errors}


def hidden(folder: Path) -> list[str]:
    """Staging and set-aside folders (names starting with a dot) anywhere under ``folder``."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def published_run(out_dir: Path, day: date = AS_OF) -> str | None:
    """The run id in the published seeds.json of the day (None when there is none)."""
    path = out_dir / "mothers" / day.isoformat() / "seeds.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["report"]["run_id"]


def can_mount_tmpfs() -> str | None:
    """None when ``unshare -rm`` lets this user mount a tmpfs (a private mount namespace),
    else why not."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = tempfile.mkdtemp()
    try:
        done = subprocess.run(
            ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {probe} && touch {probe}/x"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    if done.returncode != 0:
        return f"cannot mount a tmpfs in a private mount namespace here: {done.stderr.strip()[:200]}"
    return None


def in_tmpfs(mounts: dict[Path, str], command: list[str]) -> list[str]:
    """``command`` run in a private mount namespace with a tmpfs of each given size
    (``"256k"``) mounted on each folder; the mounts vanish when it ends."""
    script = " && ".join(f"mount -t tmpfs -o size={size} tmpfs '{path}'" for path, size in mounts.items())
    return ["unshare", "-rm", "sh", "-c", f'{script} && exec "$@"', "sh", *command]


def real_runs(sample_warehouse: Path, base: Path) -> dict[str, Any]:
    """The real-process scenario of the run side of issue 17, run once for the tests that check
    it (each ``tajian run`` costs 5–16 s of Prefect start-up, so the kills and the race share one
    warehouse): what each step left, for the tests to check.

    1. ``k1`` is killed while Prefect starts (it holds the day's lease, has written nothing);
    2. ``k2`` takes the stale lease over and is killed while writing its report (its rows are in
       the warehouse, its staging folder is half full);
    3. ``a`` and ``b`` start 0.05 s apart (the issue's repro): one takes k2's lease over (undoing
       k2's rows and folder), the other is refused;
    4. while the winner is mid-run, ``c`` starts (refused) and ``d`` starts with ``--wait``;
    5. the winner publishes, then ``d`` publishes last.

    Meanwhile ``f`` runs on a copy of the warehouse with its outputs on a 256 KiB tmpfs (a
    private mount namespace; skipped where none can be mounted): writing its report fails.
    """
    wh = base / "w.duckdb"
    shutil.copy(sample_warehouse, wh)
    seen: dict[str, Any] = {"wh": wh, "base": base, "before": state(wh)}
    env = child_env(migrated_prefect_home())
    seen["f"] = _start_full_disk_run(sample_warehouse, base / "full-disk", env)

    def run(name: str, *extra: str) -> subprocess.Popen:
        return tajian(
            [*RUN_ARGS, "--warehouse", str(wh), "--out-dir", str(base / name), *extra], env, base, name
        )

    k1 = run("k1")
    wait_until("k1 holds the lease", lambda: (lease_of(wh) or {}).get("pid") == k1.pid, k1)
    kill9(k1)
    seen["k1"] = {"pid": k1.pid, "state": state(wh), "lease": lease_of(wh), "hidden": hidden(base / "k1")}

    k2 = run("k2")
    staging = wait_until("k2's staging folder", lambda: (lease_of(wh) or {}).get("staging"), k2)
    kill9(k2)
    seen["k2"] = {
        "lease": lease_of(wh),
        "state": state(wh),
        "staging": Path(staging),
        "hidden": hidden(base / "k2"),
    }

    procs = {}
    for name in ("a", "b"):
        procs[name] = run(name)
        time.sleep(0.05)
    holder = wait_until(
        "a run holds the day", lambda: (lease_of(wh) or {}).get("pid") in (procs["a"].pid, procs["b"].pid)
    )
    winner = "a" if (lease_of(wh) or {}).get("pid") == procs["a"].pid else "b"
    seen["winner"], seen["loser"] = winner, "b" if winner == "a" else "a"
    assert holder
    wait_until(
        "the winner's run row",
        lambda: (lease_of(wh) or {}).get("run_id") not in (None, seen["k2"]["lease"]["run_id"]),
        procs[winner],
    )
    procs["c"] = run("c")
    procs["d"] = run("d", "--wait", "900")
    seen["done"] = {}
    for name in (seen["loser"], "c", winner):
        seen["done"][name] = finish(procs[name])
    seen["after_winner"] = state(wh)  # the winner published; d waits for the lease, or has just begun
    seen["done"]["d"] = finish(procs["d"])
    seen["after"] = state(wh)
    seen["published"] = {name: published_run(base / name) for name in (winner, "d")}
    seen["hidden"] = {name: hidden(base / name) for name in ("k2", winner, "d")}
    seen["lease_after"] = lease_of(wh)
    seen["f"] = _finish_full_disk_run(seen["f"])
    return seen


def _start_full_disk_run(sample_warehouse: Path, base: Path, env: dict[str, str]) -> dict[str, Any]:
    why = can_mount_tmpfs()
    if why:
        return {"skip": why}
    base.mkdir()
    wh, out, listing = base / "w.duckdb", base / "out", base / "listing.txt"
    shutil.copy(sample_warehouse, wh)
    out.mkdir()
    run = [sys.executable, "-m", "flows.cli", *RUN_ARGS, "--warehouse", str(wh), "--out-dir", str(out)]
    # inside the namespace: run, then record what the tmpfs holds before it vanishes
    shell = f"\"$@\"; code=$?; find '{out}' -mindepth 1 > '{listing}'; exit $code"
    proc = subprocess.Popen(
        in_tmpfs({out: "256k"}, ["sh", "-c", shell, "sh", *run]),
        cwd=base,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return {"proc": proc, "wh": wh, "listing": listing, "before": state(wh)}


def _finish_full_disk_run(f: dict[str, Any]) -> dict[str, Any]:
    if "skip" in f:
        return f
    stdout, stderr = f["proc"].communicate(timeout=900)
    return {
        **f,
        "code": f["proc"].returncode,
        "stdout": stdout,
        "stderr": stderr,
        "listing": f["listing"].read_text(encoding="utf-8"),
        "after": state(f["wh"]),
    }
