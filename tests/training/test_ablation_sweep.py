"""The ablation ladder end to end (slow): ``python -m radzero.train -m experiment=ablation/...`` on a tiny phantom,
then ``scripts/ablation_table.py --evaluate`` over the sweep (docs/ablation.md)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.conftest import FAST_DATA, FAST_ZERO_SHOT, TINY_MODEL, TINY_PHANTOM

REPO = Path(__file__).resolve().parents[2]
LADDER = ["clip", "vlcabs", "report_text", "radzero"]


@pytest.mark.slow
def test_the_four_rungs_train_evaluate_and_tabulate(tmp_path):
    env = {**os.environ, "RADZERO_CACHE": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    sweep = ",".join(f"ablation/{rung}" for rung in LADDER)
    command = [sys.executable, "-m", "radzero.train", "-m", f"experiment={sweep}", "seed=0", *TINY_PHANTOM,
               *TINY_MODEL, *FAST_DATA, *FAST_ZERO_SHOT, "trainer.max_epochs=1", "logger=csv",
               f"paths.log_dir={tmp_path / 'logs'}"]  # a multirun resolves its sweep folder before ${hydra:...} exists
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = sorted(tmp_path.glob("logs/ablation_*/multiruns/*/*/model/config.json"))
    assert len(runs) == len(LADDER), runs

    table = [sys.executable, str(REPO / "scripts" / "ablation_table.py"), str(tmp_path / "logs"), "--out",
             str(tmp_path / "table"), "--evaluate", "--eval-arg", "max_images=6", "--eval-arg", "n_bootstrap=20",
             "--eval-arg", "num_workers=0", "--eval-arg", "batch_size=4"]
    done = subprocess.run(table, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = list(csv.DictReader((tmp_path / "table" / "ablation.csv").open()))
    assert [r for r in dict.fromkeys(row["rung"] for row in rows)] == LADDER  # ladder order
    metrics = {(row["rung"], row["metric"]) for row in rows}
    for rung in LADDER:
        assert (rung, "grounding/ms_cxr/pointing_game") in metrics
        assert (rung, "classification/mean/macro_auroc") in metrics
    text = (tmp_path / "table" / "ablation.md").read_text()
    assert all(f"| {rung} (" in text for rung in LADDER)
    assert (tmp_path / "table" / "ablation.png").is_file()
