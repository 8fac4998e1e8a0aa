"""The examples in the store docstrings run (the SQL macros, the API fast path, the readers)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "store.bulk",
    "store.ced",
    "store.fields",
    "store.mediacrawler",
    "store.mediacrawler_sql",
    "store.readers",
    "store.records",
    "store.weibo_api",
    "store.weibo_api_sql",
    "store.weibo_crawler",
    "store.weibo_search",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
