"""Pixel AUROC (per-image cosine histograms + image bootstrap) against sklearn: per resample, on binned
scores (exact) and raw scores (close), streamed image by image."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from radzero.eval.metrics import PixelAUROCBootstrap, cosine_bins, resample_indices
from radzero.utils.checks import RadZeroInputError


def _random_images(seed: int, n: int = 20, shape=(30, 40)):
    """Probability-like maps in [0, 1] (NaN borders) and masks with some signal; ~1/3 negative."""
    rng = np.random.default_rng(seed)
    images = []
    for i in range(n):
        prob = rng.random(shape)
        prob[:, : rng.integers(0, 3)] = np.nan  # columns the network did not see
        gt = np.zeros(shape, dtype=bool)
        if i % 3:
            r, c = rng.integers(0, shape[0] - 3), rng.integers(2, shape[1] - 3)
            gt[r : r + rng.integers(1, 4), c : c + rng.integers(1, 4)] = True
            prob[gt] = np.clip(prob[gt] + 0.3, 0, 1)
        images.append((prob, gt))
    return images


def test_pixel_auroc_bootstrap_matches_sklearn_per_resample():
    rng = np.random.default_rng(0)
    images = []
    for _ in range(7):
        y = rng.random(300) < rng.uniform(0.05, 0.4)
        s = np.clip(0.2 + 0.15 * y + 0.2 * rng.normal(size=300), -1, 1)  # cosines
        images.append((s, y))
    boot = PixelAUROCBootstrap(n_bins=64)
    for s, y in images:
        boot.update(s, y)
    indices = resample_indices(len(images), 20, seed=4)
    expected = []
    for row in indices:
        s = np.concatenate([cosine_bins(images[i][0], 64) for i in row])
        y = np.concatenate([images[i][1] for i in row])
        expected.append(roc_auc_score(y, s))
    lo, hi = boot.ci(n_resamples=20, seed=4)
    assert (lo, hi) == pytest.approx(tuple(np.quantile(expected, [0.025, 0.975])))
    all_s = np.concatenate([cosine_bins(s, 64) for s, _ in images])
    all_y = np.concatenate([y for _, y in images])
    assert boot.value() == pytest.approx(roc_auc_score(all_y, all_s))
    # brute-force bins: floor((cos + 1) / 2 * n_bins), the top edge in the last bin
    assert cosine_bins(np.array([-1.0, -0.999, 0.0, 0.99, 1.0]), 64).tolist() == [0, 0, 32, 63, 63]


def test_pixel_auroc_keeps_the_ranking_of_saturated_probabilities():
    """Cosines 0.30-0.45 at tau 0.07 are all sigmoid > 0.98: the cosine bins still rank them."""
    rng = np.random.default_rng(1)
    boot = PixelAUROCBootstrap()
    all_s, all_y = [], []
    for _ in range(40):
        y = rng.random(500) < 0.2
        s = 0.3 + 0.1 * rng.random(500) + 0.05 * y
        boot.update(s, y)
        all_s.append(s)
        all_y.append(y)
    exact = roc_auc_score(np.concatenate(all_y), np.concatenate(all_s))
    assert exact > 0.85
    assert boot.value() == pytest.approx(exact, abs=0.005)
    lo, hi = boot.ci(n_resamples=200, seed=0)
    assert lo <= boot.value() <= hi
    with pytest.raises(RadZeroInputError, match="cosines"):
        boot.update(np.array([1.5]), np.array([True]))


def test_streamed_images_match_sklearn_binned_exactly_raw_closely():
    rng = np.random.default_rng(0)
    labels = rng.random(20_000) < 0.2
    scores = np.tanh(0.5 * (rng.normal(size=20_000) + labels))  # cosines in (-1, 1)
    boot = PixelAUROCBootstrap(n_bins=2000)  # bins 0.001 wide
    for part in np.array_split(np.arange(20_000), 7):  # seven "images"
        boot.update(scores[part], labels[part])
    assert boot.value() == pytest.approx(roc_auc_score(labels, scores), abs=1e-3)
    quantised = np.minimum(np.floor((scores + 1.0) * 1000.0), 1999)
    assert boot.value() == pytest.approx(roc_auc_score(labels, quantised), abs=1e-12)
    before = boot.value()
    boot.update(scores, labels)  # every pixel twice: same AUROC
    assert boot.value() == pytest.approx(before, abs=1e-12)


def test_valid_pixels_of_probability_maps_match_sklearn():
    """Valid pixels of maps with NaN borders, as the segmentation task passes them (10,000 bins over [0, 1])."""
    images = _random_images(2)
    boot = PixelAUROCBootstrap(n_bins=20_000)
    for prob, gt in images:
        valid = ~np.isnan(prob)
        boot.update(prob[valid], gt[valid])
    probs = np.concatenate([p[~np.isnan(p)] for p, _ in images])
    labels = np.concatenate([g[~np.isnan(p)] for p, g in images])
    assert boot.value() == pytest.approx(roc_auc_score(labels, probs), abs=1e-3)
    quantised = np.minimum(np.floor((probs + 1.0) * 10_000.0), 19_999)  # exact for the binned scores
    assert boot.value() == pytest.approx(roc_auc_score(labels, quantised), abs=1e-12)


def test_undefined_without_images_or_without_positive_pixels():
    boot = PixelAUROCBootstrap()
    assert math.isnan(boot.value())
    assert all(math.isnan(v) for v in boot.ci(n_resamples=10))
    boot.update(np.array([0.1, 0.2]), np.array([False, False]))
    assert math.isnan(boot.value())
    boot.update(np.array([0.9]), np.array([True]))
    assert boot.value() == 1.0


def test_bad_inputs():
    with pytest.raises(RadZeroInputError, match="n_bins"):
        PixelAUROCBootstrap(n_bins=1)
    boot = PixelAUROCBootstrap(n_bins=10)
    with pytest.raises(RadZeroInputError, match="differ in size"):
        boot.update(np.array([0.1, 0.2]), np.array([True]))
    with pytest.raises(RadZeroInputError, match="NaN"):
        boot.update(np.array([np.nan, 0.5]), np.array([True, False]))
