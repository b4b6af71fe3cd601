"""DINOv2 (transformers `Dinov2Model`), the paper's XrayDINOv2 encoder.

Tokens are the output of the last block AFTER the model's final LayerNorm (`Dinov2Model.layernorm`),
i.e. `last_hidden_state`: what the RadZero authors feed to the align transformer.

The forward pass is run here module by module (patch embedding -> CLS -> position embedding ->
encoder -> layernorm) so that the position embedding is resized by radzero's own rule
(``pos_embed_interpolation``, see `interpolate_dinov2_pos_embed`), not by whichever transformers
version is installed: 4.x used the original DINOv2 scale-factor rule (``legacy``, what the authors'
checkpoint was trained on), 5.x resizes to the exact grid (``exact``); at 518 px the two give features
that differ by several per cent. Any input size that is a multiple of 14 works; at 518 px the grid is
37 x 37 (1369 patches + CLS).

Weight names: transformers 5 renamed the attention weights (``attention.attention.query`` ->
``attention.q_proj``, ``attention.output.dense`` -> ``attention.o_proj``); `dinov2_key` rewrites a
key to either spelling so checkpoints load under both.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch

from radzero.model.assets import load_json
from radzero.model.vision.base import IMAGENET_MEAN, IMAGENET_STD, VisionEncoder
from radzero.model.vision.pos_embed import POS_EMBED_INTERPOLATIONS, interpolate_dinov2_pos_embed

logger = logging.getLogger(__name__)

DEFAULT_MODEL_ID = "StanfordAIMI/dinov2-base-xray-224"
LOCAL_CONFIG = "dinov2_base.json"

# (transformers 4.x name, transformers 5 name) of the attention weights in a Dinov2 layer
_ATTENTION_SPELLINGS = (
    ("attention.attention.query.", "attention.q_proj."),
    ("attention.attention.key.", "attention.k_proj."),
    ("attention.attention.value.", "attention.v_proj."),
    ("attention.output.dense.", "attention.o_proj."),
)


# Dinov2Config fields that define the trunk's architecture (the rest of a config is bookkeeping)
DINOV2_ARCHITECTURE = (
    "hidden_size", "num_hidden_layers", "num_attention_heads", "mlp_ratio", "hidden_act", "layer_norm_eps",
    "image_size", "patch_size", "num_channels", "qkv_bias", "layerscale_value", "use_swiglu_ffn", "drop_path_rate",
    "hidden_dropout_prob", "attention_probs_dropout_prob", "initializer_range",
)


def dinov2_key(key: str, legacy: bool) -> str:
    """``key`` with a Dinov2 layer's attention weights in the 4.x (``legacy``) or the 5.x spelling."""
    for old, new in _ATTENTION_SPELLINGS:
        source, target = (new, old) if legacy else (old, new)
        if source in key:
            return key.replace(source, target)
    return key


def dinov2_config(config_file: str | Path = LOCAL_CONFIG, overrides: dict[str, Any] | None = None):
    """`Dinov2Config` from a shipped/local JSON plus overrides (e.g. tiny hidden_size for tests)."""
    from transformers import Dinov2Config

    cfg = {k: v for k, v in load_json(config_file).items() if k != "model_type"}
    cfg.update(overrides or {})
    return Dinov2Config(**cfg)


def hub_image_stats(model_id: str) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """(mean, std) of a model's own ``preprocessor_config.json`` (a local folder, the HF cache or the hub), or None."""
    try:
        path = Path(model_id) / "preprocessor_config.json"
        if not path.is_file():
            from huggingface_hub import hf_hub_download

            path = Path(hf_hub_download(model_id, "preprocessor_config.json"))
        values = json.loads(path.read_text())
        return tuple(values["image_mean"]), tuple(values["image_std"])
    except Exception as error:  # noqa: BLE001 - no such file / offline: the caller falls back
        logger.warning("no image mean / std from %s/preprocessor_config.json (%s); using ImageNet's", model_id, error)
        return None


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
        mean: tuple[float, float, float] | None = None,
        std: tuple[float, float, float] | None = None,
        pos_embed_interpolation: str = "legacy",
    ) -> None:
        """``mean`` / ``std`` default to the hub model's own image processor (pretrained) or ImageNet's."""
        from transformers import Dinov2Model

        if pos_embed_interpolation not in POS_EMBED_INTERPOLATIONS:
            raise ValueError(
                f"pos_embed_interpolation={pos_embed_interpolation!r}: choose one of {list(POS_EMBED_INTERPOLATIONS)}"
            )
        if pretrained:
            backbone = Dinov2Model.from_pretrained(model_id)
            conflicts = {k: (v, getattr(backbone.config, k, None)) for k, v in (config_overrides or {}).items()
                         if getattr(backbone.config, k, None) != v}
            if conflicts:
                raise ValueError(f"config_overrides {conflicts} (given, {model_id}'s) contradict the pretrained model")
            if mean is None or std is None:
                mean, std = hub_image_stats(model_id) or (IMAGENET_MEAN, IMAGENET_STD)
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
            mean=IMAGENET_MEAN if mean is None else mean,
            std=IMAGENET_STD if std is None else std,
            frozen=frozen,
        )
        self.pos_embed_interpolation = pos_embed_interpolation
        self.model_id = model_id if pretrained else None

    def resolved_kwargs(self) -> dict:
        """The normalisation, pos-embed rule and architecture, so a saved config rebuilds this trunk offline."""
        config = self.backbone.config
        architecture = {key: getattr(config, key) for key in DINOV2_ARCHITECTURE if hasattr(config, key)}
        return {"mean": list(self.mean), "std": list(self.std), "pos_embed_interpolation": self.pos_embed_interpolation,
                "config_overrides": architecture}

    def forward_tokens(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> (B, 1 + h*w, D): Dinov2Model's forward with radzero's pos-embed rule."""
        embeddings = self.backbone.embeddings
        grid = self.grid_size(*images.shape[-2:])
        weight = embeddings.patch_embeddings.projection.weight
        patches = embeddings.patch_embeddings(images.to(weight.dtype))  # (B, h*w, D)
        cls_token = embeddings.cls_token.expand(patches.shape[0], -1, -1)  # (B, 1, D)
        position = interpolate_dinov2_pos_embed(embeddings.position_embeddings, grid, self.pos_embed_interpolation)
        tokens = embeddings.dropout(torch.cat([cls_token, patches], dim=1) + position)  # (B, 1 + h*w, D)
        hidden = self.backbone.encoder(tokens).last_hidden_state  # (B, 1 + h*w, D)
        return self.backbone.layernorm(hidden)  # post final LayerNorm

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        if enable:
            self.backbone.gradient_checkpointing_enable()
        else:
            self.backbone.gradient_checkpointing_disable()

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, pos_embed_interpolation={self.pos_embed_interpolation!r}"
