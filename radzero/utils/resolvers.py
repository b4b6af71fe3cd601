"""OmegaConf resolvers used by the configs (pure functions of their arguments: no data is generated here)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _run_id(output_dir: str) -> str:
    """A stable id of a run folder (the same folder -> the same W&B run, so a resume continues it)."""
    return hashlib.blake2b(str(Path(output_dir).resolve()).encode("utf-8"), digest_size=8).hexdigest()


def _cwd() -> str:
    """The folder the command was started in (every app keeps ``hydra.job.chdir=false``, so this is
    ``hydra.runtime.cwd``); unlike ``${hydra:runtime.cwd}`` it also resolves where a sweep's folder is
    computed, before Hydra's runtime config exists."""
    return os.getcwd()


def _multirun(mode: object) -> bool:
    return str(mode).rsplit(".", 1)[-1] == "MULTIRUN"  # RunMode.MULTIRUN, or its name


def _sweep_group(mode: object, sweep_dir: str, task_name: str) -> str | None:
    """The W&B group of a sweep point: ``<task_name>-<sweep folder name>`` in a multirun, else None."""
    return f"{task_name}-{Path(str(sweep_dir)).name}" if _multirun(mode) else None


def _sweep_run_name(mode: object, task_name: str, job_num: object) -> str:
    """The W&B run name: ``<task_name>-<job number>`` in a multirun (its config holds the values), else ``task_name``."""
    return f"{task_name}-{job_num}" if _multirun(mode) else str(task_name)


def register_resolvers() -> None:
    """Register ``${radzero.run_id:<output folder>}``, ``${radzero.cwd:}``, ``${radzero.sweep_group:<mode>,<sweep dir>,<task>}`` and
    ``${radzero.sweep_run_name:<mode>,<task>,<job num>}`` (idempotent)."""
    from omegaconf import OmegaConf

    for name, function in (("radzero.run_id", _run_id), ("radzero.cwd", _cwd), ("radzero.sweep_group", _sweep_group),
                           ("radzero.sweep_run_name", _sweep_run_name)):
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, function)
