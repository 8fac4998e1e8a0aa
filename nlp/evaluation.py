"""Scores of 0/1 post predictions against gold labels (scikit-learn's metrics, one dict a call),
with 95% Wilson intervals for the ratios when the counts are small (:func:`wilson_interval`)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

__all__ = ["binary_scores", "format_ratio", "wilson_interval"]


def binary_scores(y_true: Iterable[int], y_pred: Iterable[int]) -> dict[str, float | int]:
    """Precision, recall, F1 (of label 1, rounded to 4 places) and the confusion counts of 0/1
    predictions; 0.0 where a ratio has nothing to divide by.

    Example:
        >>> binary_scores([1, 1, 0, 0], [1, 0, 1, 0])
        {'precision': 0.5, 'recall': 0.5, 'f1': 0.5, 'tp': 1, 'fp': 1, 'fn': 1, 'tn': 1, 'n': 4}
        >>> binary_scores([], [])["f1"]
        0.0
    """
    t = np.asarray(list(y_true), dtype=np.int64)
    p = np.asarray(list(y_pred), dtype=np.int64)
    if len(t) == 0 and len(p) == 0:  # scikit-learn refuses empty input
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 0, "tn": 0, "n": 0}
    precision, recall, f1, _ = precision_recall_fscore_support(
        t, p, labels=[0, 1], pos_label=1, average="binary", zero_division=0
    )
    tn, fp, fn, tp = confusion_matrix(t, p, labels=[0, 1]).ravel().tolist()
    return {
        "precision": round(float(precision), 4),
        "recall": round(float(recall), 4),
        "f1": round(float(f1), 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "n": len(t),
    }


def wilson_interval(successes: int, trials: float, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% with the default ``z``); (0, 1) for 0 trials.

    Example:
        >>> [round(x, 3) for x in wilson_interval(5, 8)]
        [0.306, 0.863]
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials; got {successes} of {trials}")
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


def format_ratio(successes: int, trials: int) -> str:
    """``"0.62 (5/8; 0.31–0.86)"``: a proportion, its counts and its 95% Wilson interval; "–" for 0/0.

    >>> format_ratio(5, 8), format_ratio(0, 0)
    ('0.62 (5/8; 0.31–0.86)', '–')
    """
    if trials == 0:
        return "–"
    lo, hi = wilson_interval(successes, trials)
    return f"{successes / trials:.2f} ({successes}/{trials}; {lo:.2f}–{hi:.2f})"
