"""Macro AUROC and top-1 accuracy against sklearn and hand-made cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from radzero.eval.metrics import macro_auroc, top1_accuracy, top1_correct
from radzero.utils.checks import RadZeroInputError


def test_per_class_and_macro_match_sklearn_with_missing_labels():
    rng = np.random.default_rng(0)
    labels = (rng.random((200, 4)) < 0.3).astype(float)
    scores = rng.normal(size=(200, 4)) + labels
    labels[rng.random((200, 4)) < 0.2] = np.nan  # excluded (missing / uncertain)
    scores[np.isnan(labels)] = np.nan  # scores of excluded items are never read
    out = macro_auroc(labels, scores, ["a", "b", "c", "d"])
    expected = []
    for c, name in enumerate("abcd"):
        keep = ~np.isnan(labels[:, c])
        expected.append(roc_auc_score(labels[keep, c], scores[keep, c]))
        assert out["per_class"][name] == pytest.approx(expected[-1])
        assert out["n_positive"][name] == int((labels[:, c] == 1).sum())
    assert out["macro_auroc"] == pytest.approx(np.mean(expected))
    assert out["undefined"] == {} and out["n_classes_used"] == 4


def test_single_valued_class_is_undefined_not_a_crash():
    labels = np.array([[1, 0, np.nan], [0, 0, 1], [1, 0, np.nan], [0, 0, np.nan]], dtype=float)
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.4], [0.8, 0.2, 0.1], [0.1, 0.9, 0.3]])
    out = macro_auroc(torch.tensor(labels), torch.tensor(scores), ["pos", "all_neg", "one_item"])
    assert out["per_class"] == {"pos": 1.0, "all_neg": None, "one_item": None}
    assert "0 positive" in out["undefined"]["all_neg"] and "0 negative" in out["undefined"]["one_item"]
    assert out["macro_auroc"] == 1.0 and out["n_classes_used"] == 1
    assert math.isnan(macro_auroc(labels[:, 1:], scores[:, 1:])["macro_auroc"])


def test_bad_labels_and_scores():
    with pytest.raises(RadZeroInputError, match="-1"):
        macro_auroc(np.array([[1.0], [-1.0]]), np.array([[0.2], [0.3]]))
    with pytest.raises(RadZeroInputError, match="not finite"):
        macro_auroc(np.array([[1.0], [0.0]]), np.array([[np.nan], [0.3]]))
    with pytest.raises(RadZeroInputError, match="unique names"):
        macro_auroc(np.array([[1.0], [0.0]]), np.array([[0.1], [0.3]]), ["a", "b"])


def test_top1_accuracy_hand_made():
    labels = np.eye(5)[[0, 1, 2, 3, 4, 0]]
    scores = np.array(
        [
            [0.9, 0.1, 0.0, 0.0, 0.0],  # right
            [0.5, 0.4, 0.0, 0.0, 0.0],  # wrong (class 0)
            [0.0, 0.0, 0.7, 0.7, 0.0],  # tie -> first (class 2): right
            [0.0, 0.0, 0.7, 0.7, 0.0],  # tie -> class 2: wrong
            [0.0, 0.0, 0.0, 0.0, 0.1],  # right
            [-1.0, -2.0, -3.0, -4.0, -5.0],  # right
        ]
    )
    np.testing.assert_array_equal(top1_correct(scores, labels), [True, False, True, False, True, True])
    assert top1_accuracy(scores, labels) == pytest.approx(4 / 6)
    with pytest.raises(RadZeroInputError, match="one-hot"):
        top1_accuracy(scores, labels * 2)


def _brute_pr_area(y: np.ndarray, s: np.ndarray) -> float:
    """Trapezoidal area under the PR curve by loops: one point per distinct threshold, plus (recall 0, precision 1)."""
    points = [(0.0, 1.0)]
    for t in sorted(set(s.tolist()), reverse=True):
        predicted = s >= t
        tp = float(np.sum(predicted & (y == 1)))
        points.append((tp / float(np.sum(y == 1)), tp / float(np.sum(predicted))))
    area = 0.0
    for (r0, p0), (r1, p1) in zip(points, points[1:]):
        area += (r1 - r0) * (p0 + p1) / 2.0
    return area


def test_auprc_micro_macro_match_a_brute_force_trapezoid_with_nan_labels_left_out():
    from radzero.eval.metrics import auprc

    rng = np.random.default_rng(7)
    y = (rng.random((60, 3)) < [0.3, 0.5, 0.1]).astype(float)
    s = rng.random((60, 3)) + y * 0.4
    y[rng.random((60, 3)) < 0.1] = np.nan  # excluded entries
    y[:, 2] = np.where(np.isnan(y[:, 2]), np.nan, 0.0)  # class 2: no positive -> undefined
    out = auprc(y, s, ["a", "b", "c"])
    per = [_brute_pr_area(y[~np.isnan(y[:, c]), c], s[~np.isnan(y[:, c]), c]) for c in range(2)]
    assert out["per_class"]["a"] == pytest.approx(per[0], abs=1e-12)
    assert out["per_class"]["b"] == pytest.approx(per[1], abs=1e-12)
    assert out["per_class"]["c"] is None
    assert out["macro_auprc"] == pytest.approx(np.mean(per), abs=1e-12)
    present = ~np.isnan(y)
    assert out["micro_auprc"] == pytest.approx(_brute_pr_area(y[present], s[present]), abs=1e-12)


def test_frequency_groups_follow_the_authors_rule():
    from radzero.eval.metrics import frequency_groups

    counts = {"a": 0, "b": 3, "c": 10, "d": 11, "e": 40, "f": 200, "g": 500}
    threshold = np.percentile(list(counts.values()), 65)  # 40 * 0.1 + 200 * ... computed by numpy
    groups = frequency_groups(counts)
    assert groups["tail"] == ["a", "b", "c"]
    assert groups["head"] == [c for c, k in counts.items() if k > threshold]
    assert groups["medium"] == [c for c, k in counts.items() if 10 < k <= threshold]
    assert sorted(groups["head"] + groups["medium"] + groups["tail"]) == sorted(counts)
