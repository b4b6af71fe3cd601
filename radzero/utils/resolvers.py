"""OmegaConf resolvers used by the configs."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf


def _phantom_root(spec: DictConfig | dict[str, Any]) -> str:
    """Generate the phantom dataset on first use (cached, atomic) and return its root.

    ``spec``: ``cache_dir`` plus any ``ensure_phantom`` parameter (n_train, seed, n_mscxr, ...).
    """
    from radzero.data.phantom import ensure_phantom

    values = OmegaConf.to_container(spec, resolve=True) if isinstance(spec, DictConfig) else dict(spec)
    if "cache_dir" not in values:
        raise KeyError("data.phantom needs a cache_dir (where generated phantom datasets are kept)")
    return str(ensure_phantom(values.pop("cache_dir"), **values))


def _run_id(output_dir: str) -> str:
    """A stable id of a run folder (the same folder -> the same W&B run, so a resume continues it)."""
    import hashlib
    from pathlib import Path

    return hashlib.blake2b(str(Path(output_dir).resolve()).encode("utf-8"), digest_size=8).hexdigest()


def register_resolvers() -> None:
    """Register ``${radzero.phantom:<node with cache_dir, n_train, seed, ...>}`` and
    ``${radzero.run_id:<output folder>}`` (idempotent)."""
    if not OmegaConf.has_resolver("radzero.phantom"):
        OmegaConf.register_new_resolver("radzero.phantom", _phantom_root, use_cache=False)
    if not OmegaConf.has_resolver("radzero.run_id"):
        OmegaConf.register_new_resolver("radzero.run_id", _run_id)
