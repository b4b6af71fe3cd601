"""The LightningModule of stage 2: a ``FinetuneModel`` trained with Dice + BCE (segmentation) or BCE (probe)."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from torch import Tensor

from radzero.model.finetune import FinetuneModel

__all__ = ["FinetuneLitModule", "segmentation_loss"]


def segmentation_loss(logits: Tensor, target: Tensor, dice_weight: float = 1.0, bce_weight: float = 1.0) -> Tensor:
    """BCE-with-logits over pixels + (1 - soft Dice) averaged over the images with a lesion; (B, 1, S, S) both."""
    bce = F.binary_cross_entropy_with_logits(logits, target)
    prob = torch.sigmoid(logits).flatten(1)  # (B, S*S)
    flat = target.flatten(1)
    positive = flat.sum(1) > 0
    if positive.any():
        inter = (prob * flat).sum(1)
        dice = (2 * inter + 1.0) / (prob.sum(1) + flat.sum(1) + 1.0)  # (B,)
        dice_loss = (1 - dice[positive]).mean()
    else:
        dice_loss = logits.new_zeros(())
    return bce_weight * bce + dice_weight * dice_loss


class FinetuneLitModule(L.LightningModule):
    """``task``: "segmentation" (target masks (B, 1, S, S)) or "classification" (labels (B, C), NaN = unknown)."""

    def __init__(self, model: FinetuneModel, task: str, lr: float = 1e-3, weight_decay: float = 1e-4,
                 dice_weight: float = 1.0, bce_weight: float = 1.0) -> None:
        super().__init__()
        if task not in ("segmentation", "classification"):
            raise ValueError(f"task must be 'segmentation' or 'classification', got {task!r}")
        self.model, self.task = model, task
        self.lr, self.weight_decay = float(lr), float(weight_decay)
        self.dice_weight, self.bce_weight = float(dice_weight), float(bce_weight)

    def loss(self, images: Tensor, target: Tensor) -> Tensor:
        logits = self.model(images)
        if self.task == "segmentation":
            return segmentation_loss(logits, target, self.dice_weight, self.bce_weight)
        known = ~torch.isnan(target)  # (B, C)
        if not known.any():
            return logits.sum() * 0.0
        return F.binary_cross_entropy_with_logits(logits[known], target[known])

    def training_step(self, batch: tuple[Tensor, Tensor], batch_index: int) -> Tensor:
        loss = self.loss(*batch)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"non-finite fine-tuning loss {float(loss)} at global step {self.global_step}")
        self.log("train/loss", loss, prog_bar=True, batch_size=batch[0].shape[0])
        return loss

    def validation_step(self, batch: tuple[Tensor, Tensor], batch_index: int) -> None:
        self.log("val/loss", self.loss(*batch), prog_bar=True, batch_size=batch[0].shape[0])

    def configure_optimizers(self) -> Any:
        params = [p for p in self.model.parameters() if p.requires_grad]
        return torch.optim.AdamW(params, lr=self.lr, weight_decay=self.weight_decay)

    def on_train_epoch_start(self) -> None:
        self.model.train()  # frozen parts back to eval mode (Lightning calls .train() on the whole module)
