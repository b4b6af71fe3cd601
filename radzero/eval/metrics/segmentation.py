"""Streaming zero-shot segmentation metrics over a threshold grid (docs/protocols.md).

``DiceAccumulator.update(prob_map, gt_mask)`` takes one image at a time (probability map at
ORIGINAL resolution, NaN where the network saw nothing) and keeps only small per-image summaries,
never the maps, so memory does not depend on image size (the pixel AUROC is threshold-free and
kept apart, in ``pixel_auroc``):

- positive image (gt mask has any pixel): its Dice at every threshold, a (T,) float64 vector;
- negative image (empty gt mask): one float, the largest valid probability of the map.

Definitions (shared by every method):

- A pixel is predicted positive at threshold ``t`` when ``prob > t`` (strict, compared in float64;
  as in the authors' code). The default grid is ``{0.00, 0.01, ..., 1.00}``.
- NaN pixels are excluded: they count neither as prediction nor as ground truth.
- Per-image Dice = 2 |P & G| / (|P| + |G|) over valid pixels. An image is positive when its gt
  mask is non-empty anywhere; if all of its gt pixels are NaN (cropped away, counted in
  ``n_positive_unseen``) its Dice is 0 at every threshold: the lesion could not be found.
- Dice over positive images = mean of the per-image Dice over positive images.
- Specificity (image level) = fraction of negative images with an EMPTY prediction, i.e. no valid
  pixel with ``prob > t`` (as in the authors' ``compute_specificity``).
- Best threshold = the grid value with the largest mean Dice; ties -> the smallest threshold.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from radzero.eval.metrics._arrays import as_map, as_mask, valid_pixels
from radzero.eval.metrics.binned_auroc import score_bins
from radzero.utils.checks import RadZeroInputError

__all__ = ["DEFAULT_DICE_THRESHOLDS", "DiceAccumulator"]

DEFAULT_DICE_THRESHOLDS = np.arange(101) / 100.0  # 0.00, 0.01, ..., 1.00 (each the double nearest i/100)


def _check_thresholds(thresholds: Sequence[float] | np.ndarray) -> np.ndarray:
    thr = np.asarray(thresholds, dtype=np.float64).ravel()
    if thr.size == 0 or not np.isfinite(thr).all():
        raise RadZeroInputError(f"thresholds must be a non-empty list of finite numbers, got {thresholds!r:.80}")
    if np.any(np.diff(thr) <= 0):
        raise RadZeroInputError("thresholds must be strictly increasing")
    return thr


def _count_above(bin_of_pixel: np.ndarray, n_thresholds: int) -> np.ndarray:
    """(T,) number of pixels with prob > thr[j], from k = #thresholds strictly below each pixel."""
    hist = np.bincount(bin_of_pixel, minlength=n_thresholds + 1)
    at_least = np.cumsum(hist[::-1])[::-1]  # at_least[m] = #pixels with k >= m
    return at_least[1:]  # prob > thr[j]  <=>  k > j  <=>  k >= j + 1


