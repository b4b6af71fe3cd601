"""Typed records yielded by the dataset readers (``radzero.data.readers``).

All boxes are ``(x, y, w, h)`` in ORIGINAL image pixels (x = column, y = row, continuous
coordinates: pixel (r, c) covers [c, c+1) x [r, r+1)); ``mask()`` rasterises them by the
pixel-centre rule (``radzero.data.boxes.box_mask_pixel_centres``). ``original_size`` is always (H, W).
Samples are immutable; ``image_id`` is the key labels and predictions are joined on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from radzero.data.boxes import Box, box_mask_pixel_centres
from radzero.data.rle import rle_decode, rle_is_empty

__all__ = [
    "ClassificationSample",
    "GroundingSample",
    "ImageTextSample",
    "SegmentationSample",
]

Size = tuple[int, int]  # (H, W)


@dataclass(frozen=True)
class ImageTextSample:
    """One training image with its finding sentences (MIMIC-CXR / the authors' JSON)."""

    image_path: Path
    image_id: str  # dicom_id without extension
    sentences: tuple[str, ...]
    study_id: str | None = None
    subject_id: str | None = None
    split: str | None = None  # train / validate / test (MIMIC names)
    view: str | None = None  # ViewPosition: PA, AP, LATERAL, LL, ...
    original_size: Size | None = None
    labels: dict[str, float | None] | None = None  # CheXpert labels of the study, if read


@dataclass(frozen=True)
class ClassificationSample:
    """An image with per-class labels: 1.0 / 0.0 / -1.0 (uncertain) / None (not given)."""

    image_path: Path
    image_id: str
    labels: dict[str, float | None]
    original_size: Size | None = None


@dataclass(frozen=True)
class GroundingSample:
    """One phrase (or class name) with all of its boxes on one image."""

    image_path: Path
    image_id: str
    phrase: str
    category: str
    boxes: tuple[Box, ...]
    original_size: Size | None = None
    split: str | None = None

    def mask(self) -> np.ndarray:
        """(H, W) bool union of the boxes, pixel-centre rule (``box_mask_pixel_centres``); the grounding
        metrics use the edges-inclusive rule (``box_mask_edges_inclusive``) instead."""
        if self.original_size is None:
            raise ValueError(f"{self.image_id}: original_size unknown, cannot rasterise boxes")
        return box_mask_pixel_centres(self.boxes, *self.original_size)


@dataclass(frozen=True)
class SegmentationSample:
    """An image with a pneumothorax/pneumonia mask, from RLE (SIIM) or boxes (RSNA).

    ``mask_rle`` is the union of all regions of the image as one SIIM RLE string ("-1" when
    negative); ``boxes`` are used when the source gives boxes instead.
    """

    image_path: Path
    image_id: str
    positive: bool
    original_size: Size
    mask_rle: str | None = None
    boxes: tuple[Box, ...] = field(default_factory=tuple)
    category: str | None = None

    def mask(self) -> np.ndarray:
        """(H, W) bool: the RLE mask, united with the boxes by the pixel-centre rule (``box_mask_pixel_centres``)."""
        h, w = self.original_size
        if self.mask_rle is not None and not rle_is_empty(self.mask_rle):
            m = rle_decode(self.mask_rle, h, w)
            if self.boxes:
                m |= box_mask_pixel_centres(self.boxes, h, w)
            return m
        return box_mask_pixel_centres(self.boxes, h, w)

