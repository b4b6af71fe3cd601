"""OmegaConf resolvers used by the configs."""

from __future__ import annotations

from omegaconf import OmegaConf


def _phantom_root(cache_dir: str, n_train: int, seed: int) -> str:
    """Generate the phantom dataset on first use (cached, atomic) and return its root."""
    from radzero.data.phantom import ensure_phantom

    return str(ensure_phantom(cache_dir, n_train=int(n_train), seed=int(seed)))


def register_resolvers() -> None:
    """Register ``${radzero.phantom:cache_dir,n_train,seed}`` (idempotent)."""
    if not OmegaConf.has_resolver("radzero.phantom"):
        OmegaConf.register_new_resolver("radzero.phantom", _phantom_root, use_cache=True)
