"""Sweeps on a real (one-node) SLURM: ``scripts/slurm_local.sh`` starts munged / slurmctld / slurmd, and
``python -m radzero.train -m hydra/launcher=slurm ...`` submits one job per sweep point through submitit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "slurm_local.sh"
TINY = [
    "phantom.n_train=24", "+phantom.n_validate=8", "+phantom.n_mscxr=8", "+phantom.n_chexpert_test=12",
    "+phantom.n_5x200_per_class=2", "+phantom.n_chestxdet10=4", "+phantom.n_siim=4", "+phantom.n_rsna=4",
    "+phantom.min_size=128", "+phantom.max_size=192", "+phantom.det_size=128", "+phantom.dicom_size=128",
    "+phantom.workers=1", "model.vision.image_size=32", "model.vision.patch_size=8", "model.vision.width=32",
    "model.vision.depth=0", "model.vision.heads=2", "model.text.hidden=32", "model.text.layers=1",
    "model.text.heads=2", "model.text.dropout=0.0", "model.align_depth=1", "model.align_heads=2",
    "model.embed_dim=null", "data.datamodule.global_batch_size=4", "data.datamodule.num_workers=0",
    "data.datamodule.persistent_workers=false", "callbacks.zero_shot=null", "trainer=cpu", "trainer.max_epochs=1",
]
SLURM = ["hydra/launcher=slurm", "hydra.launcher.partition=debug", "hydra.launcher.gpus_per_node=null",
         "hydra.launcher.tasks_per_node=1", "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=2",
         "hydra.launcher.timeout_min=10"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0 or not all(shutil.which(b) for b in ("slurmctld", "slurmd", "munged", "sbatch")):
        pytest.skip("needs root and Debian's slurm-wlm + munge (.ci/run installs them)")
    state = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "SLURM_LOCAL_DIR": str(state)}
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, env=env, timeout=120)
    yield state
    subprocess.run(["bash", str(SCRIPT), "stop"], check=False, env=env, timeout=60)


def test_a_sweep_runs_one_sbatch_job_per_point(cluster, tmp_path):
    sweep = tmp_path / "sweep"
    command = [sys.executable, "-m", "radzero.train", "-m", *SLURM, *TINY, f"phantom.cache_dir={tmp_path / 'cache'}",
               f"paths.log_dir={tmp_path / 'logs'}", f"hydra.sweep.dir={sweep}", "model.kl_weight=0,0.1"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    weights = set()
    for point in ("0", "1"):
        assert (sweep / point / "metrics.json").is_file(), point  # each job its own run folder
        config = yaml.safe_load((sweep / point / "snapshot" / "config.yaml").read_text())
        weights.add(config["model"]["kl_weight"])
    assert weights == {0, 0.1}
    completed: list[str] = []
    for _ in range(60):  # submitit returns when the results are written; the jobs end (and are logged) just after
        log = cluster / "log" / "jobcomp.txt"
        completed = [line for line in (log.read_text().splitlines() if log.is_file() else [])
                     if "Name=radzero-train" in line]
        if len(completed) >= 2:
            break
        time.sleep(1)
    print(f"\n[slurm] {len(completed)} jobs: " + "; ".join(line.split(" Partition")[0] for line in completed))
    assert len(completed) == 2 and all("JobState=COMPLETED" in line for line in completed)
    logs = sorted((sweep / ".submitit").glob("*/*_log.out"))
    assert len(logs) == 2  # submitit ran each point inside its sbatch job
