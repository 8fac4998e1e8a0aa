"""nlp.quantify: the prior estimators beside EM (ACC and Forman's threshold choices, median sweep,
HDy), each on a tiny case worked out by hand, plus their errors and a synthetic corpus."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.prior import OperatingCurve
from nlp.quantify import (
    adjusted_count,
    class_masses,
    classify_and_count,
    hdy,
    median_sweep,
    threshold_for,
)

# thresholds 0.8 / 0.5 / 0.2 with tpr 0.5 / 0.8 / 1.0 and fpr 0.1 / 0.2 / 0.6 (gaps 0.4 / 0.6 / 0.4)
CURVE = OperatingCurve((0.8, 0.5, 0.2), (0.5, 0.8, 1.0), (0.1, 0.2, 0.6))


def test_classify_and_count_by_hand() -> None:
    assert classify_and_count([0.9, 0.5, 0.49, 0.1], 0.5) == 0.5  # at or above
    assert classify_and_count([0.1, 0.2], 0.5) == 0.0


def test_adjusted_count_by_hand() -> None:
    # 10 posts, 4 at or above 0.5: cc 0.4; tpr 0.8, fpr 0.2 there: (0.4 - 0.2) / 0.6 = 1/3
    proba = [0.9, 0.9, 0.6, 0.5] + [0.1] * 6
    assert adjusted_count(proba, CURVE, 0.5) == pytest.approx(1 / 3)
    # at 0.8: cc 0.2, (0.2 - 0.1) / 0.4 = 0.25
    assert adjusted_count(proba, CURVE, 0.8) == pytest.approx(0.25)
    # a threshold between curve points is the next point above it (0.8): counts and rates alike
    assert adjusted_count(proba, CURVE, 0.7) == pytest.approx(0.25)
    # fewer positives than the false-positive rate explains: clipped at 0; more than all: 1
    assert adjusted_count([0.1] * 10, CURVE, 0.5) == 0.0
    assert adjusted_count([0.9] * 10, CURVE, 0.5) == 1.0


def test_adjusted_count_refuses_a_threshold_that_does_not_separate() -> None:
    with pytest.raises(ValueError, match=r"does not separate the classes at 0\.9 \(tpr 0\.0 <= fpr 0\.0\)"):
        adjusted_count([0.5], CURVE, 0.9)


@pytest.mark.parametrize(("policy", "expected"), [("max", 0.5), ("x", 0.5), ("t50", 0.8)])
def test_forman_thresholds_by_hand(policy: str, expected: float) -> None:
    # max: the largest tpr - fpr (0.6 at 0.5); x: fpr = 1 - tpr (0.2 = 0.2 at 0.5);
    # t50: the highest threshold with tpr >= 0.5 (0.8)
    assert threshold_for(CURVE, policy) == expected


def test_forman_thresholds_on_another_curve() -> None:
    curve = OperatingCurve((0.9, 0.7, 0.4, 0.1), (0.3, 0.6, 0.9, 1.0), (0.0, 0.1, 0.5, 1.0))
    # gaps 0.3 / 0.5 / 0.4 / 0; |fpr - (1 - tpr)|: 0.7 / 0.3 / 0.4 / 1.0; first tpr >= 0.5 at 0.7
    assert [threshold_for(curve, p) for p in ("max", "x", "t50")] == [0.7, 0.7, 0.7]
    with pytest.raises(ValueError, match="policy must be one of max, x, t50; got 'mid'"):
        threshold_for(curve, "mid")


def test_median_sweep_by_hand() -> None:
    # cc at 0.8 / 0.5 / 0.2: 0.25 / 0.5 / 0.75; ACC (0.25-0.1)/0.4, (0.5-0.2)/0.6, (0.75-0.6)/0.4
    # = 0.375 / 0.5 / 0.375: median 0.375
    assert median_sweep([0.9, 0.6, 0.3, 0.1], CURVE) == pytest.approx(0.375)
    # only gaps above 0.5: the threshold 0.5 alone
    assert median_sweep([0.9, 0.6, 0.3, 0.1], CURVE, min_gap=0.5) == pytest.approx(0.5)
    # no gap above 0.9: every separating threshold counts
    assert median_sweep([0.9, 0.6, 0.3, 0.1], CURVE, min_gap=0.9) == pytest.approx(0.375)


def test_class_masses_read_the_curve_back() -> None:
    s, pos, neg = class_masses(CURVE)
    assert s.tolist() == [0.8, 0.5, 0.2]
    np.testing.assert_allclose(pos, [0.5, 0.3, 0.2])
    np.testing.assert_allclose(neg, [0.1 / 0.6, 0.1 / 0.6, 0.4 / 0.6])  # fpr ends at 0.6
    assert pos.sum() == pytest.approx(1) and neg.sum() == pytest.approx(1)


def test_hdy_by_hand() -> None:
    # positives all score 0.9, negatives 0.1: the corpus's histogram is its mixture exactly
    curve = OperatingCurve((0.9, 0.1), (1.0, 1.0), (0.0, 1.0))
    assert hdy([0.9, 0.1, 0.1, 0.1], curve) == pytest.approx(0.25)
    assert hdy([0.9] * 3 + [0.1] * 7, curve, bins=(10, 20)) == pytest.approx(0.3)
    # a post scoring where neither class does: the nearest mixture maximises
    # sqrt(q * 0.2) + sqrt((1 - q) * 0.6), at 0.2 / q = 0.6 / (1 - q): q = 0.25 (the 1 : 3 ratio)
    assert hdy([0.9, 0.1, 0.5, 0.1, 0.1], curve, bins=(10,)) == pytest.approx(0.25)


@pytest.mark.parametrize("f", [lambda p: hdy(p, CURVE), lambda p: median_sweep(p, CURVE)])
def test_estimators_refuse_no_posts_and_bad_probabilities(f) -> None:
    with pytest.raises(ValueError, match=r"0 posts\); give --prior P instead"):
        f([])
    with pytest.raises(ValueError, match="between 0 and 1"):
        f([1.5])


def test_an_empty_curve_says_to_retrain() -> None:
    with pytest.raises(ValueError, match="retrain the model"):
        threshold_for(OperatingCurve((), (), ()), "max")


def test_every_estimator_recovers_a_known_prior_on_synthetic_calibrated_scores() -> None:
    # one score distribution per class on the calibration side and in the corpus (no shift):
    # each estimator finds the corpus's 10% within a few points
    rng = np.random.default_rng(1)

    def draw(n_pos: int, n_neg: int) -> tuple[np.ndarray, np.ndarray]:
        z = np.r_[rng.normal(1.5, 1, n_pos), rng.normal(-1.5, 1, n_neg)]
        return 1 / (1 + np.exp(-3 * z)), np.r_[np.ones(n_pos), np.zeros(n_neg)]

    cal, y = draw(2000, 2000)
    curve = OperatingCurve.from_scores(y, cal)
    corpus, _ = draw(400, 3600)
    for name, estimate in {
        "acc max": adjusted_count(corpus, curve, threshold_for(curve, "max")),
        "acc x": adjusted_count(corpus, curve, threshold_for(curve, "x")),
        "acc t50": adjusted_count(corpus, curve, threshold_for(curve, "t50")),
        "median sweep": median_sweep(corpus, curve),
        "hdy": hdy(corpus, curve),
    }.items():
        assert estimate == pytest.approx(0.1, abs=0.02), name
