"""The RadZero authors' ``config.json`` (``CxrAlignConfig``, transformers 4.39) -> ``RadZeroConfig``.

The snapshot nests three configs: ``vision_config`` (the full Dinov2 config of XrayDINOv2 plus
``img_size``, the input size), ``align_transformer_config`` (a ``Dinov2Config`` with the defaults:
LayerScale 1.0, LayerNorm eps 1e-6) and ``text_config`` (``model_type``, ``pretrained_name_or_path``,
``use_cls_token``, ``use_text_projection`` only: the MPNet architecture comes from the named model's
own ``config.json``). What radzero cannot rebuild exactly raises ``UnsupportedCheckpointError`` naming
the key and its value. See docs/released_model.md for the full mapping.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from radzero.model.assets import asset_path
from radzero.model.radzero import RadZeroConfig
from radzero.model.text.hf import LOCAL_CONFIGS
from radzero.model.vision.dinov2 import DINOV2_ARCHITECTURE

logger = logging.getLogger(__name__)

AUTHORS_ARCHITECTURE = "CxrAlignModel"
MPNET_ID = "sentence-transformers/all-mpnet-base-v2"

MPNET_FIELDS = (
    "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
    "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "relative_attention_num_buckets",
    "initializer_range", "layer_norm_eps", "pad_token_id", "bos_token_id", "eos_token_id",
)
# RadZeroLoss options of the authors' code and the value radzero's VL-CABS head implements
LOSS_OPTIONS = {
    "sim_op": "cos", "use_vision_cls_token": True, "attn_temperature": None, "text_features_l2_norm": False,
    "use_layer_norm": True,
}


class UnsupportedCheckpointError(ValueError):
    """The authors' checkpoint uses an architecture or option radzero does not implement."""


def is_authors_config(values: dict[str, Any]) -> bool:
    """True for the authors' ``CxrAlignConfig`` (by ``architectures`` / ``auto_map`` or its three nested configs)."""
    if AUTHORS_ARCHITECTURE in (values.get("architectures") or []):
        return True
    if any(str(target).endswith(f".{AUTHORS_ARCHITECTURE}") for target in (values.get("auto_map") or {}).values()):
        return True
    return {"vision_config", "text_config", "align_transformer_config"} <= set(values)


def _unsupported(key: str, value: Any, expected: str) -> UnsupportedCheckpointError:
    return UnsupportedCheckpointError(
        f"the authors' config.json has {key}={value!r}, which radzero does not support: {expected}. "
        "radzero converts the released RadZero model (XrayDINOv2 + align transformer + MPNet, VL-CABS head)."
    )


def _require(section: dict[str, Any], name: str, key: str, expected: Any, default: Any = None) -> None:
    value = section.get(key, default)
    if value != expected:
        raise _unsupported(f"{name}.{key}", value, f"expected {expected!r}")


def _section(values: dict[str, Any], name: str) -> dict[str, Any]:
    section = values.get(name)
    if not isinstance(section, dict):
        raise UnsupportedCheckpointError(f"the authors' config.json has no {name!r} object (got {section!r})")
    return section


def loss_config(values: dict[str, Any]) -> dict[str, Any] | None:
    """The RadZero loss options (``loss`` at the top or under ``kwargs``), checked; None when absent."""
    loss = values.get("loss") or (values.get("kwargs") or {}).get("loss")
    if not loss:
        return None
    applied = list(loss.get("apply") or [])
    if len(applied) != 1:
        raise _unsupported("loss.apply", applied, "exactly one loss, the RadZero (VL-CABS) loss")
    options = dict(loss.get(applied[0]) or {})
    for key, expected in LOSS_OPTIONS.items():
        if key in options and options[key] != expected:
            raise _unsupported(f"loss.{applied[0]}.{key}", options[key], f"expected {expected!r}")
    return options


def vision_settings(values: dict[str, Any], image_processor: dict[str, Any] | None) -> dict[str, Any]:
    vision = _section(values, "vision_config")
    if vision.get("model_type") != "dinov2":
        raise _unsupported("vision_config.model_type", vision.get("model_type"), "only 'dinov2' (XrayDINOv2)")
    architecture = {key: vision[key] for key in DINOV2_ARCHITECTURE if key in vision}
    settings: dict[str, Any] = {
        "name": "dinov2",
        "image_size": int(vision.get("img_size") or vision.get("image_size", 224)),
        "frozen": True,
        "pretrained": False,
        "model_id": str(vision.get("pretrained_name_or_path") or "StanfordAIMI/dinov2-base-xray-224"),
        "config_overrides": architecture,
        # the snapshot was trained with transformers 4.39, whose pos-embed resize is the legacy rule
        "pos_embed_interpolation": "legacy",
    }
    if image_processor is not None and "image_mean" in image_processor and "image_std" in image_processor:
        settings["mean"] = [float(v) for v in image_processor["image_mean"]]
        settings["std"] = [float(v) for v in image_processor["image_std"]]
    return settings


