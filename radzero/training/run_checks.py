"""Checks of a training run before anything is built: config values, the data root, a resume's fit.

Light imports only (no torch, no Lightning), so ``python -m radzero.train`` reports a wrong value in
about a second; each error names its key, folder or checkpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from radzero.utils.errors import CheckpointMismatch, ConfigError
from radzero.utils.options import HEADS, LOSSES
from radzero.utils.validate import choice, number, writable_dir

__all__ = [
    "HEADS", "LOSSES", "TEXT_SOURCES", "check_config", "check_data_root", "check_resume_fits", "check_text_source",
]

# data.text_source: the data config's own sentences, or the free-text reports of data.report_text
TEXT_SOURCES = ("finding_sentences", "reports")


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
    model = cfg.get("model") or {}
    choice(model.get("head", "vlcabs"), "model.head", HEADS)
    if choice(model.get("loss", "multi_positive"), "model.loss", LOSSES) == "single_positive" and model.get(
            "mask_duplicate_texts"):
        raise ConfigError("model.mask_duplicate_texts=true applies to model.loss=multi_positive only; set it to false")
    check_text_source(cfg)
    return writable_dir(cfg.paths.output_dir, "paths.output_dir")


def check_text_source(cfg: DictConfig) -> None:
    """``data.text_source=reports`` (experiment=ablation/report_text) needs the data config's ``report_text``
    readers (MIMIC-CXR-JPG + the free-text MIMIC-CXR reports); the authors' folder has no reports."""
    data = cfg.get("data") or {}
    source = choice(data.get("text_source", "finding_sentences"), "data.text_source", TEXT_SOURCES)
    if source != "reports":
        return
    readers = data.get("report_text")
    if not readers or readers.get("train") is None or readers.get("val") is None:
        raise ConfigError(
            "data.text_source=reports (experiment=ablation/report_text) trains on the FINDINGS + IMPRESSION sentences "
            "of the free-text reports, but this data config has no data.report_text readers (the authors' folder, "
            "data=radzero_release, has no reports). Use data=phantom, or the official layouts, data=mimic (the paper "
            "recipe: experiment=[mimic_official,ablation/report_text]), with paths.data_dir=<folder holding "
            "mimic-cxr-jpg/2.0.0 and mimic-cxr/2.0.0> (or data.report_text.jpg_root / data.report_text.reports_root "
            "set to those folders); docs/ablation.md"
        )


def check_data_root(cfg: DictConfig) -> None:
    """Fail early, naming the folder and the setting, when the dataset root is missing."""
    root = cfg.data.get("root")
    if root is not None and not Path(str(root)).is_dir():
        raise FileNotFoundError(
            f"data root {root} does not exist. Put the dataset there or point paths.data_dir (or the "
            "RADZERO_DATA environment variable) at it; `python -m radzero.train` alone uses the phantom data."
        )
    if cfg.data.get("text_source") == "reports":
        readers = cfg.data.report_text
        for key, what in (("jpg_root", "MIMIC-CXR-JPG 2.0.0 (files/ + the metadata and split CSVs)"),
                          ("reports_root", "MIMIC-CXR 2.0.0 reports (files/p1X/p<subject>/s<study>.txt)")):
            folder = readers.get(key)
            if folder is not None and not Path(str(folder)).is_dir():
                raise FileNotFoundError(
                    f"data.report_text.{key}={folder} does not exist: experiment=ablation/report_text reads the "
                    f"{what} there; set data.report_text.{key}=<that folder>"
                )


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
