"""Precision / recall / F1 intervals against a hand computation of the Wilson interval."""

from __future__ import annotations

import pytest

from nlp.measure import measure
from report.segment_text import measured_text


def test_intervals_match_a_hand_computation():
    # 8 TP, 2 FP, 4 FN, 6 TN; z = 1.96, z² = 3.8416
    y_true = [1] * 8 + [0] * 2 + [1] * 4 + [0] * 6
    y_pred = [1] * 8 + [1] * 2 + [0] * 4 + [0] * 6
    m = measure(y_true, y_pred)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (8, 2, 4, 6)
    # precision 8/10: centre 0.8 + 3.8416/20 = 0.99208; spread 1.96·√(0.016 + 3.8416/400) = 0.313624;
    # divided by 1 + 3.8416/10 = 1.38416: [0.490157, 0.943319]
    assert m["precision"] == 0.8
    assert m["precision_ci"] == pytest.approx((0.490157, 0.943319), abs=1e-5)
    # recall 8/12: centre 0.666667 + 3.8416/24 = 0.826733; spread 1.96·√(0.0185185 + 3.8416/576)
    # = 0.311066; divided by 1 + 3.8416/12 = 1.320133: [0.390617, 0.861881]
    assert m["recall_ci"] == pytest.approx((0.390617, 0.861881), abs=1e-5)
    # F1 = 8 / (8 + (2 + 4)/2) = 8/11: centre 0.727273 + 3.8416/22 = 0.901891; spread
    # 1.96·√(0.0180316 + 3.8416/484) = 0.315855; divided by 1 + 3.8416/11 = 1.349236: [0.434350, 0.902541]
    assert m["f1"] == pytest.approx(8 / 11, abs=1e-4)
    assert m["f1_ci"] == pytest.approx((0.434350, 0.902541), abs=1e-5)


def test_nothing_predicted_and_the_line():
    m = measure([1, 0, 0], [0, 0, 0])
    assert m["precision_ci"] == (0.0, 1.0)  # 0 of 0: no information
    assert m["recall_ci"][0] == 0.0
    line = measured_text({**m, "n": 3}, lang="zh")
    assert line.startswith("在 3 条随机抽取的标注帖子上测得：精确率 0.00 [0.00, 1.00]")
    english = measured_text({**m, "n": 3}, lang="en")
    assert english.startswith("measured on 3 labelled posts chosen at random: precision 0.00 [0.00, 1.00]")
