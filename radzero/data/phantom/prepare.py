"""The phantom data as an explicit first step of the apps (never a side effect of reading a config value).

A config that trains or evaluates on the phantoms reads ``${phantom.root}`` (``data=phantom``,
``benchmark=phantom``); ``prepare_phantom`` finds such a reference in the given config nodes, generates the
phantom root with the ``phantom`` group's settings (or finds it in the cache: ``ensure_phantom`` is
idempotent, atomic and locked) and sets ``phantom.root``. Configs that read only real data skip it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

__all__ = ["PHANTOM_ROOT", "prepare_phantom", "reads_phantom"]

logger = logging.getLogger(__name__)

PHANTOM_ROOT = "${phantom.root}"  # the one interpolation through which configs read the phantom data


def reads_phantom(cfg: DictConfig, keys: Sequence[str]) -> bool:
    """Whether any of the config nodes ``keys`` (unresolved) reads ``${phantom.root}``."""
    for key in keys:
        node = cfg.get(key)
        if OmegaConf.is_config(node) and PHANTOM_ROOT in OmegaConf.to_yaml(node):
            return True
        if isinstance(node, str) and PHANTOM_ROOT in node:
            return True
    return False


def prepare_phantom(cfg: DictConfig, keys: Sequence[str]) -> Path | None:
    """Generate (or find in the cache) the phantom root when ``cfg[keys]`` read it; set ``phantom.root``.

    Returns the root, or None when nothing reads it. ``phantom``: ``cache_dir`` plus any
    ``ensure_phantom`` parameter (n_train, seed, n_mscxr, workers, ...)."""
    if cfg.get("phantom") is None or not reads_phantom(cfg, keys):
        return None
    from radzero.data.phantom import ensure_phantom

    settings = OmegaConf.to_container(cfg.phantom, resolve=True)
    settings.pop("root", None)
    if "cache_dir" not in settings:
        raise KeyError("phantom.cache_dir is not set: where generated phantom datasets are kept")
    root = ensure_phantom(settings.pop("cache_dir"), **settings)
    with open_dict(cfg):
        cfg.phantom.root = str(root)
    logger.info("phantom data: %s", root)
    return root
