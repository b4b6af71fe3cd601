"""Sentence pooling over token states."""

from __future__ import annotations

import torch


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Attention-masked mean over tokens: (N, T, D), (N, T) -> (N, D).

    Sums in float32 and returns hidden's dtype. A row with an all-zero mask gives zeros (the count is
    clamped to 1e-9 as in sentence-transformers and the RadZero code).
    """
    mask = attention_mask.to(torch.float32).unsqueeze(-1)  # (N, T, 1)
    summed = (hidden.to(torch.float32) * mask).sum(dim=1)
    count = mask.sum(dim=1).clamp(min=1e-9)
    return (summed / count).to(hidden.dtype)


def cls_pool(hidden: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """First token ([CLS]) of the last hidden state: (N, T, D) -> (N, D). BiomedCLIP's
    `cls_last_hidden_state_pooler` (not BERT's tanh pooler)."""
    return hidden[:, 0]
