"""Samples derived from another reader's samples: image-level labels of segmentation sets."""

from __future__ import annotations

from collections.abc import Sequence

from radzero.data.samples import ClassificationSample, SegmentationSample

__all__ = ["segmentation_to_classification"]


def segmentation_to_classification(
    samples: Sequence[SegmentationSample], class_name: str
) -> list[ClassificationSample]:
    """Image-level labels (1.0 positive / 0.0 negative) of segmentation samples (SIIM, RSNA)."""
    return [
        ClassificationSample(s.image_path, s.image_id, {class_name: float(s.positive)}, s.original_size)
        for s in samples
    ]
