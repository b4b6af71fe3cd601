"""Load a RadZero model for evaluation from a ``save_pretrained`` folder, a training run or a Lightning .ckpt.

Accepted ``ckpt_path`` values:

- a folder written by ``RadZero.save_pretrained`` (``config.json`` + ``model.safetensors``), or
  ``python -m radzero.convert``;
- the RadZero authors' Hugging Face snapshot (``huggingface-cli download Deepnoid/RadZero``),
  converted in memory without their remote code;
- a training run folder (``logs/train/runs/<time>``): its ``model/`` sub-folder is used;
- a Lightning checkpoint (``*.ckpt`` from ``python -m radzero.train``), read by the training package's
  ``radzero.training.lightning_checkpoint`` (architecture from ``hyper_parameters["net"]``, weights from
  the ``net.``-prefixed ``state_dict``, loaded strictly).

A checkpoint whose weights do not fit its config raises a ``ValueError`` that lists the missing,
unexpected and mis-shaped keys (``load_state_dict_checked``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from radzero.model import RadZero
from radzero.model.persistence import CONFIG_FILE, WEIGHTS_FILE
from radzero.training.lightning_checkpoint import load_lightning_checkpoint, load_tokenizer_dir
from radzero.utils.errors import CheckpointError

logger = logging.getLogger(__name__)

__all__ = ["CheckpointError", "load_lightning_checkpoint", "load_model"]


def load_model(ckpt_path: str | Path, tokenizer_dir: str | Path | None = None) -> RadZero:
    """The RadZero model named by ``ckpt_path`` (see module doc), on the CPU, in eval mode."""
    if ckpt_path in (None, "", "???"):
        raise CheckpointError(
            "ckpt_path is not set: give a RadZero folder (save_pretrained), a training run folder or a "
            "Lightning .ckpt, e.g. ckpt_path=logs/train/runs/<time>/model"
        )
    path = Path(str(ckpt_path)).expanduser()
    if path.is_dir():
        model_dir = path if (path / CONFIG_FILE).is_file() else path / "model"
        if not (model_dir / CONFIG_FILE).is_file() or not (model_dir / WEIGHTS_FILE).is_file():
            raise CheckpointError(
                f"{path} is a folder without {CONFIG_FILE} + {WEIGHTS_FILE} (nor a model/ sub-folder with "
                "them): expected a RadZero.save_pretrained folder, a training run folder or the RadZero "
                "authors' snapshot (huggingface-cli download Deepnoid/RadZero)"
            )
        try:
            model = RadZero.from_pretrained(model_dir)
        except (ValueError, KeyError, FileNotFoundError) as error:  # weights vs config, unknown / unsupported keys
            raise CheckpointError(f"{model_dir}: {error}") from error
        if tokenizer_dir is not None:
            model.text.tokenizer = load_tokenizer_dir(Path(tokenizer_dir))
        logger.info("loaded RadZero model from %s", model_dir)
    elif path.is_file():
        model = load_lightning_checkpoint(path, tokenizer_dir)
    else:
        raise CheckpointError(f"ckpt_path={path} does not exist")
    return model.eval()
