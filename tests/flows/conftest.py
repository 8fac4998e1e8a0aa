"""The real-process scenario of issue 17's run side (tests/flows/faults.py), run once per session
for test_concurrent_runs.py and test_run_faults.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def real_runs(sample_dir, tmp_path_factory) -> dict[str, Any]:
    from flows.exports import ingest_paths
    from tests.flows.faults import real_runs as scenario

    sample = tmp_path_factory.mktemp("real-runs-sample") / "w.duckdb"
    ingest_paths(Path(sample), [sample_dir])
    return scenario(sample, tmp_path_factory.mktemp("real-runs"))
