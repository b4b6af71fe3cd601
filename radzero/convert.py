"""``python -m radzero.convert src=<snapshot> out=<folder>``: the RadZero authors' snapshot as a radzero folder.

``src`` is the authors' Hugging Face snapshot (``huggingface-cli download Deepnoid/RadZero``) or any
radzero folder; ``out`` receives ``config.json``, ``model.safetensors``, ``tokenizer/`` and
``preprocessor_config.json``. The folder is written beside ``out`` under a temporary name, reloaded
and compared tensor by tensor with the converted model, then renamed into place: ``out`` either
appears complete or not at all. An existing, non-empty ``out`` is left alone (an error).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

import hydra
import torch
from omegaconf import DictConfig

from radzero.model import RadZero
from radzero.utils.atomic import staging_dir
from radzero.utils.resolvers import register_resolvers

logger = logging.getLogger("radzero.convert")
register_resolvers()  # ${radzero.cwd:} of paths.root_dir


class ConvertError(ValueError):
    """The conversion cannot run or did not round-trip; the message says why."""


def convert(src: str | Path, out: str | Path) -> Path:
    """Convert ``src`` into the radzero folder ``out``; returns ``out``."""
    src, out = Path(src).expanduser(), Path(out).expanduser()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConvertError(f"out={out} already exists and is not an empty folder: choose a new folder")
    model = RadZero.from_pretrained(src)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(out, "converting")
    try:
        model.save_pretrained(staging)
        reloaded = RadZero.from_pretrained(staging).state_dict()
        for key, tensor in model.state_dict().items():
            if not torch.equal(reloaded[key], tensor):
                raise ConvertError(f"{key} differs after writing and reading {staging}; nothing was written to {out}")
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("wrote %s (%d tensors) from %s", out, len(model.state_dict()), src)
    return out


@hydra.main(version_base="1.3", config_path="configs", config_name="convert")
def main(cfg: DictConfig) -> None:
    """Hydra entry point; a bad input exits with status 1 and a one-line reason."""
    try:
        convert(cfg.src, cfg.out)
    except (ValueError, KeyError, FileNotFoundError, OSError) as error:
        logger.error("%s", error)
        sys.exit(1)


if __name__ == "__main__":
    main()
