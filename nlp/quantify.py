"""Other estimators of a corpus's share of segment posts, beside the EM of :mod:`nlp.prior`.

Each one reads the post model's calibrated probabilities of one corpus (the posts that passed the
prefilter) and what the model measured on its own calibration side: its
:class:`nlp.prior.OperatingCurve` (true- and false-positive rates at each threshold, out of fold).
The curve holds both classes' score distributions (a rate at each distinct score), so nothing
else has to be kept in the model file:

* :func:`classify_and_count` — the share of posts at or above a threshold (biased by the errors);
* :func:`adjusted_count` — adjusted classify-and-count (ACC): ``(cc - fpr) / (tpr - fpr)``;
* :func:`threshold_for` — Forman's threshold choices for ACC (``"x"``, ``"max"``, ``"t50"``) and
  :func:`median_sweep` (the median of ACC over every threshold whose ``tpr - fpr`` exceeds a gap);
* :func:`hdy` — HDy (González-Castro, Alaiz-Rodríguez & Alegre 2013): the mixture of the two
  class score histograms nearest the corpus's histogram in Hellinger distance;

EM itself and its recalibration by bias-corrected temperature scaling (:func:`nlp.prior.fit_bcts`)
are in :mod:`nlp.prior`.

Forman, "Quantifying counts and costs via classification", Data Mining and Knowledge Discovery
17(2), 2008. Measured against EM on the dev side and three held-out exports in bench/RESULTS.md
(issue 16, "The corpus's prior: other estimators than EM"; bench/bench_prior.py).

Example:
    >>> curve = OperatingCurve((0.8, 0.5, 0.2), (0.5, 0.8, 1.0), (0.1, 0.2, 0.6))
    >>> round(adjusted_count([0.9, 0.6, 0.1, 0.1, 0.1], curve, 0.5), 6)  # cc 0.4: (0.4-0.2)/(0.8-0.2)
    0.333333
"""

from __future__ import annotations

import numpy as np

from nlp.prior import OperatingCurve

__all__ = [
    "adjusted_count",
    "class_masses",
    "classify_and_count",
    "hdy",
    "median_sweep",
    "threshold_for",
]

_EPS = 1e-12
#: HDy's histograms: the median estimate over these numbers of equal-width bins (as in the paper).
HDY_BINS = tuple(range(10, 111, 10))
#: The mixture weights HDy tries.
_GRID = np.linspace(0.0, 1.0, 1001)


def _scores(proba: object) -> np.ndarray:
    p = np.asarray(proba, dtype=np.float64).ravel()
    if p.size == 0:
        raise ValueError("no probabilities to estimate a prior from (0 posts); give --prior P instead")
    if not np.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        raise ValueError("probabilities must be finite numbers between 0 and 1")
    return p


def _curve(curve: OperatingCurve) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not curve.thresholds:
        raise ValueError("the operating curve is empty; retrain the model (`make model`)")
    return np.asarray(curve.thresholds), np.asarray(curve.tpr), np.asarray(curve.fpr)


