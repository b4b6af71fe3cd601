"""Preprocessing by a checkpoint's own transformers image processor (``preprocessor_config.json``).

The RadZero authors preprocess with the XrayDINOv2 ``BlipImageProcessor`` of transformers 4.39
(Pillow): 8-bit RGB -> bicubic resize to S x S -> x / 255 -> (x - mean) / std. transformers 5 moved that
Pillow implementation to ``<Name>Pil`` (``<Name>`` is now a torchvision port with other resampling),
so the class is picked by name, Pillow backend first; only transformers' built-in image-processor
classes are used, never remote code. Only square-resize processors are accepted (their inverse is
radzero's ``Resize`` geometry, which maps similarity maps back to the original image).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from radzero.data.transforms.geometry import GeometryParams, Resize

__all__ = ["HFImageProcessorTransform", "build_image_processor", "to_uint8"]


def build_image_processor(config: dict[str, Any]):
    """A transformers image processor from a ``preprocessor_config.json`` dict (built-in classes only)."""
    import transformers
    from transformers.image_processing_utils import BaseImageProcessor

    name = config.get("image_processor_type")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"preprocessor_config.json: image_processor_type {name!r} is not a class name")
    for candidate in (f"{name.removesuffix('Fast')}Pil", name.removesuffix("Fast")):
        cls = getattr(transformers, candidate, None)
        if isinstance(cls, type) and issubclass(cls, BaseImageProcessor):
            break
    else:
        raise ValueError(
            f"preprocessor_config.json: {name!r} is not an image processor of transformers {transformers.__version__}"
        )
    kwargs = {k: v for k, v in config.items() if k not in ("image_processor_type", "processor_class", "auto_map")}
    return cls(**kwargs)


def to_uint8(image: np.ndarray, minmax: bool = False) -> np.ndarray:
    """(H, W) float in [0, 1] -> uint8: ``round(x * 255)`` (the stored values of an 8-bit JPEG / PNG), or with
    ``minmax`` each image stretched to 0..255 first (OpenCV ``NORM_MINMAX``, the authors' batch evaluation)."""
    x = np.asarray(image, dtype=np.float64)
    if minmax:
        lo, hi = float(x.min()), float(x.max())
        x = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


class HFImageProcessorTransform:
    """``(H, W) float32 image in [0, 1] -> ((3, S, S) tensor, GeometryParams)`` through a transformers
    image processor that resizes to a square S x S (e.g. ``BlipImageProcessor``)."""

    def __init__(self, config: dict[str, Any], minmax: bool = False) -> None:
        self.processor = build_image_processor(config)
        size = getattr(self.processor, "size", None) or {}
        height, width = size.get("height"), size.get("width")
        if height is None or height != width or not getattr(self.processor, "do_resize", True):
            raise ValueError(
                f"image processor {type(self.processor).__name__} with size={dict(size)}: radzero uses processors "
                "that resize to a square (height == width), e.g. BlipImageProcessor"
            )
        if getattr(self.processor, "do_center_crop", False) or getattr(self.processor, "do_pad", False):
            raise ValueError(f"image processor {type(self.processor).__name__}: cropping / padding is not supported")
        self.size = int(height)
        self.geometry = Resize(self.size)
        self.minmax = bool(minmax)

    def __call__(self, image: np.ndarray):
        import torch
        from PIL import Image

        params: GeometryParams = self.geometry.params(image.shape)
        picture = Image.fromarray(to_uint8(image, self.minmax)).convert("RGB")
        pixels = self.processor(picture, return_tensors="np")["pixel_values"][0]  # (3, S, S)
        return torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32)), params

    def __repr__(self) -> str:
        return f"HFImageProcessorTransform({type(self.processor).__name__}, size={self.size}, minmax={self.minmax})"
