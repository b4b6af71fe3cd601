"""Data: readers (``radzero.data.readers``), image I/O (``io``), SIIM RLE (``rle``), typed
samples (``samples``), geometry / augmentation (``transforms``), torch datasets, collate and
the Lightning DataModule (``datamodule``). Heavy submodules are imported on demand."""

from radzero.data.io import ImageLoadError, image_size, load_image
from radzero.data.rle import rle_decode, rle_encode
from radzero.data.samples import (
    Box,
    ClassificationSample,
    GroundingSample,
    ImageTextSample,
    SegmentationSample,
)

__all__ = [
    "Box",
    "ClassificationSample",
    "GroundingSample",
    "ImageLoadError",
    "ImageTextSample",
    "SegmentationSample",
    "image_size",
    "load_image",
    "rle_decode",
    "rle_encode",
]
