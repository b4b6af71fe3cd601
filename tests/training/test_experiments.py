"""fast_dev_run of every experiment config, hub models built offline with random weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from radzero import CONFIG_DIR
from radzero.train import train
from training.conftest import compose_train

EXPERIMENTS = sorted(p.stem for p in (CONFIG_DIR / "experiment").glob("*.yaml"))


def test_every_experiment_is_covered():
    assert {"mimic", "mimic_biomedclip"} <= set(EXPERIMENTS)


@pytest.mark.slow
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_fast_dev_run_experiment_offline(experiment, tmp_path, phantom_cache):
    cfg = compose_train(
        [f"experiment={experiment}", "data=phantom", "callbacks.zero_shot=null", "trainer=cpu", "trainer.precision=32-true", "logger=csv", "debug=fdr",
         "model.vision.pretrained=false", "model.text.pretrained=false", "data.datamodule.global_batch_size=2"],
        tmp_path, phantom_cache, tiny_model=False,
    )
    assert cfg.trainer.accelerator == "cpu" and cfg.trainer.precision == "32-true"
    assert cfg.model.vision.image_size in (512, 518)
    result = train(cfg)
    assert result["global_step"] == 1
