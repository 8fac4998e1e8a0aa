"""`tajian serve` against a real Prefect server: the deployment, its schedule, one run to COMPLETED.

Starts `prefect server start` (SQLite, PREFECT_HOME in a temp dir) on a free loopback port, then
`tajian serve` as a second process, exactly as the README tells a user to. Checks the deployment
and its limits through the API, triggers one run on the shipped sample (dropped in the inbox;
k=10), and stops both processes. Without a working `prefect server` it skips, or fails
under TAJIAN_REQUIRE_ALL=1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import missing

pytestmark = [pytest.mark.server, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(cmd: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    """Start ``cmd`` in its own process group, with Ctrl-C (SIGINT) handled even when this test
    runs in a background job (where SIGINT is inherited as ignored)."""
    with open(log, "wb") as sink:
        return subprocess.Popen(
            cmd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group this test started: Ctrl-C, then SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)


def tail(path: Path, n: int = 3000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-n:] if path.exists() else ""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real `prefect server start` on a free port; yields (api_url, env for child processes)."""
    prefect = BIN / "prefect"
    if not prefect.exists():
        missing(f"the prefect command is not installed next to {sys.executable}")
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TAJIAN_"))}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    }
    log = home / "server.log"
    proc = spawn(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
        env,
        log,
        home,
    )
    import httpx

    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                missing(f"`prefect server start` exited with code {proc.returncode}:\n{tail(log)}")
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                missing(f"`prefect server start` did not answer {api}/health in 90 s:\n{tail(log)}")
            time.sleep(0.5)
        yield api, env | {"PREFECT_API_URL": api}
    finally:
        stop(proc)


def test_serve_registers_the_daily_deployment_and_runs_it(server, tmp_path, sample_dir):
    api, env = server
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    inbox, wh, out = tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "out"
    inbox.mkdir()
    for f in sample_dir.glob("*.jsonl"):
        shutil.copy(f, inbox)
    serve_env = env | {
        "TAJIAN_INBOX": str(inbox),
        "TAJIAN_WAREHOUSE": str(wh),
        "TAJIAN_OUT_DIR": str(out),
        "TAJIAN_K": "10",
    }
    log = tmp_path / "serve.log"
    serving = spawn(
        [str(BIN / "tajian"), "serve", "--cron", "30 3 * * *", "--timezone", "Asia/Shanghai"],
        serve_env,
        log,
        tmp_path,
    )
    try:
        with temporary_settings(updates={PREFECT_API_URL: api}):
            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + 90
                while True:
                    try:
                        deployment = client.read_deployment_by_name("tajian-daily/daily")
                        break
                    except Exception:  # not registered yet
                        assert serving.poll() is None, f"tajian serve exited:\n{tail(log)}"
                        assert time.monotonic() < deadline, f"no deployment after 90 s:\n{tail(log)}"
                        time.sleep(0.5)
                [schedule] = deployment.schedules
                assert schedule.schedule.cron == "30 3 * * *"
                assert schedule.schedule.timezone == "Asia/Shanghai" and schedule.active
                assert deployment.parameters == {"segments": ["mothers"]}
                assert deployment.entrypoint == "flows.pipeline.daily"
                assert deployment.global_concurrency_limit.limit == 1
                for name in ("tajian-warehouse", "tajian-segment-mothers"):
                    assert client.read_global_concurrency_limit_by_name(name).limit == 1
            # one run on the sample, executed by the serving process
            run = run_deployment(
                "tajian-daily/daily", timeout=150, poll_interval=2, parameters={"as_of": "2026-11-15"}
            )
            assert run.state.is_completed(), f"{run.state}\n{tail(log)}"
        # the inbox files were moved after loading, the day's outputs and run row are there
        assert not list(inbox.glob("*.jsonl"))
        assert len(list((inbox / "processed").glob("*/*.jsonl"))) == 2
        assert (out / "mothers" / "2026-11-15" / "report.html").is_file()
        from store.warehouse import open_warehouse

        con = open_warehouse(wh, read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == 2
            assert con.execute("SELECT count(*) FROM seeds").fetchone()[0] == 10
        finally:
            con.close()
        from flows.history import partition_grid

        grid = partition_grid(wh, date(2026, 11, 15), date(2026, 11, 15))
        assert grid.to_dict("records") == [{"segment": "mothers", "2026-11-15": "done"}]

        # a backfill submitted to the server: the done day is skipped, the other becomes one flow
        # run of the served backfill deployment; its idempotency key finds that run again
        from flows.backfill import backfill_key, submit_backfill
        from flows.serve import BACKFILL_DEPLOYMENT

        day = date(2026, 11, 14)
        with temporary_settings(updates={PREFECT_API_URL: api}):
            result = submit_backfill(
                "mothers", day, date(2026, 11, 15), warehouse=wh, k=10, out_dir=out, poll_interval=1
            )
            assert result.skipped == [date(2026, 11, 15)] and result.done == [day], (result, tail(log))
            key = backfill_key("mothers", day, 30, 10, 42)
            again = run_deployment(
                BACKFILL_DEPLOYMENT,
                idempotency_key=key,
                timeout=0,
                as_subflow=False,
                parameters={"segment": "mothers", "as_of": day.isoformat()},
            )
            assert str(again.id) == result.flow_runs[day]
            with get_client(sync_client=True) as client:
                backfill = client.read_deployment_by_name(BACKFILL_DEPLOYMENT)
                assert backfill.entrypoint == "flows.pipeline.backfill_day"
        grid = partition_grid(wh, day, date(2026, 11, 15))
        assert grid.to_dict("records") == [{"segment": "mothers", "2026-11-14": "done", "2026-11-15": "done"}]
        assert (out / "mothers" / "2026-11-14" / "seeds.csv").is_file()
    finally:
        started = time.monotonic()
        stop(serving)
    assert serving.returncode == 0 and time.monotonic() - started < 20, tail(log)  # Ctrl-C: clean exit
    # stopping the served process leaves the schedule active (pause_on_shutdown=False)
    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("tajian-daily/daily")
        assert not deployment.paused and deployment.schedules[0].active


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "TAJIAN_"))}
    env["PREFECT_HOME"] = str(tmp_path)  # no profile with an API URL
    done = subprocess.run(
        [str(BIN / "tajian"), "serve"], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 2
    assert "PREFECT_API_URL is not set" in done.stderr and "prefect server start" in done.stderr
