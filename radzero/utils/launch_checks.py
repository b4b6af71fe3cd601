"""Checks of a SLURM sweep made on the submitting machine, before submitit writes a single job.

``SlurmLaunchChecks`` is a Hydra callback (``hydra.callbacks`` in configs/hydra/default.yaml): with
``hydra/launcher=slurm`` it stops the sweep with a one-line reason when ``sbatch`` is not on PATH, or
when a job's ``trainer.devices`` / ``trainer.num_nodes`` differ from ``hydra.launcher.tasks_per_node`` /
``nodes`` (Lightning runs one process per SLURM task; docs: README "Sweeps").
"""

from __future__ import annotations

import shutil
import sys
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from radzero.utils.errors import ConfigError

__all__ = ["SlurmLaunchChecks", "slurm_launch_problem"]

# (trainer key, launcher key, what the launcher key means)
_MATCHED = (("devices", "tasks_per_node", "tasks (processes) per node"), ("num_nodes", "nodes", "nodes"))


def _is_slurm(config: DictConfig) -> bool:
    launcher = config.hydra.get("launcher") or {}
    return str(launcher.get("_target_", "")).endswith(".SlurmLauncher")


def _count(value: Any, key: str, launcher_key: str) -> int:
    """trainer.devices / num_nodes as a process count (a list of device ids counts its entries)."""
    if isinstance(value, (list, tuple)) or (hasattr(value, "__len__") and not isinstance(value, str)):
        return len(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"trainer.{key}={value!r} cannot be matched to SLURM tasks: set trainer.{key} to a number "
            f"(the GPUs per node for devices) and hydra.launcher.{launcher_key} to the same"
        ) from None


def _swept_values(config: DictConfig, key: str) -> list[Any] | None:
    """The values of a sweep over ``key`` on the command line (``trainer.devices=1,2``), else None."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = OverridesParser.create().parse_overrides(list(config.hydra.overrides.task))
    for override in overrides:
        if override.key_or_group == key and override.is_sweep_override():
            return list(override.sweep_string_iterator())
    return None


def slurm_launch_problem(config: DictConfig, which=shutil.which) -> str | None:
    """Why this multirun config cannot be submitted to SLURM, or None (also None for other launchers)."""
    if not _is_slurm(config):
        return None
    if which("sbatch") is None:
        return ("hydra/launcher=slurm submits every sweep point with `sbatch`, which is not on PATH on this machine. "
                "Run the command on a SLURM login node, or leave out hydra/launcher=slurm to run the points here "
                "one after the other.")
    trainer = config.get("trainer")
    if trainer is None:  # eval / extract: one process per job
        return None
    launcher = config.hydra.launcher
    for trainer_key, launcher_key, meaning in _MATCHED:
        wanted = launcher.get(launcher_key)
        if wanted is None:
            continue
        values = _swept_values(config, f"trainer.{trainer_key}") or [trainer.get(trainer_key, 1)]
        for value in values:
            count = _count(value, trainer_key, launcher_key)
            if count != int(wanted):
                return (f"trainer.{trainer_key}={value} but hydra.launcher.{launcher_key}={wanted}: Lightning runs one "
                        f"process per SLURM task, so the {meaning} must equal trainer.{trainer_key}. Set "
                        f"hydra.launcher.{launcher_key}={count} (or trainer.{trainer_key}={wanted}).")
    return None


class SlurmLaunchChecks(Callback):
    """Refuses a SLURM sweep that cannot run (before any job is written), with a one-line reason."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            problem = slurm_launch_problem(config)
        except ConfigError as error:
            problem = str(error)
        if problem:
            sys.stderr.write(f"radzero: cannot submit this sweep: {problem}\n")
            raise SystemExit(2)
