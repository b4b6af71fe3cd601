"""Similarity-map overlays: the map over the radiograph on a FIXED cosine colour scale, boxes drawn."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from radzero.utils.atomic import atomic_write

# Cosines are comparable across images and prompts, so one colour scale serves every overlay.
DEFAULT_COSINE_RANGE = (-0.2, 0.6)


def overlay_rgb(
    image: np.ndarray,
    cosine_map: np.ndarray,
    boxes: Sequence[Sequence[float]] = (),
    value_range: tuple[float, float] = DEFAULT_COSINE_RANGE,
    alpha: float = 0.45,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """(H, W) image in [0, 1] + (H, W) cosine map (NaN = unseen) → (H, W, 3) uint8 RGB overlay.

    ``boxes`` are (x, y, w, h) ground-truth boxes drawn in green; ``mask`` (bool) is outlined in white.
    """
    from matplotlib import colormaps

    low, high = value_range
    scaled = np.clip((np.nan_to_num(cosine_map, nan=low) - low) / (high - low), 0.0, 1.0)
    heat = colormaps["jet"](scaled)[..., :3]  # (H, W, 3)
    grey = np.repeat(np.clip(image, 0, 1)[..., None], 3, axis=-1)
    weight = np.where(np.isnan(cosine_map), 0.0, alpha)[..., None]
    rgb = (grey * (1 - weight) + heat * weight) * 255
    if mask is not None:
        edge = mask ^ np.roll(mask, 1, axis=0) | mask ^ np.roll(mask, 1, axis=1)
        rgb[edge] = 255
    picture = Image.fromarray(rgb.astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    width = max(1, round(max(image.shape) / 200))
    for x, y, w, h in boxes:
        draw.rectangle([x, y, x + w, y + h], outline=(0, 255, 0), width=width)
    return np.asarray(picture)


def save_png(path: str | Path, rgb: np.ndarray) -> Path:
    """Write an RGB array as PNG atomically."""
    return atomic_write(path, lambda tmp: Image.fromarray(rgb).save(tmp, format="PNG"))