def text_architecture(name_or_path: str) -> tuple[dict[str, Any], str]:
    """The MPNet config fields of ``text_config.pretrained_name_or_path`` and where they were read:
    a local folder's ``config.json``, else the Hugging Face cache, else radzero's shipped copy."""
    local = Path(name_or_path).expanduser()
    if (local / "config.json").is_file():
        path = local / "config.json"
    else:
        cached = None
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(name_or_path, "config.json")
        except Exception:  # noqa: BLE001 - not a valid repo id: not in the cache
            cached = None
        if isinstance(cached, str):
            path = Path(cached)
        elif name_or_path in LOCAL_CONFIGS:
            path = asset_path(LOCAL_CONFIGS[name_or_path])
        else:
            raise UnsupportedCheckpointError(
                f"text_config.pretrained_name_or_path={name_or_path!r}: no config.json in a local folder of that "
                f"name, in the Hugging Face cache, or shipped with radzero (known: {sorted(LOCAL_CONFIGS)})"
            )
    values = json.loads(path.read_text(encoding="utf-8"))
    if values.get("model_type") != "mpnet":
        raise _unsupported("text model_type (" + str(path) + ")", values.get("model_type"), "only 'mpnet'")
    return {key: values[key] for key in MPNET_FIELDS if key in values}, str(path)


def text_settings(values: dict[str, Any]) -> dict[str, Any]:
    text = _section(values, "text_config")
    _require(text, "text_config", "model_type", "mpnet")
    _require(text, "text_config", "use_cls_token", False, default=False)
    _require(text, "text_config", "use_text_projection", False, default=False)
    name = str(text.get("pretrained_name_or_path") or MPNET_ID)
    architecture, source = text_architecture(name)
    logger.info("authors' text encoder architecture from %s", source)
    # max_length None: truncation at the tokenizer's model_max_length, as the authors' tokenizer call does
    return {"name": "hf", "model_id": name, "pretrained": False, "config_file": LOCAL_CONFIGS[MPNET_ID],
            "config_overrides": architecture, "max_length": None}


def align_settings(values: dict[str, Any], vision_width: int) -> dict[str, Any]:
    align = _section(values, "align_transformer_config")
    _require(align, "align_transformer_config", "model_type", "align_transformer")
    _require(align, "align_transformer_config", "use_layer_norm", False, default=False)
    _require(align, "align_transformer_config", "projector_config", None)
    _require(align, "align_transformer_config", "use_swiglu_ffn", False, default=False)
    _require(align, "align_transformer_config", "qkv_bias", True, default=True)
    _require(align, "align_transformer_config", "hidden_act", "gelu", default="gelu")
    _require(align, "align_transformer_config", "drop_path_rate", 0.0, default=0.0)
    _require(align, "align_transformer_config", "hidden_size", vision_width)
    return {
        "align_depth": int(align.get("num_hidden_layers", 12)),
        "align_heads": int(align.get("num_attention_heads", 12)),
        "align_mlp_ratio": float(align.get("mlp_ratio", 4)),
        "align_layer_scale": float(align.get("layerscale_value", 1.0)),
        "align_norm_eps": float(align.get("layer_norm_eps", 1e-6)),
    }


def radzero_config_from_authors(values: dict[str, Any], image_processor: dict[str, Any] | None) -> RadZeroConfig:
    """The ``RadZeroConfig`` that rebuilds the authors' model exactly (weights loaded afterwards)."""
    compute = values.get("compute_logits_type") or (values.get("kwargs") or {}).get("compute_logits_type")
    if compute not in (None, "radzero"):
        raise _unsupported("compute_logits_type", compute, "only 'radzero' (VL-CABS)")
    options = loss_config(values) or {}
    vision = vision_settings(values, image_processor)
    width = int(vision["config_overrides"].get("hidden_size", 768))
    if int(options.get("hidden_dim", width)) != width:
        raise _unsupported("loss hidden_dim", options.get("hidden_dim"), f"the vision width {width}")
    return RadZeroConfig(
        vision=vision,
        text=text_settings(values),
        embed_dim=None,
        init_tau=float(options.get("loss_temperature", 0.07)),
        row_sum=bool(options.get("mpnce_row_sum", False)),
        col_sum=bool(options.get("mpnce_col_sum", False)),
        **align_settings(values, width),
    )
