"""nlp.prior: the EM prior estimate (PriorShift), re-weighing probabilities to a prior
(adjust_to_prior), operating curves and the F1-best threshold, on cases worked out by hand and on
synthetic calibrated probabilities whose true prior is known."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_curve

from nlp.prior import OperatingCurve, PriorShift, adjust_to_prior, apply_bcts, f1_threshold, fit_bcts

# -- adjust_to_prior ---------------------------------------------------------------------------


def test_adjust_to_prior_by_hand() -> None:
    # p' = (q/t) p / ((q/t) p + ((1-q)/(1-t)) (1-p)); at t = 0.5: p' = q p / (q p + (1-q)(1-p))
    # p = 0.5, q = 0.1: 0.05 / (0.05 + 0.45) = 0.1;  p = 0.9, q = 0.1: 0.09 / (0.09 + 0.09) = 0.5
    # p = 0.5, q = 0.8, t = 0.2: (4 * 0.5) / (4 * 0.5 + 0.25 * 0.5) = 2 / 2.125 = 16/17
    np.testing.assert_allclose(adjust_to_prior([0.5, 0.9], 0.1, 0.5), [0.1, 0.5])
    np.testing.assert_allclose(adjust_to_prior([0.5], 0.8, 0.2), [16 / 17])
    # certain posts stay certain at any prior strictly between 0 and 1
    np.testing.assert_array_equal(adjust_to_prior([0.0, 1.0], 0.03, 0.5), [0.0, 1.0])
    # a prior of 0 leaves no positives
    np.testing.assert_array_equal(adjust_to_prior([0.2, 0.99], 0.0, 0.5), [0.0, 0.0])
    assert adjust_to_prior([], 0.3, 0.5).shape == (0,)


@pytest.mark.parametrize("training_prior", [0.5, 0.2, 0.9])
def test_adjust_to_the_training_prior_gives_the_input_back(training_prior: float) -> None:
    p = np.random.default_rng(0).random(200)
    np.testing.assert_allclose(adjust_to_prior(p, training_prior, training_prior), p, rtol=1e-12)


def test_adjust_to_prior_is_monotone_in_the_probability_and_in_the_prior() -> None:
    p = np.linspace(0, 1, 101)
    priors = np.linspace(0.01, 0.99, 99)
    table = np.array([adjust_to_prior(p, q, 0.5) for q in priors])  # rows: prior; columns: p
    assert (np.diff(table, axis=1) > 0).all()  # a higher probability stays higher
    assert (np.diff(table[:, 1:-1], axis=0) > 0).all()  # a higher prior raises every 0 < p < 1
    # and it is a bijection: re-weighing back to the training prior gives p again
    back = adjust_to_prior(adjust_to_prior(p, 0.07, 0.5), 0.5, 0.07)
    np.testing.assert_allclose(back, p, atol=1e-12)


@pytest.mark.parametrize(
    ("proba", "prior", "training_prior", "message"),
    [
        ([0.5], 1.5, 0.5, r"prior must be between 0 and 1; got 1\.5"),
        ([0.5], -0.1, 0.5, r"prior must be between 0 and 1; got -0\.1"),
        ([0.5], 0.3, 1.0, r"training_prior must be a number strictly between 0 and 1; got 1\.0"),
        ([0.5], 0.3, 0, r"training_prior must be a number strictly between 0 and 1; got 0"),
        ([0.5], 0.3, True, r"training_prior must be a number strictly between 0 and 1; got True"),
        ([1.2], 0.3, 0.5, "probabilities must be finite numbers between 0 and 1"),
        ([-0.1], 0.3, 0.5, "probabilities must be finite numbers between 0 and 1"),
        ([float("nan")], 0.3, 0.5, "probabilities must be finite numbers between 0 and 1"),
    ],
)
def test_adjust_to_prior_rejects_bad_values(proba, prior, training_prior, message) -> None:
    with pytest.raises(ValueError, match=message):
        adjust_to_prior(proba, prior, training_prior)


# -- PriorShift (EM) ---------------------------------------------------------------------------


def test_prior_shift_on_a_hand_made_case() -> None:
    """8 posts at 0.8 and 17 at 0.2, calibrated at 0.5 (likelihood ratios 4 and 1/4).

    The EM fixed point q solves q = mean(adjust_to_prior(p, q, 0.5)). At q = 0.2 the posts at 0.8
    become 0.2*4 / (0.2*4 + 0.8) = 0.5 and those at 0.2 become 0.05 / (0.05 + 0.8) = 1/17, whose
    mean is (8 * 0.5 + 17 * 1/17) / 25 = 5/25 = 0.2: the estimate is 0.2 (the maximum-likelihood
    prior: d/dq sum log(q r + 1 - q) = 8 * 3/1.6 - 17 * 0.75/0.85 = 15 - 15 = 0 there).
    One round from 0.5 gives the plain mean, (8 * 0.8 + 17 * 0.2) / 25 = 0.392.
    """
    p = [0.8] * 8 + [0.2] * 17
    shift = PriorShift(training_prior=0.5, tol=1e-12).fit(p)
    assert shift.prior_ == pytest.approx(0.2, abs=1e-9)
    assert shift.n_posts_ == 25 and 1 < shift.n_iter_ < 1000
    one = PriorShift(training_prior=0.5, max_iter=1).fit(p)
    assert one.prior_ == pytest.approx(0.392, abs=1e-12) and one.n_iter_ == 1
    # transform re-weighs to the estimate: 0.5 and 1/17
    np.testing.assert_allclose(shift.transform([0.8, 0.2]), [0.5, 1 / 17], atol=1e-9)


def test_prior_shift_edge_cases_by_hand() -> None:
    # symmetric probabilities: the first round already gives 0.5 back (mean 0.5), so it stops
    sym = PriorShift(training_prior=0.5).fit([0.8, 0.2, 0.9, 0.1])
    assert sym.prior_ == pytest.approx(0.5, abs=1e-12) and sym.n_iter_ == 1
    # every post certainly negative: 0 after one round, confirmed by the second
    none = PriorShift(training_prior=0.5).fit([0.0, 0.0, 0.0])
    assert none.prior_ == 0.0 and none.n_iter_ == 2


@pytest.mark.parametrize(("true_prior", "seed"), [(0.2, 0), (0.02, 1), (0.6, 2)])
def test_prior_shift_recovers_a_known_prior(true_prior: float, seed: int) -> None:
    """Labels drawn with a known prior; a score x ~ N(+1, 1) for positives and N(-1, 1) for
    negatives, whose probability calibrated at a prior of 0.5 is exactly sigmoid(2x) (the log
    likelihood ratio of the two normals). EM finds the prior of the draw."""
    rng = np.random.default_rng(seed)
    y = rng.random(20_000) < true_prior
    x = rng.normal(np.where(y, 1.0, -1.0), 1.0)
    proba = 1.0 / (1.0 + np.exp(-2.0 * x))
    assert abs(proba.mean() - y.mean()) > 0.03  # the plain mean is pulled towards 0.5
    shift = PriorShift(training_prior=0.5).fit(proba)
    assert shift.prior_ == pytest.approx(y.mean(), abs=0.015)
    # the same probabilities seen as calibrated at a prior of 0.2: re-weighed first, same answer
    shifted = adjust_to_prior(proba, 0.2, 0.5)
    assert PriorShift(training_prior=0.2).fit(shifted).prior_ == pytest.approx(shift.prior_, abs=1e-4)


def test_prior_shift_is_monotone_in_the_probabilities() -> None:
    p = np.random.default_rng(3).random(300)
    low = PriorShift().fit(p * 0.9).prior_
    mid = PriorShift().fit(p).prior_
    high = PriorShift().fit(0.1 + p * 0.9).prior_
    assert low < mid < high


@pytest.mark.parametrize(
    ("kwargs", "proba", "message"),
    [
        ({}, [], r"no probabilities to estimate a prior from \(0 posts\); give --prior P instead"),
        (
            {"training_prior": 0.0},
            [0.5],
            r"training_prior must be a number strictly between 0 and 1; got 0\.0",
        ),
        ({"training_prior": 1}, [0.5], "training_prior must be a number strictly between 0 and 1; got 1"),
        ({"max_iter": 0}, [0.5], r"max_iter must be a whole number >= 1; got 0"),
        ({"max_iter": 2.5}, [0.5], r"max_iter must be a whole number >= 1; got 2\.5"),
        ({}, [0.5, 2.0], "probabilities must be finite numbers between 0 and 1"),
    ],
)
def test_prior_shift_rejects_bad_input(kwargs, proba, message) -> None:
    with pytest.raises(ValueError, match=message):
        PriorShift(**kwargs).fit(proba)


def test_prior_shift_transform_needs_fit() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PriorShift().transform([0.5])


# -- OperatingCurve and f1_threshold -------------------------------------------------------------


def test_operating_curve_by_hand() -> None:
    # scores 0.9 (pos), 0.8 (neg), 0.7 (pos), 0.1 (neg): at each threshold, the share of the two
    # positives and of the two negatives at or above it
    curve = OperatingCurve.from_scores([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    assert curve.thresholds == (0.9, 0.8, 0.7, 0.1)
    assert curve.tpr == (0.5, 0.5, 1.0, 1.0)
    assert curve.fpr == (0.0, 0.5, 0.5, 1.0)
    # weights: the negative at 0.8 counts three times (fpr steps of 3/4 and 1/4)
    weighted = OperatingCurve.from_scores([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], sample_weight=[1, 3, 1, 1])
    assert weighted.fpr == (0.0, 0.75, 0.75, 1.0)


def test_operating_curve_matches_scikit_learn_roc_curve() -> None:
    rng = np.random.default_rng(7)
    y = rng.random(500) < 0.3
    scores = np.round(np.clip(rng.normal(np.where(y, 0.6, 0.4), 0.15), 0, 1), 2)  # many ties
    curve = OperatingCurve.from_scores(y.astype(int), scores)
    fpr, tpr, thresholds = roc_curve(y, scores, drop_intermediate=False)
    finite = np.isfinite(thresholds)
    np.testing.assert_allclose(curve.thresholds, thresholds[finite], atol=1e-6)
    np.testing.assert_allclose(curve.tpr, tpr[finite], atol=1e-6)
    np.testing.assert_allclose(curve.fpr, fpr[finite], atol=1e-6)
    assert len(curve.thresholds) == len(np.unique(scores))  # one point per distinct score


#: A 3-point curve: thresholds 0.8, 0.5, 0.2 with (tpr, fpr) (0.4, 0), (0.8, 0.2), (1.0, 0.6).
#: Expected F1 at prior q is 2 q tpr / (q + q tpr + (1 - q) fpr).
CURVE = OperatingCurve((0.8, 0.5, 0.2), (0.4, 0.8, 1.0), (0.0, 0.2, 0.6))


def test_expected_f1_of_a_three_point_curve_by_hand() -> None:
    # q = 0.5: 2 tpr / (1 + tpr + fpr) = 0.8/1.4, 1.6/2.0, 2/2.6
    np.testing.assert_allclose(CURVE.expected_f1(0.5), [4 / 7, 0.8, 10 / 13])
    # q = 0.2: 0.16/0.28, 0.32/0.52, 0.4/0.88
    np.testing.assert_allclose(CURVE.expected_f1(0.2), [4 / 7, 8 / 13, 5 / 11])
    # q = 0.05: 0.04/0.07, 0.08/(0.05 + 0.04 + 0.19), 0.1/(0.1 + 0.57)
    np.testing.assert_allclose(CURVE.expected_f1(0.05), [4 / 7, 2 / 7, 10 / 67])
    # q = 0.9: 0.72/1.26, 1.44/1.64, 1.8/1.86
    np.testing.assert_allclose(CURVE.expected_f1(0.9), [4 / 7, 36 / 41, 30 / 31])


def test_f1_threshold_of_a_three_point_curve_by_hand() -> None:
    # the argmax of the rows above: a rarer segment asks for a higher threshold
    assert f1_threshold(CURVE, 0.05) == 0.8
    assert f1_threshold(CURVE, 0.2) == 0.5
    assert f1_threshold(CURVE, 0.5) == 0.5
    assert f1_threshold(CURVE, 0.9) == 0.2
    # no positives expected: a threshold above every probability
    assert f1_threshold(CURVE, 0.0) > 1.0
    # ties go to the highest threshold
    tied = OperatingCurve((0.7, 0.6, 0.3), (1.0, 1.0, 1.0), (0.0, 0.0, 0.5))
    assert f1_threshold(tied, 0.5) == 0.7


def test_f1_threshold_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"prior must be between 0 and 1; got 1\.5"):
        f1_threshold(CURVE, 1.5)
    with pytest.raises(ValueError, match=r"the operating curve is empty; retrain the model \(`make model`\)"):
        f1_threshold(OperatingCurve((), (), ()), 0.5)


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.booleans(), min_size=4, max_size=40).filter(lambda ys: 0 < sum(ys) < len(ys)),
    seed=st.integers(0, 2**32 - 1),
)
def test_f1_threshold_never_rises_with_the_prior(labels: list[bool], seed: int) -> None:
    """A higher prior never asks for a higher threshold (so never labels fewer posts)."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random(len(labels)), 2)
    curve = OperatingCurve.from_scores(np.array(labels, dtype=int), scores)
    chosen = [f1_threshold(curve, q) for q in np.linspace(0.01, 0.99, 50)]
    assert all(a >= b for a, b in itertools.pairwise(chosen)), chosen


