"""Train RadZero: ``python -m radzero.train [experiment=mimic] [key=value ...]``.

Composes radzero/configs/train.yaml with Hydra, checks the config values and the output folder (before any
heavy import, so a typo is reported in about a second), generates the phantom data when the config reads
it (an explicit step; cached), then builds module → datamodule → callbacks →
loggers → trainer (lightning-hydra-template order, the model first because the datamodule needs its
tokenizer), fits, and writes ``metrics.json`` and the best model (``model/``) under ``paths.output_dir``.
A resume (``ckpt_path=auto`` or a path) is checked first: the checkpoint must be intact and fit the model.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from omegaconf import DictConfig, OmegaConf

from radzero.utils.atomic import atomic_write_json
from radzero.utils.instantiate import instantiate_group
from radzero.utils.resolvers import register_resolvers
from radzero.utils.errors import (
    CheckpointMismatch, CheckpointUnusable, ConfigError, NonFiniteLossError, RadZeroInputError,
)
from radzero.utils.validate import number, writable_dir

if TYPE_CHECKING:
    import lightning as L

logger = logging.getLogger(__name__)
register_resolvers()


def check_config(cfg: DictConfig) -> Path:
    """Values a run needs, checked before anything is built; returns the (writable) output folder."""
    optimizer = cfg.get("optimizer") or {}
    number(optimizer.get("lr", 1e-4), "optimizer.lr", minimum=0)
    number(optimizer.get("weight_decay", 0.0), "optimizer.weight_decay", minimum=0)
    number((cfg.get("scheduler") or {}).get("warmup_steps", 0), "scheduler.warmup_steps", minimum=0, integer=True)
    number(cfg.get("seed"), "seed", integer=True, allow_none=True)
    datamodule = cfg.data.get("datamodule") or {}
    number(datamodule.get("global_batch_size", 1), "data.datamodule.global_batch_size", minimum=1, integer=True)
    number(datamodule.get("num_workers", 0), "data.datamodule.num_workers", minimum=0, integer=True)
    trainer = cfg.get("trainer") or {}
    number(trainer.get("max_epochs", 1), "trainer.max_epochs", minimum=-1, integer=True)
    ckpt_path = cfg.get("ckpt_path")
    if ckpt_path is not None and not isinstance(ckpt_path, str):
        raise ConfigError(f"ckpt_path={ckpt_path!r}: give 'auto', null or the path of a Lightning .ckpt file")
    return writable_dir(cfg.paths.output_dir, "paths.output_dir")


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


def check_resume_fits(ckpt_path: str | None, module: Any) -> None:
    """A resume checkpoint must hold this model's parameters (names and shapes), else a keyed summary."""
    if ckpt_path is None:
        return
    from radzero.model.radzero import describe_key_mismatch
    from radzero.training.checkpoint_io import state_dict_shapes

    saved = state_dict_shapes(ckpt_path)
    own = {name: tuple(tensor.shape) for name, tensor in module.state_dict().items()}
    missing, unexpected = sorted(set(own) - set(saved)), sorted(set(saved) - set(own))
    shapes = [f"{k} {saved[k]} vs model {own[k]}" for k in sorted(set(own) & set(saved)) if own[k] != saved[k]]
    if missing or unexpected or shapes:
        raise CheckpointMismatch(
            f"ckpt_path {ckpt_path} was written by a run with another model config "
            f"({describe_key_mismatch(missing, unexpected, shapes)}). Resume with that run's config, or start "
            "fresh with ckpt_path=null and a new paths.output_dir."
        )


def export_best_model(trainer: L.Trainer, module: L.LightningModule, output_dir: Path) -> str | None:
    """Save the best checkpoint's weights as a RadZero directory (config.json + safetensors)."""
    import torch

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
    output_dir = check_config(cfg)
    from radzero.data.phantom.prepare import prepare_phantom

    prepare_phantom(cfg, keys=("data", "callbacks"))  # data=phantom and the zero-shot datasets of benchmark=phantom
    check_data_root(cfg)
    from radzero.training.checkpoint_io import resume_checkpoint

    ckpt_path = resume_checkpoint(cfg.get("ckpt_path"), output_dir / "checkpoints")  # before anything is touched

    import lightning as L

    from radzero.training import RadZeroLitModule
    from radzero.training.callbacks import RunSnapshot

    if cfg.get("seed") is not None:
        L.seed_everything(int(cfg.seed), workers=True)
    module = RadZeroLitModule(
        net=OmegaConf.to_container(cfg.model, resolve=True),
        optimizer=OmegaConf.to_container(cfg.get("optimizer") or {}, resolve=True),
        scheduler=OmegaConf.to_container(cfg.get("scheduler") or {}, resolve=True),
    )
    check_resume_fits(ckpt_path, module)
    datamodule = build_datamodule(cfg, module.net)
    callbacks = instantiate_group(cfg.get("callbacks"), "callbacks")
    for callback in callbacks:
        if isinstance(callback, RunSnapshot):
            callback.config = resolved_config(cfg)
    loggers = instantiate_group(cfg.get("logger"), "logger")
    trainer: L.Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    if trainer.fast_dev_run and cfg.get("logger"):
        logger.warning("fast_dev_run (debug=fdr) disables every logger and checkpoint: nothing is logged or saved")

    trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)

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


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point; returns ``optimized_metric`` for sweepers. A bad input exits with status 1 and a
    one-line reason naming the key, file or checkpoint."""
    try:
        result = train(cfg)
    except (NonFiniteLossError, ConfigError, CheckpointUnusable, CheckpointMismatch, FileNotFoundError,
            RadZeroInputError) as error:
        logger.error("%s", error)
        logger.debug("where it was raised", exc_info=True)
        sys.exit(1)
    name = cfg.get("optimized_metric")
    return result["metrics"].get(name) if name else None


if __name__ == "__main__":
    main()
