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


class SlowSteps(Callback):
    """Sleep ``seconds`` after every training step (numerics untouched): leaves time to preempt a tiny run."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        import time

        time.sleep(self.seconds)
