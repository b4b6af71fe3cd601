"""Send evaluation results to the configured experiment loggers (``logger=wandb``, ``logger=csv``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["flat_metrics", "log_results"]


def flat_metrics(results: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """{"<task>/<dataset>/<metric>": value, ".../ci95_low", ".../ci95_high"} for every defined headline metric
    (a second protocol's under "<protocol>/<task>/...")."""
    flat: dict[str, float] = {}
    for protocol, other in (results.get("by_protocol") or {}).items():
        flat.update(flat_metrics(other, f"{prefix}{protocol}/"))
    for task, datasets in results.items():
        if task in ("meta", "by_protocol") or not isinstance(datasets, Mapping):
            continue
        for dataset, entry in datasets.items():
            for name, metric in (entry.get("metrics") or {}).items():
                if metric.get("value") is None:
                    continue
                key = f"{prefix}{task}/{dataset}/{name}"
                flat[key] = float(metric["value"])
                low, high = metric.get("ci95", [None, None])
                if low is not None and high is not None:
                    flat[f"{key}/ci95_low"], flat[f"{key}/ci95_high"] = float(low), float(high)
    return flat


def _images(results: Mapping[str, Any], output_dir: Path) -> dict[str, Path]:
    images: dict[str, Path] = {}
    for task, datasets in results.items():
        if task in ("meta", "by_protocol") or not isinstance(datasets, Mapping):
            continue
        for dataset, entry in datasets.items():
            for kind, rel in (entry.get("files") or {}).items():
                if str(rel).endswith(".png"):
                    images[f"{task}/{dataset}/{kind}"] = output_dir / rel
    return images


def log_results(loggers: Sequence[Any], results: Mapping[str, Any], output_dir: Path) -> None:
    """Metrics to every Lightning logger; ROC / overlay PNGs to W&B loggers; then finalize them."""
    if not loggers:
        return
    from lightning.pytorch.loggers import WandbLogger

    metrics = flat_metrics(results)
    for experiment_logger in loggers:
        experiment_logger.log_metrics(metrics, step=0)
        if isinstance(experiment_logger, WandbLogger):
            for key, path in _images(results, output_dir).items():
                experiment_logger.log_image(key, [str(path)], step=0)
        experiment_logger.save()
        experiment_logger.finalize("success")
        logger.info("logged %d metrics to %s", len(metrics), type(experiment_logger).__name__)
