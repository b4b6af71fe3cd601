"""Percentile bootstrap: coverage of the point estimate, narrowing, vectorised AUROC vs sklearn."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from radzero.eval.metrics import (
    bootstrap_auroc_resamples,
    bootstrap_ci,
    bootstrap_macro_auroc_ci,
    macro_auroc,
    resample_indices,
)
from radzero.utils.checks import RadZeroInputError


def test_mean_ci_contains_estimate_and_narrows_with_more_items():
    rng = np.random.default_rng(0)
    widths = []
    for n in (50, 2000):
        values = rng.random(n) < 0.7  # e.g. pointing-game hits
        lo, hi = bootstrap_ci(values)
        assert lo <= values.mean() <= hi
        widths.append(hi - lo)
    assert widths[1] < widths[0] / 3  # ~ 1 / sqrt(n)


def test_deterministic_and_generic_statistic_matches_vectorised_mean():
    values = np.random.default_rng(1).normal(size=300)
    assert bootstrap_ci(values, seed=5) == bootstrap_ci(values, seed=5)
    assert bootstrap_ci(values, seed=5) != bootstrap_ci(values, seed=6)
    generic = bootstrap_ci((values,), lambda v: float(np.mean(v)), seed=5)
    assert generic == pytest.approx(bootstrap_ci(values, seed=5))
    lo, hi = bootstrap_ci(values, level=0.5)
    lo95, hi95 = bootstrap_ci(values)
    assert lo95 < lo < hi < hi95


def test_generic_statistic_over_several_arrays_skips_nan_resamples():
    hits = np.array([1, 0, 1, 1, 0, 1, 1, 1], dtype=float)
    classes = np.array([0, 0, 0, 0, 1, 1, 1, 1])

    def mean_over_classes(h, c):  # e.g. ChestX-Det10: pointing per class, then mean over classes
        per_class = [h[c == k].mean() for k in (0, 1) if (c == k).any()]
        return float(np.mean(per_class)) if len(per_class) == 2 else float("nan")

    lo, hi = bootstrap_ci((hits, classes), mean_over_classes, n_resamples=200)
    assert lo <= mean_over_classes(hits, classes) <= hi


def _labels_scores(n: int, seed: int):
    rng = np.random.default_rng(seed)
    labels = (rng.random((n, 3)) < [0.5, 0.2, 0.05]).astype(float)
    scores = rng.normal(size=(n, 3)) + 1.5 * labels
    scores[:, 0] = np.round(scores[:, 0], 1)  # ties
    labels[rng.random((n, 3)) < 0.1] = np.nan
    return labels, scores


def test_vectorised_auroc_resamples_match_sklearn_on_resampled_items():
    labels, scores = _labels_scores(60, 2)
    per_class = bootstrap_auroc_resamples(labels, scores, n_resamples=20, seed=3)
    indices = resample_indices(60, 20, seed=3)
    for r in range(20):
        y, s = labels[indices[r]], scores[indices[r]]
        for c in range(3):
            keep = ~np.isnan(y[:, c])
            yc = y[keep, c]
            if yc.min() == yc.max():
                assert np.isnan(per_class[r, c])  # class single-valued in this resample
            else:
                assert per_class[r, c] == pytest.approx(roc_auc_score(yc, s[keep, c]), abs=1e-12)
    assert np.isnan(per_class[:, 2]).any()  # the rare class drops out of some resamples


def test_macro_auroc_ci_contains_estimate_and_is_fast():
    labels, scores = _labels_scores(1000, 4)
    start = time.perf_counter()
    lo, hi = bootstrap_macro_auroc_ci(labels, scores, n_resamples=1000)
    elapsed = time.perf_counter() - start
    assert lo <= macro_auroc(labels, scores)["macro_auroc"] <= hi
    assert hi - lo < 0.1
    assert elapsed < 5.0, elapsed


def test_undefined_class_is_left_out_of_the_macro_ci():
    labels, scores = _labels_scores(200, 5)
    labels[:, 1] = 0.0  # no positive: undefined on the full data
    lo, hi = bootstrap_macro_auroc_ci(labels, scores, n_resamples=200)
    ref = bootstrap_macro_auroc_ci(labels[:, [0, 2]], scores[:, [0, 2]], n_resamples=200)
    assert (lo, hi) == pytest.approx(ref)


def test_bad_inputs():
    with pytest.raises(RadZeroInputError, match="NaN"):
        bootstrap_ci(np.array([1.0, np.nan]))
    with pytest.raises(RadZeroInputError, match="empty"):
        bootstrap_ci(np.array([]))
    with pytest.raises(RadZeroInputError, match="first axis"):
        bootstrap_ci((np.zeros(3), np.zeros(4)), lambda a, b: 0.0)
    assert bootstrap_ci(np.array([0.25])) == (0.25, 0.25)
