"""The ablation ladder's experiment configs (docs/ablation.md): each rung trains, the clip rung evaluates, the
report_text rung reads report sentences, and wrong settings fail early naming what to set."""

from __future__ import annotations

import json
from pathlib import Path

import hydra
import pytest
import torch
from omegaconf import OmegaConf, open_dict

from radzero import CONFIG_DIR
from radzero.data.phantom.prepare import prepare_phantom
from radzero.loss import clip_nce
from radzero.train import train
from radzero.training import RadZeroLitModule
from radzero.training.run_checks import HEADS, LOSSES, check_config, check_data_root
from radzero.utils.errors import ConfigError
from training.conftest import compose_train

RUNGS = {"clip": ("global", "single_positive"), "vlcabs": ("vlcabs", "single_positive"),
         "report_text": ("vlcabs", "multi_positive"), "radzero": ("vlcabs", "multi_positive"),
         "radzero_kl": ("vlcabs", "multi_positive")}


def test_every_rung_config_is_covered_and_the_early_checks_match_the_model():
    import radzero.model as model

    assert {p.stem for p in (CONFIG_DIR / "experiment" / "ablation").glob("*.yaml")} == set(RUNGS)
    assert HEADS == model.HEADS and LOSSES == model.LOSSES


@pytest.mark.parametrize("rung", sorted(RUNGS))
def test_fast_dev_run_of_every_rung(rung, tmp_path, phantom_cache):
    cfg = compose_train([f"experiment=ablation/{rung}", "seed=1"], tmp_path, phantom_cache)
    assert (cfg.ablation_rung, cfg.task_name, cfg.seed) == (rung, f"ablation_{rung}", 1)
    assert "ablation" in cfg.tags and (cfg.model.head, cfg.model.loss) == RUNGS[rung]
    assert cfg.model.kl_weight == (0.1 if rung == "radzero_kl" else 0.0)
    cfg = compose_train([f"experiment=ablation/{rung}", "debug=fdr", "seed=1"], tmp_path, phantom_cache)
    result = train(cfg)
    assert result["global_step"] == 1 and torch.isfinite(torch.tensor(result["metrics"]["train/loss"]))


def test_the_clip_rung_trains_saves_a_global_model_and_evaluates(tmp_path, phantom_cache):
    from helpers.eval_helpers import compose_eval
    from radzero.eval.runner import run_eval

    cfg = compose_train(["experiment=ablation/clip"], tmp_path / "run", phantom_cache)
    train(cfg)
    model_dir = tmp_path / "run" / "model"
    assert json.loads((model_dir / "config.json").read_text())["head"] == "global"
    snapshot = OmegaConf.load(tmp_path / "run" / "snapshot" / "config.yaml")
    assert snapshot.ablation_rung == "clip" and snapshot.model.head == "global"
    eval_cfg = compose_eval([f"ckpt_path={model_dir}", "max_images=6"], tmp_path / "eval", phantom_cache)
    with open_dict(eval_cfg):
        eval_cfg.phantom = cfg.phantom  # the training run's phantom root
    results = run_eval(eval_cfg)
    assert results["meta"]["status"] == "complete" and results["meta"]["model"]["head"] == "global"
    assert {"classification", "grounding", "segmentation"} <= set(results)
    assert 0 <= results["grounding"]["ms_cxr"]["metrics"]["pointing_game"]["value"] <= 1
    assert "dice" in results["segmentation"]["siim"]["metrics"]


def _samples(cfg) -> list:
    prepare_phantom(cfg, keys=("data", "callbacks"))
    return list(hydra.utils.instantiate(cfg.data.datamodule.train_samples)())


