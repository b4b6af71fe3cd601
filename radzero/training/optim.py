"""Optimizer and learning-rate schedule: AdamW on trainable parameters, cosine with warm-up."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn
from transformers import get_cosine_schedule_with_warmup


def parameter_groups(named_parameters: Iterable[tuple[str, nn.Parameter]], weight_decay: float) -> list[dict]:
    """Split trainable parameters: no weight decay on biases, norms, scalars (log-temperature)."""
    decay, no_decay = [], []
    for name, param in named_parameters:
        if not param.requires_grad:
            continue
        if param.ndim <= 1 or name.endswith(".bias") or "norm" in name.lower():
            no_decay.append(param)
        else:
            decay.append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def build_optimizer(
    model: nn.Module, lr: float = 1e-4, weight_decay: float = 0.05, betas: tuple[float, float] = (0.9, 0.999)
) -> torch.optim.AdamW:
    """AdamW over the model's trainable parameters only (the frozen encoder is left out)."""
    groups = parameter_groups(model.named_parameters(), weight_decay)
    if not any(group["params"] for group in groups):
        raise ValueError("the model has no trainable parameters: check model.vision.frozen and the text config")
    return torch.optim.AdamW(groups, lr=lr, betas=tuple(betas))


def build_scheduler(optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int):
    """Linear warm-up for ``warmup_steps`` then cosine decay to zero at ``total_steps`` (per optimizer step)."""
    warmup_steps = min(warmup_steps, max(total_steps - 1, 0))
    return get_cosine_schedule_with_warmup(optimizer, warmup_steps, max(total_steps, 1))
