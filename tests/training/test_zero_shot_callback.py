"""The training-time zero-shot validation IS the evaluation: same datasets, same numbers."""

from __future__ import annotations

import hydra
import pytest
import torch
from omegaconf import open_dict

from helpers.eval_helpers import compose_eval, tiny_model
from radzero.data.phantom.prepare import prepare_phantom
from radzero.eval.runner import run_eval
from training.conftest import compose_train


@pytest.mark.parametrize("max_images", [5, None])
def test_callback_metrics_equal_python_m_radzero_eval(tmp_path, phantom_cache, max_images):
    train_cfg = compose_train([f"callbacks.zero_shot.max_images={max_images or 'null'}"], tmp_path / "run",
                              phantom_cache)
    prepare_phantom(train_cfg, keys=("data", "callbacks"))
    callback = hydra.utils.instantiate(train_cfg.callbacks.zero_shot)
    model = tiny_model(seed=3)
    metrics, overlays = callback.evaluate(model, torch.device("cpu"))

    folder = tmp_path / "model"
    model.save_pretrained(folder)
    eval_cfg = compose_eval([f"ckpt_path={folder}", "task=[classification,grounding]",
                             "datasets=[chexpert_test,ms_cxr]", f"max_images={max_images or 'null'}"],
                            tmp_path / "eval", phantom_cache)
    with open_dict(eval_cfg):
        eval_cfg.phantom = train_cfg.phantom  # the training run's phantom root (the same cache entry)
    results = run_eval(eval_cfg)
    auroc = results["classification"]["chexpert_test"]["metrics"]["macro_auroc"]["value"]
    pointing = results["grounding"]["ms_cxr"]["metrics"]["pointing_game"]["value"]
    n_phrases = results["grounding"]["ms_cxr"]["counts"]["n_phrases"]
    print(f"\nmax_images={max_images}: callback zs_auroc {metrics['zs_auroc']:.6f} pointing {metrics['pointing']:.6f}; "
          f"eval macro_auroc {auroc:.6f} pointing_game {pointing:.6f} ({n_phrases} phrases)")
    assert metrics["zs_auroc"] == pytest.approx(auroc, abs=1e-9)
    assert metrics["pointing"] == pytest.approx(pointing, abs=1e-9)
    assert 0 < len(overlays) <= train_cfg.callbacks.zero_shot.overlays
    if max_images:
        assert results["classification"]["chexpert_test"]["counts"]["n_images"] == max_images
        assert results["grounding"]["ms_cxr"]["counts"]["n_images"] == max_images


def test_the_callback_does_not_change_the_training_run(tmp_path, phantom_cache):
    from radzero.train import train

    # text dropout draws from torch's generator (the sampler has its own, seeded per epoch)
    common = ["data.datamodule.augment=null", "trainer.deterministic=true", "trainer.max_epochs=2",
              "scheduler.warmup_steps=2", "model.text.dropout=0.1"]
    with_callback = train(compose_train(common, tmp_path / "on", phantom_cache))
    without = train(compose_train([*common, "callbacks.zero_shot=null"], tmp_path / "off", phantom_cache))
    assert "val/pointing" in with_callback["metrics"] and "val/pointing" not in without["metrics"]
    for name in ("train/loss", "val/loss", "train/tau"):
        assert with_callback["metrics"][name] == without["metrics"][name], name
