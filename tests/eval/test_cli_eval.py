"""``python -m radzero.eval``: the composed config end to end on a tiny phantom with a tiny random model."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from radzero.data.readers import read_chestxdet10_classification, read_mscxr
from radzero.eval.checkpoint import CheckpointError, load_model
from radzero.eval.runner import run_eval
from helpers.eval_helpers import compose_eval, phantom_overrides, tiny_model

REPO = Path(__file__).resolve().parents[2]
DATASETS = {
    "classification": {"chexpert_test", "chexpert_5x200", "chestxdet10", "siim", "rsna"},
    "grounding": {"ms_cxr", "chestxdet10"},
    "segmentation": {"siim", "rsna"},
}


@pytest.fixture(scope="module")
def phantom_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.getbasetemp() / "eval_phantom"  # shared with tests/eval/conftest.py


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("model")
    tiny_model(seed=1).save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def all_results(tmp_path_factory, phantom_cache, model_dir):
    out = tmp_path_factory.mktemp("eval_all")
    return run_eval(compose_eval([f"ckpt_path={model_dir}"], out, phantom_cache)), out


def _strict_json(path: Path):
    def reject(constant):
        raise ValueError(f"non-standard JSON constant {constant} in {path}")

    return json.loads(path.read_text(), parse_constant=reject)


def test_all_tasks_write_results_with_cis(all_results):
    _, out = all_results
    results = _strict_json(out / "results.json")
    for task, names in DATASETS.items():
        assert set(results[task]) == names, task
        for name in names:
            metrics = results[task][name]["metrics"]
            assert metrics, (task, name)
            for metric, entry in metrics.items():
                assert set(entry) >= {"value", "ci95"}, (task, name, metric)
                assert len(entry["ci95"]) == 2
                if entry["value"] is None:
                    assert entry["undefined"]
                elif entry["ci95"][0] is not None:
                    assert entry["ci95"][0] - 1e-9 <= entry["value"] <= entry["ci95"][1] + 1e-9, (task, name, metric)
    assert {"pointing_game", "miou", "cnr"} <= set(results["grounding"]["ms_cxr"]["metrics"])
    assert {"dice", "dice_oracle", "specificity", "pixel_auroc"} <= set(results["segmentation"]["siim"]["metrics"])
    assert results["classification"]["chexpert_5x200"]["metrics"]["top1_accuracy"]["label"] == "5-way"
    assert results["meta"]["n_bootstrap"] == 50
    table = (out / "results.md").read_text()
    assert "| grounding | ms_cxr | pointing_game (any box) |" in table


def test_undefined_classes_are_reported_not_crashing(all_results):
    results, _ = all_results
    chestxdet = results["classification"]["chestxdet10"]
    # the phantom never renders these ChestX-Det10 classes: no positives -> undefined, still a macro AUROC
    assert chestxdet["per_class"]["auroc"]["Fracture"] is None
    assert "0 positive" in chestxdet["undefined"]["Fracture"]
    assert chestxdet["metrics"]["macro_auroc"]["value"] is not None


def test_prediction_csvs_are_keyed_by_image_id(all_results, phantom_cache):
    results, out = all_results
    root = next(p for p in phantom_cache.iterdir() if p.name.startswith("phantom-n8"))
    det = read_chestxdet10_classification(root / "chestxdet10/test.json", root / "chestxdet10/test_data")
    with open(out / results["classification"]["chestxdet10"]["files"]["predictions"]) as f:
        rows = {r["image_id"]: r for r in csv.DictReader(f)}
    assert set(rows) == {s.image_id for s in det}
    for sample in det:  # labels in the CSV are the reader's labels of that same image id
        assert [float(rows[sample.image_id][f"label:{c}"]) for c in sample.labels] == list(sample.labels.values())
    phrases = read_mscxr(root / "ms-cxr/MS_CXR_Local_Alignment_v1.0.0.csv", root / "mimic-cxr-jpg/2.0.0")
    with open(out / results["grounding"]["ms_cxr"]["files"]["predictions"]) as f:
        grounded = {(r["image_id"], r["phrase"]): r for r in csv.DictReader(f)}
    assert set(grounded) == {(s.image_id, s.phrase) for s in phrases}
    assert all(int(grounded[(s.image_id, s.phrase)]["n_boxes"]) == len(s.boxes) for s in phrases)


def test_pngs_written(all_results):
    results, out = all_results
    for name in DATASETS["classification"]:
        assert Image.open(out / results["classification"][name]["files"]["roc"]).size[0] > 100
    for name in DATASETS["grounding"]:
        assert Image.open(out / results["grounding"][name]["files"]["overlays"]).mode == "RGB"


def _lightning_checkpoint(model, path: Path) -> Path:
    """The layout python -m radzero.train writes: hyper_parameters['net'] + 'net.'-prefixed state_dict."""
    state = {f"net.{k}": v for k, v in model.state_dict().items()}
    torch.save({"epoch": 0, "global_step": 1, "state_dict": state,
                "hyper_parameters": {"net": asdict(model.config), "optimizer": {}, "scheduler": {}}}, path)
    return path


def test_lightning_ckpt_gives_the_same_results_as_the_folder(tmp_path, phantom_cache, model_dir, all_results):
    results, _ = all_results
    ckpt = _lightning_checkpoint(load_model(model_dir), tmp_path / "last.ckpt")
    again = run_eval(compose_eval([f"ckpt_path={ckpt}", "task=[classification,grounding]",
                                   "datasets=[chexpert_test,ms_cxr]"], tmp_path / "out", phantom_cache))
    assert set(again) == {"meta", "classification", "grounding"}
    assert again["classification"]["chexpert_test"]["metrics"] == results["classification"]["chexpert_test"]["metrics"]
    assert again["grounding"]["ms_cxr"]["metrics"] == results["grounding"]["ms_cxr"]["metrics"]


def test_checkpoint_from_another_config_lists_mismatched_keys(tmp_path, model_dir):
    other = tmp_path / "other"
    tiny_model().save_pretrained(other)
    config = json.loads((other / "config.json").read_text())
    config["align_depth"] = 2
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"missing: align\.blocks\.1\."):
        load_model(other)
    model = tiny_model()
    ckpt = _lightning_checkpoint(model, tmp_path / "x.ckpt")
    saved = torch.load(ckpt, weights_only=True)
    saved["hyper_parameters"]["net"]["text"]["hidden"] = 48
    saved["hyper_parameters"]["net"]["vision"]["width"] = 48
    torch.save(saved, ckpt)
    with pytest.raises(CheckpointError, match=r"with other shapes: .*\(32.*vs model \(48"):
        load_model(ckpt)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_model(tmp_path / "nope.ckpt")
    with pytest.raises(CheckpointError, match="ckpt_path is not set"):
        load_model("???")


def test_bad_task_and_dataset_names(tmp_path, phantom_cache, model_dir):
    with pytest.raises(ValueError, match="choose from"):
        run_eval(compose_eval([f"ckpt_path={model_dir}", "task=detection"], tmp_path, phantom_cache))
    with pytest.raises(ValueError, match=r"datasets=\['openi'\] not in benchmark 'phantom'"):
        run_eval(compose_eval([f"ckpt_path={model_dir}", "datasets=[openi]"], tmp_path, phantom_cache))


def test_maps_task_writes_overlays_and_masks(tmp_path, phantom_cache, model_dir):
    image = tmp_path / "cxr.png"
    Image.fromarray((np.random.default_rng(0).random((96, 64)) * 255).astype(np.uint8)).save(image)
    prompts = "prompts=[There is pleural effusion,There is cardiomegaly]"
    out = run_eval(compose_eval([f"ckpt_path={model_dir}", "task=maps", f"image={image}", prompts, "threshold=0.5"],
                                tmp_path / "out", phantom_cache))
    entries = out["maps"]["prompts"]
    assert [e["prompt"] for e in entries] == ["There is pleural effusion", "There is cardiomegaly"]
    for entry in entries:
        overlay = Image.open(tmp_path / "out" / entry["overlay"])
        mask = np.asarray(Image.open(tmp_path / "out" / entry["mask"]))
        # the overlay keeps the image's width, with the prompt above and the cosine colour bar below it
        assert overlay.size[0] == 64 and overlay.size[1] > 96 and mask.shape == (96, 64)
        assert set(np.unique(mask)) <= {0, 255}
        assert mask.mean() / 255 == pytest.approx(entry["mask_fraction"])
    assert _strict_json(tmp_path / "out" / "maps" / "maps.json")["threshold"] == 0.5
    with pytest.raises(ValueError, match="at least one prompt"):
        run_eval(compose_eval([f"ckpt_path={model_dir}", "task=maps", f"image={image}", "prompts=[]"],
                              tmp_path / "out2", phantom_cache))


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "offline"}
    return subprocess.run([sys.executable, "-m", "radzero.eval", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_cli_subprocess_bad_checkpoint_exits_1_with_the_reason(tmp_path):
    bad = _cli([f"ckpt_path={tmp_path / 'missing.ckpt'}", f"hydra.run.dir={tmp_path / 'hydra'}"], REPO)
    assert bad.returncode == 1
    assert "missing.ckpt does not exist" in bad.stderr + bad.stdout


@pytest.mark.slow
def test_cli_subprocess_maps(tmp_path, model_dir):
    image = tmp_path / "cxr.png"
    Image.fromarray((np.random.default_rng(0).random((64, 80)) * 255).astype(np.uint8)).save(image)
    done = _cli([f"ckpt_path={model_dir}", "task=maps", f"image={image}", "prompts=[There is edema]",
                 f"paths.output_dir={tmp_path / 'out'}", f"hydra.run.dir={tmp_path / 'hydra'}"], REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((tmp_path / "out" / "maps").glob("*.png"))) == 1


@pytest.mark.slow
def test_cli_subprocess_all_tasks_with_wandb_offline(tmp_path, phantom_cache, model_dir):
    """The real command line, task=all, W&B logger offline (fresh process, tiny phantom)."""
    done = _cli([f"ckpt_path={model_dir}", *phantom_overrides(phantom_cache), "num_workers=0", "n_bootstrap=20",
                 "logger=wandb",
                 f"paths.output_dir={tmp_path}", f"hydra.run.dir={tmp_path / 'hydra'}"], REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| segmentation | rsna | pixel_auroc" in done.stdout
    assert _strict_json(tmp_path / "results.json")["grounding"]["chestxdet10"]["metrics"]["pointing_game"]
    assert list((tmp_path / "wandb").glob("offline-run-*"))


@pytest.mark.slow
def test_train_then_evaluate_the_lightning_checkpoint(tmp_path, phantom_cache):
    """python -m radzero.train (1 epoch, tiny): its best .ckpt and its exported model/ give the same numbers."""
    from radzero.train import train
    from training.conftest import compose_train

    run = tmp_path / "run"
    train(compose_train(["callbacks.zero_shot=null"], run, tmp_path / "cache"))
    best = json.loads((run / "metrics.json").read_text())["best_checkpoint"]
    picked = ["task=[classification,grounding]", "datasets=[chexpert_test,chestxdet10]"]
    from_ckpt = run_eval(compose_eval([f"ckpt_path={best}", *picked], tmp_path / "a", phantom_cache))
    from_dir = run_eval(compose_eval([f"ckpt_path={run}", *picked], tmp_path / "b", phantom_cache))
    assert from_dir["meta"]["model"] == from_ckpt["meta"]["model"]
    for task in ("classification", "grounding"):
        for name, entry in from_dir[task].items():
            assert from_ckpt[task][name]["metrics"] == entry["metrics"], (task, name)
