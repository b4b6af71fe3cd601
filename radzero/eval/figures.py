"""Evaluation figures: similarity-map overlays on a FIXED cosine colour scale (boxes drawn, colour bar),
ROC curves per class (classification) and grids of overlay tiles (grounding); PNGs written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from radzero.utils.atomic import atomic_write

__all__ = [
    "DEFAULT_COSINE_RANGE",
    "annotate",
    "colour_bar",
    "overlay_grid",
    "overlay_rgb",
    "overlay_tile",
    "save_png",
    "save_roc_png",
]

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


def save_roc_png(
    path: str | Path, labels: np.ndarray, scores: np.ndarray, classes: Sequence[str], title: str
) -> Path | None:
    """One ROC curve per defined class (labels (N, C) in {1, 0, NaN}); None when no class is defined."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_auc_score, roc_curve

    curves, left_out = [], []
    for c, name in enumerate(classes):
        present = ~np.isnan(labels[:, c])
        y, s = labels[present, c], scores[present, c]
        if (y == 1).any() and (y == 0).any():
            fpr, tpr, _ = roc_curve(y, s)
            curves.append((name, fpr, tpr, roc_auc_score(y, s)))
        else:
            left_out.append(name)
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    try:
        for name, fpr, tpr, auc in curves[:20]:  # legends beyond 20 classes are unreadable
            ax.plot(fpr, tpr, lw=1.2, label=f"{name} ({auc:.3f})", clip_on=False)
        for _, fpr, tpr, _ in curves[20:]:
            ax.plot(fpr, tpr, lw=0.6, color="0.7", clip_on=False)
        ax.plot([0, 1], [0, 1], "k--", lw=0.8)
        # a little room beyond [0, 1], so a perfect curve along the frame stays visible
        ax.set(xlabel="false positive rate", ylabel="true positive rate", title=title, xlim=(-0.01, 1.01),
               ylim=(-0.01, 1.02))
        ax.legend(fontsize=7, loc="lower right")
        if left_out:
            names = ", ".join(left_out[:8]) + (f" (+{len(left_out) - 8})" if len(left_out) > 8 else "")
            fig.text(0.01, 0.005, f"left out, no positive or no negative image: {names}", fontsize=7)
        fig.tight_layout()
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)


def overlay_tile(rgb: np.ndarray, caption: str, size: int = 320) -> np.ndarray:
    """(H, W, 3) overlay -> (size + 16, size, 3) tile: aspect-preserving fit and a caption strip."""
    picture = Image.fromarray(rgb)
    scale = size / max(picture.width, picture.height)
    picture = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
                             Image.Resampling.BILINEAR)
    tile = Image.new("RGB", (size, size + 16), (0, 0, 0))
    tile.paste(picture, ((size - picture.width) // 2, (size - picture.height) // 2))
    ImageDraw.Draw(tile).text((3, size + 2), caption[: size // 6], fill=(255, 255, 255))
    return np.asarray(tile)


def overlay_grid(path: str | Path, tiles: Sequence[np.ndarray], columns: int = 4, legend: str | None = None
                 ) -> Path | None:
    """Tiles of one size in a grid PNG (row-major) above the fixed cosine colour bar and ``legend``;
    None when there is no tile."""
    if not tiles:
        return None
    height, width = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    cols = min(columns, len(tiles))
    grid = np.zeros((rows * height, cols * width, 3), dtype=np.uint8)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, cols)
        grid[r * height : (r + 1) * height, c * width : (c + 1) * width] = tile
    parts = [grid, colour_bar(grid.shape[1])]
    if legend:
        strip = Image.new("RGB", (grid.shape[1], 18), (0, 0, 0))
        ImageDraw.Draw(strip).text((3, 3), legend, fill=(255, 255, 255))
        parts.append(np.asarray(strip))
    return save_png(path, np.concatenate(parts, axis=0))
