"""Build a dataset's samples from its config node (a Hydra ``_target_`` reader call)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

__all__ = ["as_plain", "load_classes", "load_samples"]


def as_plain(node: Any) -> Any:
    """OmegaConf containers -> plain Python (resolved); anything else unchanged."""
    if isinstance(node, (DictConfig, ListConfig)):
        return OmegaConf.to_container(node, resolve=True)
    return node


def _instantiate(node: Any) -> Any:
    """A reader call; the reader's own error (naming the file and row) is raised, not Hydra's wrapper."""
    import hydra
    from hydra.errors import InstantiationException

    try:
        return hydra.utils.instantiate(node, _convert_="all")
    except InstantiationException as error:
        if isinstance(error.__cause__, (OSError, ValueError)):
            raise error.__cause__ from None
        raise


def load_samples(node: Any, where: str) -> list[Any]:
    """Samples from ``node``: a ``{_target_: reader, ...}`` config, a callable, or a sequence of samples."""
    if node is None:
        raise ValueError(f"{where}: no 'samples' configured for this dataset")
    if isinstance(node, (DictConfig, Mapping)) and "_target_" in node:
        samples = _instantiate(node)
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


def load_classes(node: Any, samples: Sequence[Any], where: str) -> list[str]:
    """A dataset's class list: a list, a ``{_target_: ...}`` reader config returning one (e.g. the authors'
    PadChest classes from the whole label file), or None = every label key of the samples (first appearance)."""
    if isinstance(node, (DictConfig, Mapping)) and "_target_" in node:
        classes = list(_instantiate(node))
    elif node is None:
        from radzero.eval.labels import label_classes

        classes = label_classes(samples)
    else:
        classes = list(as_plain(node))
    if not classes or not all(isinstance(c, str) and c for c in classes):
        raise ValueError(f"{where}: classes must be a non-empty list of names, got {classes!r:.80}")
    return classes
