"""The choice of posts to label: seeded, never a post already taken, diverse, with random draws."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.active import choose_posts

TEXTS = [f"第{i}道菜：红烧肉配米饭{i * 7919 % 101}" for i in range(200)]


def test_seeded_and_excluding():
    proba = np.linspace(0, 1, 200)
    a = choose_posts(proba, TEXTS, n=30, exclude=range(90, 110), random_share=0.3, seed=4)
    b = choose_posts(proba, TEXTS, n=30, exclude=range(90, 110), random_share=0.3, seed=4)
    assert a == b
    picked = [c.index for c in a]
    assert len(set(picked)) == 30 and not set(picked) & set(range(90, 110))
    hows = {c.chosen_by for c in a}
    assert hows == {"active", "random"}


def test_uncertain_first_and_diverse():
    proba = np.array([0.5, 0.5, 0.45, 0.9, 0.1])
    texts = ["今天做了红烧肉好吃", "今天做了红烧肉好吃!", "火锅", "面包", "奶茶"]
    got = choose_posts(proba, texts, n=3, random_share=0.0)
    assert [c.index for c in got] == [0, 2, 3]  # 1 repeats 0; then nearest the cut


def test_all_random_is_uniform_over_the_pool():
    proba = np.zeros(1000)
    counts = np.zeros(1000)
    for seed in range(40):
        for c in choose_posts(proba, [str(i) for i in range(1000)], n=50, random_share=1.0, seed=seed):
            assert c.chosen_by == "random"
            counts[c.index] += 1
    # 2,000 draws over 1,000 posts: each half of the pool gets about half
    assert 900 < counts[:500].sum() < 1100


def test_errors():
    with pytest.raises(ValueError, match=r"random_share must be between 0 and 1; got 1\.5"):
        choose_posts([0.1], ["a"], n=1, random_share=1.5)
    with pytest.raises(ValueError, match="same length; got 2 and 1"):
        choose_posts([0.1, 0.2], ["a"], n=1)
