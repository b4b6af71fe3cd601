"""RadZero folders on disk: ``config.json`` + ``model.safetensors`` + ``tokenizer/`` (+ ``preprocessor_config.json``).

``load_model`` also accepts the RadZero authors' Hugging Face snapshot (``Deepnoid/RadZero``), detected
from its ``config.json`` and converted in memory by ``radzero.model.authors``; no remote code runs.
Weights of a DINOv2 trunk load under both transformers spellings (4.x ``attention.attention.query``,
5.x ``attention.q_proj``), so a folder written with one version loads with the other.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from radzero.model.radzero import RadZero, RadZeroConfig, load_state_dict_checked
from radzero.model.text.tokenizers import load_tokenizer
from radzero.model.vision.dinov2 import Dinov2VisionEncoder, dinov2_key
from radzero.utils.atomic import atomic_write, atomic_write_json, staging_dir
from radzero.utils.errors import ConfigError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_DIR = "tokenizer"
PREPROCESSOR_FILE = "preprocessor_config.json"

__all__ = [
    "CONFIG_FILE", "PREPROCESSOR_FILE", "TOKENIZER_DIR", "WEIGHTS_FILE", "load_model", "read_json", "read_weights",
    "save_model",
]


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, with an error naming the file when it is not one."""
    try:
        values = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({error}); re-download or re-export the model") from error
    if not isinstance(values, dict):
        raise ValueError(f"{path} holds a JSON {type(values).__name__}, expected an object")
    return values


def read_weights(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Tensor]:
    """A safetensors state dict, with an error naming the file when it is truncated or not safetensors."""
    from safetensors.torch import load_file

    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} not found: the model folder has no weights")
    try:
        return load_file(str(path), device=str(map_location))
    except Exception as error:  # noqa: BLE001 - SafetensorError, OSError: all mean "not a usable weights file"
        raise ValueError(f"{path} is not a readable safetensors file ({error}); re-download or re-export it") from error


def save_model(model: RadZero, directory: str | Path) -> Path:
    """Write the folder; every file (and the tokenizer folder as a whole) appears atomically."""
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().contiguous().cpu() for name, tensor in model.state_dict().items()}
    atomic_write(directory / WEIGHTS_FILE, lambda path: save_file(state, str(path), metadata={"format": "pt"}))
    atomic_write_json(directory / CONFIG_FILE, asdict(model.config))
    if model.image_processor_config is not None:
        atomic_write_json(directory / PREPROCESSOR_FILE, model.image_processor_config)
    tokenizer = model.tokenizer
    if tokenizer is not None and hasattr(tokenizer, "save_pretrained"):
        _replace_folder(directory / TOKENIZER_DIR, lambda tmp: tokenizer.save_pretrained(str(tmp)))
    return directory


def _replace_folder(target: Path, write) -> None:
    """``write(tmp_folder)`` beside ``target``, then swap it in (the old folder is removed only afterwards)."""
    tmp = staging_dir(target)
    try:
        write(tmp)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def with_overrides(config: RadZeroConfig, overrides: dict[str, Any] | None) -> RadZeroConfig:
    """``config`` with some fields replaced (unknown names are an error naming them)."""
    return RadZeroConfig.from_dict({**asdict(config), **(overrides or {})}) if overrides else config


def offline(config: RadZeroConfig) -> RadZeroConfig:
    """The same architecture built with random weights (nothing downloaded), for loading weights into."""
    config.vision = {**config.vision, "pretrained": False}
    config.text = {**config.text, "pretrained": False}
    return config


def load_model(
    directory: str | Path, map_location: str | torch.device = "cpu", overrides: dict[str, Any] | None = None
) -> RadZero:
    """A RadZero model from a radzero folder or from the authors' snapshot (see module doc)."""
    from radzero.model.authors import is_authors_config, load_authors_snapshot

    directory = Path(directory)
    config_path = directory / CONFIG_FILE
    if not config_path.is_file():
        raise FileNotFoundError(
            f"{config_path} not found: expected a folder written by RadZero.save_pretrained or the RadZero "
            "authors' Hugging Face snapshot (huggingface-cli download Deepnoid/RadZero)"
        )
    values = read_json(config_path)
    if is_authors_config(values):
        return load_authors_snapshot(directory, values, map_location, overrides)
    if not {"vision", "text"} <= set(values):
        raise ValueError(
            f"{config_path} is neither a radzero model config (keys 'vision', 'text', 'align_depth', ...) nor the "
            f"RadZero authors' config (architectures ['CxrAlignModel']); its keys: {sorted(values)[:12]}"
        )
    tokenizer_dir = directory / TOKENIZER_DIR
    tokenizer = load_tokenizer(tokenizer_dir) if tokenizer_dir.is_dir() else None
    try:
        model = RadZero(offline(with_overrides(RadZeroConfig.from_dict(values), overrides)), tokenizer=tokenizer)
    except (ConfigError, KeyError) as error:
        raise ConfigError(f"{config_path}: {error.args[0] if error.args else error}") from error
    weights_path = directory / WEIGHTS_FILE
    state = match_key_spelling(model, read_weights(weights_path, map_location))
    load_state_dict_checked(model, state, str(weights_path))
    if (directory / PREPROCESSOR_FILE).is_file():
        model.image_processor_config = read_json(directory / PREPROCESSOR_FILE)
    return model


def match_key_spelling(model: RadZero, state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename a DINOv2 trunk's attention weights to the spelling of the installed transformers."""
    if not isinstance(model.vision, Dinov2VisionEncoder):
        return state
    legacy = any("attention.attention.query." in key for key in model.vision.state_dict())
    prefix = "vision.backbone."
    return {dinov2_key(key, legacy) if key.startswith(prefix) else key: value for key, value in state.items()}
