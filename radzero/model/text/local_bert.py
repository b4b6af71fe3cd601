"""A small random BertModel with mean pooling and the offline radiology tokenizer (CPU demo / tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from radzero.model.text.base import TextEncoder, build_hf_model
from radzero.model.text.pooling import mean_pool
from radzero.model.text.tokenizers import radiology_tokenizer


class LocalBertTextEncoder(TextEncoder):
    def __init__(
        self,
        *,
        pretrained: bool = False,
        proj_dim: int | None = None,
        hidden: int = 128,
        layers: int = 2,
        heads: int = 4,
        intermediate: int | None = None,
        max_length: int = 128,
        dropout: float = 0.1,
        vocab_file: str | Path | None = None,
        tokenizer: Any | None = None,
    ) -> None:
        # `pretrained` is accepted for a uniform builder signature and ignored: always random weights.
        from transformers import BertConfig

        tokenizer = tokenizer or radiology_tokenizer(vocab_file, model_max_length=max_length)
        config = BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            intermediate_size=intermediate or 4 * hidden,
            max_position_embeddings=max_length,
            hidden_dropout_prob=dropout,
            attention_probs_dropout_prob=dropout,
            pad_token_id=tokenizer.pad_token_id,
        )
        super().__init__(build_hf_model(config), tokenizer, hidden_dim=hidden, max_length=max_length,
                         proj_dim=proj_dim)

    def encode_tokens(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return mean_pool(hidden, attention_mask)
