"""Histogram AUROC against sklearn (exact on binned scores, close on raw ones) and the bin rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from radzero.eval.metrics import auroc_from_histograms
from radzero.eval.metrics.binned_auroc import auroc_rows, score_bins
from radzero.utils.checks import RadZeroInputError


def test_streamed_histograms_match_sklearn():
    rng = np.random.default_rng(0)
    labels = rng.random(20_000) < 0.2
    scores = 1 / (1 + np.exp(-(rng.normal(size=20_000) + labels)))
    positive = np.zeros(1000, dtype=np.int64)
    negative = np.zeros(1000, dtype=np.int64)
    for part in np.array_split(np.arange(20_000), 7):
        bins = score_bins(scores[part], 1000)
        positive += np.bincount(bins[labels[part]], minlength=1000)
        negative += np.bincount(bins[~labels[part]], minlength=1000)
    value = auroc_from_histograms(positive, negative)
    assert value == pytest.approx(roc_auc_score(labels, scores), abs=1e-3)
    quantised = np.minimum(np.floor(scores * 1000), 999)
    assert value == pytest.approx(roc_auc_score(labels, quantised), abs=1e-12)
    assert auroc_from_histograms(2 * positive, 2 * negative) == pytest.approx(value, abs=1e-12)  # every item twice


def test_edge_cases():
    assert auroc_from_histograms([0, 2, 0], [1, 0, 0]) == 1.0
    assert auroc_from_histograms([1, 0], [1, 0]) == 0.5  # all tied
    assert math.isnan(auroc_from_histograms([0, 0], [1, 3]))
    bins = score_bins(np.array([0.0, 1.0]), 10)
    assert bins.tolist() == [0, 9]  # 1.0 falls in the last bin
    assert auroc_from_histograms(np.bincount(bins[1:], minlength=10), np.bincount(bins[:1], minlength=10)) == 1.0
    with pytest.raises(RadZeroInputError, match=r"\[0, 1\]"):
        score_bins(np.array([-0.5]), 10)


def test_rows_equal_one_pair_at_a_time():
    rng = np.random.default_rng(3)
    positive = rng.integers(0, 5, size=(4, 12)).astype(np.float64)
    negative = rng.integers(0, 5, size=(4, 12)).astype(np.float64)
    negative[2] = 0  # an undefined row
    rows = auroc_rows(positive, negative)
    for r in range(4):
        expected = auroc_from_histograms(positive[r], negative[r])
        assert (math.isnan(rows[r]) and math.isnan(expected)) or rows[r] == expected
    assert math.isnan(rows[2])
