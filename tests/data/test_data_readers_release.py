"""Readers of the authors' benchmark folder on a fixture folder written in exactly their formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from radzero.data.io import load_image
from radzero.data.readers import DataFormatError
from radzero.data.readers.release import read_prompt_json
from radzero.data.readers.release_classification import (
    padchest_release_classes,
    read_release_chestxdet10,
    read_release_chestxray14,
    read_release_chexpert,
    read_release_openi,
    read_release_padchest,
)
from radzero.data.readers.release_grounding import read_release_chestxdet10_grounding, read_release_mscxr
from helpers.release_folder import write_dicom, write_release_folder

# The authors' OpenI classes and synonyms, re-stated from their evaluation code (CARZero's list)
OPENI = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia", "Pneumothorax",
         "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia", "Fracture", "Opacity", "Lesion",
         "Calcified Granuloma", "Granuloma"]
SYNONYMS = {"Pleural_Thickening": ["pleural thickening"], "Infiltration": ["Infiltrate"], "Atelectasis": ["Atelectases"]}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("release")
    return write_release_folder(base / "plain"), write_release_folder(base / "shuffled", shuffle_labels=True)


def _openi(root: Path, **kw):
    return read_release_openi(root / "OpenI/custom.csv", root / "OpenI/openi_multi_label_image.csv", root, **kw)


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_openi_substring_rule_matches_a_restatement(folders, case_sensitive):
    folder, _ = folders
    samples = _openi(folder.root, case_sensitive=case_sensitive)
    assert [s.image_id for s in samples] == folder.truth["openi"]["paths"]
    for sample, cell in zip(samples, folder.truth["openi"]["cells"]):
        text = cell if case_sensitive else cell.lower()
        expected = {c: float(any(p.lower() in text for p in [c, *SYNONYMS.get(c, [])])) for c in OPENI}
        assert sample.labels == expected, cell
    # "Atelectasis" (capital A) is found only case-insensitively: the authors' code (case-sensitive) misses it
    loose, strict = _openi(folder.root), _openi(folder.root, case_sensitive=True)
    n_loose = sum(s.labels["Atelectasis"] for s in loose)
    n_strict = sum(s.labels["Atelectasis"] for s in strict)
    print(f"OpenI fixture: Atelectasis positives {n_loose} case-insensitive vs {n_strict} as the authors' code")
    assert n_loose >= n_strict


def test_padchest_classes_are_sorted_labels_minus_normal(folders):
    folder, _ = folders
    root = folder.root
    classes = padchest_release_classes(root / "PadChest/manual_image.json")
    assert classes == folder.truth["padchest"]["classes"] == sorted(classes)
    samples = read_release_padchest(root / "PadChest/manual_image.json", root / "PadChest/padchest_multi_label_image.csv",
                                    root)
    for sample, terms in zip(samples, folder.truth["padchest"]["terms"]):
        assert set(sample.labels) == set(terms) - {"normal"} and set(sample.labels.values()) <= {1.0}


def _all_readers(root: Path) -> dict[str, list]:
    return {
        "openi": _openi(root),
        "padchest": read_release_padchest(root / "PadChest/manual_image.json",
                                          root / "PadChest/padchest_multi_label_image.csv", root),
        "chestxray14": read_release_chestxray14(root / "ChestXray14/test_list.txt",
                                                root / "ChestXray14/chestxray14_test_image.csv", root),
        "chexpert": read_release_chexpert(root / "Chexpert/test_labels.csv", root / "Chexpert/chexpert5_test_image.csv",
                                          root),
        "chestxdet10": read_release_chestxdet10(root / "ChestXDet10/test.json",
                                                root / "ChestXDet10/chestXDet10_test_image.csv", root),
        "chestxdet10_grounding": read_release_chestxdet10_grounding(
            root / "ChestXDet10/test.json", root / "ChestXDet10/chestXDet10_test_image.csv", root),
    }


def test_labels_join_by_key_not_by_row_order(folders):
    plain, shuffled = folders
    a, b = _all_readers(plain.root), _all_readers(shuffled.root)
    for name in a:  # classification: image-CSV order; grounding: label-file order, so compared as sets
        if name.endswith("grounding"):
            assert sorted((s.image_id, s.category, s.boxes) for s in a[name]) == sorted(
                (s.image_id, s.category, s.boxes) for s in b[name])
        else:
            assert [(s.image_id, s.labels) for s in a[name]] == [(s.image_id, s.labels) for s in b[name]], name
    for sample, row in zip(a["chestxray14"], plain.truth["chestxray14"]["labels"]):
        assert list(sample.labels.values()) == list(row.astype(float))
    for sample, row in zip(a["chexpert"], plain.truth["chexpert"]["labels"]):
        assert list(sample.labels.values()) == list(row.astype(float))


def test_mscxr_phrases_merged_or_one_entry_each(folders):
    folder, _ = folders
    entries = folder.truth["ms_cxr"]["entries"]
    merged = read_release_mscxr(folder.root / "MS-CXR/test.json", folder.root)
    per_entry = read_release_mscxr(folder.root / "MS-CXR/test.json", folder.root, phrases="entry")
    assert len(per_entry) == len(entries) and all(len(s.boxes) == 1 for s in per_entry)
    groups: dict = {}
    for e in entries:
        groups.setdefault((e["image"], e["det"][0]["name"]), []).append(e["det"][0]["label"][0])
    assert len(merged) == len(groups)
    for s in merged:
        boxes = groups[(f"MIMIC-CXR/images/{s.image_id}.jpg", s.phrase)]
        assert s.boxes == tuple((x1, y1, x2 - x1, y2 - y1) for x1, y1, x2, y2 in boxes)


def test_prompt_json_keys_and_first_only(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"0": ["There is a", "A is seen"], "1": ["There is b"]}))
    assert read_prompt_json(path, ["a", "b"]) == {"a": ["There is a", "A is seen"], "b": ["There is b"]}
    assert read_prompt_json(path, ["a", "b"], first_only=True)["a"] == ["There is a"]
    with pytest.raises(DataFormatError, match=r"p\.json.*lacks key\(s\) \['2'\].*'c'"):
        read_prompt_json(path, ["a", "b", "c"])
    with pytest.raises(DataFormatError, match=r"beyond the 1 classes"):
        read_prompt_json(path, ["a"])


def test_label_file_and_image_csv_must_list_the_same_images(folders, tmp_path):
    root = folders[0].root
    image_csv = root / "ChestXray14/chestxray14_test_image.csv"
    lines = (root / "ChestXray14/test_list.txt").read_text().splitlines()
    extra = tmp_path / "extra.txt"
    extra.write_text("\n".join([*lines, "99999999_000.png " + " ".join(["0"] * 14)]) + "\n")
    with pytest.raises(DataFormatError, match=r"extra\.txt: line 9: image '99999999_000\.png' is not in the image list"):
        read_release_chestxray14(extra, image_csv, root)
    fewer = tmp_path / "fewer.txt"
    fewer.write_text("\n".join(lines[1:]) + "\n")
    missing = lines[0].split()[0]
    with pytest.raises(DataFormatError, match=rf"chestxray14_test_image\.csv: line \d+: image '.*{missing}' has no labels"):
        read_release_chestxray14(fewer, image_csv, root)
    bad = tmp_path / "bad.txt"
    bad.write_text(lines[0] + " 1\n")
    with pytest.raises(DataFormatError, match=r"bad\.txt: line 1: expected an image name and 14 labels"):
        read_release_chestxray14(bad, image_csv, root)


def test_chexpert_without_an_image_column_is_refused(folders, tmp_path):
    root = folders[0].root
    df = pd.read_csv(root / "Chexpert/test_labels.csv").drop(columns=["Path"])
    df.to_csv(tmp_path / "test_labels.csv", index=False)
    with pytest.raises(DataFormatError, match="never joins labels to images by row order"):
        read_release_chexpert(tmp_path / "test_labels.csv", root / "Chexpert/chexpert5_test_image.csv", root)


def test_mscxr_entry_without_det_names_file_and_entry(folders, tmp_path):
    root = folders[0].root
    entries = json.loads((root / "MS-CXR/test.json").read_text())
    entries[2] = {"image": entries[2]["image"]}
    (tmp_path / "test.json").write_text(json.dumps(entries))
    with pytest.raises(DataFormatError, match=r"test\.json: entry 2 \(image=MIMIC-CXR/images/.*\): has no 'det'"):
        read_release_mscxr(tmp_path / "test.json", root)
    entries[2] = {"image": entries[3]["image"], "det": [{"name": "x", "label": [[1, 2, "a", 4]]}]}
    (tmp_path / "test.json").write_text(json.dumps(entries))
    with pytest.raises(DataFormatError, match=r"entry 2 .*box .* has a non-number"):
        read_release_mscxr(tmp_path / "test.json", root)


@pytest.mark.parametrize("monochrome1", [False, True])
def test_authors_dicom_scaling_matches_opencv(tmp_path, monochrome1):
    cv2 = pytest.importorskip("cv2")
    pixels = np.random.default_rng(3).integers(0, 3000, size=(20, 24), dtype=np.uint16)
    write_dicom(tmp_path / "x.dcm", pixels, monochrome1=monochrome1)
    expected = cv2.convertScaleAbs(pixels, alpha=255.0 / pixels.max())  # the authors' read_from_dicom
    if monochrome1:
        expected = cv2.bitwise_not(expected)
    got = load_image(tmp_path / "x.dcm", dicom_scaling="authors")
    assert np.array_equal(np.rint(got * 255).astype(np.uint8), expected)
    radzero = load_image(tmp_path / "x.dcm")  # min-max: differs (the minimum is subtracted)
    assert radzero.min() == 0.0 and not np.allclose(radzero, got)
    with pytest.raises(ValueError, match=re.escape("dicom_scaling must be one of ('radzero', 'authors')")):
        load_image(tmp_path / "x.dcm", dicom_scaling="cv2")
