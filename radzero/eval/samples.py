"""Build a dataset's samples from its config node (a Hydra ``_target_`` reader call)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

__all__ = ["as_plain", "load_samples"]


def as_plain(node: Any) -> Any:
    """OmegaConf containers -> plain Python (resolved); anything else unchanged."""
    if isinstance(node, (DictConfig, ListConfig)):
        return OmegaConf.to_container(node, resolve=True)
    return node


def load_samples(node: Any, where: str) -> list[Any]:
    """Samples from ``node``: a ``{_target_: reader, ...}`` config, a callable, or a sequence of samples."""
    import hydra

    if node is None:
        raise ValueError(f"{where}: no 'samples' configured for this dataset")
    if isinstance(node, (DictConfig, Mapping)) and "_target_" in node:
        samples = hydra.utils.instantiate(node, _convert_="all")
    elif isinstance(node, Callable):  # type: ignore[arg-type]
        samples = node()
    elif isinstance(node, Sequence):
        samples = node
    else:
        raise TypeError(f"{where}: samples must be a reader config with _target_, got {type(node).__name__}")
    samples = list(samples)
    if not samples:
        raise ValueError(f"{where}: the reader returned no images; check the dataset files and split")
    return samples
