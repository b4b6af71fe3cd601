"""Training app: fast_dev_run, exact resume, NaN stop, bad config input (tiny phantom, CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf, open_dict
from safetensors.torch import load_file

from radzero.train import train
from radzero.training import NonFiniteLossError
from training.conftest import compose_train
from training.crash import SimulatedCrash


def test_fast_dev_run_default(tmp_path, phantom_cache):
    cfg = compose_train(["debug=fdr"], tmp_path, phantom_cache)
    result = train(cfg)
    assert result["global_step"] == 1
    assert torch.isfinite(torch.tensor(result["metrics"]["train/loss"]))


def test_training_images_are_normalised_like_evaluation_images(tmp_path, phantom_cache):
    """The datamodule takes the vision encoder's mean / std, so train-time and eval-time tensors agree."""
    from radzero.eval.inference import eval_transform
    from radzero.training.run_build import build_datamodule
    from radzero.training import RadZeroLitModule

    cfg = compose_train([], tmp_path, phantom_cache)
    module = RadZeroLitModule(net=dict(OmegaConf.to_container(cfg.model, resolve=True)))
    datamodule = build_datamodule(cfg, module.net)
    image = np.random.default_rng(0).random((48, 40), dtype=np.float32)  # portrait, values in [0, 1]
    train_side = datamodule._transform(train=False)(image)[0]
    eval_side = eval_transform(module.net, cfg.data.datamodule.geometry)(image)[0]
    torch.testing.assert_close(train_side, eval_side)
    # (0.5, 0.5) for the small ViT, not the ImageNet default of the datamodule
    assert float(train_side.min()) >= -1.0 and float(train_side.max()) <= 1.0


def test_one_epoch_writes_metrics_model_snapshot_and_overlays(tmp_path, phantom_cache):
    cfg = compose_train([], tmp_path, phantom_cache)
    train(cfg)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert {"val/loss", "val/zs_auroc", "val/pointing", "train/tau"} <= set(saved["metrics"])
    assert 0.0 <= saved["metrics"]["val/pointing"] <= 1.0
    assert Path(saved["best_checkpoint"]).is_file()
    assert (tmp_path / "model" / "model.safetensors").is_file()
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file()
    assert json.loads((tmp_path / "snapshot" / "git.json").read_text())["commit"]
    assert "datamodule" in (tmp_path / "snapshot" / "config.yaml").read_text()
    assert list((tmp_path / "overlays" / "epoch_000").glob("*.png"))


def _final_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    state = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    return state["state_dict"]


DETERMINISTIC = ["data.datamodule.augment=null", "trainer.deterministic=true", "callbacks.zero_shot=null",
                 "scheduler.warmup_steps=2"]


def test_resume_reproduces_uninterrupted_run(tmp_path, phantom_cache):
    full = tmp_path / "full"
    train(compose_train([*DETERMINISTIC, "trainer.max_epochs=3"], full, phantom_cache))
    # last.ckpt holds the final step even when the last epochs were not among the top-k by val loss
    full_state = torch.load(full / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert full_state["global_step"] == 3 * 6
    # the same run crashes in its second epoch (step 8) after last.ckpt was written at the end of epoch 1 ...
    part = tmp_path / "part"
    crash = ["+callbacks.crash._target_=training.crash.CrashAtStep", "+callbacks.crash.step=8"]
    with pytest.raises(SimulatedCrash):
        train(compose_train([*DETERMINISTIC, "trainer.max_epochs=3", *crash], part, phantom_cache))
    assert torch.load(part / "checkpoints" / "last.ckpt", weights_only=True)["global_step"] == 6
    # ... and is started again with the same config: ckpt_path=auto resumes from its own last.ckpt
    train(compose_train([*DETERMINISTIC, "trainer.max_epochs=3"], part, phantom_cache))
    expected, got = _final_weights(full), _final_weights(part)
    assert expected.keys() == got.keys()
    steps = torch.load(part / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)["global_step"]
    assert steps == 3 * 6  # 24 images / batch 4 per epoch
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], atol=0, rtol=0, msg=name)


def test_nan_loss_stops_with_clear_message_and_keeps_last_good_checkpoint(tmp_path, phantom_cache, monkeypatch):
    cfg = compose_train(["trainer.max_epochs=3", "callbacks.zero_shot=null"],
                        tmp_path, phantom_cache)
    from radzero.loss import radzero_loss

    calls = {"n": 0}
    original = radzero_loss.multi_positive_nce

    def poisoned(*args, **kwargs):
        calls["n"] += 1
        value = original(*args, **kwargs)
        return value * float("nan") if calls["n"] > 10 else value  # epoch 2 (6 train + 2 val calls per epoch)

    monkeypatch.setattr(radzero_loss, "multi_positive_nce", poisoned)
    with pytest.raises(NonFiniteLossError, match="last checkpoint") as error:
        train(cfg)
    assert "global step" in str(error.value)
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert last["epoch"] == 0  # written after the first (good) epoch, untouched since
    assert all(torch.isfinite(t).all() for t in last["state_dict"].values() if t.is_floating_point())


def test_missing_data_dir_is_named(tmp_path, phantom_cache):
    cfg = compose_train(["data=mimic", "callbacks.zero_shot=null"], tmp_path, phantom_cache, phantom=False)
    with open_dict(cfg):
        cfg.paths.data_dir = str(tmp_path / "no_such_dir")
    with pytest.raises(FileNotFoundError, match="no_such_dir.*paths.data_dir"):
        train(cfg)


def test_exported_model_loads_and_matches_checkpoint(tmp_path, phantom_cache):
    from radzero.model import RadZero

    train(compose_train(["callbacks.zero_shot=null"], tmp_path, phantom_cache))
    model = RadZero.from_pretrained(tmp_path / "model")
    saved = load_file(str(tmp_path / "model" / "model.safetensors"))
    best = json.loads((tmp_path / "metrics.json").read_text())["best_checkpoint"]
    ckpt = torch.load(best, map_location="cpu", weights_only=True)["state_dict"]
    for name, tensor in saved.items():
        torch.testing.assert_close(ckpt[f"net.{name}"], tensor)
    assert model.config.align_depth == 1
