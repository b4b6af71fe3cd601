"""Input conversion shared by the metric functions: torch / NumPy / lists -> checked NumPy arrays."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from radzero.utils.checks import RadZeroInputError


def to_numpy(x: Any) -> np.ndarray:
    """NumPy view of ``x``; torch tensors are detached and moved to the CPU (half types -> float32)."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        t = x.detach().cpu()
        if t.dtype in (torch.float16, torch.bfloat16):
            t = t.float()
        return t.numpy()
    return np.asarray(x)


def as_map(x: Any, name: str = "map") -> np.ndarray:
    """A 2-D float64 map. NaN marks pixels the network did not see; +-inf is rejected."""
    arr = to_numpy(x)
    if arr.ndim != 2:
        raise RadZeroInputError(f"{name} must have shape (H, W), got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise RadZeroInputError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if np.isinf(arr).any():
        raise RadZeroInputError(f"{name} has +-inf values; only NaN (pixels outside the network's view) is allowed")
    return arr


def valid_pixels(arr: np.ndarray, name: str = "map") -> np.ndarray:
    """Boolean (H, W) mask of non-NaN pixels; raises if there is none."""
    valid = ~np.isnan(arr)
    if not valid.any():
        raise RadZeroInputError(f"{name} of shape {arr.shape} has no valid (non-NaN) pixel")
    return valid


def as_mask(x: Any, shape: tuple[int, ...], name: str = "mask") -> np.ndarray:
    """A boolean array of exactly ``shape`` (non-zero -> True)."""
    arr = to_numpy(x)
    if arr.shape != tuple(shape):
        raise RadZeroInputError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    if arr.dtype != np.bool_:
        if np.issubdtype(arr.dtype, np.floating) and np.isnan(arr).any():
            raise RadZeroInputError(f"{name} has NaN values; a mask must be boolean or 0/1")
        arr = arr != 0
    return arr
