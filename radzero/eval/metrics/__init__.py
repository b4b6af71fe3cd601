"""Evaluation metrics (docs/protocols.md). NumPy / torch in, Python floats / NumPy arrays out.

Maps are at ORIGINAL image resolution; NaN pixels (outside the network's view) are excluded from
every metric. Boxes are (x, y, w, h) in original pixels with inclusive edges
(``radzero.data.boxes.box_mask_edges_inclusive``).
"""

from radzero.eval.metrics.binned_auroc import auroc_from_histograms
from radzero.eval.metrics.bootstrap import (
    bootstrap_auroc_resamples,
    bootstrap_ci,
    bootstrap_macro_auroc_ci,
    percentile_interval,
    resample_indices,
)
from radzero.eval.metrics.auprc import auprc, frequency_groups
from radzero.eval.metrics.classification import macro_auroc, top1_accuracy, top1_correct
from radzero.eval.metrics.cnr import contrast_to_noise_ratio
from radzero.eval.metrics.iou import (
    BIOVIL_THRESHOLDS,
    iou,
    iou_at_thresholds,
    miou_over_thresholds,
    normalize_min_max,
)
from radzero.eval.metrics.pixel_auroc import PixelAUROCBootstrap, cosine_bins
from radzero.eval.metrics.pointing import argmax_pixel, pointing_game_hit
from radzero.eval.metrics.segmentation import DEFAULT_DICE_THRESHOLDS, DiceAccumulator
from radzero.eval.metrics.threshold_selection import (
    DiceAtSelectedThreshold,
    dice_at_selected_threshold,
    select_threshold,
)

__all__ = [
    "BIOVIL_THRESHOLDS",
    "DEFAULT_DICE_THRESHOLDS",
    "DiceAccumulator",
    "DiceAtSelectedThreshold",
    "PixelAUROCBootstrap",
    "argmax_pixel",
    "auprc",
    "auroc_from_histograms",
    "bootstrap_auroc_resamples",
    "bootstrap_ci",
    "bootstrap_macro_auroc_ci",
    "contrast_to_noise_ratio",
    "cosine_bins",
    "dice_at_selected_threshold",
    "frequency_groups",
    "iou",
    "iou_at_thresholds",
    "macro_auroc",
    "miou_over_thresholds",
    "normalize_min_max",
    "percentile_interval",
    "pointing_game_hit",
    "resample_indices",
    "select_threshold",
    "top1_accuracy",
    "top1_correct",
]
