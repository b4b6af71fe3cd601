"""Train RadZero: ``python -m radzero.train [experiment=mimic] [key=value ...]``.

Composes configs/train.yaml with Hydra, then builds module → datamodule → callbacks → loggers →
trainer (lightning-hydra-template order, the model first because the datamodule needs its
tokenizer), fits, and writes ``metrics.json`` and the best model (``model/``) under
``paths.output_dir``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import hydra
import lightning as L
import torch
from omegaconf import DictConfig, OmegaConf

from radzero.utils.atomic import atomic_write_json
from radzero.utils.instantiate import instantiate_group
from radzero.utils.resolvers import register_resolvers

logger = logging.getLogger(__name__)
register_resolvers()


def resolve_ckpt_path(ckpt_path: str | None, output_dir: Path) -> str | None:
    """``auto`` → this run's last.ckpt if it exists (requeued job), a path → that file, else None."""
    if ckpt_path in (None, "", "null"):
        return None
    if ckpt_path == "auto":
        last = output_dir / "checkpoints" / "last.ckpt"
        if last.is_file():
            logger.info("resuming from %s", last)
            return str(last)
        return None
    path = Path(ckpt_path)
    if not path.is_file():
        raise FileNotFoundError(f"ckpt_path={ckpt_path} does not exist: give a Lightning .ckpt file, 'auto' or null")
    return str(path)


def check_data_root(cfg: DictConfig) -> None:
    """Fail early, naming the folder and the setting, when the dataset root is missing."""
    root = cfg.data.get("root")
    if root is not None and not Path(str(root)).is_dir():
        raise FileNotFoundError(
            f"data root {root} does not exist. Put the dataset there or point paths.data_dir (or the "
            "RADZERO_DATA environment variable) at it; `python -m radzero.train` alone uses the phantom data."
        )


def resolved_config(cfg: DictConfig) -> dict[str, Any]:
    """The run's config with every interpolation resolved (Hydra's own node left out), as plain data."""
    return {key: OmegaConf.to_container(cfg[key], resolve=True) if OmegaConf.is_config(cfg[key]) else cfg[key]
            for key in cfg if key != "hydra"}


def export_best_model(trainer: L.Trainer, module: L.LightningModule, output_dir: Path) -> str | None:
    """Save the best checkpoint's weights as a RadZero directory (config.json + safetensors)."""
    best = getattr(trainer.checkpoint_callback, "best_model_path", "") if trainer.checkpoint_callback else ""
    if best and Path(best).is_file():
        state = torch.load(best, map_location="cpu", weights_only=True)["state_dict"]
        module.load_state_dict(state)
    module.net.save_pretrained(output_dir / "model")
    return best or None


def build_datamodule(cfg: DictConfig, net: Any) -> L.LightningDataModule:
    """The configured datamodule with the model's tokenizer and truncation length, and the vision encoder's
    input size and pixel mean / std, so training images and sentences are prepared exactly as evaluation
    (``eval_transform``, ``RadZero.tokenize``) will see them, also for a model loaded with ``init_from``."""
    # _convert_="all": plain containers in the hyper-parameters, so checkpoints load with weights_only=True
    return hydra.utils.instantiate(
        cfg.data.datamodule, tokenizer=net.tokenizer, max_length=net.text.max_length,
        image_size=net.vision.image_size, mean=list(net.vision.mean), std=list(net.vision.std), _convert_="all",
    )


def train(cfg: DictConfig) -> dict[str, Any]:
    """Fit the model described by ``cfg``; returns the metrics written to ``metrics.json``."""
    from radzero.training import RadZeroLitModule
    from radzero.training.callbacks import RunSnapshot

    output_dir = Path(cfg.paths.output_dir)
    if cfg.get("seed") is not None:
        L.seed_everything(int(cfg.seed), workers=True)
    check_data_root(cfg)

    zero_shot = hydra.utils.instantiate(cfg.zero_shot) if cfg.get("zero_shot") else None
    module = RadZeroLitModule(
        net=OmegaConf.to_container(cfg.model, resolve=True),
        optimizer=OmegaConf.to_container(cfg.get("optimizer") or {}, resolve=True),
        scheduler=OmegaConf.to_container(cfg.get("scheduler") or {}, resolve=True),
        zero_shot=zero_shot,
    )
    datamodule = build_datamodule(cfg, module.net)
    callbacks = instantiate_group(cfg.get("callbacks"), "callbacks")
    for callback in callbacks:
        if isinstance(callback, RunSnapshot):
            callback.config = resolved_config(cfg)
    loggers = instantiate_group(cfg.get("logger"), "logger")
    trainer: L.Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)

    trainer.fit(module, datamodule=datamodule, ckpt_path=resolve_ckpt_path(cfg.get("ckpt_path"), output_dir))

    metrics = {name: float(value) for name, value in trainer.callback_metrics.items() if value.numel() == 1}
    result: dict[str, Any] = {"metrics": metrics, "global_step": trainer.global_step, "epochs": trainer.current_epoch}
    checkpoint = trainer.checkpoint_callback
    if checkpoint is not None and checkpoint.best_model_score is not None:
        result["best_val_loss"] = float(checkpoint.best_model_score)
    if trainer.is_global_zero and not trainer.fast_dev_run:
        result["best_checkpoint"] = export_best_model(trainer, module, output_dir)
        result["model_dir"] = str(output_dir / "model")
        atomic_write_json(output_dir / "metrics.json", result)
        logger.info("metrics: %s", {k: round(v, 4) for k, v in metrics.items()})
        logger.info("wrote %s", output_dir / "metrics.json")
    return result


@hydra.main(version_base="1.3", config_path="../configs", config_name="train")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point; returns ``optimized_metric`` for sweepers."""
    from radzero.training import NonFiniteLossError

    try:
        result = train(cfg)
    except NonFiniteLossError as error:
        logger.error("%s", error)
        sys.exit(1)
    name = cfg.get("optimized_metric")
    return result["metrics"].get(name) if name else None


if __name__ == "__main__":
    main()
