"""Pointing game (docs/protocols.md) and the box -> pixel convention shared by every box metric.

Box convention. A box is ``(x, y, w, h)`` in ORIGINAL-image pixels. Pixels are addressed by their
integer index (row ``r``, column ``c``), and pixel (r, c) lies inside the box when

    x <= c <= x + w    and    y <= r <= y + h          (edges inclusive)

so a continuous box covers the integer columns ``ceil(x) .. floor(x + w)`` and rows
``ceil(y) .. floor(y + h)``, clipped to the image. A tolerance of ``BOX_EPS`` pixels on both sides
absorbs float round-off (e.g. ``w = x2 - x1`` stored as 4.999999999). An integer box
(x=2, y=1, w=3, h=2) therefore covers columns 2..5 and rows 1..3 (4 x 3 pixels). A zero width or
height gives a one-pixel-wide line; negative sizes are an error. ``boxes_to_mask`` and
``pointing_game_hit`` use this same rule (one helper), so a pointing-game hit is exactly
``boxes_to_mask(...)[argmax_pixel(map)]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from radzero.eval.metrics._arrays import as_map, to_numpy, valid_pixels
from radzero.utils.checks import RadZeroInputError

__all__ = ["BOX_EPS", "Box", "argmax_pixel", "box_pixel_ranges", "boxes_to_mask", "pointing_game_hit"]

Box = Sequence[float]  # (x, y, w, h) in original pixels
BOX_EPS = 1e-6


def _as_boxes(boxes: Iterable[Box] | np.ndarray) -> np.ndarray:
    """Checked float64 array (K, 4) from a list of (x, y, w, h) boxes or an array (K, 4)."""
    if isinstance(boxes, (list, tuple)):
        if len(boxes) == 0:
            return np.zeros((0, 4))
        try:
            arr = np.asarray([to_numpy(box) for box in boxes], dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise RadZeroInputError(f"boxes must be a list of (x, y, w, h), got {boxes!r:.80}") from err
    else:
        arr = to_numpy(boxes).astype(np.float64)
    if arr.size == 0:
        return np.zeros((0, 4))
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise RadZeroInputError(
            f"boxes must be a list of (x, y, w, h) boxes or an array (K, 4), got shape {arr.shape}"
            " (a single box must be wrapped in a list)"
        )
    bad = ~np.isfinite(arr).all(axis=1) | (arr[:, 2] < 0) | (arr[:, 3] < 0)
    if bad.any():
        raise RadZeroInputError(
            f"box (x, y, w, h)={tuple(arr[bad][0].tolist())} must be finite with non-negative width and height"
        )
    return arr


def _pixel_ranges(box: np.ndarray, height: int, width: int) -> tuple[int, int, int, int] | None:
    x, y, w, h = (float(v) for v in box)
    col0 = max(math.ceil(x - BOX_EPS), 0)
    col1 = min(math.floor(x + w + BOX_EPS), width - 1)
    row0 = max(math.ceil(y - BOX_EPS), 0)
    row1 = min(math.floor(y + h + BOX_EPS), height - 1)
    if col0 > col1 or row0 > row1:
        return None
    return row0, row1, col0, col1


def box_pixel_ranges(box: Box, height: int, width: int) -> tuple[int, int, int, int] | None:
    """Inclusive pixel ranges ``(row0, row1, col0, col1)`` covered by ``box`` inside an (H, W) image.

    None when the box covers no pixel of the image.
    """
    return _pixel_ranges(_as_boxes([box])[0], height, width)


def boxes_to_mask(boxes: Iterable[Box] | np.ndarray, height: int, width: int) -> np.ndarray:
    """Boolean (height, width) mask of the union of ``boxes`` (edges inclusive, see module doc)."""
    if height <= 0 or width <= 0:
        raise RadZeroInputError(f"image size must be positive, got (H, W)=({height}, {width})")
    mask = np.zeros((height, width), dtype=bool)
    for box in _as_boxes(boxes):
        ranges = _pixel_ranges(box, height, width)
        if ranges is not None:
            row0, row1, col0, col1 = ranges
            mask[row0 : row1 + 1, col0 : col1 + 1] = True
    return mask


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
    for box in _as_boxes(boxes):
        ranges = _pixel_ranges(box, height, width)
        if ranges is not None and ranges[0] <= row <= ranges[1] and ranges[2] <= col <= ranges[3]:
            return True
    return False
