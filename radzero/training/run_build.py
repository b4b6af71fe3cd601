"""What ``python -m radzero.train`` builds around the LightningModule: the datamodule fitted to the model,
the resolved config of the run snapshot, and the exported best model."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from omegaconf import DictConfig, OmegaConf

if TYPE_CHECKING:
    import lightning as L

__all__ = ["build_datamodule", "export_best_model", "resolved_config"]


def build_datamodule(cfg: DictConfig, net: Any) -> L.LightningDataModule:
    """The configured datamodule with the model's tokenizer and truncation length, and the vision encoder's
    input size and pixel mean / std, so training images and sentences are prepared exactly as evaluation
    (``eval_transform``, ``RadZero.tokenize``) will see them, also for a model loaded with ``init_from``."""
    # _convert_="all": plain containers in the hyper-parameters, so checkpoints load with weights_only=True
    return hydra.utils.instantiate(
        cfg.data.datamodule, tokenizer=net.tokenizer, max_length=net.text.max_length,
        image_size=net.vision.image_size, mean=list(net.vision.mean), std=list(net.vision.std), _convert_="all",
    )


def resolved_config(cfg: DictConfig) -> dict[str, Any]:
    """The run's config with every interpolation resolved (Hydra's own node left out), as plain data. A group the
    run does not use and that cannot be resolved (``benchmark=phantom`` when no phantom was generated) is kept
    as written."""
    from omegaconf.errors import InterpolationResolutionError, MissingMandatoryValue

    out: dict[str, Any] = {}
    for key in cfg:
        if key == "hydra":
            continue
        if not OmegaConf.is_config(cfg[key]):
            out[key] = cfg[key]
            continue
        try:
            out[key] = OmegaConf.to_container(cfg[key], resolve=True)
        except (InterpolationResolutionError, MissingMandatoryValue):
            out[key] = OmegaConf.to_container(cfg[key], resolve=False)
    return out


def export_best_model(trainer: L.Trainer, module: L.LightningModule, output_dir: Path) -> str | None:
    """Save the best checkpoint's weights as a RadZero directory (config.json + safetensors)."""
    import torch

    best = getattr(trainer.checkpoint_callback, "best_model_path", "") if trainer.checkpoint_callback else ""
    if best and Path(best).is_file():
        state = torch.load(best, map_location="cpu", weights_only=True)["state_dict"]
        module.load_state_dict(state)
    module.net.save_pretrained(output_dir / "model")
    return best or None
