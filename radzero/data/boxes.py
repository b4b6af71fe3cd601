"""Boxes ``(x, y, w, h)`` in ORIGINAL-image pixels (x = column, y = row) and the two rules that turn
them into pixel masks, each named after its rule (docs/protocols.md):

- ``box_mask_edges_inclusive``: pixel (r, c) is inside when ``x <= c <= x + w`` and
  ``y <= r <= y + h``; the grounding metrics (pointing game, mIoU, CNR) use it.
- ``box_mask_pixel_centres``: pixel (r, c) is inside when its centre is,
  ``x <= c + 0.5 < x + w`` and ``y <= r + 0.5 < y + h``; segmentation masks (RSNA boxes) use it.

On integer boxes they differ by at most one row or column per edge: an integer w x h box covers
(w + 1) x (h + 1) pixels edges-inclusive and exactly w x h pixels by centres.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from radzero.utils.checks import RadZeroInputError

__all__ = [
    "BOX_EPS",
    "Box",
    "as_box_array",
    "box_mask_edges_inclusive",
    "box_mask_pixel_centres",
    "box_pixel_ranges",
]

Box = tuple[float, float, float, float]  # (x, y, w, h), original pixels
BOX_EPS = 1e-6  # edges-inclusive rule: float round-off tolerance in pixels (w = x2 - x1 stored as 4.999999999)


def _float_array(value: Any) -> np.ndarray:
    """float64 NumPy copy of a number / list / array / torch tensor (any device and float type)."""
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=np.float64)


def as_box_array(boxes: Iterable[Box] | np.ndarray) -> np.ndarray:
    """Checked float64 array (K, 4) from a list of (x, y, w, h) boxes or an array / tensor (K, 4).

    Raises on a bare box (it must be wrapped in a list), non-finite values and negative sizes.
    """
    if isinstance(boxes, (list, tuple)):
        if len(boxes) == 0:
            return np.zeros((0, 4))
        try:
            arr = np.asarray([_float_array(box) for box in boxes], dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise RadZeroInputError(f"boxes must be a list of (x, y, w, h), got {boxes!r:.80}") from err
    else:
        arr = _float_array(boxes)
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


def _edges_inclusive_ranges(box: np.ndarray, height: int, width: int) -> tuple[int, int, int, int] | None:
    x, y, w, h = (float(v) for v in box)
    col0 = max(math.ceil(x - BOX_EPS), 0)
    col1 = min(math.floor(x + w + BOX_EPS), width - 1)
    row0 = max(math.ceil(y - BOX_EPS), 0)
    row1 = min(math.floor(y + h + BOX_EPS), height - 1)
    if col0 > col1 or row0 > row1:
        return None
    return row0, row1, col0, col1


def box_pixel_ranges(box: Box | np.ndarray, height: int, width: int) -> tuple[int, int, int, int] | None:
    """Inclusive ``(row0, row1, col0, col1)`` that ``box`` covers in an (H, W) image, edges-inclusive rule.

    The covered columns are ``ceil(x) .. floor(x + w)`` and rows ``ceil(y) .. floor(y + h)`` (``BOX_EPS``
    tolerance), clipped to the image; None when the box covers no pixel of the image.
    """
    return _edges_inclusive_ranges(as_box_array([box])[0], height, width)


def box_mask_edges_inclusive(boxes: Iterable[Box] | np.ndarray, height: int, width: int) -> np.ndarray:
    """(height, width) bool union of ``boxes``: pixel (r, c) is inside when x <= c <= x + w and y <= r <= y + h.

    Pixels are the integer points (c, r); both edges count, with a tolerance of ``BOX_EPS`` pixels for
    float round-off, and the box is clipped to the image. An integer box (x=2, y=1, w=3, h=2) covers
    columns 2..5 and rows 1..3; a zero width or height gives a one-pixel line; negative sizes raise.
    Used by the grounding metrics: pointing game (``pointing_game_hit`` is this mask at the argmax
    pixel), mIoU and CNR (``radzero.eval.metrics``).
    """
    if height <= 0 or width <= 0:
        raise RadZeroInputError(f"image size must be positive, got (H, W)=({height}, {width})")
    mask = np.zeros((height, width), dtype=bool)
    for box in as_box_array(boxes):
        ranges = _edges_inclusive_ranges(box, height, width)
        if ranges is not None:
            row0, row1, col0, col1 = ranges
            mask[row0 : row1 + 1, col0 : col1 + 1] = True
    return mask


def box_mask_pixel_centres(boxes: Iterable[Box], height: int, width: int) -> np.ndarray:
    """(height, width) bool union of ``boxes``: pixel (r, c) is inside when its centre (c + 0.5, r + 0.5) is,
    i.e. x <= c + 0.5 < x + w and y <= r + 0.5 < y + h.

    Pixel (r, c) is the square [c, c + 1) x [r, r + 1), so an integer box covers exactly rows
    [y, y + h) and columns [x, x + w) (w x h pixels) and Dice compares true areas; clipped to the
    image. Used for the ground-truth masks of ``GroundingSample.mask`` and ``SegmentationSample.mask``
    (``radzero.data.samples``: RSNA pneumonia boxes in the segmentation benchmark).
    """
    mask = np.zeros((height, width), dtype=bool)
    for bx, by, bw, bh in boxes:
        c0 = max(0, math.ceil(bx - 0.5))
        c1 = min(width, math.ceil(bx + bw - 0.5))
        r0 = max(0, math.ceil(by - 0.5))
        r1 = min(height, math.ceil(by + bh - 0.5))
        if c1 > c0 and r1 > r0:
            mask[r0:r1, c0:c1] = True
    return mask
