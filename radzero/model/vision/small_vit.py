"""A small randomly initialised timm ViT for the CPU demo and tests (no pretrained weights exist).

Input is a grayscale radiograph repeated to 3 channels (a (B, 1, H, W) batch is repeated by the base
class); normalisation mean = std = 0.5. Tokens = `forward_features` (CLS + patches after the final norm).

``stem="conv"`` replaces the one-step patch projection by a stack of 3x3 stride-2 convolutions
("Early convolutions help transformers see better", Xiao et al. 2021): same token grid, but a ViT
trained from scratch on a few thousand images converges far faster. With ``depth=0`` there are no
self-attention blocks at all: each patch token is a function of its own neighbourhood only (pixels
8i-7 .. 8i+7 for 8 px patches), the role the frozen, pretrained trunk plays in the paper, and only the
align layers mix tokens globally. ``class_token=False`` leaves
out the CLS token, so VL-CABS can only attend to patch tokens (a from-scratch model otherwise tends to
route the match through CLS, and its patch similarity maps carry no location). ``reg_tokens=N`` adds N
register tokens after the CLS token ("Vision Transformers Need Registers", Darcet et al. 2024):
prefix tokens that VL-CABS attends to but that are not part of the similarity map, so global
evidence (heart size) need not be parked on some background patch.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from radzero.model.vision.base import VisionEncoder


def conv_stem(in_chans: int, width: int, patch_size: int) -> nn.Sequential:
    """(B, C, H, W) → (B, width, H / patch, W / patch): log2(patch) conv3x3-s2-BN-ReLU, then a 1x1 projection."""
    steps = int(math.log2(patch_size))
    if 2**steps != patch_size:
        raise ValueError(f"a conv stem needs a power-of-two patch_size, got {patch_size}")
    layers: list[nn.Module] = []
    channels = in_chans
    for step in range(steps):
        out = max(width // 2 ** (steps - 1 - step), 16)  # channels double up to the width
        layers += [nn.Conv2d(channels, out, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
        channels = out
    layers.append(nn.Conv2d(channels, width, 1))
    return nn.Sequential(*layers)


class SmallViTEncoder(VisionEncoder):
    def __init__(
        self,
        *,
        image_size: int = 224,
        frozen: bool = False,
        pretrained: bool = False,
        patch_size: int = 16,
        width: int = 128,
        depth: int = 2,
        heads: int = 4,
        mlp_ratio: float = 4.0,
        stem: str = "patch",
        class_token: bool = True,
        reg_tokens: int = 0,
        mean: tuple[float, float, float] = (0.5, 0.5, 0.5),
        std: tuple[float, float, float] = (0.5, 0.5, 0.5),
    ) -> None:
        # `pretrained` is accepted for a uniform builder signature and ignored: always random weights.
        from timm.models.vision_transformer import VisionTransformer

        if image_size % patch_size:
            raise ValueError(f"image_size {image_size} is not a multiple of patch_size {patch_size}")
        vit = VisionTransformer(
            img_size=image_size,
            patch_size=patch_size,
            in_chans=3,
            embed_dim=width,
            depth=depth,
            num_heads=heads,
            mlp_ratio=mlp_ratio,
            num_classes=0,
            global_pool="",
            class_token=class_token,
            reg_tokens=reg_tokens,
        )
        if stem == "conv":
            vit.patch_embed.proj = conv_stem(3, width, patch_size)  # the token grid stays (H / p, W / p)
        elif stem != "patch":
            raise ValueError(f"small_vit stem must be 'patch' or 'conv', got {stem!r}")
        super().__init__(
            vit,
            embed_dim=width,
            patch_size=patch_size,
            image_size=image_size,
            mean=mean,
            std=std,
            frozen=frozen,
        )
        self.num_prefix_tokens = vit.num_prefix_tokens  # CLS (if any) + registers
        self.has_class_token = bool(vit.has_class_token)  # timm: [CLS, registers..., patches]

    def forward_tokens(self, images: torch.Tensor) -> torch.Tensor:
        return self.backbone.forward_features(images)

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        self.backbone.set_grad_checkpointing(enable)