def _clip(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def classify_and_count(proba: object, threshold: float) -> float:
    """The share of probabilities at or above ``threshold``.

    >>> classify_and_count([0.9, 0.6, 0.1, 0.1], 0.5)
    0.5
    """
    return float((_scores(proba) >= threshold).mean())


def _point_at(curve: OperatingCurve, threshold: float) -> tuple[float, float, float]:
    """(threshold, tpr, fpr) of the lowest curve point at or above ``threshold``."""
    t, tpr, fpr = _curve(curve)
    reached = np.flatnonzero(t >= threshold)
    if not reached.size:
        return float(threshold), 0.0, 0.0
    i = reached[-1]
    return float(t[i]), float(tpr[i]), float(fpr[i])


def adjusted_count(proba: object, curve: OperatingCurve, threshold: float) -> float:
    """Adjusted classify-and-count: ``(cc - fpr) / (tpr - fpr)`` at ``threshold``, clipped to [0, 1],
    with ``tpr`` and ``fpr`` read off ``curve`` at its lowest point at or above ``threshold`` (posts
    are counted at that point too, so both sides of the fraction use one threshold).

    >>> curve = OperatingCurve((0.8, 0.5, 0.2), (0.5, 0.8, 1.0), (0.1, 0.2, 0.6))
    >>> round(adjusted_count([0.9, 0.9, 0.1, 0.1], curve, 0.5), 6)  # cc 0.5: (0.5 - 0.2) / 0.6
    0.5
    """
    point, tpr, fpr = _point_at(curve, threshold)
    if tpr - fpr <= _EPS:
        raise ValueError(
            f"the curve does not separate the classes at {threshold!r} (tpr {tpr} <= fpr {fpr}); "
            "pick another threshold"
        )
    return _clip((classify_and_count(proba, point) - fpr) / (tpr - fpr))


def threshold_for(curve: OperatingCurve, policy: str) -> float:
    """A threshold of ``curve`` for :func:`adjusted_count` by Forman's policies: ``"max"`` (the
    largest ``tpr - fpr``), ``"x"`` (where ``fpr`` is nearest ``1 - tpr``), ``"t50"`` (the highest
    threshold with ``tpr >= 0.5``).

    >>> curve = OperatingCurve((0.8, 0.5, 0.2), (0.5, 0.8, 1.0), (0.1, 0.2, 0.6))
    >>> [threshold_for(curve, p) for p in ("max", "x", "t50")]
    [0.5, 0.5, 0.8]
    """
    t, tpr, fpr = _curve(curve)
    if policy == "max":
        return float(t[int(np.argmax(tpr - fpr))])
    if policy == "x":
        return float(t[int(np.argmin(np.abs(fpr - (1 - tpr))))])
    if policy == "t50":
        return float(t[int(np.flatnonzero(tpr >= 0.5)[0])])
    raise ValueError(f"policy must be one of max, x, t50; got {policy!r}")


def median_sweep(proba: object, curve: OperatingCurve, min_gap: float = 0.25) -> float:
    """The median of the (unclipped) adjusted counts at every threshold of ``curve`` whose
    ``tpr - fpr`` exceeds ``min_gap`` (Forman's MS; all thresholds when none does), clipped to [0, 1].

    >>> curve = OperatingCurve((0.8, 0.5, 0.2), (0.5, 0.8, 1.0), (0.1, 0.2, 0.6))
    >>> round(median_sweep([0.9, 0.6, 0.3, 0.1], curve), 6)  # ACC at 0.8: 0.375, at 0.5: 0.5, at 0.2: 0.375
    0.375
    """
    p = _scores(proba)
    t, tpr, fpr = _curve(curve)
    gap = tpr - fpr
    use = gap > min_gap
    if not use.any():
        use = gap > _EPS
    if not use.any():
        raise ValueError("the curve does not separate the classes at any threshold; retrain the model")
    cc = np.array([(p >= x).mean() for x in t[use]])
    return _clip(float(np.median((cc - fpr[use]) / gap[use])))


def class_masses(curve: OperatingCurve) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores, share of the positives at each, share of the negatives at each): the two classes'
    score distributions on the calibration side, read back from the curve's cumulative rates.

    >>> s, pos, neg = class_masses(OperatingCurve((0.8, 0.5, 0.2), (0.5, 0.8, 1.0), (0.1, 0.2, 0.6)))
    >>> s.tolist(), pos.round(3).tolist(), neg.round(3).tolist()
    ([0.8, 0.5, 0.2], [0.5, 0.3, 0.2], [0.167, 0.167, 0.667])
    """
    t, tpr, fpr = _curve(curve)
    pos = np.diff(tpr, prepend=0.0)
    neg = np.diff(fpr, prepend=0.0)
    # scores below the last threshold (not on the curve when roc_curve stops at tpr = fpr = 1)
    pos, neg = pos / max(tpr[-1], _EPS), neg / max(fpr[-1], _EPS)
    return t, pos, neg


def _hellinger(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(0.0, 1.0 - (np.sqrt(a * b)).sum(axis=-1)))


def hdy(proba: object, curve: OperatingCurve, bins: tuple[int, ...] = HDY_BINS) -> float:
    """HDy: the share ``q`` whose mixture ``q * H+ + (1 - q) * H-`` of the calibration side's class
    histograms (:func:`class_masses`) is nearest the corpus's histogram in Hellinger distance;
    the median over ``bins`` (numbers of equal-width bins on [0, 1]). A grid of 0.001.

    >>> curve = OperatingCurve((0.9, 0.1), (1.0, 1.0), (0.0, 1.0))  # positives at 0.9, negatives 0.1
    >>> hdy([0.9, 0.1, 0.1, 0.1], curve, bins=(10,))
    0.25
    """
    p = _scores(proba)
    s, pos, neg = class_masses(curve)
    estimates = []
    for n in bins:
        edges = np.linspace(0.0, 1.0, int(n) + 1)
        idx_s = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, n - 1)
        hp = np.bincount(idx_s, weights=pos, minlength=n)
        hn = np.bincount(idx_s, weights=neg, minlength=n)
        idx_p = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n - 1)
        ht = np.bincount(idx_p, minlength=n) / p.size
        mix = _GRID[:, None] * hp[None, :] + (1 - _GRID[:, None]) * hn[None, :]
        estimates.append(float(_GRID[int(np.argmin(_hellinger(mix, ht[None, :])))]))
    return float(np.median(estimates))
