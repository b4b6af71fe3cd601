"""The RadZero authors' ``model.safetensors`` -> a radzero state dict, strictly.

| authors' key | radzero key |
|---|---|
| ``vision_model.<k>`` (transformers ``Dinov2Model``) | ``vision.backbone.<k>`` |
| ``align_transformer.transformer_layers.layer.<i>.norm1 / norm2 / mlp.fc1 / mlp.fc2`` | ``align.blocks.<i>.`` same |
| ``...layer.<i>.attention.attention.{query,key,value}`` | ``align.blocks.<i>.attn.qkv`` (concatenated) |
| ``...layer.<i>.attention.output.dense`` | ``align.blocks.<i>.attn.proj`` |
| ``...layer.<i>.layer_scale{1,2}.lambda1`` | ``align.blocks.<i>.ls{1,2}.gamma`` |
| ``text_model.<k>`` (``MPNetModel``; ``text_model.pooler.*`` is unused and dropped) | ``text.backbone.<k>`` |
| ``loss_fns.<Loss>.layer_norm.{weight,bias}`` (shared LayerNorm) | ``head.norm.{weight,bias}`` |
| ``loss_fns.<Loss>.loss_temperature`` (log tau, shape (1,)) | ``head.log_tau`` (scalar) |

Dinov2 attention weights are accepted in both transformers spellings (4.39 ``attention.attention.query``
and 5.x ``attention.q_proj``); the loss module's name differs between the GitHub and the hub code, so
it is matched by key suffix. A missing, unexpected or mis-shaped tensor is an error naming the key.
"""

from __future__ import annotations

import re

import torch
from torch import Tensor

from radzero.model.radzero import RadZero, describe_key_mismatch
from radzero.model.vision.dinov2 import dinov2_key

ALIGN_PREFIX = "align_transformer.transformer_layers.layer."
# tensors the authors' checkpoint carries that radzero's model does not use
_DROPPED = (re.compile(r"^text_model\.pooler\."), re.compile(r"\.position_ids$"))
_LOSS_KEY = re.compile(r"^loss_fns\.([^.]+)\.(layer_norm\.weight|layer_norm\.bias|loss_temperature)$")
_UNSUPPORTED = {
    "attn_temperature": "a separate attention temperature (attn_temperature)",
    "text_projector.": "a text projection (use_text_projection)",
    "logit_scale": "a CLIP / SigLIP loss (logit_scale)",
}


class AuthorsWeightsError(ValueError):
    """The snapshot's tensors do not make the model its config describes."""


def _loss_module(state: dict[str, Tensor], source: str) -> str:
    names = sorted({match.group(1) for key in state if (match := _LOSS_KEY.match(key))})
    if len(names) != 1:
        raise AuthorsWeightsError(
            f"{source}: expected the shared LayerNorm and temperature of exactly one loss module "
            f"(loss_fns.<name>.layer_norm.weight, loss_fns.<name>.loss_temperature), found modules {names}"
        )
    return names[0]


def authors_sources(key: str, loss: str) -> list[str]:
    """The authors' keys (4.39 spelling) that radzero tensor ``key`` is made of."""
    if key.startswith("vision.backbone."):
        return ["vision_model." + dinov2_key(key[len("vision.backbone."):], legacy=True)]
    if key.startswith("text.backbone."):
        return ["text_model." + key[len("text.backbone."):]]
    if key in ("head.norm.weight", "head.norm.bias"):
        return [f"loss_fns.{loss}.layer_norm.{key.rsplit('.', 1)[1]}"]
    if key == "head.log_tau":
        return [f"loss_fns.{loss}.loss_temperature"]
    match = re.fullmatch(r"align\.blocks\.(\d+)\.(.+)", key)
    if match:
        layer, rest = ALIGN_PREFIX + match.group(1) + ".", match.group(2)
        if rest.startswith("attn.qkv."):
            kind = rest.rsplit(".", 1)[1]
            return [f"{layer}attention.attention.{part}.{kind}" for part in ("query", "key", "value")]
        if rest.startswith("attn.proj."):
            return [f"{layer}attention.output.dense.{rest.rsplit('.', 1)[1]}"]
        if rest in ("ls1.gamma", "ls2.gamma"):
            return [f"{layer}layer_scale{rest[2]}.lambda1"]
        return [layer + rest]
    raise AuthorsWeightsError(f"radzero tensor {key!r} has no counterpart in the authors' checkpoint")


def convert_authors_state(state: dict[str, Tensor], model: RadZero, source: str) -> dict[str, Tensor]:
    """The state dict ``model.load_state_dict`` needs, from the authors' tensors (see module doc)."""
    for key in state:
        for marker, what in _UNSUPPORTED.items():
            if marker in key:
                raise AuthorsWeightsError(
                    f"{source}: tensor {key!r} belongs to {what}, which radzero does not implement"
                )
    # one spelling (4.39's) for the Dinov2 layers of the trunk and of the align transformer
    state = {dinov2_key(k, legacy=True) if k.startswith(("vision_model.", ALIGN_PREFIX)) else k: v
             for k, v in state.items()}
    loss = _loss_module(state, source)
    own = model.state_dict()
    converted: dict[str, Tensor] = {}
    used: set[str] = set()
    missing: list[str] = []
    mis_shaped: list[str] = []
    for key, reference in own.items():
        sources = authors_sources(key, loss)
        absent = [name for name in sources if name not in state]
        if absent:
            missing.extend(absent)
            continue
        used.update(sources)
        parts = [state[name] for name in sources]
        tensor = torch.cat(parts, dim=0) if len(parts) > 1 else parts[0]
        if key == "head.log_tau" and tensor.numel() == 1:
            tensor = tensor.reshape(())
        if tensor.shape != reference.shape:
            mis_shaped.append(f"{' + '.join(sources)} {tuple(tensor.shape)} vs model {tuple(reference.shape)}")
            continue
        converted[key] = tensor
    unexpected = sorted(k for k in state if k not in used and not any(p.search(k) for p in _DROPPED))
    if missing or unexpected or mis_shaped:
        raise AuthorsWeightsError(
            f"{source} does not match the model its config.json describes "
            f"({describe_key_mismatch(sorted(missing), unexpected, mis_shaped)}). "
            "Re-download the snapshot (huggingface-cli download Deepnoid/RadZero) or check its config.json."
        )
    return converted
