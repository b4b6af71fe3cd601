"""ModelCheckpoint whose ``last.ckpt`` always holds the newest state (what exact resume needs)."""

from __future__ import annotations

import lightning as L
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.trainer.states import TrainerFn


class ResumableModelCheckpoint(ModelCheckpoint):
    """Top-k checkpoints as usual, plus ``last.ckpt`` rewritten at every save point.

    Lightning >= 2.6 only rewrites ``last.ckpt`` when a top-k file was written in the same step, so
    after an epoch with a worse validation loss ``last.ckpt`` would be stale and a resume
    (``ckpt_path=auto``, SLURM requeue) would silently repeat epochs.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._last_checkpoint_step: int | None = None  # global step of the newest last.ckpt

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_train_epoch_end(trainer, pl_module)
        if self._should_save_on_train_epoch_end(trainer):
            self._refresh_last(trainer)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        super().on_validation_end(trainer, pl_module)
        if not self._should_save_on_train_epoch_end(trainer):
            self._refresh_last(trainer)

    def _refresh_last(self, trainer: L.Trainer) -> None:
        skip = bool(trainer.fast_dev_run) or trainer.state.fn != TrainerFn.FITTING or trainer.sanity_checking
        if not self.save_last or skip or self._last_checkpoint_step == trainer.global_step:
            return
        self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))

    def _save_last_checkpoint(self, trainer: L.Trainer, monitor_candidates: dict) -> None:
        super()._save_last_checkpoint(trainer, monitor_candidates)
        self._last_checkpoint_step = trainer.global_step
