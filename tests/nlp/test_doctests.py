"""The examples in the nlp docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "nlp.clean",
    "nlp.tokenize",
    "nlp.segments",
    "nlp.tagger",
    "nlp.words",
    "nlp.features",
    "nlp.weak_labels",
    "nlp.corpora",
    "nlp.evaluation",
    "nlp.model_files",
    "nlp.prior",
    "nlp.embeddings",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
