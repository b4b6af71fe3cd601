"""Stage 2: ``python -m radzero.finetune task=segmentation|classification init_from=<model> data=<dataset>
data_fraction=0.01|0.1|1.0 seed=<n>`` (docs/finetune.md).

Loads the stage-1 model (``init_from``: a RadZero folder, a training run folder, a Lightning .ckpt, the authors'
snapshot, or ``latest`` = the newest run of ``python -m radzero.train`` under ``paths.log_dir``), takes the
nested label-fraction subset of the training split, trains a segmentation head or a linear probe with
Lightning (checkpoints, exact resume with ``ckpt_path=auto``, loggers, DDP / bf16 through the trainer group),
then evaluates the best checkpoint and the zero-shot model on the test split with the evaluation's own code
and writes ``metrics.json`` and ``subset_ids.txt`` under ``paths.output_dir``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf

from radzero.utils.app_exit import exit_for_input_error
from radzero.utils.errors import CheckpointUnusable, ConfigError, RadZeroInputError
from radzero.utils.resolvers import register_resolvers
from radzero.utils.validate import choice, number, writable_dir

logger = logging.getLogger(__name__)
register_resolvers()

TASKS = ("segmentation", "classification")


def check_settings(cfg: DictConfig) -> dict[str, Any]:
    """The run's settings, each error naming its key (before anything heavy is imported or read)."""
    fraction = number(cfg.get("data_fraction"), "data_fraction")
    if not 0.0 < fraction <= 1.0:
        raise ConfigError(f"data_fraction={fraction}: must be in (0, 1] (e.g. 0.01, 0.1, 1.0)")
    return {
        "task": choice(str(cfg.get("task")), "task", TASKS),
        "fraction": fraction,
        "seed": number(cfg.get("seed", 0), "seed", integer=True),
        "output_dir": writable_dir(cfg.paths.output_dir, "paths.output_dir"),
        "batch_size": number(cfg.get("batch_size", 16), "batch_size", minimum=1, integer=True),
    }


def resolve_init_from(value: Any, log_dir: Path) -> str:
    """``latest`` -> the newest ``<log_dir>/train/runs/*/model``; else the value (checked by the model loader)."""
    if value in (None, "", "???"):
        raise ConfigError("init_from is not set: give the stage-1 model (a RadZero folder, a training run folder, a "
                          ".ckpt or the authors' snapshot), or init_from=latest after `python -m radzero.train`")
    if str(value) != "latest":
        return str(value)
    runs = sorted(log_dir.glob("train/runs/*/model/config.json"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise ConfigError(f"init_from=latest: no trained model under {log_dir}/train/runs/*/model; train the stage-1 "
                          "default first with `python -m radzero.train` (about 7 min on 2 CPU cores), or set init_from")
    return str(runs[-1].parent)


def finetune(cfg: DictConfig) -> dict[str, Any]:
    """Fine-tune and evaluate; returns what is written to ``metrics.json``."""
    settings = check_settings(cfg)
    init_from = resolve_init_from(cfg.get("init_from"), Path(cfg.paths.log_dir))
    from radzero.data.phantom.prepare import prepare_phantom

    prepare_phantom(cfg, keys=("data",))
    import lightning as L

    from radzero.data.fractions import subset_summary, write_subset_ids
    from radzero.eval.checkpoint import load_model
    from radzero.eval.context import EvalContext
    from radzero.eval.inference import encode_prompts, eval_transform
    from radzero.finetune.data import FinetuneDataModule, load_finetune_data
    from radzero.finetune.evaluate import evaluate_finetuned, evaluate_zero_shot
    from radzero.finetune.module import FinetuneLitModule
    from radzero.model.finetune import FinetuneModel, LinearProbe, SegmentationHead
    from radzero.training.checkpoint_io import resume_checkpoint
    from radzero.utils.atomic import atomic_write_json
    from radzero.utils.instantiate import instantiate_group

    output_dir: Path = settings["output_dir"]
    ckpt_path = resume_checkpoint(cfg.get("ckpt_path"), output_dir / "checkpoints")
    L.seed_everything(settings["seed"], workers=True)
    net = load_model(init_from).eval()
    data = load_finetune_data(cfg.data, settings["task"], settings["fraction"], settings["seed"])
    dim, size = net.token_dim, int(net.vision.image_size)
    if settings["task"] == "segmentation":
        prompt = encode_prompts(net, [data.prompt], "cpu", "fp32")  # (1, D)
        head = SegmentationHead(dim, size, hidden=int(cfg.head.hidden), use_prompt_map=bool(cfg.head.use_prompt_map))
        model = FinetuneModel(net, head, prompt if head.use_prompt_map else None, train_align=bool(cfg.train_align))
    else:
        head = LinearProbe(dim, len(data.classes), net.vision.num_prefix_tokens)
        model = FinetuneModel(net, head, train_align=bool(cfg.train_align))
    module = FinetuneLitModule(model, settings["task"], **OmegaConf.to_container(cfg.optimizer, resolve=True))
    transform = eval_transform(net, str(cfg.get("geometry", "resize")))
    datamodule = FinetuneDataModule(data, transform, settings["batch_size"], int(cfg.get("num_workers", 0)),
                                    settings["seed"])
    callbacks = instantiate_group(cfg.get("callbacks"), "callbacks")
    loggers = instantiate_group(cfg.get("logger"), "logger")
    trainer: L.Trainer = hydra.utils.instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    write_subset_ids(output_dir / "subset_ids.txt", data.subset)
    trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    result: dict[str, Any] = {
        "task": settings["task"], "dataset": data.name, "data_fraction": settings["fraction"], "seed": settings["seed"],
        "init_from": init_from, "subset": {**subset_summary(data.subset), "n_train_full": data.n_train_full},
        "global_step": trainer.global_step, "epochs": trainer.current_epoch,
    }
    if trainer.fast_dev_run or not trainer.is_global_zero:
        return result
    best = getattr(trainer.checkpoint_callback, "best_model_path", "") if trainer.checkpoint_callback else ""
    if best:
        import torch

        state = torch.load(best, map_location="cpu", weights_only=True)["state_dict"]
        module.load_state_dict(state)
        result["best_checkpoint"] = best
    ctx = EvalContext(net=net, device=module.device, output_dir=output_dir, batch_size=int(cfg.eval.batch_size),
                      n_bootstrap=int(cfg.eval.n_bootstrap), seed=settings["seed"], precision="fp32")
    result["test"] = evaluate_finetuned(model, data, ctx)["metrics"]
    result["zero_shot"] = evaluate_zero_shot(data, ctx)["metrics"]
    atomic_write_json(output_dir / "metrics.json", result)
    logger.info("test %s; zero-shot %s", _brief(result["test"]), _brief(result["zero_shot"]))
    return result


def _brief(metrics: dict[str, Any]) -> dict[str, float | None]:
    return {k: (None if v.get("value") is None else round(v["value"], 4)) for k, v in metrics.items()}


@hydra.main(version_base="1.3", config_path="../configs", config_name="finetune")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point; a bad input exits with status 1 and a one-line reason naming the key or file."""
    try:
        result = finetune(cfg)
    except (ConfigError, CheckpointUnusable, FileNotFoundError, RadZeroInputError, ValueError) as error:
        exit_for_input_error(error, logger)
    test = result.get("test") or {}
    name = "dice" if "dice" in test else "macro_auroc"
    return (test.get(name) or {}).get("value")


if __name__ == "__main__":
    main()
