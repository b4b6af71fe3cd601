"""Figures: ROC curves per class (classification) and a grid of map overlays (grounding)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from radzero.eval.overlays import colour_bar, save_png
from radzero.utils.atomic import atomic_write

__all__ = ["overlay_grid", "overlay_tile", "save_roc_png"]


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
