"""mIoU of a similarity map against the union of boxes, BioViL protocol (docs/protocols.md).

Protocol, per phrase:

1. Normalise the map to [0, 1] by min-max over its VALID (non-NaN) pixels:
   ``(m - min) / (max - min)``. A constant map (max == min) normalises to all zeros, so nothing
   is predicted at any threshold > 0 and its IoU is 0 (the map carries no localisation).
2. Binarise at each threshold with a STRICT comparison: predicted = ``normalised > t``
   (the convention of the authors' segmentation code and common BioViL re-implementations).
3. IoU against the union-of-boxes mask, edges inclusive
   (``radzero.data.boxes.box_mask_edges_inclusive``), counting valid pixels only: NaN pixels
   belong neither to the prediction nor to the ground truth.
4. Mean over thresholds. Averaging over phrases is left to the caller.

If no valid pixel lies inside the boxes (the region was cropped away), the phrase cannot be
localised and its mIoU is 0.0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from radzero.data.boxes import Box, box_mask_edges_inclusive
from radzero.eval.metrics._arrays import as_map, as_mask, to_numpy, valid_pixels
from radzero.utils.checks import RadZeroInputError

__all__ = ["BIOVIL_THRESHOLDS", "iou", "iou_at_thresholds", "miou_over_thresholds", "normalize_min_max"]

BIOVIL_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)


def iou(pred_mask: Any, gt_mask: Any) -> float:
    """|pred & gt| / |pred | gt| of two boolean masks of one shape; NaN when both are empty."""
    pred = to_numpy(pred_mask)
    gt = as_mask(gt_mask, pred.shape, "gt_mask")
    pred = as_mask(pred, pred.shape, "pred_mask")
    union = int(np.count_nonzero(pred | gt))
    if union == 0:
        return float("nan")
    return int(np.count_nonzero(pred & gt)) / union


def normalize_min_max(map: Any) -> np.ndarray:
    """Min-max over valid pixels to [0, 1] (float64, NaN kept); a constant map -> all zeros."""
    arr = as_map(map)
    valid = valid_pixels(arr)
    low, high = float(arr[valid].min()), float(arr[valid].max())
    if high == low:
        return np.where(valid, 0.0, np.nan)
    return (arr - low) / (high - low)


def iou_at_thresholds(
    map: Any, boxes: Iterable[Box] | np.ndarray, thresholds: Sequence[float] = BIOVIL_THRESHOLDS
) -> np.ndarray:
    """IoU (valid pixels only) of ``normalize_min_max(map) > t`` vs the union of boxes, per threshold."""
    norm = normalize_min_max(map)
    thr = np.asarray(thresholds, dtype=np.float64).ravel()
    if thr.size == 0:
        raise RadZeroInputError("thresholds is empty")
    valid = ~np.isnan(norm)
    gt = box_mask_edges_inclusive(boxes, *norm.shape) & valid
    gt_count = int(np.count_nonzero(gt))
    if gt_count == 0:
        return np.zeros(thr.size)
    scores_valid = norm[valid]
    gt_valid = gt[valid]
    in_box = scores_valid[gt_valid]
    out = np.empty(thr.size)
    for i, t in enumerate(thr):
        intersection = int(np.count_nonzero(in_box > t))
        predicted = int(np.count_nonzero(scores_valid > t))
        out[i] = intersection / (predicted + gt_count - intersection)
    return out


def miou_over_thresholds(
    map: Any, boxes: Iterable[Box] | np.ndarray, thresholds: Sequence[float] = BIOVIL_THRESHOLDS
) -> float:
    """Mean over ``thresholds`` of ``iou_at_thresholds`` (BioViL protocol, see module doc)."""
    return float(iou_at_thresholds(map, boxes, thresholds).mean())
