"""Absolute position-embedding resampling for ViTs run at a new input size."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def resample_pos_embed(
    pos_embed: torch.Tensor,  # (1, P + h0*w0, D)
    new_grid: tuple[int, int],
    num_prefix_tokens: int = 1,
    old_grid: tuple[int, int] | None = None,
    mode: str = "bicubic",
    antialias: bool = True,
) -> torch.Tensor:  # (1, P + h*w, D)
    """Resample the patch part of `pos_embed` to `new_grid`, keeping the P prefix (CLS) rows as they are.

    Interpolation runs in float32 (bicubic, antialias=True, align_corners=False, as timm's
    `resample_abs_pos_embed` and the RadZero authors' BiomedCLIP code) and the result is cast back.
    The input is returned unchanged (same values) when the grid does not change.
    `old_grid` defaults to the square grid implied by the token count.
    """
    if pos_embed.ndim != 3:
        raise ValueError(f"pos_embed must be (1, P + h*w, D), got {tuple(pos_embed.shape)}")
    n_patch = pos_embed.shape[1] - num_prefix_tokens
    if old_grid is None:
        side = math.isqrt(n_patch)
        if side * side != n_patch:
            raise ValueError(f"{n_patch} patch positions are not a square grid; pass old_grid")
        old_grid = (side, side)
    old_grid = (int(old_grid[0]), int(old_grid[1]))
    new_grid = (int(new_grid[0]), int(new_grid[1]))
    if old_grid[0] * old_grid[1] != n_patch:
        raise ValueError(f"old_grid {old_grid} does not match {n_patch} patch positions")
    if new_grid == old_grid:
        return pos_embed

    prefix, patch = pos_embed[:, :num_prefix_tokens], pos_embed[:, num_prefix_tokens:]
    b, _, d = patch.shape
    grid = patch.float().reshape(b, old_grid[0], old_grid[1], d).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=new_grid, mode=mode, align_corners=False, antialias=antialias)
    patch = grid.permute(0, 2, 3, 1).reshape(b, new_grid[0] * new_grid[1], d).to(pos_embed.dtype)
    return torch.cat([prefix, patch], dim=1)


def set_vit_input_size(vit: nn.Module, image_size: int) -> None:
    """Make a timm `VisionTransformer` accept `image_size` x `image_size` inputs.

    Resamples `vit.pos_embed` with `resample_pos_embed` (prefix/CLS rows kept) and updates the patch
    embed's img_size / grid_size / num_patches so timm's strict input-size check accepts the new size.
    `image_size` must be a multiple of the patch size (timm's conv would silently drop the remainder).
    """
    pe = vit.patch_embed
    patch = tuple(pe.patch_size)
    if image_size % patch[0] or image_size % patch[1]:
        raise ValueError(f"image_size {image_size} is not a multiple of the patch size {patch}")
    old_grid = tuple(pe.grid_size)
    new_grid = (image_size // patch[0], image_size // patch[1])
    if hasattr(pe, "set_input_size"):  # timm >= 1.0
        pe.set_input_size(img_size=(image_size, image_size))
    else:  # older timm: plain attributes
        pe.img_size = (image_size, image_size)
        pe.grid_size = new_grid
        pe.num_patches = new_grid[0] * new_grid[1]
    if getattr(vit, "pos_embed", None) is not None and new_grid != old_grid:
        n_prefix = 0 if getattr(vit, "no_embed_class", False) else vit.num_prefix_tokens
        old = vit.pos_embed
        with torch.no_grad():
            new = resample_pos_embed(old.detach(), new_grid, n_prefix, old_grid=old_grid)
        vit.pos_embed = nn.Parameter(new.clone(), requires_grad=old.requires_grad)


POS_EMBED_INTERPOLATIONS = ("legacy", "exact")


def interpolate_dinov2_pos_embed(
    pos_embed: torch.Tensor,  # (1, 1 + N, D), N = n * n positions of the native square grid
    grid: tuple[int, int],
    mode: str = "legacy",
) -> torch.Tensor:  # (1, 1 + h*w, D)
    """DINOv2's position embeddings for a (h, w) patch grid, the same whatever transformers is installed.

    Both modes keep the CLS row, interpolate the patch rows bicubically in float32
    (``align_corners=False``, no antialias) and return the input unchanged on the native grid.

    - ``legacy``: the original DINOv2 / transformers 4.x rule, which the RadZero authors' checkpoint
      was trained with: ``scale_factor = ((h + 0.1) / n, (w + 0.1) / n)``. With a scale factor,
      PyTorch maps output pixel i to input ``(i + 0.5) / scale - 0.5``, so the sampling positions
      differ slightly from a resize to an exact size.
    - ``exact``: resize to ``size=(h, w)`` (transformers 5's rule): input ``(i + 0.5) * n / h - 0.5``.
    """
    if mode not in POS_EMBED_INTERPOLATIONS:
        raise ValueError(f"pos_embed_interpolation={mode!r}: choose one of {list(POS_EMBED_INTERPOLATIONS)}")
    n_patch = pos_embed.shape[1] - 1
    side = math.isqrt(n_patch)
    if side * side != n_patch:
        raise ValueError(f"DINOv2 pos-embed has {n_patch} patch rows, not a square grid")
    height, width = int(grid[0]), int(grid[1])
    if (height, width) == (side, side):
        return pos_embed
    cls_row, patch = pos_embed[:, :1], pos_embed[:, 1:]
    dim = patch.shape[-1]
    patch = patch.float().reshape(1, side, side, dim).permute(0, 3, 1, 2)  # (1, D, n, n)
    if mode == "legacy":
        scale = (float((height + 0.1) / side), float((width + 0.1) / side))
        patch = F.interpolate(patch, scale_factor=scale, mode="bicubic", align_corners=False)
    else:
        patch = F.interpolate(patch, size=(height, width), mode="bicubic", align_corners=False)
    if tuple(patch.shape[-2:]) != (height, width):
        raise RuntimeError(f"pos-embed interpolation gave {tuple(patch.shape[-2:])}, expected {(height, width)}")
    patch = patch.permute(0, 2, 3, 1).reshape(1, height * width, dim).to(pos_embed.dtype)
    return torch.cat([cls_row, patch], dim=1)
