"""BiomedCLIP image tower: the timm ViT-B/16 trunk of open_clip's BiomedCLIP, without pooling or head.

Tokens = `trunk.forward_features(x)`: patch embed -> + pos-embed (CLS row included) -> blocks -> final
`trunk.norm`, i.e. (B, 1 + h*w, 768) with no pooling (`forward_features` never pools; the trunk's
`global_pool` / `head` are only used by `forward_head`, and are reset to ''/Identity here anyway).
open_clip's own `visual.head` (768 -> 512 linear projection) is not used, as in the RadZero code.

Native size 224 px = 14 x 14 grid. For another `image_size` the pos-embed is resampled once at build
time (bicubic, antialias=True, CLS row kept; `resample_pos_embed`) and the patch embed is told the new
size. `image_size` must be a multiple of 16: the authors' 518 px run effectively used a 32 x 32 grid
and silently dropped the last 6 pixel rows/columns (strided conv); here 518 raises and 512 (32 x 32)
is the equivalent choice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from radzero.model.assets import load_json
from radzero.model.vision.base import VisionEncoder
from radzero.model.vision.pos_embed import set_vit_input_size

DEFAULT_MODEL_ID = "hf-hub:microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224"
LOCAL_CONFIG = "biomedclip_vit_b16_pubmedbert_256.json"


def build_biomedclip_trunk(
    config_file: str | Path = LOCAL_CONFIG, overrides: dict[str, Any] | None = None
) -> torch.nn.Module:
    """The BiomedCLIP timm trunk with random weights, built locally (no hub access).

    `overrides` go to `timm.create_model` (e.g. depth=1, embed_dim=64, num_heads=2 for tests).
    """
    import timm

    vision_cfg = load_json(config_file)["vision_cfg"]
    kwargs: dict[str, Any] = {"img_size": vision_cfg.get("image_size", 224)}
    kwargs.update(overrides or {})
    return timm.create_model(
        vision_cfg["timm_model_name"], pretrained=False, num_classes=0, global_pool="", **kwargs
    )


def load_biomedclip_trunk(model_id: str = DEFAULT_MODEL_ID) -> torch.nn.Module:
    """The pretrained trunk through open_clip (downloads the checkpoint from the hub)."""
    import open_clip

    model, _ = open_clip.create_model_from_pretrained(model_id)  # also accepts "local-dir:/path"
    return model.visual.trunk


class BiomedCLIPVisionEncoder(VisionEncoder):
    def __init__(
        self,
        *,
        image_size: int = 224,
        frozen: bool = True,
        pretrained: bool = True,
        model_id: str = DEFAULT_MODEL_ID,
        config_file: str | Path = LOCAL_CONFIG,
        config_overrides: dict[str, Any] | None = None,
    ) -> None:
        cfg = load_json(config_file)
        if pretrained:
            if config_overrides:
                raise ValueError("config_overrides only apply to pretrained=False (random weights)")
            trunk = load_biomedclip_trunk(model_id)
        else:
            trunk = build_biomedclip_trunk(config_file, config_overrides)
        if getattr(trunk, "num_prefix_tokens", 1) != 1 or getattr(trunk, "cls_token", None) is None:
            raise ValueError("the BiomedCLIP trunk must have exactly one prefix (CLS) token")
        trunk.reset_classifier(0, global_pool="")
        patch = int(trunk.patch_embed.patch_size[0])
        if image_size % patch:
            raise ValueError(
                f"biomedclip image_size must be a multiple of {patch}, got {image_size} "
                f"(use {image_size // patch * patch} for a {image_size // patch}x{image_size // patch} grid)"
            )
        set_vit_input_size(trunk, image_size)
        super().__init__(
            trunk,
            embed_dim=trunk.embed_dim,
            patch_size=patch,
            image_size=image_size,
            mean=tuple(cfg["preprocess_cfg"]["mean"]),
            std=tuple(cfg["preprocess_cfg"]["std"]),
            frozen=frozen,
        )
        self.native_image_size = int(cfg["vision_cfg"].get("image_size", 224))
        self.model_id = model_id if pretrained else None

    def forward_tokens(self, images: torch.Tensor) -> torch.Tensor:
        return self.backbone.forward_features(images)

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        self.backbone.set_grad_checkpointing(enable)
