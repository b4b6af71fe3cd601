"""Stage 2 of the RadZero recipe: heads fine-tuned on the aligned (stage-1) model.

- ``SegmentationHead``: a light decoder on the aligned patch tokens, upsampled to the network input. With
  ``use_prompt_map`` it also reads the VL-CABS cosine map of the class prompt and adds its zero-shot logit
  (cosine / tau) to a residual whose last layer starts at zero, so before training its probability map IS the
  zero-shot map.
- ``LinearProbe``: a logistic layer on the pooled aligned features (CLS token, or the patch mean for a
  patch-only encoder, concatenated with the patch mean).
- ``FinetuneModel``: the stage-1 ``RadZero`` (frozen; optionally its align layers trainable) + one head.
  Frozen parts get no gradient and stay in eval mode whatever ``.train()`` is called with.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from radzero.model.radzero import RadZero

__all__ = ["FinetuneModel", "LinearProbe", "SegmentationHead", "patch_grid"]


def patch_grid(tokens: Tensor, grid: tuple[int, int], num_prefix_tokens: int) -> Tensor:
    """(B, P + h*w, D) tokens -> (B, D, h, w) patch features."""
    patches = tokens[:, num_prefix_tokens:, :]  # (B, h*w, D)
    return patches.transpose(1, 2).reshape(tokens.shape[0], tokens.shape[2], *grid)


class SegmentationHead(nn.Module):
    """Aligned patch tokens (+ the prompt's cosine map) -> one logit map (B, 1, S, S) at the network input."""

    def __init__(self, dim: int, out_size: int, hidden: int = 64, use_prompt_map: bool = True) -> None:
        super().__init__()
        self.out_size = int(out_size)
        self.use_prompt_map = bool(use_prompt_map)
        extra = 1 if use_prompt_map else 0
        self.reduce = nn.Sequential(nn.Conv2d(dim + extra, hidden, 1), nn.GroupNorm(8 if hidden % 8 == 0 else 1, hidden),
                                    nn.GELU())
        self.refine = nn.Sequential(nn.Conv2d(hidden, hidden, 3, padding=1), nn.GELU(),
                                    nn.Conv2d(hidden, hidden // 2, 3, padding=1), nn.GELU())
        self.out = nn.Conv2d(hidden // 2, 1, 1)
        if use_prompt_map:  # start from the zero-shot map: the residual is zero before training
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def forward(self, patches: Tensor, prompt_map: Tensor | None = None, tau: Tensor | float | None = None) -> Tensor:
        """``patches`` (B, D, h, w); ``prompt_map`` (B, 1, h, w) cosines and ``tau`` with ``use_prompt_map``."""
        if self.use_prompt_map:
            if prompt_map is None or tau is None:
                raise ValueError("SegmentationHead(use_prompt_map=True) needs the prompt's cosine map and tau")
            x = torch.cat([patches, prompt_map.to(patches.dtype)], dim=1)  # (B, D + 1, h, w)
        else:
            x = patches
        h, w = patches.shape[-2:]
        y = self.refine(F.interpolate(self.reduce(x), size=(2 * h, 2 * w), mode="bilinear", align_corners=False))
        logits = self.out(y)  # (B, 1, 2h, 2w)
        if self.use_prompt_map:
            base = F.interpolate(prompt_map.to(logits.dtype) / tau, size=(2 * h, 2 * w), mode="bilinear",
                                 align_corners=False)
            logits = logits + base
        return F.interpolate(logits, size=(self.out_size, self.out_size), mode="bilinear", align_corners=False)


class LinearProbe(nn.Module):
    """Pooled aligned features (B, 2D) -> class logits (B, C)."""

    def __init__(self, dim: int, num_classes: int, num_prefix_tokens: int) -> None:
        super().__init__()
        self.num_prefix_tokens = int(num_prefix_tokens)
        self.linear = nn.Linear(2 * dim, num_classes)

    def pooled(self, tokens: Tensor) -> Tensor:
        """(B, P + L, D) -> (B, 2D): [CLS (or the patch mean without one), patch mean]."""
        patches = tokens[:, self.num_prefix_tokens:, :].mean(dim=1)  # (B, D)
        first = tokens[:, 0, :] if self.num_prefix_tokens else patches
        return torch.cat([first, patches], dim=1)

    def forward(self, tokens: Tensor) -> Tensor:
        return self.linear(self.pooled(tokens))


class FinetuneModel(nn.Module):
    """The stage-1 model (frozen) + a segmentation head or a linear probe.

    ``prompt_features`` (1, D): the layer-normed class prompt, for a segmentation head that reads its map.
    ``train_align``: the align transformer (and the vision projection) train too; the vision and text
    encoders never do.
    """

    def __init__(self, net: RadZero, head: nn.Module, prompt_features: Tensor | None = None,
                 train_align: bool = False) -> None:
        super().__init__()
        self.net = net
        self.head = head
        self.train_align = bool(train_align)
        self.register_buffer("prompt_features", prompt_features if prompt_features is not None else torch.zeros(0),
                             persistent=True)
        net.requires_grad_(False)
        if self.train_align:
            net.align.requires_grad_(True)
            net.vision_proj.requires_grad_(True)
        self.train(False)

    def trainable_modules(self) -> list[nn.Module]:
        return [self.head, *((self.net.align, self.net.vision_proj) if self.train_align else ())]

    def train(self, mode: bool = True) -> FinetuneModel:
        """Frozen parts stay in eval mode (no dropout, fixed statistics)."""
        self.training = mode
        self.net.train(False)
        for module in self.trainable_modules():
            module.train(mode)
        return self

    def forward(self, images: Tensor) -> Tensor:
        """(B, 3, S, S) -> segmentation logits (B, 1, S, S) or class logits (B, C)."""
        with torch.set_grad_enabled(self.training and self.train_align and torch.is_grad_enabled()):
            tokens, grid = self.net.encode_image(images)  # (B, P + h*w, D)
        if isinstance(self.head, LinearProbe):
            return self.head(tokens)
        patches = patch_grid(tokens, grid, self.net.vision.num_prefix_tokens)  # (B, D, h, w)
        if not getattr(self.head, "use_prompt_map", False):
            return self.head(patches)
        _, cosine_maps = self.net.similarity(self.prompt_features, tokens, grid)  # (B, 1, h, w)
        return self.head(patches, cosine_maps, self.net.tau.detach())
