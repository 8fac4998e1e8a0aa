"""The examples in the graph docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "graph.build",
    "graph.centrality",
    "graph.communities",
    "graph.convert",
    "graph.diffusion",
    "graph.eligibility",
    "graph.select",
    "graph.rr",
    "graph.snap",
    "graph.bots",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
