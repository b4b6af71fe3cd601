"""The `python -m radzero.train` command line: DDP on CPU, a multirun sweep, bad config input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.conftest import FAST_DATA, FAST_ZERO_SHOT, TINY_MODEL, TINY_PHANTOM

REPO = Path(__file__).resolve().parents[2]


def run_train(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "offline", "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", "radzero.train", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def tiny_args(phantom_cache: Path, zero_shot: bool = True) -> list[str]:
    return [f"phantom.cache_dir={phantom_cache}", *TINY_PHANTOM, *TINY_MODEL, *FAST_DATA,
            *(FAST_ZERO_SHOT if zero_shot else ["callbacks.zero_shot=null"]), "trainer.max_epochs=1"]


@pytest.mark.slow
def test_ddp_two_cpu_processes(tmp_path, phantom_cache):
    out = tmp_path / "run"
    result = run_train([*tiny_args(phantom_cache), "trainer=ddp_sim", f"paths.output_dir={out}"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["global_step"] == 6  # 24 images, global batch 4 = 2 per rank x 2 ranks
    assert "val/loss" in metrics["metrics"]


@pytest.mark.slow
def test_multirun_sweep_two_jobs(tmp_path, phantom_cache):
    result = run_train(["-m", *tiny_args(phantom_cache, zero_shot=False), "optimizer.lr=1e-4,3e-4",
                        f"paths.log_dir={tmp_path}/logs"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = sorted((tmp_path / "logs" / "train" / "multiruns").glob("*/*/metrics.json"))
    assert len(runs) == 2
    configs = [(run.parent / "snapshot" / "config.yaml").read_text() for run in runs]
    assert any("lr: 0.0001" in c for c in configs) and any("lr: 0.0003" in c for c in configs)


def test_unknown_config_key_is_named(tmp_path):
    result = run_train(["no_such_key=1"], cwd=tmp_path, timeout=120)
    assert result.returncode != 0
    assert "no_such_key" in result.stderr


def test_unknown_experiment_lists_choices(tmp_path):
    result = run_train(["experiment=no_such_experiment"], cwd=tmp_path, timeout=120)
    assert result.returncode != 0
    assert "no_such_experiment" in result.stderr and "mimic" in result.stderr
