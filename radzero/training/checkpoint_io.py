"""Checkpoints that are never half-written, and the choice of the checkpoint a run resumes from.

``AtomicCheckpointIO`` (Lightning ``CheckpointIO`` plugin) writes each checkpoint to a temporary file
beside it and renames it into place (``radzero.utils.atomic.atomic_write``), so a job killed while
saving (SIGKILL, node failure, quota) leaves the previous ``last.ckpt`` intact. ``resume_checkpoint``
checks a checkpoint before anything is touched: a truncated or corrupt file is never handed to Lightning.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.plugins.io import TorchCheckpointIO

from radzero.utils.atomic import atomic_write
from radzero.utils.errors import CheckpointUnusable

logger = logging.getLogger(__name__)

__all__ = ["AtomicCheckpointIO", "CheckpointUnusable", "checkpoint_problem", "resume_checkpoint"]


class AtomicCheckpointIO(TorchCheckpointIO):
    """``torch.save`` to ``.<name>.<random>.tmp`` beside the target, fsync, then ``os.replace``."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options: Any | None = None) -> None:
        save = super().save_checkpoint
        atomic_write(path, lambda tmp: save(checkpoint, tmp, storage_options))

    def load_checkpoint(self, path, map_location: Any | None = None, weights_only: bool | None = True) -> dict:
        """Never unpickle arbitrary objects from a checkpoint (``weights_only=True`` on every torch version)."""
        if map_location is None:
            return super().load_checkpoint(path, weights_only=True)
        return super().load_checkpoint(path, map_location=map_location, weights_only=True)


def checkpoint_problem(path: Path) -> str | None:
    """Why ``path`` is not a readable torch checkpoint (missing, empty, truncated, corrupt), or None."""
    if not path.is_file():
        return "it does not exist"
    if path.stat().st_size == 0:
        return "it is empty"
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()  # reads every member and checks its CRC
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f"it is not a complete checkpoint ({error}); it was probably cut off while being written"
    if bad is not None:
        return f"member {bad} is corrupt"
    return None


def resume_checkpoint(ckpt_path: str | None, checkpoint_dir: Path) -> str | None:
    """The checkpoint a run resumes from, checked before anything is touched.

    ``auto``: ``last.ckpt`` when it is intact; otherwise the newest intact checkpoint of the run, with a
    warning naming both files; with no checkpoint at all, None (a fresh start). An explicit path must be
    intact. Unusable -> ``CheckpointUnusable`` naming the files that exist.
    """
    if ckpt_path in (None, "", "null"):
        return None
    if ckpt_path != "auto":
        path = Path(ckpt_path)
        problem = checkpoint_problem(path)
        if problem:
            raise CheckpointUnusable(f"ckpt_path={ckpt_path} cannot be resumed from: {problem}")
        return str(path)
    existing = sorted(checkpoint_dir.glob("*.ckpt"), key=lambda p: p.stat().st_mtime, reverse=True)
    if not existing:
        return None
    last = checkpoint_dir / "last.ckpt"
    problem = checkpoint_problem(last) if last.exists() else "it does not exist"
    if problem is None:
        logger.info("resuming from %s", last)
        return str(last)
    for candidate in existing:
        if candidate != last and checkpoint_problem(candidate) is None:
            logger.warning("%s is unusable (%s): resuming from %s, the newest intact checkpoint of this run",
                           last, problem, candidate)
            return str(candidate)
    listing = ", ".join(f"{p.name} ({checkpoint_problem(p) or 'ok'})" for p in existing)
    raise CheckpointUnusable(
        f"cannot resume the run in {checkpoint_dir.parent}: {last.name} is unusable ({problem}) and no other "
        f"checkpoint is intact [{listing}]. Start a fresh run with ckpt_path=null (the old checkpoints stay) "
        "or point ckpt_path at a good copy."
    )


def state_dict_shapes(path: str) -> dict[str, tuple[int, ...]]:
    """Parameter shapes of a Lightning checkpoint, read lazily (mmap) without loading the tensors."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    return {name: tuple(tensor.shape) for name, tensor in checkpoint.get("state_dict", {}).items()}
