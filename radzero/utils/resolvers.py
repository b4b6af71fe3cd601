"""OmegaConf resolvers used by the configs (pure functions of their arguments: no data is generated here)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def _run_id(output_dir: str) -> str:
    """A stable id of a run folder (the same folder -> the same W&B run, so a resume continues it)."""
    return hashlib.blake2b(str(Path(output_dir).resolve()).encode("utf-8"), digest_size=8).hexdigest()


def register_resolvers() -> None:
    """Register ``${radzero.run_id:<output folder>}`` (idempotent)."""
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("radzero.run_id"):
        OmegaConf.register_new_resolver("radzero.run_id", _run_id)
