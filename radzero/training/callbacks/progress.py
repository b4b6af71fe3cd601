"""Training progress for terminals (Lightning's rich bar) and for logs (SLURM output, ``| tee``)."""

from __future__ import annotations

import logging
import time
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Callback, RichProgressBar

from radzero.utils.progress import format_duration, is_interactive

logger = logging.getLogger("radzero.train")


class TerminalProgressBar(RichProgressBar):
    """Lightning's rich progress bar on a terminal; switched off where there is none (its redraws would
    fill a log file), where ``ProgressLog`` writes lines instead."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not is_interactive():
            self.disable()


class ProgressLog(Callback):
    """Where there is no terminal (or with ``always``): a log line every ``every_n_steps`` optimizer steps and
    at each epoch end (step, loss, tau, lr, images/s, ETA), and the validation metrics after each validation."""

    def __init__(self, every_n_steps: int = 50, always: bool = False) -> None:
        self.every_n_steps = max(1, int(every_n_steps))
        self.enabled = bool(always) or not is_interactive()
        self._started = 0.0
        self._start_step = 0
        self._images = 0

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._started, self._start_step, self._images = time.monotonic(), trainer.global_step, 0

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self._images += int(batch["images"].shape[0]) * trainer.world_size
        if self.enabled and trainer.is_global_zero and trainer.global_step % self.every_n_steps == 0:
            self._line(trainer, f"step {trainer.global_step}")

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.enabled and trainer.is_global_zero:
            self._line(trainer, f"epoch {trainer.current_epoch} done, step {trainer.global_step}")

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not (self.enabled and trainer.is_global_zero) or trainer.sanity_checking:
            return
        values = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val/") and v.numel() == 1}
        logger.info("epoch %d validation: %s", trainer.current_epoch,
                    ", ".join(f"{k}={v:.4f}" for k, v in sorted(values.items())))

    def _line(self, trainer: L.Trainer, where: str) -> None:
        metrics = trainer.callback_metrics
        elapsed = max(time.monotonic() - self._started, 1e-9)
        steps = trainer.global_step - self._start_step
        total = trainer.estimated_stepping_batches
        eta = (total - trainer.global_step) * elapsed / steps if steps > 0 and total != float("inf") else None
        lr = trainer.optimizers[0].param_groups[0]["lr"] if trainer.optimizers else float("nan")
        loss, tau = metrics.get("train/loss"), metrics.get("train/tau")
        logger.info("%s/%s: loss %s, tau %s, lr %.3g, %.1f images/s, elapsed %s, ETA %s", where,
                    int(total) if total != float("inf") else "?",
                    "?" if loss is None else f"{float(loss):.4f}", "?" if tau is None else f"{float(tau):.4f}",
                    lr, self._images / elapsed, format_duration(elapsed), format_duration(eta))
