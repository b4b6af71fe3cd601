"""Written files follow the umask like a plain open() (models, metrics and figures are readable by
collaborators): atomic writes, model folders, converted snapshots and checkpoints."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import torch

from helpers.authors_snapshot import build_authors_snapshot
from model.tiny import tiny_config
from radzero.convert import convert
from radzero.model import RadZero
from radzero.training.checkpoint_io import AtomicCheckpointIO
from radzero.utils.atomic import atomic_write_json, atomic_write_text


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


def test_everything_written_is_readable_by_group_and_others(tmp_path, umask_022):
    atomic_write_json(tmp_path / "metrics.json", {"auroc": 0.9})
    atomic_write_text(tmp_path / "results.md", "| a |\n")
    RadZero(tiny_config()).save_pretrained(tmp_path / "model")
    AtomicCheckpointIO().save_checkpoint({"state_dict": {"w": torch.ones(2)}}, tmp_path / "checkpoints" / "last.ckpt")
    convert(build_authors_snapshot(tmp_path / "snapshot_src" / "RadZero"), tmp_path / "converted")
    modes = _modes(tmp_path)
    # (the test's own snapshot source is not radzero's output: safetensors itself writes 0o600)
    files = {name: mode for name, mode in modes.items() if (tmp_path / name).is_file() and "snapshot_src" not in name}
    folders = {name: mode for name, mode in modes.items() if (tmp_path / name).is_dir()}
    for name in ("metrics.json", "results.md", "model/model.safetensors", "model/config.json",
                 "checkpoints/last.ckpt", "converted/model.safetensors", "converted/preprocessor_config.json"):
        assert files[name] == 0o644, (name, oct(files[name]))
    assert all(mode & 0o044 == 0o044 for mode in files.values()), {k: oct(v) for k, v in files.items()}
    for name in ("converted", "model/tokenizer", "converted/tokenizer"):
        assert folders[name] == 0o755, (name, oct(folders[name]))


def test_a_private_umask_is_respected(tmp_path):
    old = os.umask(0o077)
    try:
        atomic_write_text(tmp_path / "secret.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "secret.txt").stat().st_mode) == 0o600
