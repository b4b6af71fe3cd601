"""ModelCheckpoint whose ``last.ckpt`` always holds the newest state (what exact resume needs)."""

from __future__ import annotations

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint


class ResumableModelCheckpoint(ModelCheckpoint):
    """Top-k checkpoints as usual, plus ``last.ckpt`` rewritten at every save point.

    Lightning >= 2.6 only rewrites ``last.ckpt`` when a top-k file was written in the same step, so
    after an epoch with a worse validation loss ``last.ckpt`` would be stale and a resume
    (``ckpt_path=auto``, SLURM requeue) would silently repeat epochs.
    """

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_train_epoch_end(trainer, pl_module)
        if self._should_save_on_train_epoch_end(trainer):
            self._refresh_last(trainer)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_validation_end(trainer, pl_module)
        if not self._should_save_on_train_epoch_end(trainer):
            self._refresh_last(trainer)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        # Lightning 2.6 writes last.ckpt here even under fast_dev_run, which promises no checkpoint
        if not trainer.fast_dev_run:
            super().on_train_end(trainer, pl_module)

    def _refresh_last(self, trainer: L.Trainer) -> None:
        # skipped when this step already saved (top-k written, and last.ckpt with it), in sanity checks, ...
        if self.save_last and not self._should_skip_saving_checkpoint(trainer):
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))
