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
from typing import TYPE_CHECKING, Any

import hydra
from omegaconf import DictConfig, OmegaConf

from radzero.training.run_checks import check_config, check_data_root, check_resume_fits
from radzero.utils.app_exit import exit_for_input_error
from radzero.utils.atomic import atomic_write_json
from radzero.utils.errors import (
    CheckpointMismatch, CheckpointUnusable, ConfigError, NonFiniteLossError, RadZeroInputError,
)
from radzero.utils.instantiate import instantiate_group
from radzero.utils.resolvers import register_resolvers

if TYPE_CHECKING:
    import lightning as L

logger = logging.getLogger(__name__)
register_resolvers()


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
    from radzero.training.run_build import build_datamodule, export_best_model, resolved_config

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
        exit_for_input_error(error, logger)
    name = cfg.get("optimized_metric")
    return result["metrics"].get(name) if name else None


if __name__ == "__main__":
    main()
