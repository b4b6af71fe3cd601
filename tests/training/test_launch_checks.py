"""hydra/launcher=slurm is refused before submission, with one line naming the problem (no submitit traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _sweep(tmp_path: Path, path: str, *overrides: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "radzero.train", "-m", "hydra/launcher=slurm", f"paths.log_dir={tmp_path}",
               *overrides]
    return subprocess.run(command, cwd=REPO, env={**os.environ, "PATH": path}, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def fake_sbatch(tmp_path) -> Path:
    """An `sbatch` on PATH that records being called (it must not be)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "sbatch"
    script.write_text(f"#!/bin/sh\ntouch {tmp_path / 'submitted'}\necho 'Submitted batch job 1'\n")
    script.chmod(0o755)
    return bin_dir


def test_no_sbatch_on_path_is_one_clear_line(tmp_path):
    done = _sweep(tmp_path, str(tmp_path / "empty"))
    assert done.returncode == 2
    assert "cannot submit this sweep" in done.stderr and "`sbatch`, which is not on PATH" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "submitit" not in done.stderr


@pytest.mark.parametrize("overrides,named", [
    (["hydra.launcher.tasks_per_node=4"], ["trainer.devices=1", "hydra.launcher.tasks_per_node=4"]),
    (["trainer.devices=1,2", "hydra.launcher.tasks_per_node=1"], ["trainer.devices=2", "tasks_per_node=1"]),
    (["trainer.num_nodes=2", "hydra.launcher.nodes=1"], ["trainer.num_nodes=2", "hydra.launcher.nodes=1"]),
])
def test_tasks_per_node_other_than_devices_is_refused_before_submission(tmp_path, fake_sbatch, overrides, named):
    done = _sweep(tmp_path, f"{fake_sbatch}{os.pathsep}{os.environ['PATH']}", *overrides)
    assert done.returncode == 2, done.stderr[-2000:]
    line = [x for x in done.stderr.splitlines() if "cannot submit this sweep" in x]
    assert line and all(name in line[0] for name in named), done.stderr[-2000:]
    assert not (tmp_path / "submitted").exists()  # nothing reached sbatch


def test_the_launcher_follows_trainer_devices_and_nodes_by_default(tmp_path):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from radzero import CONFIG_DIR
    from radzero.utils.launch_checks import slurm_launch_problem

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=["hydra/launcher=slurm", "trainer=ddp", "trainer.num_nodes=2"],
                      return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert (launcher.tasks_per_node, launcher.gpus_per_node, launcher.nodes) == (4, 4, 2)
    assert launcher.signal_delay_s > 0 and "WANDB_MODE" in launcher.setup[0]
    assert slurm_launch_problem(cfg, which=lambda name: f"/usr/bin/{name}") is None
    assert "not on PATH" in slurm_launch_problem(cfg, which=lambda name: None)
