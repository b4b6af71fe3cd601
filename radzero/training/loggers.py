"""Loggers that survive a restart: a resumed run (``ckpt_path=auto``, a requeued SLURM job) keeps every
row logged before the interruption.

Lightning's ``CSVLogger`` deletes an existing ``metrics.csv`` when it starts. ``ResumableCSVLogger``
appends to it instead: the rows of the first attempt stay, the new rows follow (steps re-run after
the last checkpoint therefore appear twice, once per attempt), and a header that gains columns is
rewritten atomically with every old row kept.
"""

from __future__ import annotations

import csv
import logging

from lightning.fabric.loggers.logger import rank_zero_experiment
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter

from radzero.utils.atomic import atomic_write

logger = logging.getLogger(__name__)


class AppendingExperimentWriter(ExperimentWriter):
    """``metrics.csv`` writer that continues an existing file."""

    def _check_log_dir_exists(self) -> None:
        if self._fs.isfile(self.metrics_file_path):
            with self._fs.open(self.metrics_file_path, "r", newline="") as file:
                reader = csv.reader(file)
                header = next(reader, [])
                rows = sum(1 for _ in reader)
            self.metrics_keys = list(header)
            logger.info("continuing %s (%d rows already logged)", self.metrics_file_path, rows)

    def _rewrite_with_new_header(self, fieldnames: list[str]) -> None:
        with self._fs.open(self.metrics_file_path, "r", newline="") as file:
            rows = list(csv.DictReader(file))

        def write(tmp) -> None:
            with open(tmp, "w", newline="") as file:
                writer = csv.DictWriter(file, fieldnames=fieldnames)
                writer.writeheader()
                writer.writerows(rows)

        atomic_write(self.metrics_file_path, write)


class ResumableCSVLogger(CSVLogger):
    """``CSVLogger`` whose ``metrics.csv`` is appended to, never deleted, and flushed at every checkpoint
    (so a job killed later still has every row up to the step it resumes from)."""

    def after_save_checkpoint(self, checkpoint_callback) -> None:
        super().after_save_checkpoint(checkpoint_callback)
        self.save()

    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = AppendingExperimentWriter(log_dir=self.log_dir)
        return self._experiment
