"""Read a Lightning checkpoint of ``python -m radzero.train`` back into a RadZero model.

The checkpoint layout is the training module's: the architecture in ``hyper_parameters["net"]`` (the
RadZeroConfig actually built), the weights under the ``net.`` prefix of ``state_dict`` (the module's
``self.net``), ``hyper_parameters["init_from"]`` / ``["image_processor"]`` for runs started from a saved model.
Encoders are rebuilt with ``pretrained=False`` (nothing is downloaded) and the weights loaded strictly.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from radzero.model import RadZero, RadZeroConfig, load_state_dict_checked
from radzero.model.persistence import TOKENIZER_DIR
from radzero.model.text.tokenizers import load_tokenizer
from radzero.utils.errors import CheckpointError

logger = logging.getLogger(__name__)

__all__ = ["NET_PREFIX", "load_lightning_checkpoint", "load_tokenizer_dir"]

NET_PREFIX = "net."  # RadZeroLitModule.net


def load_lightning_checkpoint(path: str | Path, tokenizer_dir: str | Path | None = None) -> RadZero:
    """RadZero from a Lightning checkpoint written by ``python -m radzero.train`` (strict load)."""
    path = Path(path)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any unpickling / zip error means "not a checkpoint"
        raise CheckpointError(f"{path} is not a readable Lightning/torch checkpoint: {error}") from error
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise CheckpointError(f"{path} has no 'state_dict': not a Lightning checkpoint of radzero.train")
    net_config = (checkpoint.get("hyper_parameters") or {}).get("net")
    if not isinstance(net_config, dict):
        raise CheckpointError(
            f"{path}: hyper_parameters['net'] (the RadZero model config) is missing; was it written by "
            "python -m radzero.train? A RadZero folder (config.json + model.safetensors) also works."
        )
    try:
        config = RadZeroConfig.from_dict(dict(net_config))
    except KeyError as error:
        raise CheckpointError(f"{path}: hyper_parameters['net'] is not a RadZero config: {error}") from error
    pretrained_text = config.text.get("pretrained", True)
    config.vision = {**config.vision, "pretrained": False}
    config.text = {**config.text, "pretrained": False}
    model = RadZero(config)
    state = _net_state(checkpoint["state_dict"], path)
    try:
        load_state_dict_checked(model, state, source=str(path))
    except ValueError as error:  # lists missing / unexpected / mis-shaped keys
        raise CheckpointError(str(error)) from error
    hyper = checkpoint.get("hyper_parameters") or {}
    model.text.tokenizer = _checkpoint_tokenizer(path, config.text, pretrained_text, tokenizer_dir, model,
                                                 hyper.get("init_from"))
    model.image_processor_config = hyper.get("image_processor")
    logger.info("loaded RadZero model from Lightning checkpoint %s (epoch %s)", path, checkpoint.get("epoch"))
    return model


def _net_state(state_dict: dict[str, Any], path: Path) -> dict[str, torch.Tensor]:
    state = {k[len(NET_PREFIX):]: v for k, v in state_dict.items() if k.startswith(NET_PREFIX)}
    if not state:
        sample = ", ".join(list(state_dict)[:5])
        raise CheckpointError(f"{path}: no '{NET_PREFIX}'-prefixed weights in state_dict (first keys: {sample})")
    return state


def load_tokenizer_dir(directory: Path):
    if not directory.is_dir():
        raise CheckpointError(f"tokenizer_dir={directory} is not a folder")
    return load_tokenizer(directory)


def _checkpoint_tokenizer(path: Path, text: dict[str, Any], pretrained: bool, tokenizer_dir, model: RadZero,
                          init_from: str | None = None):
    """The tokenizer the checkpoint was trained with.

    Order: ``tokenizer_dir``; the run's exported ``model/tokenizer`` (``<run>/checkpoints/x.ckpt``);
    the folder the run was initialised from (``model.init_from``: a radzero folder's ``tokenizer/`` or
    the authors' snapshot); the offline tokenizer built with the model (local_bert, or any encoder
    trained with ``pretrained=False``); else the hub tokenizer of a pretrained encoder (cache or network).
    """
    if tokenizer_dir is not None:
        return load_tokenizer_dir(Path(tokenizer_dir))
    exported = path.parent.parent / "model" / TOKENIZER_DIR
    if exported.is_dir():
        return load_tokenizer_dir(exported)
    if init_from:
        source = Path(init_from)
        for folder in (source / TOKENIZER_DIR, source):
            if (folder / "tokenizer_config.json").is_file():
                return load_tokenizer_dir(folder)
        raise CheckpointError(
            f"{path}: the run was initialised from {init_from}, whose tokenizer is not there any more; pass "
            "tokenizer_dir=<folder with the saved tokenizer> or evaluate the run's exported model/ folder"
        )
    name = text.get("name")
    if name == "local_bert" or not pretrained:
        return model.text.tokenizer
    try:
        if name == "biomedclip":
            import open_clip

            from radzero.model.text.biomedclip import DEFAULT_MODEL_ID as BIOMEDCLIP_ID

            return open_clip.get_tokenizer(text.get("model_id") or BIOMEDCLIP_ID).tokenizer
        from radzero.model.text.hf import DEFAULT_MODEL_ID
        from radzero.model.text.tokenizers import hub_tokenizer

        return hub_tokenizer(text.get("tokenizer_id") or text.get("model_id") or DEFAULT_MODEL_ID)
    except Exception as error:  # noqa: BLE001 - offline / missing cache
        raise CheckpointError(
            f"{path}: the text encoder {name!r} was trained with its hub tokenizer, which could not be loaded "
            f"({error}). Pass tokenizer_dir=<folder with the saved tokenizer> (e.g. <run>/model/tokenizer) or "
            "evaluate the exported <run>/model folder instead."
        ) from error
