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
