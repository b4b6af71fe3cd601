"""Zero-shot validation every epoch, by the evaluation's own code (one zero-shot path).

The datasets are benchmark entries (``benchmark.classification.<name>``, ``benchmark.grounding.<name>``),
read by the evaluation's reader step; classes, label table (joined by image id), prompts, phrase maps,
macro AUROC and pointing game are the functions ``python -m radzero.eval`` runs, so ``val/zs_auroc`` and
``val/pointing`` equal its ``macro_auroc`` and ``pointing_game`` for the same datasets, ``max_images`` and
model. Images are decoded once and kept in memory (``cache_images``). Overlays of the first ``overlays``
grounding phrases come from the same maps. The callback leaves torch's random state as it found it, so
turning it on or off does not change the training run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning import Callback, LightningModule, Trainer
from lightning.pytorch.loggers import WandbLogger
from omegaconf import OmegaConf

from radzero.data.io import load_image
from radzero.eval.context import EvalContext
from radzero.eval.figures import annotate, overlay_rgb, save_png
from radzero.eval.inference import eval_transform, image_loader
from radzero.eval.metrics import macro_auroc
from radzero.eval.phrase_maps import phrase_image_samples
from radzero.eval.tasks.classification import ClassificationSet, load_classification_set, predict_classification
from radzero.eval.tasks.grounding import GroundingSet, grounding_rows, load_grounding_set, pointing_game
from radzero.model import RadZero

logger = logging.getLogger(__name__)

__all__ = ["ZeroShotValidation"]


def _entries(node: Any) -> dict[str, dict[str, Any]]:
    """{dataset name: plain spec} of a config mapping (interpolations resolved); None -> {}."""
    if node is None:
        return {}
    plain = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else dict(node)
    return {str(name): spec for name, spec in plain.items() if spec is not None}


class ZeroShotValidation(Callback):
    """Logs ``val/zs_auroc`` (macro AUROC) and ``val/pointing`` (pointing game) on rank 0 after every
    validation epoch (``val/<metric>_<dataset>`` when a task has several datasets), and writes overlays to
    ``<output_dir>/epoch_XXX/<k>_<image>.png`` (and to W&B when a W&B logger is active)."""

    def __init__(
        self,
        classification: Mapping[str, Any] | None = None,
        grounding: Mapping[str, Any] | None = None,
        max_images: int | None = 200,
        batch_size: int = 32,
        num_workers: int = 0,
        geometry: str = "resize",
        prompt_template: str = "There is {}",
        overlays: int = 4,
        output_dir: str | None = None,
        cache_images: bool = True,
    ) -> None:
        self.classification_specs = _entries(classification)
        self.grounding_specs = _entries(grounding)
        self.max_images = max_images
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.geometry = geometry
        self.prompt_template = prompt_template
        self.overlays = overlays
        self.output_dir = Path(output_dir) if output_dir else None
        self.cache_images = cache_images
        self._classification: dict[str, ClassificationSet] | None = None
        self._grounding: dict[str, GroundingSet] | None = None
        self._batches: dict[tuple, list[dict[str, Any]]] = {}

    def context(self, net: RadZero, device: torch.device) -> EvalContext:
        """The evaluation settings of this callback (no files are written through it)."""
        return EvalContext(net=net, device=device, output_dir=self.output_dir or Path("."),
                           batch_size=self.batch_size, num_workers=self.num_workers, geometry=self.geometry,
                           n_bootstrap=0, max_images=self.max_images, overlays=self.overlays,
                           prompt_template=self.prompt_template)

    def _load(self, ctx: EvalContext) -> None:
        if self._classification is None:
            self._classification = {n: load_classification_set(ctx, n, s) for n, s in self.classification_specs.items()}
            self._grounding = {n: load_grounding_set(ctx, n, s) for n, s in self.grounding_specs.items()}

    def _loader(self, ctx: EvalContext, key: str, samples: list[Any], geometry: str) -> Iterable[dict[str, Any]]:
        """Image batches of ``samples`` with the model's eval transform (decoded once when cached)."""
        cache_key = (key, ctx.net.vision.image_size, geometry)
        if cache_key in self._batches:
            return self._batches[cache_key]
        loader = image_loader(samples, eval_transform(ctx.net, geometry), ctx.batch_size, ctx.num_workers)
        if not self.cache_images:
            return loader
        self._batches[cache_key] = list(loader)
        return self._batches[cache_key]

    @torch.no_grad()
    def evaluate(self, net: RadZero, device: torch.device) -> tuple[dict[str, float], list[dict[str, Any]]]:
        """Metrics {"zs_auroc"[_name], "pointing"[_name]} and the overlay items of the first grounding dataset."""
        was_training = net.training
        net.eval()
        try:
            ctx = self.context(net, device)
            self._load(ctx)
            metrics: dict[str, float] = {}
            for name, dataset in self._classification.items():
                loader = self._loader(ctx, f"classification/{name}", dataset.samples, ctx.geometry_for(dataset.spec))
                _, labels, scores, _ = predict_classification(ctx, dataset, loader)  # (M, C), (M, C)
                key = "zs_auroc" if len(self._classification) == 1 else f"zs_auroc_{name}"
                metrics[key] = float(macro_auroc(labels, scores, dataset.classes)["macro_auroc"])
            overlay_items: list[dict[str, Any]] = []
            for k, (name, dataset) in enumerate(self._grounding.items()):
                images = phrase_image_samples(dataset.samples)
                loader = self._loader(ctx, f"grounding/{name}", images, ctx.geometry_for(dataset.spec))
                rows = []
                for item, row in grounding_rows(ctx, dataset, loader):
                    rows.append(row)
                    if k == 0 and len(overlay_items) < self.overlays:
                        overlay_items.append({"item": item, "row": row})
                key = "pointing" if len(self._grounding) == 1 else f"pointing_{name}"
                metrics[key] = pointing_game(rows, dataset.per_class)
            return metrics, overlay_items
        finally:
            net.train(was_training)

    def on_validation_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if trainer.sanity_checking or not (self.classification_specs or self.grounding_specs):
            return
        if not trainer.is_global_zero:
            return
        device = pl_module.device
        # RNG-neutral: the validation's data loaders draw from torch's generator; forking it keeps the
        # training trajectory (dropout, shuffling) the same whether or not this callback runs
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            metrics, overlay_items = self.evaluate(pl_module.net, device)
        for name, value in metrics.items():
            pl_module.log(f"val/{name}", value, rank_zero_only=True, prog_bar=True)
        if overlay_items and self.output_dir is not None:
            self._write_overlays(trainer, overlay_items)

    def _write_overlays(self, trainer: Trainer, overlay_items: list[dict[str, Any]]) -> None:
        folder = self.output_dir / f"epoch_{trainer.current_epoch:03d}"
        pictures, captions = [], []
        for k, entry in enumerate(overlay_items):
            sample = entry["item"].sample
            rgb = overlay_rgb(load_image(sample.image_path), entry["item"].cosine_map, sample.boxes)
            rgb = annotate(rgb, f"{'+' if entry['row']['hit'] else '-'} {sample.phrase}")
            save_png(folder / f"{k:02d}_{sample.image_id}.png", rgb)
            pictures.append(np.asarray(rgb))
            captions.append(sample.phrase)
        for experiment_logger in trainer.loggers:
            if isinstance(experiment_logger, WandbLogger):
                experiment_logger.log_image("val/similarity_maps", pictures, step=trainer.global_step, caption=captions)
        logger.info("similarity overlays written to %s", folder)
