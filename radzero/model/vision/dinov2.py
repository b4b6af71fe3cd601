"""DINOv2 (transformers `Dinov2Model`), the paper's XrayDINOv2 encoder.

Tokens are `Dinov2Model(...).last_hidden_state`: the output of the last block AFTER the model's
final LayerNorm (`Dinov2Model.layernorm`; `pooler_output` is just its CLS row). This is what the
RadZero authors feed to the align transformer (`vision_model(pixel_values)["last_hidden_state"]`).

Any input size that is a multiple of 14 works: `Dinov2Embeddings.interpolate_pos_encoding` resamples
the square pos-embed grid bicubically (no antialias; transformers >= 5 interpolates to the exact
target size, 4.x used a scale factor with a +0.1 offset, so pretrained features differ slightly
between the two major versions). At 518 px the grid is 37 x 37 (1369 patches + CLS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from radzero.model.assets import load_json
from radzero.model.vision.base import IMAGENET_MEAN, IMAGENET_STD, VisionEncoder

DEFAULT_MODEL_ID = "StanfordAIMI/dinov2-base-xray-224"
LOCAL_CONFIG = "dinov2_base.json"


def dinov2_config(config_file: str | Path = LOCAL_CONFIG, overrides: dict[str, Any] | None = None):
    """`Dinov2Config` from a shipped/local JSON plus overrides (e.g. tiny hidden_size for tests)."""
    from transformers import Dinov2Config

    cfg = {k: v for k, v in load_json(config_file).items() if k != "model_type"}
    cfg.update(overrides or {})
    return Dinov2Config(**cfg)


class Dinov2VisionEncoder(VisionEncoder):
    def __init__(
        self,
        *,
        image_size: int = 518,
        frozen: bool = True,
        pretrained: bool = True,
        model_id: str = DEFAULT_MODEL_ID,
        config_file: str | Path = LOCAL_CONFIG,
        config_overrides: dict[str, Any] | None = None,
        mean: tuple[float, float, float] = IMAGENET_MEAN,
        std: tuple[float, float, float] = IMAGENET_STD,
    ) -> None:
        from transformers import Dinov2Model

        if pretrained:
            if config_overrides:
                raise ValueError("config_overrides only apply to pretrained=False (random weights)")
            backbone = Dinov2Model.from_pretrained(model_id)
        else:
            backbone = Dinov2Model(dinov2_config(config_file, config_overrides))
        mask_token = getattr(backbone.embeddings, "mask_token", None)
        if mask_token is not None:
            # only used for masked-image pre-training (bool_masked_pos); an unused trainable parameter
            # would break DDP without find_unused_parameters when the encoder is not frozen
            mask_token.requires_grad_(False)
        cfg = backbone.config
        patch = cfg.patch_size if isinstance(cfg.patch_size, int) else cfg.patch_size[0]
        super().__init__(
            backbone,
            embed_dim=cfg.hidden_size,
            patch_size=patch,
            image_size=image_size,
            mean=mean,
            std=std,
            frozen=frozen,
        )
        self.model_id = model_id if pretrained else None

    def forward_tokens(self, images: torch.Tensor) -> torch.Tensor:
        return self.backbone(pixel_values=images).last_hidden_state  # post final LayerNorm

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        if enable:
            self.backbone.gradient_checkpointing_enable()
        else:
            self.backbone.gradient_checkpointing_disable()
