"""requirements.lock, which every install reads, still satisfies pyproject.toml and constraints.txt.

A dependency added to pyproject.toml without ``make lock`` would be missing from a fresh install
(installs read only the lock, with ``--no-deps``); a pin in constraints.txt that the lock breaks
would bring back a version known to fail. Both are caught here, before a new machine finds them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def locked_versions(path: Path) -> dict[str, str]:
    """``name -> version`` for each ``name==version`` entry of a lock file made by ``make lock``."""
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", path.read_text(), re.M)
    return {canonicalize_name(name): version for name, version in found}


def project_requirements() -> list[Requirement]:
    """The runtime and test requirements of pyproject.toml, and the pins of constraints.txt."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["test"]
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.split("#")[0].strip())
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize("requirement", project_requirements(), ids=str)
def test_the_lock_satisfies_the_requirement(requirement: Requirement) -> None:
    locked = locked_versions(ROOT / "requirements.lock")
    name = canonicalize_name(requirement.name)
    if name not in locked:
        pytest.fail(f"{requirement} is not in requirements.lock; run 'make lock' and commit the lock")
    if not requirement.specifier.contains(locked[name], prereleases=True):
        pytest.fail(
            f"requirements.lock has {name}=={locked[name]}, outside {requirement}; "
            "run 'make lock' and commit the lock"
        )


def test_every_locked_package_has_hashes() -> None:
    for lock in ("requirements.lock", "requirements-build.lock"):
        text = (ROOT / lock).read_text()
        entries = re.findall(r"^([A-Za-z0-9][^\s=]*==\S+)((?:\s*\\\n\s+--hash=\S+)*)", text, re.M)
        assert len(entries) == len(locked_versions(ROOT / lock)) > 0
        unhashed = [name for name, hashes in entries if "--hash=sha256:" not in hashes]
        assert unhashed == [], f"{lock}: entries without a hash: {unhashed}; run 'make lock'"