# -- BCTS recalibration before EM (issue 16: EM overestimated the prior of real exports) ----------


def test_bcts_is_the_identity_on_probabilities_already_calibrated_that_way() -> None:
    # labels drawn from sigmoid(z) with the classes balanced: the fitted T is ~1 and b ~0
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, 20000)
    p = 1 / (1 + np.exp(-z))
    y = (rng.random(z.size) < p).astype(int)
    t, b = fit_bcts(p, y)
    assert t == pytest.approx(1, abs=0.05) and b == pytest.approx(0, abs=0.05)


def test_bcts_by_hand() -> None:
    # apply: sigmoid(logit(p) / T + b); logit(0.8) = ln 4: at T = 2, b = 0: sigmoid(ln 2) = 2/3
    np.testing.assert_allclose(apply_bcts([0.8, 0.5], 2.0, 0.0), [2 / 3, 0.5])
    np.testing.assert_allclose(apply_bcts([0.5], 1.0, np.log(3)), [0.75])
    assert apply_bcts([0.0], 1.0, 1.0).tolist() == [0.0]  # filtered posts stay 0
    # fitted on probabilities twice as confident as their labels: T = 2 brings them back
    z = np.linspace(-4, 4, 81)
    y_share = 1 / (1 + np.exp(-z / 2))  # the true probability of label 1 at each score
    p = 1 / (1 + np.exp(-z))
    proba, labels, weights = np.r_[p, p], np.r_[np.ones(81), np.zeros(81)], np.r_[y_share, 1 - y_share]
    t, b = fit_bcts(proba, labels, weights)
    assert t == pytest.approx(2, rel=0.02) and b == pytest.approx(0, abs=0.02)


