"""LightningModule: multi-positive loss training of RadZero (the module owns the loss, open_clip style).

``model.loss=single_positive`` (the ablation ladder's CLIP-style rungs, docs/ablation.md): the module keeps one
sentence per image (``radzero.data.positives``: a pure function of seed, epoch and image id) before the text
encoder; validation always takes epoch 0's choice.

Zero-shot validation metrics come from a callback (``radzero.training.callbacks.ZeroShotValidation``)."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict
from typing import Any

import torch
from lightning import LightningModule
from torch import Tensor

from radzero.data.positives import keep_sentences, one_positive_per_image
from radzero.loss import LossOutput, RadZeroLoss
from radzero.model import RadZero, RadZeroConfig
from radzero.training.optim import build_optimizer, build_scheduler
from radzero.utils.errors import ConfigError, NonFiniteError, NonFiniteLossError

logger = logging.getLogger(__name__)


# RadZeroConfig fields a fine-tuning run takes from its own model config (the rest is the checkpoint's)
TRAINING_OPTIONS = (
    "learn_tau", "lean_head", "head_chunk_size", "kl_weight", "row_sum", "col_sum", "mask_duplicate_texts", "loss",
)


def build_net(net: dict[str, Any]) -> RadZero:
    """The model of a run: ``RadZeroConfig`` from the ``model`` config, or with ``init_from=<folder>`` the
    architecture and weights of that radzero folder / authors' snapshot plus this run's loss options."""
    init_from = net.pop("init_from", None)
    if not init_from:
        return RadZero(RadZeroConfig.from_dict(net))
    overrides = {key: net[key] for key in TRAINING_OPTIONS if key in net}
    model = RadZero.from_pretrained(init_from, overrides=overrides)
    if net.get("head", model.config.head) != model.config.head:
        raise ConfigError(
            f"model.head={net['head']!r} but init_from={init_from} is a {model.config.head!r} model: the head is part "
            f"of the checkpoint's architecture; set model.head={model.config.head} or start from a matching checkpoint"
        )
    logger.info("initialised from %s (the checkpoint's architecture and weights; loss options %s)", init_from,
                overrides)
    return model


class RadZeroLitModule(LightningModule):
    """Trains ``RadZero`` with its multi-positive NCE (+ KL) loss; only trainable parameters are optimised."""

    def __init__(
        self,
        net: dict[str, Any],
        optimizer: dict[str, Any] | None = None,
        scheduler: dict[str, Any] | None = None,
        positive_seed: int | None = None,
    ) -> None:
        """``positive_seed``: the seed of the single-positive choice (None: ``PL_GLOBAL_SEED``, the run's
        ``seed`` as ``seed_everything`` sets it, else 0), as the datamodule's shuffle seed."""
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.net = build_net(dict(net))
        self.hparams["init_from"] = (net or {}).get("init_from")  # where the tokenizer of such a run lives
        # the architecture actually built (with init_from: the checkpoint's), so a .ckpt rebuilds it alone
        self.hparams["net"] = asdict(self.net.config)
        self.hparams["image_processor"] = self.net.image_processor_config  # the checkpoint's preprocessing, if any
        self.optimizer_config = dict(optimizer or {})
        self.scheduler_config = dict(scheduler or {})
        config = self.net.config
        self.loss = RadZeroLoss(config.kl_weight, row_sum=config.row_sum, col_sum=config.col_sum,
                                mask_duplicate_texts=config.mask_duplicate_texts, loss=config.loss)
        self._positive_seed = positive_seed

    @property
    def positive_seed(self) -> int:
        """Seed of the single-positive sentence choice."""
        if self._positive_seed is not None:
            return int(self._positive_seed)
        return int(os.environ.get("PL_GLOBAL_SEED", 0))

    def select_positives(self, batch: dict[str, Any], epoch: int) -> dict[str, Any]:
        """``loss=single_positive``: the batch with one sentence per image (seed, epoch, image id); else as is."""
        if self.net.config.loss != "single_positive":
            return batch
        rows = one_positive_per_image(batch["group"], batch["image_ids"], self.positive_seed, epoch)  # (B,)
        return keep_sentences(batch, rows)

    def forward(self, batch: dict[str, Any], epoch: int = 0) -> LossOutput:
        """Features of this rank's batch -> the loss of the global batch (gathered by ``RadZeroLoss``);
        ``epoch`` picks the single positives (``loss=single_positive``)."""
        batch = self.select_positives(batch, epoch)
        features = self.net(batch["images"], batch["input_ids"], batch["attention_mask"])  # (N, D), (B, L, D)
        return self.loss(features.text, features.tokens, batch["group"], features.tau, self.net.logits,
                         batch.get("text_ids"))

    def _stop(self, stage: str, what: str, batch: dict[str, Any]) -> NonFiniteLossError:
        return NonFiniteLossError(
            f"{stage}: {what} at global step {self.global_step} (batch images "
            f"{list(batch.get('image_ids', []))[:4]}...). Training stopped before the optimizer step, so the "
            "weights are still the last good ones, and the last checkpoint in the run's checkpoints/ folder is "
            "kept. Resume with ckpt_path=<that checkpoint> and a lower learning rate, or bf16 instead of fp16."
        )

    def _step(self, batch: dict[str, Any], stage: str) -> Tensor:
        try:
            output = self(batch, self.current_epoch if stage == "train" else 0)  # val: one fixed choice
        except NonFiniteError as error:
            raise self._stop(stage, str(error), batch) from error
        loss = output.losses["loss"]
        if not bool(torch.isfinite(loss)):
            raise self._stop(stage, f"the loss is {float(loss)}", batch)
        batch_size = batch["images"].shape[0]
        # The loss is computed on the gathered global batch: every rank holds the same value.
        for name, value in output.losses.items():
            self.log(f"{stage}/{name}", value.detach(), batch_size=batch_size, prog_bar=name == "loss",
                     sync_dist=stage != "train")
        if stage == "train":
            self.log("train/tau", self.net.tau.detach(), batch_size=batch_size, prog_bar=True)
        return loss

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> Tensor:
        return self._step(batch, "val")

    def configure_optimizers(self):
        optimizer = build_optimizer(self.net, **self.optimizer_config)
        if not self.scheduler_config:
            return optimizer
        total_steps = int(self.trainer.estimated_stepping_batches)
        scheduler = build_scheduler(optimizer, int(self.scheduler_config.get("warmup_steps", 0)), total_steps)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
