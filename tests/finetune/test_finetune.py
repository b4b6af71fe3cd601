"""``python -m radzero.finetune``: fast_dev_run of each task, metrics through the evaluation's own code, exact
resume, the subset written to the run folder, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

from radzero import CONFIG_DIR
from radzero.finetune.__main__ import finetune
from radzero.utils.errors import ConfigError
from helpers.eval_helpers import tiny_model

PHANTOM = ["phantom.n_train=4", "phantom.n_validate=2", "phantom.n_mscxr=2", "phantom.n_chexpert_test=2",
           "phantom.n_chestxdet10=2", "phantom.n_siim=12", "phantom.n_siim_train=16", "phantom.n_rsna=12",
           "phantom.n_rsna_train=16", "phantom.dicom_size=96", "+phantom.min_size=64", "+phantom.max_size=96",
           "+phantom.det_size=64", "+phantom.max_internal=64", "+phantom.workers=1"]


@pytest.fixture(scope="module")
def stage1(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("stage1") / "model"
    tiny_model(seed=3).save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("finetune_phantom")


def compose_finetune(overrides: list[str], output_dir: Path, cache: Path) -> DictConfig:
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="finetune", return_hydra_config=True,
                      overrides=[*PHANTOM, f"phantom.cache_dir={cache}", "batch_size=4", "eval.n_bootstrap=20",
                                 "trainer.max_epochs=2", "logger=csv", *overrides])
    with open_dict(cfg):
        cfg.paths.root_dir = cfg.paths.output_dir = str(output_dir)
        cfg.paths.log_dir = str(output_dir / "logs")
        cfg.hydra.runtime.output_dir = str(output_dir)
        cfg.hydra.job.num = 0
    HydraConfig().set_config(cfg)
    return cfg


@pytest.mark.parametrize("task,data", [("segmentation", "siim"), ("segmentation", "rsna"), ("classification", "siim")])
def test_fast_dev_run_of_each_task(task, data, tmp_path, stage1, cache):
    result = finetune(compose_finetune([f"task={task}", f"data={data}", f"init_from={stage1}", "debug=fdr"],
                                       tmp_path, cache))
    assert result["global_step"] == 1 and result["task"] == task and result["dataset"] == data


def test_segmentation_run_writes_metrics_subset_and_the_zero_shot_numbers_of_the_eval(tmp_path, stage1, cache):
    cfg = compose_finetune([f"init_from={stage1}", "data_fraction=0.5", "seed=1"], tmp_path, cache)
    result = finetune(cfg)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["data_fraction"] == 0.5 and saved["seed"] == 1 and saved["subset"]["n_images"] == 8
    ids = (tmp_path / "subset_ids.txt").read_text().split()
    assert len(ids) == 8 and saved["subset"]["n_train_full"] == 16
    assert {"dice", "specificity", "dice_oracle", "pixel_auroc"} <= set(result["test"])
    # the zero-shot entry is exactly what python -m radzero.eval reports for the same split and model
    from radzero.eval.runner import run_eval
    from helpers.eval_helpers import compose_eval

    root = Path(cfg.phantom.root)
    eval_cfg = compose_eval([f"ckpt_path={stage1}", "benchmark=paper", f"paths.data_dir={root}", "task=segmentation",
                             "datasets=[siim]", "n_bootstrap=20", "seed=1", "precision=fp32"],
                            tmp_path / "eval", cache)
    expected = run_eval(eval_cfg)["segmentation"]["siim"]["metrics"]
    for name in ("dice", "specificity", "dice_oracle", "pixel_auroc"):
        assert result["zero_shot"][name]["value"] == pytest.approx(expected[name]["value"], abs=1e-12), name


def test_resume_reproduces_the_uninterrupted_run(tmp_path, stage1, cache):
    straight = tmp_path / "straight"
    finetune(compose_finetune([f"init_from={stage1}", "task=classification", "data=rsna"], straight, cache))
    part = tmp_path / "part"
    finetune(compose_finetune([f"init_from={stage1}", "task=classification", "data=rsna", "trainer.max_epochs=1"],
                              part, cache))
    finetune(compose_finetune([f"init_from={stage1}", "task=classification", "data=rsna"], part, cache))  # auto
    a = torch.load(straight / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)["state_dict"]
    b = torch.load(part / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)["state_dict"]
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], atol=0, rtol=0, msg=name)


@pytest.mark.parametrize("override,message", [
    ("data_fraction=0", "data_fraction=0.0: must be in (0, 1]"),
    ("data_fraction=1.5", "data_fraction=1.5: must be in (0, 1]"),
    ("task=detection", "task='detection'"),
])
def test_bad_settings_name_the_key(override, message, tmp_path, stage1, cache):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        finetune(compose_finetune([f"init_from={stage1}", override], tmp_path, cache))


def test_init_from_nothing_usable_is_named(tmp_path, cache):
    with pytest.raises(ConfigError, match=r"init_from=latest: no trained model under .*python -m radzero.train"):
        finetune(compose_finetune(["init_from=latest"], tmp_path, cache))
    from radzero.utils.errors import CheckpointError

    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="empty is a folder without config.json"):
        finetune(compose_finetune([f"init_from={tmp_path / 'empty'}"], tmp_path / "o", cache))


def test_a_split_without_positives_is_refused():
    import numpy as np

    from radzero.data.samples import SegmentationSample
    from radzero.finetune.data import load_finetune_data

    def sample(i: int, positive: bool) -> SegmentationSample:
        return SegmentationSample(Path(f"{i}.dcm"), f"img{i}", positive, (8, 8), mask_rle="-1")

    cfg = {"name": "toy", "class_name": "Pneumothorax", "train": [sample(i, False) for i in range(20)],
           "validation": [sample(100, True)], "test": [sample(200, True)]}
    with pytest.raises(ConfigError, match=r"data/toy: data_fraction=0.5 \(seed 0\) leaves class 'Pneumothorax' "
                                          r"without a positive training image \(0 in the whole training split of 20\)"):
        load_finetune_data(cfg, "segmentation", 0.5, 0)
    cfg["train"][3] = sample(3, True)
    data = load_finetune_data(cfg, "segmentation", 0.1, 0)  # 2 of 20, the one positive kept (class coverage)
    assert any(s.positive for s in data.train) and np.isclose(data.subset.fraction, 0.1)
    cfg["validation"] = [sample(3, True)]
    with pytest.raises(ConfigError, match="image 'img3' is in both train and validation"):
        load_finetune_data(cfg, "segmentation", 1.0, 0)


def _chexpert_folder(root: Path) -> None:
    """The official CheXpert layout, tiny: train.csv / valid.csv (Path + Frontal/Lateral + classes) and the
    radiologist test set (groundtruth.csv by Study)."""
    import numpy as np
    import pandas as pd
    from PIL import Image

    rng = np.random.default_rng(0)
    classes = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]

    def image(rel: str) -> None:
        path = root / "chexpert" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, size=(40, 36), dtype=np.uint8)).save(path, format="PNG")

    for split, n in (("train", 24), ("valid", 6)):
        rows = []
        for i in range(n):
            rel = f"CheXpert-v1.0/{split}/patient{i:05d}/study1/view1_frontal.jpg"
            image(rel)
            labels = rng.choice([1.0, 0.0, -1.0, np.nan], size=5, p=[0.4, 0.4, 0.1, 0.1])
            labels[i % 5] = 1.0  # every class has positives
            rows.append({"Path": rel, "Sex": "F", "Age": 50, "Frontal/Lateral": "Frontal", "AP/PA": "PA",
                         **dict(zip(classes, labels))})
        pd.DataFrame(rows).to_csv(root / "chexpert" / "CheXpert-v1.0" / f"{split}.csv", index=False)
    rows = []
    for i in range(10):
        study = f"test/patient{90000 + i}/study1"
        image(f"{study}/view1_frontal.jpg")
        rows.append({"Study": study, **{c: float((i + k) % 2) for k, c in enumerate(classes)}})
    pd.DataFrame(rows).to_csv(root / "chexpert" / "groundtruth.csv", index=False)


def test_linear_probe_on_chexpert_in_the_official_layout(tmp_path, stage1, cache):
    _chexpert_folder(tmp_path / "data")
    result = finetune(compose_finetune([f"init_from={stage1}", "task=classification", "data=chexpert",
                                        f"data.root={tmp_path / 'data'}", "trainer.max_epochs=1",
                                        "data_fraction=0.5"], tmp_path / "run", cache))
    assert result["dataset"] == "chexpert" and result["subset"]["n_train_full"] == 24
    assert result["test"]["macro_auroc"]["label"] == "5 of 5 classes"
    assert result["zero_shot"]["macro_auroc"]["value"] is not None