def test_bcts_errors() -> None:
    with pytest.raises(ValueError, match="must hold both labels"):
        fit_bcts([0.2, 0.8], [1, 1])
    with pytest.raises(ValueError, match=r"one 0/1 label per probability \(2\); got \(3,\)"):
        fit_bcts([0.2, 0.8], [1, 0, 1])


def test_prior_shift_recalibrates_before_em_by_hand() -> None:
    # T = 1, b = ln(1/3): logit 0 -> ln(1/3), i.e. 0.5 -> 0.25; logit(0.75) = ln 3 -> 0, i.e. 0.75 -> 0.5
    shift = PriorShift(0.5, recalibration=(1.0, float(np.log(1 / 3))))
    np.testing.assert_allclose(shift._recalibrated(np.array([0.5, 0.75])), [0.25, 0.5])
    # EM on [0.25, 0.5] (one EM fixed point): the mean of the re-weighed probabilities is the prior
    fitted = shift.fit([0.5, 0.75])
    plain = PriorShift(0.5).fit([0.25, 0.5])
    assert fitted.prior_ == pytest.approx(plain.prior_)
    # transform re-weighs the recalibrated probabilities
    np.testing.assert_allclose(fitted.transform([0.5, 0.75]), plain.transform([0.25, 0.5]))
    # no recalibration: EM as before
    assert PriorShift(0.5, recalibration=None).fit([0.25, 0.5]).prior_ == plain.prior_


