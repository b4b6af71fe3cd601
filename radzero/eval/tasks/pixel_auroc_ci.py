"""Bootstrap CI of the pixel AUROC from small per-image score histograms (images resampled).

Each image keeps two ``n_bins`` int32 histograms (positive / negative pixels, scores in [0, 1]),
a few KB per image whatever its size; a resample's AUROC is the Mann-Whitney AUROC (ties 1/2) of
the summed histograms. The interval is therefore that of the ``n_bins``-binned pixel AUROC; the
point estimate itself comes from the finer ``BinnedAUROC`` of the DiceAccumulator.
"""

from __future__ import annotations

import numpy as np

from radzero.eval.metrics import percentile_interval, resample_indices
from radzero.eval.metrics.binned_auroc import score_bins

__all__ = ["PixelAUROCBootstrap"]

_ROWS_PER_CHUNK = 100


class PixelAUROCBootstrap:
    """Per-image histograms of probabilities of positive / negative pixels; ``ci()`` resamples images."""

    def __init__(self, n_bins: int = 256) -> None:
        self.n_bins = int(n_bins)
        self._positive: list[np.ndarray] = []
        self._negative: list[np.ndarray] = []

    def update(self, scores: np.ndarray, labels: np.ndarray) -> None:
        """Add one image: valid-pixel ``scores`` in [0, 1] and boolean ``labels`` (same shape)."""
        bins = score_bins(np.asarray(scores).ravel(), self.n_bins)
        y = np.asarray(labels, dtype=bool).ravel()
        self._positive.append(np.bincount(bins[y], minlength=self.n_bins).astype(np.int32))
        self._negative.append(np.bincount(bins[~y], minlength=self.n_bins).astype(np.int32))

    @property
    def n_images(self) -> int:
        return len(self._positive)

    def ci(self, n_resamples: int = 1000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
        """Percentile interval of the pixel AUROC over image resamples; (NaN, NaN) without images."""
        if not self._positive:
            return float("nan"), float("nan")
        positive = np.stack(self._positive).astype(np.float64)  # (N, bins)
        negative = np.stack(self._negative).astype(np.float64)
        n_images = positive.shape[0]
        indices = resample_indices(n_images, n_resamples, seed)  # (R, N)
        values = []
        for start in range(0, n_resamples, _ROWS_PER_CHUNK):
            rows = indices[start : start + _ROWS_PER_CHUNK]
            weights = np.stack([np.bincount(r, minlength=n_images) for r in rows]).astype(np.float64)  # (r, N)
            values.append(_auroc_rows(weights @ positive, weights @ negative))
        return percentile_interval(np.concatenate(values), level)


def _auroc_rows(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """(R,) Mann-Whitney AUROC of each row's histograms (bins in increasing score order); NaN if undefined."""
    negative_below = np.cumsum(negative, axis=1) - negative
    numerator = (positive * (negative_below + 0.5 * negative)).sum(axis=1)
    denominator = positive.sum(axis=1) * negative.sum(axis=1)
    out = np.full(positive.shape[0], np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
