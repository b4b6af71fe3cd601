"""Evaluation geometry (invertible), training augmentation and the image -> tensor pipeline."""

from radzero.data.transforms.augment import AugmentConfig, build_train_augment
from radzero.data.transforms.geometry import (
    GEOMETRIES,
    EvalGeometry,
    GeometryParams,
    PadToSquare,
    Resize,
    ResizeCenterCrop,
    boxes_to_input,
    boxes_to_original,
    make_geometry,
    map_to_original,
    points_to_input,
    points_to_original,
    resize_image,
)
from radzero.data.transforms.pipeline import IMAGENET_MEAN, IMAGENET_STD, ImageTransform, to_model_tensor

__all__ = [
    "GEOMETRIES",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "AugmentConfig",
    "EvalGeometry",
    "GeometryParams",
    "ImageTransform",
    "PadToSquare",
    "Resize",
    "ResizeCenterCrop",
    "boxes_to_input",
    "boxes_to_original",
    "build_train_augment",
    "make_geometry",
    "map_to_original",
    "points_to_input",
    "points_to_original",
    "resize_image",
    "to_model_tensor",
]
