"""``python -m radzero.train model.init_from=<authors' snapshot | radzero folder>``: fine-tune a released model."""

from __future__ import annotations

import json

import torch
from safetensors.torch import load_file

from helpers.authors_snapshot import build_authors_snapshot
from radzero.eval.checkpoint import load_model
from radzero.model import RadZero
from radzero.train import train
from training.conftest import compose_train


def test_fine_tune_from_the_authors_snapshot(tmp_path, phantom_cache):
    snapshot = build_authors_snapshot(tmp_path / "RadZero", seed=5)
    start = RadZero.from_pretrained(snapshot).state_dict()
    run = tmp_path / "run"
    cfg = compose_train([f"model.init_from={snapshot}", "model.kl_weight=0.1", "callbacks.zero_shot=null", "+trainer.limit_train_batches=2",
                         "+trainer.limit_val_batches=1"], run, phantom_cache)
    result = train(cfg)
    assert result["global_step"] == 2
    exported = RadZero.from_pretrained(run / "model")
    # the checkpoint's architecture, this run's loss option, the snapshot's preprocessing and tokenizer
    assert exported.config.vision["name"] == "dinov2" and exported.config.kl_weight == 0.1
    assert exported.vision.image_size == 70 and (run / "model" / "preprocessor_config.json").is_file()
    assert exported.tokenize(["There is edema"])["input_ids"].tolist() == \
        RadZero.from_pretrained(snapshot).tokenize(["There is edema"])["input_ids"].tolist()
    weights = load_file(str(run / "model" / "model.safetensors"))
    frozen = [k for k in start if k.startswith("vision.")]
    trained = [k for k in start if k.startswith(("align.", "text.backbone.encoder."))]
    assert all(torch.equal(weights[k], start[k]) for k in frozen)  # the frozen trunk is the snapshot's
    assert any(not torch.equal(weights[k], start[k]) for k in trained)  # the trainable parts moved
    # the Lightning checkpoint carries the full architecture: it loads without the snapshot
    best = json.loads((run / "metrics.json").read_text())["best_checkpoint"]
    from_ckpt = load_model(best)
    assert from_ckpt.config == exported.config
    assert from_ckpt.image_processor_config == exported.image_processor_config is not None
    # while the run is still going (no model/ export yet) the tokenizer comes from the init_from folder
    import shutil

    shutil.rmtree(run / "model")
    assert load_model(best).tokenize(["There is edema"])["input_ids"].tolist() == \
        exported.tokenize(["There is edema"])["input_ids"].tolist()
