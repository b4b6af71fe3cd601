"""Histogram AUROC against sklearn (exact on binned scores, close on raw ones)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from radzero.eval.metrics import BinnedAUROC, auroc_from_histograms
from radzero.utils.checks import RadZeroInputError


def test_streamed_batches_match_sklearn():
    rng = np.random.default_rng(0)
    labels = rng.random(20_000) < 0.2
    scores = 1 / (1 + np.exp(-(rng.normal(size=20_000) + labels)))
    metric = BinnedAUROC(n_bins=1000)
    for part in np.array_split(np.arange(20_000), 7):
        metric.update(scores[part], labels[part])
    assert metric.compute() == pytest.approx(roc_auc_score(labels, scores), abs=1e-3)
    quantised = np.minimum(np.floor(scores * 1000), 999)
    assert metric.compute() == pytest.approx(roc_auc_score(labels, quantised), abs=1e-12)
    other = BinnedAUROC(n_bins=1000)
    other.update(scores, labels)
    metric.merge(other)  # every item twice: same AUROC
    assert metric.compute() == pytest.approx(other.compute(), abs=1e-12)


def test_edge_cases():
    assert auroc_from_histograms([0, 2, 0], [1, 0, 0]) == 1.0
    assert auroc_from_histograms([1, 0], [1, 0]) == 0.5  # all tied
    assert math.isnan(auroc_from_histograms([0, 0], [1, 3]))
    metric = BinnedAUROC(n_bins=10)
    metric.update(np.array([0.0, 1.0]), np.array([False, True]))  # 1.0 falls in the last bin
    assert metric.compute() == 1.0
    with pytest.raises(RadZeroInputError, match=r"\[0, 1\]"):
        metric.update(np.array([-0.5]), np.array([True]))
    with pytest.raises(RadZeroInputError, match="merge"):
        metric.merge(BinnedAUROC(n_bins=5))