@pytest.mark.parametrize("bad", [(0.0, 0.0), (-1.0, 0.0), (1.0, float("nan"))])
def test_prior_shift_refuses_a_bad_recalibration(bad: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match=r"recalibration must be \(temperature > 0, bias\)"):
        PriorShift(0.5, recalibration=bad).fit([0.2, 0.7])


def test_em_after_bcts_recovers_a_known_prior_where_plain_em_does_not() -> None:
    # class scores z ~ N(+-1.5, 1): the calibrated probability at a 0.5 prior is sigmoid(3 z). The
    # model gives sigmoid(6 z + 1) instead (overconfident and leaning positive, like look-alike
    # posts the calibration never saw). BCTS fitted on a labelled dev sample finds T = 2,
    # b = -0.5, and EM after it finds the corpus's 8%; EM on the raw probabilities overestimates.
    rng = np.random.default_rng(3)

    def draw(n_pos: int, n_neg: int) -> tuple[np.ndarray, np.ndarray]:
        z = np.r_[rng.normal(1.5, 1, n_pos), rng.normal(-1.5, 1, n_neg)]
        return 1 / (1 + np.exp(-(6 * z + 1))), np.r_[np.ones(n_pos), np.zeros(n_neg)]

    dev, y = draw(3000, 3000)
    t, b = fit_bcts(dev, y)
    assert t == pytest.approx(2, rel=0.05) and b == pytest.approx(-0.5, abs=0.05)
    corpus, _ = draw(400, 4600)
    assert PriorShift(0.5, recalibration=(t, b)).fit(corpus).prior_ == pytest.approx(0.08, abs=0.01)
    assert PriorShift(0.5).fit(corpus).prior_ > 0.1
