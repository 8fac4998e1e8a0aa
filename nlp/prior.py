"""The corpus decides the threshold: its share of segment posts (its prior) and the F1-best cut.

A random timeline has well under 1% parent posts; a 宝宝辅食 keyword crawl has more than half. A post
model's probabilities are calibrated to the prior of its training data (:class:`nlp.classifier.
PostClassifier` trains with balanced class weights, so its training prior is 0.5), so one fixed
threshold cannot serve both corpora. This module:

* estimates a corpus's prior from the model's probabilities alone (:class:`PriorShift`: the EM
  algorithm of Saerens, Latinne & Decaestecker, "Adjusting the outputs of a classifier to new a
  priori probabilities", Neural Computation 14(1), 2002) and re-weighs each probability to it;
* picks the threshold with the best expected F1 at a given prior from the model's operating curve
  (:class:`OperatingCurve`: true- and false-positive rates at each threshold, measured by
  cross-validation when the model was trained): precision at prior ``p`` is
  ``p * tpr / (p * tpr + (1 - p) * fpr)``.

Example:
    >>> import numpy as np
    >>> proba = np.array([0.9, 0.8, 0.2, 0.1, 0.1, 0.05])
    >>> shift = PriorShift(training_prior=0.5).fit(proba)
    >>> round(shift.prior_, 2)
    0.25
    >>> curve = OperatingCurve.from_scores([1, 1, 0, 0], [0.9, 0.6, 0.4, 0.1])
    >>> f1_threshold(curve, 0.5)
    0.6
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator
from sklearn.metrics import roc_curve
from sklearn.utils.validation import check_is_fitted

__all__ = ["OperatingCurve", "PriorShift", "adjust_to_prior", "apply_bcts", "f1_threshold", "fit_bcts"]

_EPS = 1e-12


def _probabilities(proba: object) -> np.ndarray:
    p = np.asarray(proba, dtype=np.float64).ravel()
    if p.size and (not np.isfinite(p).all() or p.min() < 0 or p.max() > 1):
        raise ValueError("probabilities must be finite numbers between 0 and 1")
    return p


def _check_prior(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number strictly between 0 and 1; got {value!r}")
    return float(value)


def adjust_to_prior(proba: object, prior: float, training_prior: float) -> np.ndarray:
    """Probabilities calibrated at ``training_prior``, re-weighed to a corpus whose prior is ``prior``.

    >>> adjust_to_prior([0.5, 0.9], 0.1, 0.5).round(3).tolist()
    [0.1, 0.5]
    """
    p = _probabilities(proba)
    _check_prior(training_prior, "training_prior")
    if not 0 <= prior <= 1:
        raise ValueError(f"prior must be between 0 and 1; got {prior!r}")
    pos = prior / training_prior * p
    neg = (1 - prior) / (1 - training_prior) * (1 - p)
    return np.divide(pos, pos + neg, out=np.zeros_like(p), where=(pos + neg) > 0)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(q / (1 - q))


def fit_bcts(proba: object, y: object, sample_weight: object = None) -> tuple[float, float]:
    """Bias-corrected temperature scaling fitted on labelled calibrated probabilities: ``(T, b)``
    minimising the (weighted) log loss of ``sigmoid(logit(p) / T + b)``; the classes are weighed
    equally, so the recalibrated probabilities stay at a training prior of 0.5.

    >>> t, b = fit_bcts([0.9, 0.8, 0.3, 0.2, 0.1, 0.6], [1, 1, 0, 0, 0, 1])
    >>> t > 0
    True
    """
    z = _logit(_probabilities(proba))
    labels = np.asarray(y).ravel().astype(np.int64)
    if labels.shape != z.shape or not set(np.unique(labels).tolist()) <= {0, 1}:
        raise ValueError(f"y must hold one 0/1 label per probability ({z.size}); got {labels.shape}")
    if len(set(labels.tolist())) < 2:
        raise ValueError("y must hold both labels to fit a recalibration")
    w = np.ones(z.size) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).ravel()
    w = np.where(labels == 1, w / w[labels == 1].sum(), w / w[labels == 0].sum()) / 2

    def loss(params: np.ndarray) -> float:
        a = z * np.exp(params[0]) + params[1]  # exp: the inverse temperature stays positive
        return float((w * (np.logaddexp(0, a) - labels * a)).sum())

    found = minimize(loss, np.zeros(2), method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12})
    return float(np.exp(-found.x[0])), float(found.x[1])


def apply_bcts(proba: object, temperature: float, bias: float) -> np.ndarray:
    """Probabilities recalibrated by :func:`fit_bcts`'s ``(temperature, bias)``.

    >>> apply_bcts([0.5, 0.9], 1.0, 0.0).round(6).tolist()
    [0.5, 0.9]
    """
    p = _probabilities(proba)
    out = 1 / (1 + np.exp(-(_logit(p) / temperature + bias)))
    return np.where(p > 0, out, 0.0)


class PriorShift(BaseEstimator):
    """Estimate the share of positives in a new corpus from calibrated probabilities (EM).

    Starting from ``training_prior``, it alternates: re-weigh every probability to the current
    prior (:func:`adjust_to_prior`); take their mean as the new prior; until the prior moves less
    than ``tol``. The estimate is only as good as the calibration: on hand-labelled real posts drawn
    like real input it came within 0.003–0.012 of the true share (3.7% of a child-word crawl, 2.8% of a
    random timeline's child-word posts, a 60% mix); on a sample enriched with look-alike
    non-parents it overestimates (tests/data/LABELS.md).

    Parameters:
        training_prior: the prior the probabilities are calibrated at (0.5 for a model trained
            with balanced class weights).
        max_iter, tol: stop after this many rounds or when the prior moves less than ``tol``.
        recalibration: optional ``(temperature, bias)`` from :func:`fit_bcts` on the model's dev
            side: the probabilities are recalibrated (:func:`apply_bcts`) before EM, and
            :meth:`transform` re-weighs the recalibrated ones. None (default): EM on them as given.

    Attributes (after ``fit``):
        prior_: the estimated share of positives; n_iter_: rounds taken; n_posts_: posts read.

    Example:
        >>> PriorShift(training_prior=0.5).fit([0.99, 0.01, 0.01, 0.01]).prior_ < 0.3
        True
    """

    def __init__(
        self,
        training_prior: float = 0.5,
        *,
        max_iter: int = 1000,
        tol: float = 1e-6,
        recalibration: tuple[float, float] | None = None,
    ) -> None:
        self.training_prior = training_prior
        self.max_iter = max_iter
        self.tol = tol
        self.recalibration = recalibration

    def _recalibrated(self, p: np.ndarray) -> np.ndarray:
        if self.recalibration is None:
            return p
        temperature, bias = self.recalibration
        if not (np.isfinite(temperature) and temperature > 0 and np.isfinite(bias)):
            raise ValueError(
                f"recalibration must be (temperature > 0, bias), finite numbers as fit_bcts returns; "
                f"got {self.recalibration!r}"
            )
        return apply_bcts(p, temperature, bias)

    def fit(self, proba: object, y: object = None) -> PriorShift:
        """Estimate ``prior_`` from one probability per post (``y`` is ignored); returns ``self``."""
        p = _probabilities(proba)
        pt = _check_prior(self.training_prior, "training_prior")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, int) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a whole number >= 1; got {self.max_iter!r}")
        if p.size == 0:
            raise ValueError("no probabilities to estimate a prior from (0 posts); give --prior P instead")
        p = self._recalibrated(p)
        prior, rounds = pt, 0
        for rounds in range(1, self.max_iter + 1):  # noqa: B007
            new = float(adjust_to_prior(p, prior, pt).mean())
            done = abs(new - prior) < self.tol
            prior = new
            if done:
                break
        self.prior_ = prior
        self.n_iter_ = rounds
        self.n_posts_ = int(p.size)
        return self

    def transform(self, proba: object) -> np.ndarray:
        """The probabilities re-weighed to the estimated prior."""
        check_is_fitted(self, "prior_")
        return adjust_to_prior(self._recalibrated(_probabilities(proba)), self.prior_, self.training_prior)


@dataclass(frozen=True)
class OperatingCurve:
    """True- and false-positive rates of a scorer at each threshold (a ROC curve kept with its
    thresholds, highest first), as measured on labelled posts the scorer did not train on."""

    thresholds: tuple[float, ...]
    tpr: tuple[float, ...]
    fpr: tuple[float, ...]

    @classmethod
    def from_scores(cls, y_true: object, proba: object, sample_weight: object = None) -> OperatingCurve:
        """The curve of probabilities ``proba`` against 0/1 labels (:func:`sklearn.metrics.roc_curve`).

        >>> OperatingCurve.from_scores([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]).tpr
        (0.5, 0.5, 1.0, 1.0)
        """
        fpr, tpr, thresholds = roc_curve(
            np.asarray(y_true), _probabilities(proba), sample_weight=sample_weight, drop_intermediate=False
        )
        keep = np.isfinite(thresholds)  # roc_curve's first point: above every score
        return cls(
            tuple(np.round(thresholds[keep], 6).tolist()),
            tuple(np.round(tpr[keep], 6).tolist()),
            tuple(np.round(fpr[keep], 6).tolist()),
        )

    def fpr_at(self, threshold: float) -> float:
        """The false-positive rate of posts scoring at least ``threshold`` (0 above every point).

        >>> OperatingCurve((0.9, 0.5, 0.1), (0.5, 0.9, 1.0), (0.01, 0.2, 0.8)).fpr_at(0.5)
        0.2
        """
        reached = [f for t, f in zip(self.thresholds, self.fpr, strict=True) if t >= threshold]
        return float(reached[-1]) if reached else 0.0

    def expected_f1(self, prior: float) -> np.ndarray:
        """Expected F1 at each threshold in a corpus whose share of positives is ``prior``."""
        tpr, fpr = np.asarray(self.tpr), np.asarray(self.fpr)
        precision = prior * tpr / np.maximum(prior * tpr + (1 - prior) * fpr, _EPS)
        return 2 * precision * tpr / np.maximum(precision + tpr, _EPS)


def f1_threshold(curve: OperatingCurve, prior: float) -> float:
    """The threshold of ``curve`` with the best expected F1 at ``prior`` (ties: the highest).

    >>> curve = OperatingCurve((0.9, 0.5, 0.1), (0.5, 0.9, 1.0), (0.01, 0.2, 0.8))
    >>> f1_threshold(curve, 0.05), f1_threshold(curve, 0.6)
    (0.9, 0.5)
    """
    if not curve.thresholds:
        raise ValueError("the operating curve is empty; retrain the model (`make model`)")
    if not 0 <= prior <= 1:
        raise ValueError(f"prior must be between 0 and 1; got {prior!r}")
    if prior == 0:
        return 1.0 + _EPS  # no positives expected: nothing reaches it
    f1 = curve.expected_f1(prior)
    return float(curve.thresholds[int(np.argmax(f1))])