def test_the_report_text_rung_reads_report_sentences_not_key_phrases(tmp_path, phantom_cache):
    own = _samples(compose_train([], tmp_path / "a", phantom_cache))
    cfg = compose_train(["experiment=ablation/report_text"], tmp_path / "b", phantom_cache)
    reports = _samples(cfg)
    root = Path(cfg.phantom.root)
    records = json.loads((root / "radzero" / "radzero_mimic.json").read_text())
    key_phrases = {r["dicom_id"].removesuffix(".jpg"): r["key_phrases"] for r in records}
    all_key_phrases = {p for phrases in key_phrases.values() for p in phrases}
    # the same images: only the text differs
    assert sorted(s.image_id for s in reports) == sorted(s.image_id for s in own)
    for sample in reports:
        report = (root / "mimic-cxr" / "2.0.0" / "files" / f"p{sample.subject_id[:2]}" / f"p{sample.subject_id}"
                  / f"s{sample.study_id}.txt").read_text()
        body = " ".join(report[report.index("FINDINGS:"):].split())  # FINDINGS + IMPRESSION, wrapping undone
        assert sample.sentences and all(" ".join(s.split()) in body for s in sample.sentences)
        assert not set(sample.sentences) & all_key_phrases  # no extracted sentence
        assert tuple(key_phrases[sample.image_id]) == next(s.sentences for s in own if s.image_id == sample.image_id)


def test_report_text_without_reports_names_what_to_set(tmp_path):
    cfg = compose_train(["experiment=ablation/report_text", "data=radzero_release"], tmp_path, tmp_path, phantom=False)
    with pytest.raises(ConfigError, match=r"data=radzero_release.*has no reports.*data=mimic"):
        check_config(cfg)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    cfg = compose_train(["experiment=ablation/report_text", "data=mimic", f"paths.data_dir={data_dir}"], tmp_path,
                        tmp_path, phantom=False)
    check_config(cfg)
    with pytest.raises(FileNotFoundError, match=r"data.report_text.jpg_root=.*mimic-cxr-jpg/2.0.0 does not exist"):
        check_data_root(cfg)


@pytest.mark.parametrize("overrides,key", [
    (["model.head=clip"], "model.head"), (["model.loss=clip"], "model.loss"),
    (["+data.text_source=report"], "data.text_source"),
    (["experiment=ablation/clip", "model.mask_duplicate_texts=true"], "mask_duplicate_texts=true applies to"),
])
def test_bad_values_are_reported_before_anything_is_built(overrides, key, tmp_path):
    cfg = compose_train(overrides, tmp_path, tmp_path, phantom=False)
    with pytest.raises(ConfigError, match=key):
        check_config(cfg)


def test_single_positive_module_loss_is_clip_over_one_sentence_per_image(tmp_path, phantom_cache):
    import lightning as L

    from radzero.data.positives import keep_sentences, one_positive_per_image
    from radzero.training.run_build import build_datamodule

    cfg = compose_train(["experiment=ablation/vlcabs"], tmp_path, phantom_cache)
    prepare_phantom(cfg, keys=("data", "callbacks"))
    L.seed_everything(7)
    module = RadZeroLitModule(net=OmegaConf.to_container(cfg.model, resolve=True)).eval()
    assert module.positive_seed == 7  # the run's seed, as seed_everything sets it
    batch = next(iter(build_datamodule(cfg, module.net).train_dataloader()))
    assert batch["input_ids"].shape[0] > batch["images"].shape[0]  # the batch holds every sentence
    with torch.no_grad():
        for epoch in (0, 3):
            kept = keep_sentences(batch, one_positive_per_image(batch["group"], batch["image_ids"], 7, epoch))
            text = module.net.encode_text(kept["input_ids"], kept["attention_mask"])
            tokens, _ = module.net.encode_image(kept["images"])
            reference = clip_nce(module.net.logits(text, tokens), module.net.tau)
            torch.testing.assert_close(module(batch, epoch).losses["loss"], reference)


def test_init_from_keeps_the_checkpoints_head_and_names_a_mismatch(tmp_path):
    from helpers.eval_helpers import tiny_model
    from radzero.training.module import build_net

    tiny_model(head="global").save_pretrained(tmp_path / "clip")
    net = build_net({"init_from": str(tmp_path / "clip"), "head": "global", "loss": "single_positive"})
    assert (net.config.head, net.config.loss) == ("global", "single_positive")
    with pytest.raises(ConfigError, match=r"model.head='vlcabs' but init_from=.* is a 'global' model.*model.head=global"):
        build_net({"init_from": str(tmp_path / "clip"), "head": "vlcabs"})
