"""BiomedCLIP text tower (open_clip `model.text`): PubMedBERT + CLS pooling + MLP projection to 512.

Pooling is open_clip's `cls_last_hidden_state_pooler`: the [CLS] row of BERT's last hidden state
(no tanh BERT pooler; the tower is built without it). The projection is open_clip's `hf_proj_type="mlp"`:
Linear(768, 640, bias=False) -> GELU -> Linear(640, 512, bias=False), kept as `tower_proj`.
embed_dim is 512, or proj_dim when given (an extra Linear(512, proj_dim) on top).
Context length (tokenizer max_length) is 256 tokens.

pretrained=True loads the real tower through `open_clip.create_model_from_pretrained(model_id)` and its
HF tokenizer through `open_clip.get_tokenizer(model_id).tokenizer` (for BiomedCLIP:
microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract); model_id may also be "local-dir:/path".
pretrained=False builds the same structure from radzero/model/assets (BertConfig JSON + open_clip
model config JSON) with random weights and the offline radiology-vocab tokenizer; nothing is downloaded.
Differences from open_clip's forward: the attention mask comes from the tokenizer instead of
`input_ids != pad_token_id` (identical for tokenizer output).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from radzero.model.assets import load_json
from radzero.model.text.base import TextEncoder, build_hf_model
from radzero.model.text.hf import hf_config
from radzero.model.text.pooling import cls_pool
from radzero.model.text.tokenizers import radiology_tokenizer

DEFAULT_MODEL_ID = "hf-hub:microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224"
CLIP_CONFIG = "biomedclip_vit_b16_pubmedbert_256.json"
BERT_CONFIG = "biomedbert_base_uncased_abstract.json"


def open_clip_text_proj(width: int, output_dim: int, proj_type: str) -> nn.Module:
    """open_clip HFTextEncoder's projection head, same layout (so its state dict keys match)."""
    if proj_type == "linear":
        return nn.Linear(width, output_dim, bias=False)
    if proj_type == "mlp":
        hidden = (width + output_dim) // 2
        return nn.Sequential(
            nn.Linear(width, hidden, bias=False), nn.GELU(), nn.Linear(hidden, output_dim, bias=False)
        )
    if proj_type in (None, "none") and width == output_dim:
        return nn.Identity()
    raise ValueError(f"unsupported projection {proj_type!r} for {width} -> {output_dim}")


class BiomedCLIPTextEncoder(TextEncoder):
    def __init__(
        self,
        *,
        pretrained: bool = True,
        proj_dim: int | None = None,
        model_id: str = DEFAULT_MODEL_ID,
        max_length: int | None = None,
        clip_config_file: str | Path = CLIP_CONFIG,
        config_file: str | Path = BERT_CONFIG,
        config_overrides: dict[str, Any] | None = None,
        vocab_file: str | Path | None = None,
        tokenizer: Any | None = None,
    ) -> None:
        clip_cfg = load_json(clip_config_file)
        text_cfg = clip_cfg["text_cfg"]
        if text_cfg.get("hf_pooler_type", "cls_last_hidden_state_pooler") != "cls_last_hidden_state_pooler":
            raise ValueError("only BiomedCLIP's cls_last_hidden_state_pooler is supported")
        output_dim = int(clip_cfg["embed_dim"])
        if pretrained:
            if config_overrides:
                raise ValueError("config_overrides only apply to pretrained=False")
            import open_clip

            clip_model, _ = open_clip.create_model_from_pretrained(model_id)
            tower = clip_model.text
            backbone, tower_proj = tower.transformer, tower.proj
            output_dim = int(tower.output_dim)
            pooler = type(tower.pooler).__name__
            if pooler != "ClsLastHiddenStatePooler":
                raise ValueError(f"{model_id}: expected cls_last_hidden_state_pooler, got {pooler}")
            # the HF tokenizer named by the checkpoint's own open_clip config (hf_tokenizer_name)
            oc_tokenizer = open_clip.get_tokenizer(model_id)
            tokenizer = tokenizer or oc_tokenizer.tokenizer
            max_length = int(max_length or oc_tokenizer.context_length)
            del clip_model
        else:
            max_length = int(max_length or text_cfg.get("context_length", 256))
            tokenizer = tokenizer or radiology_tokenizer(vocab_file, model_max_length=max_length)
            overrides = dict(config_overrides or {})
            overrides.setdefault("pad_token_id", tokenizer.pad_token_id)
            config = hf_config(config_file, overrides)
            if config.vocab_size < len(tokenizer):
                config.vocab_size = len(tokenizer)
            backbone = build_hf_model(config)
            tower_proj = open_clip_text_proj(config.hidden_size, output_dim, text_cfg.get("hf_proj_type", "mlp"))
        super().__init__(backbone, tokenizer, hidden_dim=output_dim, max_length=max_length, proj_dim=proj_dim)
        self.tower_proj = tower_proj
        self.model_id = model_id if pretrained else None

    def encode_tokens(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.tower_proj(cls_pool(hidden))
