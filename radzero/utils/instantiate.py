"""Hydra helpers: callbacks and loggers from config groups (lightning-hydra-template style)."""

from __future__ import annotations

from typing import Any

import hydra
from omegaconf import DictConfig


def instantiate_group(config: DictConfig | None, what: str) -> list[Any]:
    """Instantiate every ``_target_`` entry of a callbacks/ or logger/ config group."""
    if not config:
        return []
    if not isinstance(config, DictConfig):
        raise TypeError(f"{what} config must be a mapping of name -> {{_target_: ...}}, got {type(config).__name__}")
    objects = []
    for name, entry in config.items():
        if isinstance(entry, DictConfig) and "_target_" in entry:
            objects.append(hydra.utils.instantiate(entry))
        elif entry is not None:
            raise ValueError(f"{what}.{name} has no _target_; remove it or give the class to build")
    return objects
