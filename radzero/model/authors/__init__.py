"""The RadZero authors' released model (hub ``Deepnoid/RadZero``) in radzero, without their remote code.

``load_authors_snapshot(folder)`` reads the snapshot's ``config.json``, ``model.safetensors``, tokenizer
files and ``preprocessor_config.json`` through radzero's own classes and transformers' built-in ones
(``trust_remote_code`` is never on), and returns a ``RadZero`` that predicts what the authors' code
predicts. ``RadZero.from_pretrained`` calls it when it finds the authors' ``config.json``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from radzero.model.authors.config import UnsupportedCheckpointError, is_authors_config, radzero_config_from_authors
from radzero.model.authors.weights import AuthorsWeightsError, convert_authors_state
from radzero.model.radzero import RadZero

logger = logging.getLogger(__name__)

__all__ = [
    "AuthorsWeightsError", "UnsupportedCheckpointError", "is_authors_config", "load_authors_snapshot",
    "radzero_config_from_authors",
]


def load_authors_snapshot(
    directory: str | Path,
    values: dict[str, Any] | None = None,
    map_location: str | torch.device = "cpu",
    overrides: dict[str, Any] | None = None,
) -> RadZero:
    """Convert the snapshot in ``directory`` (``values``: its parsed config.json) into a RadZero model."""
    from radzero.model.persistence import CONFIG_FILE, PREPROCESSOR_FILE, WEIGHTS_FILE, offline, read_json, read_weights
    from radzero.model.persistence import with_overrides
    from radzero.model.text.tokenizers import load_tokenizer

    directory = Path(directory)
    values = read_json(directory / CONFIG_FILE) if values is None else values
    processor_path = directory / PREPROCESSOR_FILE
    image_processor = read_json(processor_path) if processor_path.is_file() else None
    if image_processor is None:
        logger.warning("%s has no %s: images are preprocessed by radzero's own resize", directory, PREPROCESSOR_FILE)
    config = offline(with_overrides(radzero_config_from_authors(values, image_processor), overrides))
    model = RadZero(config, tokenizer=load_tokenizer(directory))
    weights_path = directory / WEIGHTS_FILE
    state = convert_authors_state(read_weights(weights_path, map_location), model, str(weights_path))
    model.load_state_dict(state, strict=True)
    model.image_processor_config = image_processor
    logger.info("converted the RadZero authors' snapshot %s (tau %.4f)", directory, float(model.tau.detach()))
    return model