class DiceAccumulator:
    """Per-threshold Dice (positives) and specificity (negatives), one image at a time.

    ``thresholds``: strictly increasing grid (default 0.00..1.00 step 0.01).
    """

    def __init__(self, thresholds: Sequence[float] | np.ndarray | None = None) -> None:
        self.thresholds = _check_thresholds(DEFAULT_DICE_THRESHOLDS if thresholds is None else thresholds)
        self._positive_dice: list[np.ndarray] = []
        self._negative_max: list[float] = []
        self.positive_keys: list[Hashable | None] = []
        self.negative_keys: list[Hashable | None] = []
        self._seen_keys: set[Hashable] = set()
        self.n_positive_unseen = 0

    # ------------------------------------------------------------------ accumulation

    def update(self, prob_map: Any, gt_mask: Any, key: Hashable | None = None) -> None:
        """Add one image: ``prob_map`` (H, W) in [0, 1] with NaN, ``gt_mask`` (H, W) bool.

        ``key`` (image id, optional) is recorded in ``positive_keys`` / ``negative_keys`` and must
        be unique: adding the same image twice raises.
        """
        prob = as_map(prob_map, "prob_map")
        gt = as_mask(gt_mask, prob.shape, "gt_mask")
        valid = valid_pixels(prob, "prob_map")
        if key is not None and key in self._seen_keys:
            raise RadZeroInputError(f"image {key!r} was already added to this accumulator")
        p = prob[valid]
        g = gt[valid]
        score_bins(p, 1)  # checks that p lies in [0, 1]
        if gt.any():
            # k = number of thresholds strictly below each pixel; predicted at thr[j] iff j < k.
            k = np.searchsorted(self.thresholds, p, side="left")
            n_thr = self.thresholds.size
            predicted = _count_above(k, n_thr)
            true_positive = _count_above(k[g], n_thr)
            gt_count = int(np.count_nonzero(g))
            if gt_count == 0:
                self.n_positive_unseen += 1
                dice = np.zeros(n_thr)
            else:
                dice = 2.0 * true_positive / (predicted + gt_count)
            self._positive_dice.append(dice)
            self.positive_keys.append(key)
        else:
            self._negative_max.append(float(p.max()))
            self.negative_keys.append(key)
        if key is not None:
            self._seen_keys.add(key)

    def merge(self, other: DiceAccumulator) -> None:
        """Append the images of ``other`` (same threshold grid), e.g. from another worker."""
        if not np.array_equal(self.thresholds, other.thresholds):
            raise RadZeroInputError("cannot merge DiceAccumulators with different threshold grids")
        overlap = self._seen_keys & other._seen_keys
        if overlap:
            raise RadZeroInputError(f"images added to both accumulators: {sorted(map(repr, overlap))[:5]}")
        self._positive_dice.extend(other._positive_dice)
        self._negative_max.extend(other._negative_max)
        self.positive_keys.extend(other.positive_keys)
        self.negative_keys.extend(other.negative_keys)
        self._seen_keys |= other._seen_keys
        self.n_positive_unseen += other.n_positive_unseen

    # ------------------------------------------------------------------ sizes

    @property
    def n_positive(self) -> int:
        return len(self._positive_dice)

    @property
    def n_negative(self) -> int:
        return len(self._negative_max)

    def state_nbytes(self) -> int:
        """Bytes of metric state (per-image vectors + the grid); independent of image size."""
        return sum(v.nbytes for v in self._positive_dice) + 8 * len(self._negative_max) + self.thresholds.nbytes

    # ------------------------------------------------------------------ queries

    def threshold_index(self, threshold: float) -> int:
        """Index of ``threshold`` in the grid (within 1e-9); raises if it is not a grid value."""
        hits = np.flatnonzero(np.abs(self.thresholds - float(threshold)) <= 1e-9)
        if hits.size != 1:
            raise RadZeroInputError(
                f"threshold {threshold} is not on this accumulator's grid "
                f"({self.thresholds.size} values from {self.thresholds[0]} to {self.thresholds[-1]})"
            )
        return int(hits[0])

    def per_image_dice(self) -> np.ndarray:
        """(n_positive, T) Dice of every positive image at every threshold (rows in update order)."""
        if not self._positive_dice:
            return np.zeros((0, self.thresholds.size))
        return np.stack(self._positive_dice)

    def per_image_dice_at(self, threshold: float) -> np.ndarray:
        """(n_positive,) Dice of every positive image at one grid threshold (for the bootstrap)."""
        return self.per_image_dice()[:, self.threshold_index(threshold)]

    def mean_dice(self) -> np.ndarray:
        """(T,) mean Dice over positive images per threshold; NaN if there is no positive image."""
        if not self._positive_dice:
            return np.full(self.thresholds.size, np.nan)
        return self.per_image_dice().mean(axis=0)

    def dice_at(self, threshold: float) -> float:
        """Mean Dice over positive images at one grid threshold."""
        return float(self.mean_dice()[self.threshold_index(threshold)])

    def best_threshold(self) -> float:
        """Grid threshold with the largest mean Dice (ties -> the smallest); needs a positive image."""
        if not self._positive_dice:
            raise RadZeroInputError("no positive image was added: the Dice-maximising threshold is undefined")
        return float(self.thresholds[int(np.argmax(self.mean_dice()))])

    def per_image_specificity_at(self, threshold: float) -> np.ndarray:
        """(n_negative,) 1.0 where the negative image has an empty prediction at ``threshold``, else 0.0."""
        thr = self.thresholds[self.threshold_index(threshold)]
        return (np.asarray(self._negative_max, dtype=np.float64) <= thr).astype(np.float64)

    def specificity(self) -> np.ndarray:
        """(T,) image-level specificity per threshold; NaN if there is no negative image."""
        if not self._negative_max:
            return np.full(self.thresholds.size, np.nan)
        maxima = np.asarray(self._negative_max, dtype=np.float64)
        return (maxima[:, None] <= self.thresholds[None, :]).mean(axis=0)

    def specificity_at(self, threshold: float) -> float:
        """Fraction of negative images with no valid pixel ``prob > threshold``."""
        return float(self.specificity()[self.threshold_index(threshold)])

