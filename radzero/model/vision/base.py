"""Common interface of RadZero's vision encoders."""

from __future__ import annotations

import contextlib

import torch
from timm.data import IMAGENET_DEFAULT_MEAN as IMAGENET_MEAN  # normalisation statistics: timm's, nowhere else
from timm.data import IMAGENET_DEFAULT_STD as IMAGENET_STD
from timm.data import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD
from torch import nn


class VisionEncoder(nn.Module):
    """Image -> [CLS + patch] tokens.

    forward(images (B, 3, H, W)) -> (tokens (B, P + h*w, D), grid (h, w)), P = num_prefix_tokens, h = H // patch_size.
    Tokens are row-major over the patch grid after the CLS token. A (B, 1, H, W) grayscale batch is
    repeated to 3 channels. H and W must be multiples of `patch_size`; backends with a fixed-size
    pos-embed (biomedclip, small_vit) also require H == W == image_size.

    Attributes: embed_dim, patch_size, image_size (the size it was built for), mean / std (per-channel
    normalisation the pixels must already have), frozen, num_prefix_tokens (= 1, the CLS token),
    has_class_token (the first prefix token is a CLS token), backbone (the wrapped module).

    frozen=True: every parameter has requires_grad=False, the module stays in eval mode whatever
    `.train()` is called with, and forward runs under `torch.no_grad()`.
    """

    num_prefix_tokens: int = 1
    has_class_token: bool = True

    def __init__(
        self,
        backbone: nn.Module,
        *,
        embed_dim: int,
        patch_size: int,
        image_size: int,
        mean: tuple[float, float, float],
        std: tuple[float, float, float],
        frozen: bool,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.embed_dim = int(embed_dim)
        self.patch_size = int(patch_size)
        self.image_size = int(image_size)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self.frozen = bool(frozen)
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size {self.image_size} is not a multiple of patch_size {self.patch_size}")
        if self.frozen:
            self.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> VisionEncoder:
        # a frozen encoder never leaves eval mode (hi-ml / health_multimodal convention)
        return super().train(bool(mode) and not self.frozen)

    def grid_size(self, height: int | None = None, width: int | None = None) -> tuple[int, int]:
        height = self.image_size if height is None else height
        width = height if width is None else width
        return height // self.patch_size, width // self.patch_size

    @property
    def num_tokens(self) -> int:  # tokens at image_size
        h, w = self.grid_size()
        return self.num_prefix_tokens + h * w

    def resolved_kwargs(self) -> dict:
        """Builder kwargs this encoder resolved itself (e.g. a hub model's mean / std), so that a saved
        config rebuilds it identically offline; recorded in ``RadZeroConfig.vision``."""
        return {}

    def forward_tokens(self, images: torch.Tensor) -> torch.Tensor:  # (B, 3, H, W) -> (B, 1 + h*w, D)
        raise NotImplementedError

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Activation checkpointing in the backbone (pointless when frozen)."""
        raise NotImplementedError(f"{type(self).__name__} has no gradient checkpointing")

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        if images.ndim != 4:
            raise ValueError(f"images must be (B, C, H, W), got {tuple(images.shape)}")
        if images.shape[1] == 1:
            images = images.expand(-1, 3, -1, -1)
        if images.shape[1] != 3:
            raise ValueError(f"images must have 1 or 3 channels, got {images.shape[1]}")
        height, width = images.shape[-2:]
        if height % self.patch_size or width % self.patch_size:
            raise ValueError(
                f"image size {height}x{width} is not a multiple of the patch size {self.patch_size}"
            )
        grid = self.grid_size(height, width)
        ctx = torch.no_grad() if self.frozen else contextlib.nullcontext()
        with ctx:
            tokens = self.forward_tokens(images)
        expected = self.num_prefix_tokens + grid[0] * grid[1]
        if tokens.shape[1] != expected:
            raise RuntimeError(f"backbone returned {tokens.shape[1]} tokens, expected {expected} for grid {grid}")
        return tokens, grid

    def extra_repr(self) -> str:
        return (
            f"embed_dim={self.embed_dim}, patch_size={self.patch_size}, image_size={self.image_size}, "
            f"frozen={self.frozen}"
        )
