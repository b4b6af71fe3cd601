"""The readers, pointed at a generated phantom root, reproduce the generator's ground truth exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from radzero.data.phantom import ensure_phantom
from radzero.data.readers import (
    read_chestxdet10,
    read_chexpert_5x200,
    read_chexpert_test,
    read_mscxr,
    read_radzero_json,
    read_rsna,
    read_siim,
)

SIZES = dict(n_validate=4, n_mscxr=6, n_chexpert_test=8, n_5x200_per_class=2, n_chestxdet10=6, n_siim=8, n_rsna=8,
             min_size=128, max_size=192, det_size=128, dicom_size=128, workers=1)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return ensure_phantom(tmp_path_factory.mktemp("phantom"), n_train=10, seed=3, **SIZES)


def _truth(root: Path, name: str):
    return json.loads((root / "truth" / name).read_text())


def test_mscxr_boxes_and_sizes(root):
    samples = read_mscxr(root / "ms-cxr" / "MS_CXR_Local_Alignment_v1.0.0.csv", root / "mimic-cxr-jpg" / "2.0.0")
    got = {(s.image_id, s.phrase): s for s in samples}
    truth = _truth(root, "ms_cxr.json")
    assert len(got) == len(truth) > 0
    for phrase in truth:
        sample = got[(phrase["dicom_id"], phrase["label_text"])]
        assert [list(b) for b in sample.boxes] == phrase["boxes"]
        assert sample.category == phrase["category_name"]
        assert sample.original_size == (phrase["image_height"], phrase["image_width"])


def test_chexpert_labels_by_key(root):
    test = {s.image_id: s for s in read_chexpert_test(root / "chexpert" / "groundtruth.csv", root / "chexpert")}
    for study in _truth(root, "chexpert_test.json"):
        labels = test[study["study"]].labels
        assert {k: int(v) for k, v in labels.items()} == study["labels"]
    five = {s.image_id: s for s in read_chexpert_5x200(root / "chexpert" / "chexpert_5x200.csv", root / "chexpert")}
    for row in _truth(root, "chexpert_5x200.json"):
        labels = five[row["path"]].labels
        assert [name for name, value in labels.items() if value == 1.0] == [row["class"]]


def test_chestxdet10_boxes(root):
    images = {Path(r.image_path).name: r for r in read_chestxdet10(root / "chestxdet10" / "test.json",
                                                                    root / "chestxdet10" / "test_data")}
    for record in _truth(root, "chestxdet10.json"):
        got = images[record["file_name"]]
        assert [c for c, _ in got.annotations] == record["syms"]
        assert [[x, y, x + w, y + h] for _, (x, y, w, h) in got.annotations] == record["boxes"]


def test_siim_masks_from_rle_equal_truth(root):
    samples = {s.image_id: s for s in read_siim(root / "siim" / "train-rle.csv", root / "siim" / "dicom-images-train")}
    masks = np.load(root / "truth" / "siim_masks.npz")
    truth = _truth(root, "siim.json")
    assert len(samples) == len(truth)
    for record in truth:
        sample = samples[record["ImageId"]]
        assert sample.positive == record["positive"]
        np.testing.assert_array_equal(sample.mask(), masks[record["ImageId"]])


def test_rsna_boxes(root):
    for split in ("test", "validation"):
        samples = {s.image_id: s for s in read_rsna(root / "rsna" / f"{split}.csv", root / "rsna")}
        for record in (r for r in _truth(root, "rsna.json") if r["split"] == split):
            sample = samples[record["uuid"]]
            assert sample.positive == bool(record["class"])
            assert [list(b) for b in sample.boxes] == record["boxes"]


def test_radzero_json_sentences_and_mscxr_exclusion(root):
    json_path, images = root / "radzero" / "radzero_mimic.json", root / "radzero" / "MIMIC-CXR" / "images"
    mscxr_csv = root / "ms-cxr" / "MS_CXR_Local_Alignment_v1.0.0.csv"
    train = read_radzero_json(json_path, images, split="train", frontal_only=True, exclude_mscxr_csv=mscxr_csv)
    truth = {r["dicom_id"]: r for r in _truth(root, "mimic.json")}
    assert train and all(truth[s.image_id]["split"] == "train" for s in train)
    assert all(truth[s.image_id]["view_position"] in ("PA", "AP") for s in train)
    mscxr_ids = {r["dicom_id"] for r in _truth(root, "ms_cxr.json")}
    assert not mscxr_ids & {s.image_id for s in train}
    assert all(s.sentences for s in train)
