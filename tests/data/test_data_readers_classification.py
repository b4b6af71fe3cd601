"""OpenI / ChestX-ray14 / PadChest readers and segmentation_to_classification on hand-written fixture
rows in the public formats (how eval's label table reads these samples: tests/eval/test_eval_labels.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from radzero.data.readers import (
    CHESTXRAY14_CLASSES,
    DataFormatError,
    parse_padchest_labels,
    read_chestxray14,
    read_label_csv,
    read_padchest,
    segmentation_to_classification,
)
from radzero.data.samples import SegmentationSample


def _png(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(path)


# ----------------------------------------------------------------------------- OpenI (label-column CSV)


def test_openi_label_csv(tmp_path):
    (tmp_path / "openi_test.csv").write_text(
        "Path,Atelectasis,Cardiomegaly,Effusion\n"
        "images/CXR1_1_IM-0001-3001.png,1,0,\n"
        "images/CXR2_IM-0652-1001.png,0,-1,1\n"
    )
    for name in ("CXR1_1_IM-0001-3001.png", "CXR2_IM-0652-1001.png"):
        _png(tmp_path / "images" / name)
    samples = read_label_csv(tmp_path / "openi_test.csv", tmp_path)
    assert [s.image_id for s in samples] == ["images/CXR1_1_IM-0001-3001.png", "images/CXR2_IM-0652-1001.png"]
    assert samples[0].labels == {"Atelectasis": 1.0, "Cardiomegaly": 0.0, "Effusion": None}
    assert samples[1].labels == {"Atelectasis": 0.0, "Cardiomegaly": -1.0, "Effusion": 1.0}


def test_openi_missing_image_and_bad_label_are_named(tmp_path):
    (tmp_path / "a.csv").write_text("Path,Edema\nx.png,1\n")
    with pytest.raises(DataFormatError, match=r"a.csv: line 2 \(Path=x.png\).*not found"):
        read_label_csv(tmp_path / "a.csv", tmp_path)
    (tmp_path / "b.csv").write_text("Path,Edema\nx.png,maybe\n")
    with pytest.raises(DataFormatError, match=r"line 2.*'maybe'"):
        read_label_csv(tmp_path / "b.csv", tmp_path, check_images=False)
    (tmp_path / "c.csv").write_text("file,Edema\nx.png,1\n")
    with pytest.raises(DataFormatError, match="no image-path column"):
        read_label_csv(tmp_path / "c.csv", tmp_path, check_images=False)


# ----------------------------------------------------------------------------- ChestX-ray14

DATA_ENTRY = (
    "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
    "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],\n"
    "00000001_000.png,Cardiomegaly,0,1,58,M,PA,2682,2749,0.143,0.143,\n"
    "00000001_001.png,Cardiomegaly|Emphysema,1,1,58,M,PA,2894,2729,0.143,0.143,\n"
    "00000003_000.png,No Finding,0,3,81,F,PA,2582,2991,0.143,0.143,\n"
    "00000004_000.png,Mass|Nodule|Pleural_Thickening,0,4,82,M,AP,2500,2048,0.168,0.168,\n"
)


def _chestxray14(tmp_path: Path, test_ids: list[str]) -> Path:
    (tmp_path / "Data_Entry_2017.csv").write_text(DATA_ENTRY)
    (tmp_path / "test_list.txt").write_text("\n".join(test_ids) + "\n")
    for k, name in enumerate(["00000001_000.png", "00000001_001.png", "00000003_000.png", "00000004_000.png"]):
        _png(tmp_path / f"images_00{k % 2 + 1}" / "images" / name)  # the NIH archive layout
    return tmp_path


def test_chestxray14_test_list_and_pipe_labels(tmp_path):
    root = _chestxray14(tmp_path, ["00000004_000.png", "00000003_000.png", "00000001_001.png"])
    samples = read_chestxray14(root / "Data_Entry_2017.csv", root, ids_file=root / "test_list.txt")
    assert [s.image_id for s in samples] == ["00000004_000.png", "00000003_000.png", "00000001_001.png"]
    assert samples[0].image_path.is_file()
    positives = {s.image_id: sorted(c for c, v in s.labels.items() if v == 1.0) for s in samples}
    assert positives == {"00000004_000.png": ["Mass", "Nodule", "Pleural_Thickening"], "00000003_000.png": [],
                         "00000001_001.png": ["Cardiomegaly", "Emphysema"]}
    assert all(set(s.labels) == set(CHESTXRAY14_CLASSES) for s in samples)


def test_chestxray14_id_without_labels_is_named(tmp_path):
    root = _chestxray14(tmp_path, ["00000003_000.png", "99999999_000.png"])
    with pytest.raises(DataFormatError, match=r"99999999_000.png.*no row \(no labels\)"):
        read_chestxray14(root / "Data_Entry_2017.csv", root, ids_file=root / "test_list.txt")


def test_chestxray14_unknown_finding_is_named(tmp_path):
    (tmp_path / "Data_Entry_2017.csv").write_text("Image Index,Finding Labels\n1.png,Cardiomegaly|Tumour\n")
    with pytest.raises(DataFormatError, match=r"line 2 \(Image Index=1.png\).*Tumour"):
        read_chestxray14(tmp_path / "Data_Entry_2017.csv", tmp_path, check_images=False)


# ----------------------------------------------------------------------------- PadChest

PADCHEST = (
    "ImageID,ImageDir,StudyID,PatientID,Projection,MethodProjection,Labels,Localizations,MethodLabel\n"
    "a.png,0,s1,p1,PA,Manual review of DICOM fields,\"['pleural effusion', ' cardiomegaly']\",\"['loc left']\",Physician\n"
    "b.png,0,s2,p2,L,Manual review of DICOM fields,['normal'],[],Physician\n"
    "c.png,1,s3,p3,PA,Manual review of DICOM fields,\"['pneumonia', 'pleural effusion']\",[],RNN_model\n"
    "d.png,1,s4,p4,AP,Manual review of DICOM fields,\"[\"\"COPD signs\"\", 'emphysema']\",[],Physician\n"
)


def _padchest(tmp_path: Path) -> Path:
    (tmp_path / "padchest.csv").write_text(PADCHEST)
    for folder, name in [("0", "a.png"), ("0", "b.png"), ("1", "c.png"), ("1", "d.png")]:
        _png(tmp_path / "images" / folder / name)
    return tmp_path


def test_padchest_physician_rows_and_terms(tmp_path):
    root = _padchest(tmp_path)
    samples = read_padchest(root / "padchest.csv", root / "images")
    assert [s.image_id for s in samples] == ["a.png", "b.png", "d.png"]  # c.png is RNN-labelled
    assert samples[0].labels == {"pleural effusion": 1.0, "cardiomegaly": 1.0}
    assert samples[1].labels == {}  # "normal" only: negative for every class
    assert samples[2].labels == {"copd signs": 1.0, "emphysema": 1.0}
    only_pa = read_padchest(root / "padchest.csv", root / "images", projections=["PA"])
    assert [s.image_id for s in only_pa] == ["a.png"]


@pytest.mark.parametrize(
    ("cell", "terms"),
    [("['normal']", ["normal"]), ("[]", []), ("['']", []), ("[' a', \"b c\"]", ["a", "b c"]),
     ("['pleural effusion', 'loc left']", ["pleural effusion", "loc left"])],
)
def test_parse_padchest_labels(cell, terms):
    assert parse_padchest_labels(cell) == terms


@pytest.mark.parametrize("cell", ["nan", "", "normal", "['a', __import__('os')]"])
def test_parse_padchest_labels_rejects_non_lists(cell):
    with pytest.raises(DataFormatError):
        parse_padchest_labels(cell)


def test_padchest_bad_row_named_or_skipped(tmp_path):
    (tmp_path / "p.csv").write_text("ImageID,ImageDir,Labels,MethodLabel\nx.png,0,nan,Physician\ny.png,0,['normal'],Physician\n")
    with pytest.raises(DataFormatError, match=r"line 2 \(ImageID=x.png\)"):
        read_padchest(tmp_path / "p.csv", tmp_path, check_images=False)
    kept = read_padchest(tmp_path / "p.csv", tmp_path, check_images=False, on_error="skip")
    assert [s.image_id for s in kept] == ["y.png"]


def test_segmentation_to_classification():
    samples = [SegmentationSample(Path("/a.dcm"), "a", True, (4, 4), "1 2"),
               SegmentationSample(Path("/b.dcm"), "b", False, (4, 4), "-1")]
    out = segmentation_to_classification(samples, "Pneumothorax")
    assert [(s.image_id, s.labels) for s in out] == [("a", {"Pneumothorax": 1.0}), ("b", {"Pneumothorax": 0.0})]
