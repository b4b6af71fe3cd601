"""Data: readers (``radzero.data.readers``), image I/O (``io``), SIIM RLE (``rle``), boxes and their two
box-to-mask rules (``boxes``), typed samples (``samples``), geometry / augmentation (``transforms``), torch datasets, collate and
the Lightning DataModule (``datamodule``). Heavy submodules are imported on demand."""

from radzero.data.boxes import Box
from radzero.data.io import ImageLoadError, image_size, load_image
from radzero.data.rle import rle_decode, rle_encode
from radzero.data.samples import (
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
