"""Resuming never loses data: the CSV history survives a crash, a cut-off last.ckpt is detected before
anything is touched, and a checkpoint of another model config is refused with a keyed summary."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
from lightning.pytorch.plugins.io import TorchCheckpointIO

from radzero.train import train
from radzero.training.checkpoint_io import AtomicCheckpointIO, checkpoint_problem, resume_checkpoint
from radzero.utils.errors import CheckpointMismatch, CheckpointUnusable
from training.conftest import compose_train
from training.crash import SimulatedCrash

FAST = ["data.datamodule.augment=null", "callbacks.zero_shot=null",
        "trainer.max_epochs=3", "trainer.log_every_n_steps=1"]
CRASH = ["+callbacks.crash._target_=training.crash.CrashAtStep", "+callbacks.crash.step=8"]


def _rows(run: Path) -> list[dict[str, str]]:
    with open(run / "csv" / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def crashed_then_resumed(tmp_path_factory):
    """A run that crashes in epoch 2 (step 8), then is started again with ckpt_path=auto."""
    phantom = tmp_path_factory.getbasetemp() / "phantom_cache"
    run = tmp_path_factory.mktemp("run")
    with pytest.raises(SimulatedCrash):
        train(compose_train([*FAST, *CRASH], run, phantom))
    before = _rows(run)
    train(compose_train(FAST, run, phantom))
    return run, before, _rows(run)


def test_the_csv_history_of_the_first_attempt_survives_the_resume(crashed_then_resumed):
    _, before, after = crashed_then_resumed
    assert any(row.get("val/loss") for row in before)  # epoch 1 was validated before the crash
    kept = [{k: v for k, v in row.items() if k in before[0]} for row in after[: len(before)]]
    assert kept == before  # every row of the first attempt, unchanged, in order
    train_steps = {int(row["step"]) for row in after if row.get("train/loss")}
    assert train_steps == set(range(18))  # 3 epochs x 6 steps, all logged
    assert len([row for row in after if row.get("val/loss")]) >= 3


def test_a_cut_off_last_ckpt_falls_back_to_the_newest_intact_one(crashed_then_resumed, tmp_path, caplog):
    run, _, _ = crashed_then_resumed
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    for path in (run / "checkpoints").glob("*.ckpt"):
        (checkpoints / path.name).write_bytes(path.read_bytes())
    last = checkpoints / "last.ckpt"
    last.write_bytes(last.read_bytes()[:5000])  # a job killed while the file was being written
    assert "not a complete checkpoint" in checkpoint_problem(last)
    chosen = resume_checkpoint("auto", checkpoints)
    assert chosen is not None and Path(chosen).name != "last.ckpt" and checkpoint_problem(Path(chosen)) is None
    assert "last.ckpt is unusable" in caplog.text and Path(chosen).name in caplog.text
    for other in checkpoints.glob("epoch_*.ckpt"):
        other.write_bytes(b"")
    with pytest.raises(CheckpointUnusable, match=r"no other checkpoint is intact \[.*epoch_\d+\.ckpt \(it is empty\)"):
        resume_checkpoint("auto", checkpoints)
    with pytest.raises(CheckpointUnusable, match=r"ckpt_path=.*last\.ckpt cannot be resumed from"):
        resume_checkpoint(str(last), checkpoints)
    assert resume_checkpoint("auto", tmp_path / "fresh") is None  # no checkpoint at all: a fresh start


def test_a_kill_while_saving_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    io = AtomicCheckpointIO()
    target = tmp_path / "last.ckpt"
    io.save_checkpoint({"state_dict": {"w": torch.ones(3)}}, target)
    good = target.read_bytes()

    def killed(self, checkpoint, path, *args, **kwargs):  # torch.save interrupted half-way
        Path(path).write_bytes(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(TorchCheckpointIO, "save_checkpoint", killed)
    with pytest.raises(KeyboardInterrupt):
        io.save_checkpoint({"state_dict": {"w": torch.zeros(3)}}, target)
    assert target.read_bytes() == good and [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]


def test_resuming_from_another_configs_checkpoint_is_a_keyed_summary(crashed_then_resumed, tmp_path):
    run, _, _ = crashed_then_resumed
    other = compose_train([*FAST, f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", "model.align_depth=2"],
                          tmp_path, tmp_path.parent / "phantom_cache")
    with pytest.raises(CheckpointMismatch, match=r"another model config \(\d+ missing: net\.align\.blocks\.1\."):
        train(other)
    assert not (tmp_path / "csv").exists() and not (tmp_path / "checkpoints").exists()  # nothing was started


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_keeps_the_history(tmp_path, phantom_cache):
    """The SLURM requeue path through the real command line: SIGKILL after the first checkpoint, start again."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from training.conftest import FAST_DATA, TINY_MODEL, TINY_PHANTOM

    run = tmp_path / "run"
    args = [sys.executable, "-m", "radzero.train", f"phantom.cache_dir={phantom_cache}", *TINY_PHANTOM,
            *TINY_MODEL, *FAST_DATA, *FAST, "trainer.max_epochs=4", "+trainer.limit_val_batches=1",
            f"paths.output_dir={run}", f"hydra.run.dir={run}"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    repo = Path(__file__).resolve().parents[2]
    first = subprocess.Popen(args, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last, deadline = run / "checkpoints" / "last.ckpt", time.monotonic() + 300
    while not last.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, "the run ended before it could be killed"
    time.sleep(0.3)  # into the next epoch
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    before = _rows(run)
    assert any(row.get("val/loss") for row in before)  # epoch 0 was validated and flushed with its checkpoint
    done = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    after = _rows(run)
    assert [{k: v for k, v in row.items() if k in before[0]} for row in after[: len(before)]] == before
    assert {int(row["step"]) for row in after if row.get("train/loss")} == set(range(24))
    assert torch.load(last, weights_only=True)["global_step"] == 24
