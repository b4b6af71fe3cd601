"""Streaming AUROC from fixed-bin score histograms (for pixel AUROC over billions of pixels).

Scores in [0, 1] fall into ``n_bins`` equal bins (bin ``min(floor(score * n_bins), n_bins - 1)``);
two int64 histograms (positives, negatives) are the whole state. The AUROC computed from them is
the exact Mann-Whitney AUROC (ties count 1/2) of the binned scores, i.e. it equals
``sklearn.metrics.roc_auc_score`` on the scores quantised to their bin; its distance to the AUROC
of the raw scores is at most half the fraction of (positive, negative) pairs that share a bin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radzero.eval.metrics._arrays import to_numpy
from radzero.utils.checks import RadZeroInputError

__all__ = ["BinnedAUROC", "auroc_from_histograms", "range_bins", "score_bins"]

# Tolerance for scores a hair outside [0, 1] (float round-off of a sigmoid); they are clipped.
_RANGE_TOL = 1e-6


def range_bins(scores: np.ndarray, n_bins: int, low: float, high: float, *, what: str, tol: float) -> np.ndarray:
    """Bin index in [0, n_bins) of each score in [low, high] (equal bins, ``high`` in the last one).

    Raises on NaN or on scores outside the range by more than ``tol``; ``what`` names the expected
    scores in the message.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size and (np.isnan(scores).any() or scores.min() < low - tol or scores.max() > high + tol):
        raise RadZeroInputError(
            f"scores must be {what} in [{low:g}, {high:g}] without NaN, got range "
            f"[{np.nanmin(scores):.6g}, {np.nanmax(scores):.6g}]"
        )
    return np.clip(((scores - low) * (n_bins / (high - low))).astype(np.int64), 0, n_bins - 1)


def score_bins(scores: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index in [0, n_bins) of each score in [0, 1]; raises on scores outside [0, 1] or NaN."""
    return range_bins(scores, n_bins, 0.0, 1.0, what="probabilities (pass sigmoid(map), not the raw map)",
                      tol=_RANGE_TOL)


def auroc_from_histograms(positive: np.ndarray, negative: np.ndarray) -> float:
    """Mann-Whitney AUROC from per-bin counts (bins in increasing score order); NaN if a class is empty."""
    pos = np.asarray(positive, dtype=np.float64)
    neg = np.asarray(negative, dtype=np.float64)
    n_pos, n_neg = pos.sum(), neg.sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    neg_below = np.cumsum(neg) - neg
    return float(np.dot(pos, neg_below + 0.5 * neg) / (n_pos * n_neg))


class BinnedAUROC:
    """Accumulates score histograms of positive and negative items; memory O(n_bins)."""

    def __init__(self, n_bins: int = 10_000) -> None:
        if int(n_bins) < 1:
            raise RadZeroInputError(f"n_bins must be >= 1, got {n_bins}")
        self.n_bins = int(n_bins)
        self.positive = np.zeros(self.n_bins, dtype=np.int64)
        self.negative = np.zeros(self.n_bins, dtype=np.int64)

    def update(self, scores: Any, labels: Any) -> None:
        """Add items: ``scores`` in [0, 1] and boolean ``labels`` of the same shape (any shape)."""
        s = to_numpy(scores).ravel()
        y = to_numpy(labels).ravel()
        if s.shape != y.shape:
            raise RadZeroInputError(f"scores and labels differ in size: {s.size} vs {y.size}")
        bins = score_bins(s, self.n_bins)
        y = y.astype(bool)
        self.positive += np.bincount(bins[y], minlength=self.n_bins)
        self.negative += np.bincount(bins[~y], minlength=self.n_bins)

    def merge(self, other: BinnedAUROC) -> None:
        """Add the counts of ``other`` (same ``n_bins``), e.g. from another worker."""
        if other.n_bins != self.n_bins:
            raise RadZeroInputError(f"cannot merge BinnedAUROC with {other.n_bins} bins into {self.n_bins} bins")
        self.positive += other.positive
        self.negative += other.negative

    def compute(self) -> float:
        """AUROC of everything seen so far; NaN while positives or negatives are missing."""
        return auroc_from_histograms(self.positive, self.negative)

    @property
    def nbytes(self) -> int:
        return int(self.positive.nbytes + self.negative.nbytes)
