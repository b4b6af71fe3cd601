"""Contrast-to-noise ratio of a similarity map, BioViL protocol (docs/protocols.md).

    CNR = |mean_in - mean_out| / sqrt(var_in + var_out)

over the VALID (non-NaN) map values inside vs outside the union of boxes (edges-inclusive rule,
``radzero.data.boxes.box_mask_edges_inclusive``). Variances are population variances (ddof=0).
The map is used as given (no normalisation). Edge cases: a side with no valid pixel -> NaN (undefined); equal means -> 0.0
(no contrast, also for a constant map); different means with zero variance on both sides -> inf.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from radzero.data.boxes import Box, box_mask_edges_inclusive
from radzero.eval.metrics._arrays import as_map, valid_pixels

__all__ = ["contrast_to_noise_ratio"]


def contrast_to_noise_ratio(map: Any, boxes: Iterable[Box] | np.ndarray) -> float:
    """|mu_in - mu_out| / sqrt(var_in + var_out) over valid pixels inside / outside the boxes."""
    arr = as_map(map)
    valid = valid_pixels(arr)
    inside = box_mask_edges_inclusive(boxes, *arr.shape)
    values_in = arr[inside & valid]
    values_out = arr[~inside & valid]
    if values_in.size == 0 or values_out.size == 0:
        return float("nan")
    contrast = abs(float(values_in.mean()) - float(values_out.mean()))
    if contrast == 0.0:
        return 0.0
    noise = float(np.sqrt(values_in.var() + values_out.var()))
    return contrast / noise if noise > 0 else float("inf")
