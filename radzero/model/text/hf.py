"""Mean-pooled HF encoder (MPNet / BERT family): the paper's all-mpnet-base-v2, also BioBERT.

features = mean over the attention mask of `last_hidden_state`, then the optional linear projection
(the RadZero authors project the tokens before pooling; for a linear map with bias the two orders are
identical because the pooling weights sum to 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from radzero.model.assets import load_json
from radzero.model.text.base import TextEncoder, build_hf_model, load_hf_model
from radzero.model.text.pooling import mean_pool
from radzero.model.text.tokenizers import hub_tokenizer, radiology_tokenizer

DEFAULT_MODEL_ID = "sentence-transformers/all-mpnet-base-v2"
# local architecture configs for pretrained=False
LOCAL_CONFIGS = {
    "sentence-transformers/all-mpnet-base-v2": "all_mpnet_base_v2.json",
    "dmis-lab/biobert-v1.1": "biobert_base_cased_v1.1.json",
    "dmis-lab/biobert-base-cased-v1.1": "biobert_base_cased_v1.1.json",
}


def hf_config(config_file: str | Path, overrides: dict[str, Any] | None = None):
    """A transformers config (class from its `model_type`) from a shipped/local JSON plus overrides."""
    from transformers import AutoConfig

    cfg = dict(load_json(config_file))
    model_type = cfg.pop("model_type")
    cfg.update(overrides or {})
    return AutoConfig.for_model(model_type, **cfg)


class HFMeanPoolTextEncoder(TextEncoder):
    def __init__(
        self,
        *,
        pretrained: bool = True,
        proj_dim: int | None = None,
        model_id: str = DEFAULT_MODEL_ID,
        tokenizer_id: str | None = None,
        max_length: int | None = None,
        config_file: str | Path | None = None,
        config_overrides: dict[str, Any] | None = None,
        vocab_file: str | Path | None = None,
        tokenizer: Any | None = None,
    ) -> None:
        """``max_length=None``: the tokenizer's ``model_max_length`` (512 for the offline tokenizer).
        ``tokenizer``: use this tokenizer (e.g. the one saved with a checkpoint) instead of building one."""
        if pretrained:
            if config_overrides or config_file:
                raise ValueError("config_file / config_overrides only apply to pretrained=False")
            backbone = load_hf_model(model_id)
            tokenizer = tokenizer or hub_tokenizer(tokenizer_id or model_id)
        else:
            if config_file is None:
                if model_id not in LOCAL_CONFIGS:
                    raise ValueError(
                        f"no local config for {model_id!r} (known: {sorted(LOCAL_CONFIGS)}); pass config_file"
                    )
                config_file = LOCAL_CONFIGS[model_id]
            tokenizer = tokenizer or radiology_tokenizer(vocab_file, model_max_length=max_length or 512)
            overrides = dict(config_overrides or {})
            # the tokenizer has its own ids: make the embedding table and padding agree with it
            overrides.setdefault("pad_token_id", tokenizer.pad_token_id)
            config = hf_config(config_file, overrides)
            if config.vocab_size < len(tokenizer):
                config.vocab_size = len(tokenizer)
            backbone = build_hf_model(config)
        super().__init__(
            backbone, tokenizer, hidden_dim=backbone.config.hidden_size, max_length=max_length, proj_dim=proj_dim
        )
        self.model_id = model_id if pretrained else None

    def encode_tokens(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return mean_pool(hidden, attention_mask)
