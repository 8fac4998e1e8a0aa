"""Scale-out: the pipeline on an existing Dask cluster (prefect-dask's DaskTaskRunner).

A Dask scheduler and one worker (one thread) run as separate processes on loopback, as they
would in production; the flow connects to the scheduler's address (never a temporary cluster).
The run tags the sample in 2 user shards on the worker and must give the same tags and seeds
as an unsharded run in this process (and as 3 shards in this process's task threads).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, missing

AS_OF = date(2026, 11, 15)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: dask closes cleanly
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_address(tmp_path_factory) -> Iterator[str]:
    """A Dask scheduler and one single-threaded worker, each its own process; their address."""
    try:
        import distributed  # noqa: F401
        import prefect_dask  # noqa: F401
    except ImportError as exc:
        missing(f"prefect-dask / distributed are not installed ({exc}); they are in the lock: make install")
    import dask

    # a loaded CI box (the suite runs on a worker per core) can stall an event loop for seconds:
    # Dask's default 30 s comm timeouts then drop the client ("scheduler-connection-lost")
    timeouts = {"distributed.comm.timeouts.connect": "120s", "distributed.comm.timeouts.tcp": "120s"}
    dask.config.set(timeouts)
    base = tmp_path_factory.mktemp("dask")
    scheduler_file = base / "scheduler.json"
    env = {
        **os.environ,
        "PREFECT_HOME": str(base / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "120s",
        "DASK_DISTRIBUTED__COMM__TIMEOUTS__TCP": "120s",
    }
    logs = [open(base / name, "wb") for name in ("scheduler.log", "worker.log")]  # noqa: SIM115
    procs: list[subprocess.Popen] = []
    try:
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "distributed.cli.dask_scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(scheduler_file),
                    "--idle-timeout",
                    "600",
                ],
                cwd=ROOT,
                env=env,
                stdout=logs[0],
                stderr=subprocess.STDOUT,
            )
        )
        deadline = time.monotonic() + 30
        while not scheduler_file.is_file() and time.monotonic() < deadline:
            if procs[0].poll() is not None:
                break
            time.sleep(0.2)
        if not scheduler_file.is_file():
            missing(f"the Dask scheduler did not start: {(base / 'scheduler.log').read_text()[-800:]}")
        time.sleep(0.2)  # the file is written whole, but give the writer a moment
        address = json.loads(scheduler_file.read_text())["address"]
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "distributed.cli.dask_worker",
                    address,
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--memory-limit",
                    "0",
                    "--death-timeout",
                    "60",
                    "--name",
                    "tajian-test-worker",
                ],
                cwd=ROOT,
                env=env,
                stdout=logs[1],
                stderr=subprocess.STDOUT,
            )
        )
        from distributed import Client

        with Client(address, timeout=30) as client:
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError:
                missing(f"no Dask worker joined: {(base / 'worker.log').read_text()[-800:]}")
        yield address.removeprefix("tcp://")
    finally:
        for proc in reversed(procs):  # the worker first, then the scheduler
            _stop(proc)
        for log in logs:
            log.close()


def _results(wh: Path, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    from store.warehouse import open_warehouse

    con = open_warehouse(wh, read_only=True)
    try:
        tags = con.execute(
            "SELECT user_id, segment, score, n_posts, n_hits, evidence, rule FROM user_tags "
            "WHERE run_id = ? ORDER BY score DESC, user_id",
            [run_id],
        ).df()
        seeds = con.execute(
            "SELECT segment, rank, user_id, marginal_reach, cumulative_reach, community, reason "
            "FROM seeds WHERE run_id = ? ORDER BY rank",
            [run_id],
        ).df()
    finally:
        con.close()
    return tags, seeds


@pytest.mark.slow
def test_the_flow_in_shards_locally_and_on_a_dask_cluster_equals_an_unsharded_run(
    prefect_harness, dask_address, sample_dir, tmp_path
):
    from distributed import Client

    from flows import exports
    from flows.pipeline import pipeline, pipeline_on

    wh, out = tmp_path / "warehouse.duckdb", tmp_path / "out"
    exports.ingest_paths(wh, [sample_dir])
    common = {"segment": "mothers", "as_of": AS_OF, "warehouse": str(wh), "out_dir": str(out), "seed": 42}
    local = pipeline(**common, tag_shards=1)
    local_tags, local_seeds = _results(wh, local["run_id"])  # before the next run replaces the day

    threads = pipeline(**common, tag_shards=3)  # three shards in this process's task threads
    thread_tags, thread_seeds = _results(wh, threads["run_id"])
    pd.testing.assert_frame_equal(thread_tags, local_tags)
    pd.testing.assert_frame_equal(thread_seeds, local_seeds)

    remote = pipeline_on(dask_address)(**common, tag_shards=2)
    remote_tags, remote_seeds = _results(wh, remote["run_id"])

    assert remote["n_members"] == local["n_members"] == len(local_tags) > 300
    pd.testing.assert_frame_equal(remote_tags, local_tags)
    assert len(local_seeds) == 100
    pd.testing.assert_frame_equal(remote_seeds, local_seeds)
    assert remote["expected_reach"] == local["expected_reach"]

    # the two shard tasks ran on the cluster's worker, not in this process
    with Client(dask_address, timeout=30) as client:
        done = client.run_on_scheduler(
            lambda dask_scheduler: {
                name: dict(prefix.state_counts) for name, prefix in dask_scheduler.task_prefixes.items()
            }
        )
    # (state_counts counts transitions: each shard reached "memory", i.e. finished, once)
    assert sum(c.get("memory", 0) for name, c in done.items() if "tag_shard" in name) == 2, done


def test_a_dask_address_without_a_scheduler_is_refused_with_a_hint():
    from flows.run_checks import check_dask_address

    with socket.socket() as s:  # a free port, closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ValueError, match=r"no Dask scheduler answers.*dask scheduler"):
        check_dask_address(f"127.0.0.1:{port}", timeout=2)
    with pytest.raises(ValueError, match="HOST:PORT"):
        check_dask_address("localhost")
