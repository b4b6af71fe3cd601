"""Input checks that turn silent NaNs and shape bugs into clear errors."""

from __future__ import annotations

import torch
from torch import Tensor


from radzero.utils.errors import NonFiniteError, RadZeroInputError

__all__ = ["NonFiniteError", "RadZeroInputError", "check_finite", "check_ndim", "check_not_empty", "check_tau"]


def check_ndim(name: str, tensor: Tensor, ndim: int, layout: str) -> None:
    """Raise if ``tensor`` does not have ``ndim`` dimensions; ``layout`` names them, e.g. ``"(N, D)"``."""
    if tensor.dim() != ndim:
        raise RadZeroInputError(
            f"{name} must have shape {layout}, got a tensor of shape {tuple(tensor.shape)}"
        )


def check_not_empty(name: str, tensor: Tensor, what: str) -> None:
    """Raise if ``tensor`` has no elements along its first dimension."""
    if tensor.shape[0] == 0:
        raise RadZeroInputError(f"{name} is empty: {what}")


def check_finite(name: str, tensor: Tensor) -> None:
    """Raise if ``tensor`` holds NaN or Inf (one device sync; call on small tensors or once per step)."""
    if not bool(torch.isfinite(tensor).all()):
        bad = int((~torch.isfinite(tensor)).sum())
        raise NonFiniteError(
            f"{name} has {bad} non-finite value(s) (NaN/Inf) out of {tensor.numel()}; "
            "check the inputs, the learning rate, or use bf16 instead of fp16"
        )


def check_tau(tau: Tensor | float) -> None:
    """Raise if the temperature is not a positive finite scalar."""
    value = float(tau.detach()) if isinstance(tau, Tensor) else float(tau)
    if not (value > 0.0 and value < float("inf")):
        raise RadZeroInputError(f"temperature tau must be a positive finite number, got {value}")
