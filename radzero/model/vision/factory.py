"""`build_vision_encoder(name, ...)`: one entry point for every vision backend."""

from __future__ import annotations

from typing import Any, Callable

from radzero.model.vision.base import VisionEncoder
from radzero.model.vision.biomedclip import BiomedCLIPVisionEncoder
from radzero.model.vision.dinov2 import Dinov2VisionEncoder
from radzero.model.vision.small_vit import SmallViTEncoder
from radzero.utils.validate import check_kwargs

VISION_ENCODERS: dict[str, Callable[..., VisionEncoder]] = {
    "dinov2": Dinov2VisionEncoder,
    "biomedclip": BiomedCLIPVisionEncoder,
    "small_vit": SmallViTEncoder,
}


def build_vision_encoder(
    name: str, *, image_size: int, frozen: bool, pretrained: bool = True, **kwargs: Any
) -> VisionEncoder:
    """Build a vision encoder by name.

    name:
      dinov2      transformers Dinov2Model. kwargs: model_id ("StanfordAIMI/dinov2-base-xray-224"),
                  config_file / config_overrides (pretrained=False only), mean, std (default: the hub
                  model's own image processor when pretrained, else ImageNet's), pos_embed_interpolation
                  ("legacy": original DINOv2 / transformers 4.x rule, the authors' checkpoint; "exact").
      biomedclip  open_clip BiomedCLIP timm ViT-B/16 trunk, pos-embed resampled to image_size (multiple of 16).
                  kwargs: model_id ("hf-hub:microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224"),
                  config_file / config_overrides (timm kwargs, pretrained=False only).
      small_vit   small random timm ViT (depth 0: a patch encoder only). kwargs: patch_size, width, depth,
                  heads, mlp_ratio, stem, class_token, reg_tokens, mean, std
                  (pretrained is ignored).
    pretrained=False never touches the hub: random weights from the configs in radzero/model/assets.
    """
    try:
        cls = VISION_ENCODERS[name]
    except KeyError:
        raise ValueError(f"unknown vision encoder {name!r}; choose from {sorted(VISION_ENCODERS)}") from None
    check_kwargs(cls, kwargs, f"model.vision (name: {name})")
    return cls(image_size=image_size, frozen=frozen, pretrained=pretrained, **kwargs)

