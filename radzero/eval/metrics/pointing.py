"""Pointing game (docs/protocols.md): a hit when the map's argmax pixel lies inside any box of the phrase.

"Inside" is the edges-inclusive box rule of ``radzero.data.boxes`` (``box_mask_edges_inclusive``):
pixel (r, c) is inside an ``(x, y, w, h)`` box in ORIGINAL-image pixels when ``x <= c <= x + w``
and ``y <= r <= y + h``. mIoU and CNR use the same rule, so a pointing-game hit is exactly
``box_mask_edges_inclusive(...)[argmax_pixel(map)]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from radzero.data.boxes import Box, as_box_array, box_pixel_ranges
from radzero.eval.metrics._arrays import as_map, valid_pixels

__all__ = ["argmax_pixel", "pointing_game_hit"]


def argmax_pixel(map: Any) -> tuple[int, int]:
    """(row, col) of the largest non-NaN value; ties -> the first in row-major order."""
    arr = as_map(map)
    valid = valid_pixels(arr)
    flat_valid = np.flatnonzero(valid)
    flat = flat_valid[int(np.argmax(arr.ravel()[flat_valid]))]
    row, col = divmod(int(flat), arr.shape[1])
    return row, col


def pointing_game_hit(map: Any, boxes: Iterable[Box] | np.ndarray) -> bool:
    """True when the argmax pixel of ``map`` (H, W) lies inside ANY of ``boxes`` (edges inclusive).

    NaN pixels are ignored; a map with no valid pixel raises. No box -> False.
    """
    arr = as_map(map)
    row, col = argmax_pixel(arr)
    height, width = arr.shape
    for box in as_box_array(boxes):
        ranges = box_pixel_ranges(box, height, width)
        if ranges is not None and ranges[0] <= row <= ranges[1] and ranges[2] <= col <= ranges[3]:
            return True
    return False
