"""Save the git commit, the uncommitted diff and the resolved config with every run."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from lightning import Callback, LightningModule, Trainer
from lightning.pytorch.utilities import rank_zero_only

from radzero.utils.atomic import atomic_write_json, atomic_write_text

logger = logging.getLogger(__name__)


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def git_state(repo_dir: Path) -> dict[str, str | bool | None]:
    """Commit hash, branch, dirty flag and the diff (staged + unstaged) of the code that runs."""
    commit = _git(["rev-parse", "HEAD"], repo_dir)
    diff = _git(["diff", "HEAD"], repo_dir) if commit else None
    branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], repo_dir)
    return {
        "commit": commit.strip() if commit else None,
        "branch": branch.strip() if branch else None,
        "dirty": bool(diff) if diff is not None else None,
        "diff": diff,
    }


class RunSnapshot(Callback):
    """On fit start (rank 0): ``snapshot/git.json``, ``snapshot/git.diff`` and ``snapshot/config.yaml``."""

    def __init__(self, output_dir: str, config: object | None = None, repo_dir: str | None = None) -> None:
        self.output_dir = Path(output_dir) / "snapshot"
        self.config = config  # the resolved config as plain data, set by radzero.train
        self.repo_dir = Path(repo_dir) if repo_dir else Path(__file__).resolve().parents[3]

    @rank_zero_only
    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        state = git_state(self.repo_dir)
        diff = state.pop("diff")
        atomic_write_json(self.output_dir / "git.json", state)
        if diff:
            atomic_write_text(self.output_dir / "git.diff", diff)
        if self.config is not None:
            from omegaconf import OmegaConf

            atomic_write_text(self.output_dir / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(self.config)))
            for run_logger in trainer.loggers:  # the resolved config as the run's hyperparameters (W&B config)
                run_logger.log_hyperparams(self.config)
        if state["commit"] is None:
            logger.warning("run snapshot: %s is not a git checkout; commit not recorded", self.repo_dir)
