"""Pixel AUROC and its bootstrap CI from per-image histograms of map COSINES (images resampled): the
one pixel-AUROC implementation, built on ``binned_auroc`` (equal bins, histogram Mann-Whitney AUROC).

The pixel AUROC only depends on the ranking of pixels, and sigmoid(cos / tau) is monotone in the
cosine, so the histograms bin the cosine itself: ``n_bins`` equal bins over [-1, 1], where a
saturated sigmoid (every probability above 0.99 for an uncalibrated model) cannot merge pixels
of different cosine into one bin. The point estimate is the Mann-Whitney AUROC (ties 1/2) of the
summed histograms, and every bootstrap resample is the same statistic on reweighted images, so
the interval always describes the reported value.

Each image keeps only the span of bins its pixels occupy (two int32 arrays), a few KB per image
whatever its size; ``ci()`` assembles the dense counts a chunk of images at a time and weights all
resamples at once.
"""

from __future__ import annotations

import numpy as np

from radzero.eval.metrics.binned_auroc import auroc_rows, range_bins
from radzero.eval.metrics.bootstrap import percentile_interval, resample_indices
from radzero.utils.checks import RadZeroInputError

__all__ = ["PixelAUROCBootstrap", "cosine_bins"]

_IMAGES_PER_CHUNK = 512
_RANGE_TOL = 1e-4  # float round-off of a cosine (unit vectors in bf16 / after bilinear upsampling)


def cosine_bins(scores: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index in [0, n_bins) of each cosine in [-1, 1]; raises on NaN or values outside [-1, 1]."""
    return range_bins(scores, n_bins, -1.0, 1.0, what="cosines (pass the map times tau, not sigmoid(map))",
                      tol=_RANGE_TOL)


class PixelAUROCBootstrap:
    """Per-image cosine histograms of positive / negative pixels; ``value()`` and ``ci()`` over images."""

    def __init__(self, n_bins: int = 2000) -> None:
        if int(n_bins) < 2:
            raise RadZeroInputError(f"n_bins must be >= 2, got {n_bins}")
        self.n_bins = int(n_bins)
        self._start: list[int] = []
        self._positive: list[np.ndarray] = []  # int32 counts of bins start .. start + len - 1
        self._negative: list[np.ndarray] = []

    def update(self, cosines: np.ndarray, labels: np.ndarray) -> None:
        """Add one image: its valid pixels' ``cosines`` in [-1, 1] and boolean ``labels`` (same shape)."""
        bins = cosine_bins(np.asarray(cosines).ravel(), self.n_bins)
        y = np.asarray(labels, dtype=bool).ravel()
        if y.shape != bins.shape:
            raise RadZeroInputError(f"cosines and labels differ in size: {bins.size} vs {y.size}")
        start = int(bins.min()) if bins.size else 0
        span = int(bins.max()) - start + 1 if bins.size else 0
        self._start.append(start)
        self._positive.append(np.bincount(bins[y] - start, minlength=span).astype(np.int32))
        self._negative.append(np.bincount(bins[~y] - start, minlength=span).astype(np.int32))

    @property
    def n_images(self) -> int:
        return len(self._positive)

    @property
    def nbytes(self) -> int:
        return int(sum(p.nbytes + n.nbytes for p, n in zip(self._positive, self._negative)))

    def _weighted_sums(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(R, n_bins) positive and negative histograms of the images weighted by ``weights`` (R, N)."""
        rows = weights.shape[0]
        positive = np.zeros((rows, self.n_bins))
        negative = np.zeros((rows, self.n_bins))
        for first in range(0, self.n_images, _IMAGES_PER_CHUNK):
            chunk = range(first, min(first + _IMAGES_PER_CHUNK, self.n_images))
            dense_pos = np.zeros((len(chunk), self.n_bins))
            dense_neg = np.zeros((len(chunk), self.n_bins))
            for row, i in enumerate(chunk):
                start = self._start[i]
                dense_pos[row, start : start + self._positive[i].size] = self._positive[i]
                dense_neg[row, start : start + self._negative[i].size] = self._negative[i]
            positive += weights[:, first : first + len(chunk)] @ dense_pos
            negative += weights[:, first : first + len(chunk)] @ dense_neg
        return positive, negative

    def value(self) -> float:
        """Pixel AUROC of all images (binned cosines); NaN without positive or negative pixels."""
        if not self._positive:
            return float("nan")
        positive, negative = self._weighted_sums(np.ones((1, self.n_images)))
        return float(auroc_rows(positive, negative)[0])

    def ci(self, n_resamples: int = 1000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
        """Percentile interval of the pixel AUROC over image resamples; (NaN, NaN) without images."""
        if not self._positive:
            return float("nan"), float("nan")
        n_images = self.n_images
        indices = resample_indices(n_images, n_resamples, seed)  # (R, N)
        weights = np.stack([np.bincount(row, minlength=n_images) for row in indices]).astype(np.float64)  # (R, N)
        values = auroc_rows(*self._weighted_sums(weights))  # (R,)
        return percentile_interval(values, level)

