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


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one fixed-size bitmap font
        return ImageFont.load_default()


def colour_bar(width: int, value_range: tuple[float, float] = DEFAULT_COSINE_RANGE, label: str = "cosine",
               height: int | None = None) -> np.ndarray:
    """(h, width, 3) uint8 strip: the jet scale of ``value_range`` with ticks, so a map reads on its own."""
    from matplotlib import colormaps

    height = height or min(36, max(24, width // 16))
    bar_height = height // 2
    low, high = value_range
    strip = Image.new("RGB", (width, height), (0, 0, 0))
    margin = max(4, width // 40)
    gradient = colormaps["jet"](np.linspace(0, 1, max(1, width - 2 * margin)))[:, :3]
    strip.paste(Image.fromarray((np.repeat(gradient[None], bar_height, axis=0) * 255).astype(np.uint8)), (margin, 0))
    draw, font = ImageDraw.Draw(strip), _font(max(9, height - bar_height - 3))
    ticks = np.linspace(low, high, 5)
    for k, value in enumerate(ticks):
        x = margin + round(k / (len(ticks) - 1) * (width - 2 * margin - 1))
        draw.line([x, bar_height, x, bar_height + 2], fill=(255, 255, 255))
        text = f"{value:.1f}" if k else f"{label} {value:.1f}"
        anchor = "la" if k == 0 else ("ra" if k == len(ticks) - 1 else "ma")
        draw.text((x, bar_height + 2), text, fill=(255, 255, 255), font=font, anchor=anchor)
    return np.asarray(strip)


def annotate(rgb: np.ndarray, caption: str | None = None,
             value_range: tuple[float, float] = DEFAULT_COSINE_RANGE) -> np.ndarray:
    """The overlay with its phrase in a strip above and the fixed cosine colour bar below."""
    width = rgb.shape[1]
    parts = []
    if caption:
        height = max(16, width // 24)
        strip = Image.new("RGB", (width, height), (0, 0, 0))
        font = _font(max(9, height - 4))
        ImageDraw.Draw(strip).text((3, height // 2), caption, fill=(255, 255, 255), font=font, anchor="lm")
        parts.append(np.asarray(strip))
    parts += [rgb, colour_bar(width, value_range)]
    return np.concatenate(parts, axis=0)


def save_png(path: str | Path, rgb: np.ndarray) -> Path:
    """Write an RGB array as PNG atomically."""
    return atomic_write(path, lambda tmp: Image.fromarray(rgb).save(tmp, format="PNG"))
