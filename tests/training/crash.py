"""A callback that simulates a crash (node failure, preemption) in the middle of training."""

from __future__ import annotations

from lightning import Callback


class SimulatedCrash(RuntimeError):
    pass


class CrashAtStep(Callback):
    """Raise before optimizer step ``step`` (0-based global step) begins."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            raise SimulatedCrash(f"simulated crash at global step {self.step}")
