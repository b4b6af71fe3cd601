"""AUROC from fixed-bin score histograms: the binning and the histogram AUROC that the pixel AUROC
(``pixel_auroc``) is built on.

Scores in [low, high] fall into ``n_bins`` equal bins (``range_bins``; ``score_bins`` for
probabilities in [0, 1]: bin ``min(floor(score * n_bins), n_bins - 1)``). The AUROC of two
histograms (positives, negatives) is the exact Mann-Whitney AUROC (ties count 1/2) of the binned
scores, i.e. it equals ``sklearn.metrics.roc_auc_score`` on the scores quantised to their bin; its
distance to the AUROC of the raw scores is at most half the fraction of (positive, negative) pairs
that share a bin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radzero.utils.checks import RadZeroInputError

__all__ = ["auroc_from_histograms", "auroc_rows", "range_bins", "score_bins"]

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


def auroc_rows(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """(R,) Mann-Whitney AUROC (ties 1/2) of each row of (R, n_bins) positive / negative counts (bins in
    increasing score order); NaN where a row has no positive or no negative."""
    negative_below = np.cumsum(negative, axis=1) - negative
    numerator = (positive * (negative_below + 0.5 * negative)).sum(axis=1)
    denominator = positive.sum(axis=1) * negative.sum(axis=1)
    out = np.full(positive.shape[0], np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def auroc_from_histograms(positive: Any, negative: Any) -> float:
    """Mann-Whitney AUROC from one pair of per-bin counts (bins in increasing score order); NaN if a class is empty."""
    pos = np.asarray(positive, dtype=np.float64)[None]  # (1, n_bins)
    neg = np.asarray(negative, dtype=np.float64)[None]
    return float(auroc_rows(pos, neg)[0])
