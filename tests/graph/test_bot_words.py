"""The bot scores' own-word numbering, read a chunk of texts at a time, gives the codes and words
``pd.factorize`` gives on all the own words at once (the duplicate signal compares numbers)."""

import random

import numpy as np
import pandas as pd
import pytest

from graph.bots import _number_own_words, _own_text

TEXTS = ["好", None, " 好 ", "a//@x: b", "转发微博", "", "  ", "x\u3000y", "x y", float("nan"), "b//@y: a"]


@pytest.mark.parametrize("chunk", [1, 3, 777, 100_000])
@pytest.mark.parametrize("dtype", [object, "str"])
def test_numbers_are_factorize_codes(chunk: int, dtype: object) -> None:
    rng = random.Random(chunk)
    values = [rng.choice(TEXTS) or rng.choice(["", None]) for _ in range(5000)]
    values += [str(rng.randrange(300)) for _ in range(2000)]
    if dtype == "str":
        values = [v if isinstance(v, str) else None for v in values]
    text = pd.Series(values, dtype=dtype)
    codes, words = pd.factorize(pd.Series([_own_text(t) for t in text.tolist()], dtype=object))
    own, got = _number_own_words(text, chunk=chunk)
    assert np.array_equal(own, codes)
    assert got == words.tolist()


def test_no_texts() -> None:
    own, words = _number_own_words(pd.Series([], dtype=object))
    assert own.tolist() == [] and words == []
