"""CheXpert test and CheXpert 5x200 readers against small files in the exact public layouts (made-up rows, written
here)."""

from __future__ import annotations

import pytest

from radzero.data.readers import (
    DataFormatError,
    read_chexpert_5x200,
    read_chexpert_test,
    read_chexpert_train,
)

GROUNDTRUTH = """Study,Atelectasis,Cardiomegaly,Consolidation,Edema,Enlarged Cardiomediastinum,Fracture,Lung Lesion,Lung Opacity,No Finding,Pleural Effusion,Pleural Other,Pneumonia,Pneumothorax,Support Devices
CheXpert-v1.0/test/patient64741/study1,0,1,0,0,1,0,0,1,0,1,0,0,0,1
CheXpert-v1.0/test/patient64742/study1,0,0,0,0,0,0,0,0,1,0,0,0,0,0
"""
FIVE_X_200 = """Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices
CheXpert-v1.0/train/patient00011/study9/view1_frontal.jpg,Female,63,Frontal,AP,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0
CheXpert-v1.0/train/patient00042/study2/view1_frontal.jpg,Male,71,Frontal,PA,0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0
CheXpert-v1.0/train/patient00103/study1/view1_frontal.jpg,Male,55,Frontal,AP,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0,0.0,1.0
"""


@pytest.fixture
def chexpert(tmp_path, jpeg_factory):
    root = tmp_path / "chexpert"
    root.mkdir()
    (root / "groundtruth.csv").write_text(GROUNDTRUTH)
    (root / "chexpert_5x200.csv").write_text(FIVE_X_200)
    jpeg_factory(root / "CheXpert-v1.0/test/patient64741/study1/view1_frontal.jpg", 40, 32)
    jpeg_factory(root / "CheXpert-v1.0/test/patient64741/study1/view2_lateral.jpg", 40, 32)
    jpeg_factory(root / "CheXpert-v1.0/test/patient64742/study1/view1_frontal.jpg", 40, 32)
    for line in FIVE_X_200.strip().splitlines()[1:]:
        jpeg_factory(root / line.split(",")[0], 36, 30)
    return root


def test_chexpert_test(chexpert):
    out = read_chexpert_test(chexpert / "groundtruth.csv", chexpert)
    assert [s.image_id for s in out] == ["CheXpert-v1.0/test/patient64741/study1", "CheXpert-v1.0/test/patient64742/study1"]
    assert out[0].image_path.name == "view1_frontal.jpg"
    assert out[0].labels["Cardiomegaly"] == 1.0 and out[0].labels["Atelectasis"] == 0.0
    assert len(out[0].labels) == 14
    five = ("Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion")
    assert set(read_chexpert_test(chexpert / "groundtruth.csv", chexpert, classes=five)[0].labels) == set(five)


def test_chexpert_test_missing_frontal(chexpert):
    (chexpert / "CheXpert-v1.0/test/patient64742/study1/view1_frontal.jpg").unlink()
    with pytest.raises(DataFormatError, match=r"line 3 .*no frontal image"):
        read_chexpert_test(chexpert / "groundtruth.csv", chexpert)
    assert len(read_chexpert_test(chexpert / "groundtruth.csv", chexpert, on_error="skip")) == 1


def test_chexpert_5x200(chexpert):
    out = read_chexpert_5x200(chexpert / "chexpert_5x200.csv", chexpert)
    assert [max(s.labels, key=lambda k: s.labels[k]) for s in out] == ["Atelectasis", "Cardiomegaly", "Pleural Effusion"]
    assert all(len(s.labels) == 5 for s in out)
    assert out[0].image_id == "CheXpert-v1.0/train/patient00011/study9/view1_frontal.jpg"


def test_chexpert_5x200_two_positives(chexpert):
    bad = FIVE_X_200.replace("0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0", "0.0,0.0,1.0,0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0")
    (chexpert / "chexpert_5x200.csv").write_text(bad)
    with pytest.raises(DataFormatError, match=r"line 3 .*exactly one positive"):
        read_chexpert_5x200(chexpert / "chexpert_5x200.csv", chexpert)


TRAIN = """Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices
CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,1.0,,,,,,,,,0.0,,,,1.0
CheXpert-v1.0-small/train/patient00002/study2/view1_frontal.jpg,Female,87,Frontal,AP,,,-1.0,1.0,,-1.0,-1.0,,-1.0,,-1.0,,1.0,
CheXpert-v1.0-small/train/patient00002/study2/view2_lateral.jpg,Female,87,Lateral,,,,,1.0,,,,,,,,,1.0,
"""


def test_chexpert_train(tmp_path):
    (tmp_path / "train.csv").write_text(TRAIN)
    out = read_chexpert_train(tmp_path / "train.csv", tmp_path, check_images=False)
    assert [s.image_id.split("/")[-2:] for s in out] == [["study1", "view1_frontal.jpg"], ["study2", "view1_frontal.jpg"],
                                                         ["study2", "view2_lateral.jpg"]]  # fmt: skip
    assert out[0].labels["No Finding"] == 1.0 and out[0].labels["Pneumothorax"] == 0.0 and out[0].labels["Edema"] is None
    assert out[1].labels["Cardiomegaly"] == -1.0 and len(out[1].labels) == 14
    assert out[0].image_path == tmp_path / out[0].image_id
    assert len(read_chexpert_train(tmp_path / "train.csv", tmp_path, frontal_only=True, check_images=False)) == 2
    with pytest.raises(DataFormatError, match=r"train.csv: line 2 \(Path=CheXpert-v1.0-small/.*image file not found"):
        read_chexpert_train(tmp_path / "train.csv", tmp_path)
    (tmp_path / "train.csv").write_text(TRAIN.replace(",0.0,,,,1.0\n", ",0.0,,,,yes\n", 1))
    with pytest.raises(DataFormatError, match=r"line 2 .*'Support Devices': label 'yes' is not a number"):
        read_chexpert_train(tmp_path / "train.csv", tmp_path, check_images=False)
    assert len(read_chexpert_train(tmp_path / "train.csv", tmp_path, check_images=False, on_error="skip")) == 2
