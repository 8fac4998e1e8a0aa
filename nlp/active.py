"""Which posts to show a labeller next: uncertainty sampling with diversity, plus random draws.

Most posts are chosen where the model is least sure (its probability nearest the decision cut),
skipping posts too alike to one already chosen (character-bigram Jaccard similarity above
``max_similarity``), so one batch does not ask the same question ten times. A fixed share of the
slots (``random_share``) is a uniform draw from the whole pool instead: those labels, and only
those, are an unbiased sample for measuring precision and recall. Seeded: the same inputs and
seed give the same choice.

Example:
    >>> import numpy as np
    >>> proba = np.array([0.05, 0.49, 0.51, 0.95, 0.6, 0.3])
    >>> texts = ["a", "今天做了红烧肉", "今天做了红烧肉!", "火锅", "面包", "奶茶"]
    >>> [(c.index, c.chosen_by) for c in choose_posts(proba, texts, n=3, random_share=0.0)]
    [(1, 'active'), (4, 'active'), (5, 'active')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Choice", "bigrams", "choose_posts", "jaccard"]


@dataclass(frozen=True)
class Choice:
    """One post to label: its position in the pool and how it was chosen (active / random)."""

    index: int
    chosen_by: str


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of ``text`` (whitespace dropped); a 1-character text is its own.

    >>> sorted(bigrams("红烧肉"))
    ['烧肉', '红烧']
    """
    t = "".join(text.split())
    return frozenset(t[i : i + 2] for i in range(len(t) - 1)) or frozenset([t])


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets).

    >>> jaccard(frozenset("ab"), frozenset("bc"))
    0.3333333333333333
    """
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _check(n: int, random_share: float, max_similarity: float) -> None:
    if n < 0:
        raise ValueError(f"n must be 0 or more; got {n}")
    if not 0 <= random_share <= 1:
        raise ValueError(f"random_share must be between 0 and 1; got {random_share}")
    if not 0 < max_similarity <= 1:
        raise ValueError(f"max_similarity must be in (0, 1]; got {max_similarity}")


def choose_posts(
    proba: Sequence[float] | np.ndarray,
    texts: Sequence[str],
    *,
    n: int,
    exclude: Iterable[int] = (),
    cut: float = 0.5,
    random_share: float = 0.25,
    max_similarity: float = 0.5,
    seed: int = 0,
) -> list[Choice]:
    """Up to ``n`` posts of the pool (``proba[i]``, ``texts[i]``) not in ``exclude``, in the order
    to show them: each slot is a uniform random draw with probability ``random_share``, else the
    most uncertain remaining post (``|proba - cut|`` smallest, ties by position) that is not too
    alike to any post chosen so far (falls back to the most uncertain one when all are alike)."""
    _check(n, random_share, max_similarity)
    p = np.asarray(proba, dtype=float)
    if len(p) != len(texts):
        raise ValueError(f"proba and texts must have the same length; got {len(p)} and {len(texts)}")
    rng = np.random.default_rng(seed)
    taken = set(exclude)
    order = [int(i) for i in np.lexsort((np.arange(len(p)), np.abs(p - cut))) if int(i) not in taken]
    free = [i for i in range(len(p)) if i not in taken]
    rng.shuffle(free)
    chosen: list[Choice] = []
    grams: list[frozenset[str]] = []
    while len(chosen) < n and len(taken) < len(p):
        if rng.random() < random_share:
            while free and free[-1] in taken:
                free.pop()
            pick, how = free.pop(), "random"
        else:
            order = [i for i in order if i not in taken]
            pick = next(
                (
                    i
                    for i in order[:500]
                    if all(jaccard(bigrams(texts[i]), g) <= max_similarity for g in grams)
                ),
                order[0],
            )
            how = "active"
        taken.add(pick)
        grams.append(bigrams(texts[pick]))
        chosen.append(Choice(pick, how))
    return chosen
