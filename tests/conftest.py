"""Shared fixtures and the rules for optional tests.

Tests marked ``real_data`` (need ../shared/data), ``browser`` (need Chromium) or ``server``
(start a Prefect server) skip with a reason on a machine that lacks what they need, unless
``TAJIAN_REQUIRE_ALL=1`` (set by .ci/run): then they must run, and a missing need fails them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "samples" / "weibo_api"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under tests/, only test modules are collected: ``--doctest-modules`` (pyproject.toml) is for
    the packages' docstring examples, and importing the helper scripts here (fixture makers, data
    builders, several named ``make_fixtures.py``) would clash."""
    name = collection_path.name
    if collection_path.suffix == ".py" and not name.startswith("test_") and name not in _COLLECTED:
        return True
    return None


_COLLECTED = {"conftest.py", "__init__.py"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests in tests/flows/ and tests/e2e/ and the ``test_*_e2e.py`` modules drive the CLI, Prefect
    flows or whole pipeline runs in real processes: they carry the ``integration`` marker, which
    ``make test-fast`` leaves out (``make test`` runs them). Then each test gets its xdist group."""
    tests = ROOT / "tests"
    for item in items:
        path = item.path
        if not path.is_relative_to(tests):
            continue
        parts = path.relative_to(tests).parts
        if parts[0] in ("flows", "e2e") or path.stem.endswith("_e2e"):
            item.add_marker(pytest.mark.integration)
    _xdist_groups(items)


#: session fixtures that cost minutes: the tests using one run on one xdist worker, so it runs once
_SHARED_SESSION_FIXTURES = ("real_runs",)


def _xdist_groups(items: list[pytest.Item]) -> None:
    """``make test`` runs the suite on a worker per core with ``--dist loadgroup`` (pytest-xdist): each
    test module is one group, so its module fixtures (a pipeline run, a warehouse) are built once,
    and the tests of an expensive session fixture share one group for the same reason."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        shared = [name for name in _SHARED_SESSION_FIXTURES if name in getattr(item, "fixturenames", ())]
        group = shared[0] if shared else item.path.relative_to(ROOT).as_posix()
        item.add_marker(pytest.mark.xdist_group(name=group))


def require_all() -> bool:
    return os.environ.get("TAJIAN_REQUIRE_ALL", "") == "1"


def missing(reason: str) -> None:
    """Skip, or fail when TAJIAN_REQUIRE_ALL=1."""
    if require_all():
        pytest.fail(f"TAJIAN_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """../shared/data (or TAJIAN_REAL_DATA)."""
    path = Path(os.environ.get("TAJIAN_REAL_DATA", ROOT.parent / "shared" / "data"))
    if not (path / "README.md").is_file():
        missing(f"the real data is not at {path} (set TAJIAN_REAL_DATA)")
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        missing("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    return exe


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not SAMPLE_DIR.is_dir():
        pytest.fail(f"the shipped sample is missing: {SAMPLE_DIR}")
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """A real Prefect backend for flow runs (session-scoped; PREFECT_HOME in a temp dir)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    from prefect.testing.utilities import prefect_test_harness

    # Prefect's default 30 s is too tight for a cold start on a fresh clone (a new virtualenv and
    # database: the server timed out once in CI on a quiet 2-core box)
    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(autouse=True)
def _messages_language():
    """A command under test sets the process's message language (``--lang`` / TAJIAN_LANG:
    :func:`flows.messages.use_lang`); each test starts from and leaves the language it found."""
    from flows.messages import current_lang, use_lang

    before = current_lang()
    yield
    use_lang(before)
