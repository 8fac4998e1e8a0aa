"""Random numbers of the generator: :class:`SplitMix64` for the words of one text, and weighted
index draws on numpy's generator for the arrays.

Each text is rendered from its own 64-bit seed (drawn once, with the event that carries it), so a
text is a pure function of its arguments: it can be rendered in any order, cached, or rendered
again and come out the same. SplitMix64 is cheap and gives the same numbers on every platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

__all__ = ["SplitMix64", "weighted_indices"]

_T = TypeVar("_T")
_MASK64 = (1 << 64) - 1
_TWO_TO_64 = 18446744073709551616.0


class SplitMix64:
    """Steele, Lea and Flood's SplitMix64 generator (the seeder of xoshiro): 64-bit integers from a
    64-bit state advanced by a fixed odd constant.

    Example:
        >>> r = SplitMix64(1)
        >>> r.next()
        10451216379200822465
        >>> r.pick(("a", "b", "c")), r.below(10), r.chance(0.0), r.chance(1.0)
        ('b', 0, False, True)
    """

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK64

    def next(self) -> int:
        """The next 64-bit unsigned integer."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """An integer in ``[0, n)`` (modulo: the bias is negligible for small ``n``)."""
        return self.next() % n

    def pick(self, seq: Sequence[_T]) -> _T:
        """One element of ``seq``."""
        return seq[self.next() % len(seq)]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.next() < p * _TWO_TO_64


def weighted_indices(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``size`` indices into ``weights``, each drawn with probability proportional to its weight
    (one uniform number per draw, inverted through the cumulative weights).

    Example:
        >>> weighted_indices(np.random.default_rng(0), np.array([0.0, 1.0, 0.0]), 4).tolist()
        [1, 1, 1, 1]
    """
    cdf = np.cumsum(weights, dtype=float)
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(size), side="right").clip(0, len(weights) - 1)
