"""A small randomly initialised timm ViT for the CPU demo and tests (no pretrained weights exist).

Input is a grayscale radiograph repeated to 3 channels (a (B, 1, H, W) batch is repeated by the base
class); normalisation mean = std = 0.5. Tokens = `forward_features` (CLS + patches after the final norm).
"""

from __future__ import annotations

import torch

from radzero.model.vision.base import VisionEncoder


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
            class_token=True,
        )
        super().__init__(
            vit,
            embed_dim=width,
            patch_size=patch_size,
            image_size=image_size,
            mean=mean,
            std=std,
            frozen=frozen,
        )

    def forward_tokens(self, images: torch.Tensor) -> torch.Tensor:
        return self.backbone.forward_features(images)

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        self.backbone.set_grad_checkpointing(enable)
