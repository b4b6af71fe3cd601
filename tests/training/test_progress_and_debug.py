"""Progress lines where there is no terminal, debug=fdr writes no checkpoint, W&B runs resume by folder."""

from __future__ import annotations

import logging

from radzero.train import train
from radzero.utils.resolvers import _run_id
from training.conftest import compose_train


def test_progress_lines_carry_step_loss_tau_lr_rate_eta_and_validation(tmp_path, phantom_cache, caplog):
    caplog.set_level(logging.INFO, logger="radzero.train")
    train(compose_train(["callbacks.zero_shot=null",
                         "callbacks.progress_log.every_n_steps=2", "callbacks.progress_log.always=true"],
                        tmp_path, phantom_cache))
    lines = [r.getMessage() for r in caplog.records if r.name == "radzero.train"]
    steps = [line for line in lines if line.startswith("step ")]
    assert steps and all(k in steps[0] for k in ("loss ", "tau ", "lr ", "images/s", "ETA"))
    assert steps[0].startswith("step 2/6:")
    assert any(line.startswith("epoch 0 validation: val/loss=") for line in lines)
    assert any(line.startswith("epoch 0 done, step 6/6") for line in lines)


def test_fast_dev_run_writes_no_checkpoint_and_says_loggers_are_off(tmp_path, phantom_cache, caplog):
    train(compose_train(["debug=fdr", "logger=csv"], tmp_path, phantom_cache))
    assert not list(tmp_path.rglob("*.ckpt"))
    assert "fast_dev_run (debug=fdr) disables every logger and checkpoint" in caplog.text


def test_a_run_folder_keeps_its_wandb_run_id(tmp_path):
    cfg = compose_train(["logger=wandb"], tmp_path, tmp_path / "cache", phantom=False)
    assert cfg.logger.wandb.resume == "allow"
    assert cfg.logger.wandb.id == _run_id(str(tmp_path)) == _run_id(str(tmp_path / "." ))
    assert _run_id(str(tmp_path / "other")) != cfg.logger.wandb.id
