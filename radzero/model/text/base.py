"""Common interface of RadZero's text encoders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn


class TextEncoder(nn.Module):
    """Sentences -> one feature vector each.

    forward(input_ids (N, T), attention_mask (N, T)) -> (N, embed_dim)
    tokenize(texts) -> {"input_ids", "attention_mask"} (padded to the longest, truncated to max_length;
    max_length=None means the tokenizer's own model_max_length, as the RadZero authors truncate),
    so `encoder(**encoder.tokenize(texts))` works.

    Attributes: embed_dim (output width, after the optional projection), tokenizer (a HF tokenizer,
    callable as tokenizer(list_of_str, padding=True, truncation=True, max_length=..., return_tensors="pt")),
    max_length, backbone (the HF transformer), proj (nn.Identity or nn.Linear to proj_dim).
    """

    def __init__(self, backbone: nn.Module, tokenizer: Any, *, hidden_dim: int, max_length: int | None,
                 proj_dim: int | None = None) -> None:
        super().__init__()
        self.backbone = backbone
        self.tokenizer = tokenizer
        self.max_length = resolve_max_length(max_length, tokenizer)
        self.hidden_dim = int(hidden_dim)
        self.proj = nn.Linear(self.hidden_dim, proj_dim) if proj_dim else nn.Identity()
        self.embed_dim = int(proj_dim) if proj_dim else self.hidden_dim

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        if isinstance(texts, str):
            raise TypeError("tokenize expects a list of strings, got a single str")
        enc = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}

    def encode_tokens(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Pooled backbone features before the optional projection: (N, T) -> (N, hidden_dim)."""
        raise NotImplementedError

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.proj(self.encode_tokens(input_ids, attention_mask))

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        if enable:
            self.backbone.gradient_checkpointing_enable()
        else:
            self.backbone.gradient_checkpointing_disable()

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, max_length={self.max_length}"


# transformers' "no limit" sentinel for tokenizers saved without a model_max_length
_UNBOUNDED = 1_000_000


def resolve_max_length(max_length: int | None, tokenizer: Any) -> int:
    """``max_length``, or when None the tokenizer's own ``model_max_length`` (what ``truncation=True`` uses)."""
    if max_length is not None:
        return int(max_length)
    limit = getattr(tokenizer, "model_max_length", None)
    if limit is None or limit >= _UNBOUNDED:
        raise ValueError(
            f"text max_length is null (= the tokenizer's model_max_length) but the tokenizer "
            f"{type(tokenizer).__name__} has none ({limit}); set model.text.max_length"
        )
    return int(limit)


def build_hf_model(config: Any) -> nn.Module:
    """`AutoModel.from_config` without BERT/MPNet's unused pooler (an unused trainable parameter breaks
    DDP without find_unused_parameters)."""
    from transformers import AutoModel

    try:
        return AutoModel.from_config(config, add_pooling_layer=False)
    except TypeError:  # architectures without a pooler argument
        return AutoModel.from_config(config)


def load_hf_model(model_id: str) -> nn.Module:
    """`AutoModel.from_pretrained` (downloads), without the unused pooler where the class has one."""
    from transformers import AutoModel

    try:
        return AutoModel.from_pretrained(model_id, add_pooling_layer=False)
    except TypeError:
        return AutoModel.from_pretrained(model_id)
