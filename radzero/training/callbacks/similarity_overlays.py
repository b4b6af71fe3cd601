"""Similarity-map overlays of a few fixed held-out images, every validation epoch."""

from __future__ import annotations

import logging
from pathlib import Path

from lightning import Callback, LightningModule, Trainer
from lightning.pytorch.loggers import WandbLogger

from radzero.eval.overlays import annotate, overlay_rgb, save_png

logger = logging.getLogger(__name__)


class SimilarityOverlays(Callback):
    """Writes ``<output_dir>/epoch_XXX/<image>_<k>.png`` and logs them to W&B when a W&B logger is active.

    Uses the grounding samples of the module's zero-shot validator (the first ``num_images``
    phrases), so the same images are shown every epoch.
    """

    def __init__(self, output_dir: str, num_images: int = 4) -> None:
        self.output_dir = Path(output_dir)
        self.num_images = num_images

    def on_validation_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        validator = getattr(pl_module, "zero_shot", None)
        if trainer.sanity_checking or not trainer.is_global_zero or validator is None or self.num_images <= 0:
            return
        items = validator.overlay_items(pl_module.net, pl_module.device, self.num_images)
        if not items:
            return
        folder = self.output_dir / f"epoch_{trainer.current_epoch:03d}"
        pictures, captions = [], []
        for k, item in enumerate(items):
            rgb = annotate(overlay_rgb(item.image, item.cosine_map, item.boxes), item.phrase)
            save_png(folder / f"{k:02d}_{item.image_id}.png", rgb)
            pictures.append(rgb)
            captions.append(item.phrase)
        for experiment_logger in trainer.loggers:
            if isinstance(experiment_logger, WandbLogger):
                experiment_logger.log_image("val/similarity_maps", pictures, step=trainer.global_step, caption=captions)
        logger.info("similarity overlays written to %s", folder)
