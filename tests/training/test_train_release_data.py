"""``data=radzero_release``: training on the authors' MIMIC-CXR/{train,validate}.json with MS-CXR/test.json's images
left out, end to end (fast_dev_run); and experiment=mimic composes onto it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import open_dict
from PIL import Image

from radzero.train import train
from radzero.training import RadZeroLitModule
from radzero.training.run_build import build_datamodule
from training.conftest import CONFIG_DIR, compose_train


def _folder(root: Path) -> dict[str, set[str]]:
    """12 training records (2 of them MS-CXR test images, 1 without key phrases) and 4 validation records."""
    rng = np.random.default_rng(0)
    images = root / "MIMIC-CXR" / "images"
    images.mkdir(parents=True)

    def record(i: int, phrases: list[str]) -> dict:
        dicom_id = f"{i:08x}-aaaa"
        Image.fromarray(rng.integers(0, 256, size=(40, 36), dtype=np.uint8)).save(images / f"{dicom_id}.jpg")
        return {"dicom_id": f"{dicom_id}.jpg", "study_id": i, "subject_id": i // 2, "view_position": "PA" if i % 3 else "",
                "findings": "x", "impression": "y", "key_phrases": phrases}

    train_records = [record(i, [f"There is finding {i % 4}", "No pneumothorax"] if i != 5 else [" "]) for i in range(12)]
    val_records = [record(100 + i, [f"There is finding {i}"]) for i in range(4)]
    (root / "MIMIC-CXR" / "train.json").write_text(json.dumps(train_records))
    (root / "MIMIC-CXR" / "validate.json").write_text(json.dumps(val_records))
    held_out = [train_records[2]["dicom_id"], train_records[7]["dicom_id"]]
    (root / "MS-CXR").mkdir()
    (root / "MS-CXR" / "test.json").write_text(json.dumps(
        [{"image": f"MIMIC-CXR/images/{d}", "det": [{"name": "opacity", "label": [[1, 2, 10, 12]]}]} for d in held_out]))
    kept = {r["dicom_id"][:-4] for i, r in enumerate(train_records) if i not in (2, 5, 7)}
    return {"train": kept, "validate": {r["dicom_id"][:-4] for r in val_records}}


def test_release_data_trains_without_the_mscxr_test_images(tmp_path):
    expected = _folder(tmp_path / "data")
    cfg = compose_train(["data=radzero_release", "callbacks.zero_shot=null", "debug=fdr"], tmp_path / "run",
                        tmp_path / "unused", phantom=False)
    with open_dict(cfg):
        cfg.paths.data_dir = str(tmp_path / "data")
    datamodule = build_datamodule(cfg, RadZeroLitModule(net=dict(cfg.model)).net)
    datamodule.setup("fit")
    for dataset, split in ((datamodule.train_dataset, "train"), (datamodule.val_dataset, "validate")):
        assert {dataset[i]["image_id"] for i in range(len(dataset))} == expected[split]
    result = train(cfg)
    assert result["global_step"] == 1


def test_experiment_mimic_uses_the_release_folder():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="train", overrides=["experiment=mimic", "paths.data_dir=/data"])
    samples = cfg.data.datamodule.train_samples
    assert samples.json_path == "/data/MIMIC-CXR/train.json" and samples.exclude_mscxr_json == "/data/MS-CXR/test.json"
    assert cfg.benchmark.name == "radzero_release" and cfg.callbacks.get("zero_shot") is None
    assert cfg.trainer.max_epochs == 20 and cfg.data.datamodule.global_batch_size == 256


@pytest.mark.parametrize("broken", ["no_det_image", "not_json"])
def test_bad_mscxr_test_json_names_the_file(tmp_path, broken):
    _folder(tmp_path / "data")
    path = tmp_path / "data" / "MS-CXR" / "test.json"
    path.write_text('[{"det": []}]' if broken == "no_det_image" else "{not json")
    from radzero.data.readers import DataFormatError, read_radzero_json

    with pytest.raises(DataFormatError, match=r"MS-CXR/test\.json"):
        read_radzero_json(tmp_path / "data/MIMIC-CXR/train.json", tmp_path / "data/MIMIC-CXR/images", split=None,
                          exclude_mscxr_json=path)
