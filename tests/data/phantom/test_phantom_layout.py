"""The phantom root has exactly the real datasets' layouts (docs/protocols.md, Data layouts)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

# column layouts copied from shared/formats (do not import them from the generator)
METADATA = [
    "dicom_id", "subject_id", "study_id", "PerformedProcedureStepDescription", "ViewPosition", "Rows", "Columns",
    "StudyDate", "StudyTime", "ProcedureCodeSequence_CodeMeaning", "ViewCodeSequence_CodeMeaning",
    "PatientOrientationCodeSequence_CodeMeaning",
]
SPLIT = ["dicom_id", "study_id", "subject_id", "split"]
LABELS = [
    "Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Enlarged Cardiomediastinum", "Fracture", "Lung Lesion",
    "Lung Opacity", "No Finding", "Pleural Effusion", "Pleural Other", "Pneumonia", "Pneumothorax", "Support Devices",
]
MIMIC_CHEXPERT = ["subject_id", "study_id"] + LABELS
MS_CXR = ["dicom_id", "category_name", "label_text", "path", "x", "y", "w", "h", "image_width", "image_height"]
GROUNDTRUTH = ["Study"] + LABELS
FIVE_X_200 = [
    "Path", "Sex", "Age", "Frontal/Lateral", "AP/PA", "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly",
    "Lung Opacity", "Lung Lesion", "Edema", "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax",
    "Pleural Effusion", "Pleural Other", "Fracture", "Support Devices",
]
SIIM = ["ImageId", " EncodedPixels"]
RSNA = ["ID", "img_path", "boxes", "class"]
MS_CXR_CATEGORIES = {"Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Lung Opacity", "Pleural Effusion",
                     "Pneumonia", "Pneumothorax"}
CHESTXDET10 = {"Atelectasis", "Calcification", "Consolidation", "Effusion", "Emphysema", "Fibrosis", "Fracture", "Mass",
               "Nodule", "Pneumothorax"}
COMPETITION = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]
RADZERO_KEYS = ["study_id", "subject_id", "dicom_id", "view_position", "split", "findings", "impression", "key_phrases"]


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        header = next(rd)
        rows = [dict(zip(header, r)) for r in rd]
    return header, rows


def image_size(path: Path) -> tuple[int, int]:
    """(height, width)"""
    if path.suffix == ".dcm":
        import pydicom

        ds = pydicom.dcmread(path, stop_before_pixels=True)
        return int(ds.Rows), int(ds.Columns)
    from PIL import Image

    with Image.open(path) as im:
        return im.height, im.width


def test_top_level_layout(phantom_root: Path):
    r = phantom_root
    expected = [
        "manifest.json",
        "mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-metadata.csv",
        "mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-split.csv",
        "mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-chexpert.csv",
        "mimic-cxr-jpg/2.0.0/files",
        "mimic-cxr/2.0.0/files",
        "radzero/radzero_mimic.json",
        "radzero/MIMIC-CXR/images",
        "ms-cxr/MS_CXR_Local_Alignment_v1.0.0.csv",
        "chexpert/groundtruth.csv",
        "chexpert/chexpert_5x200.csv",
        "chexpert/CheXpert-v1.0/test",
        "chexpert/CheXpert-v1.0/train",
        "chestxdet10/test.json",
        "chestxdet10/test_data",
        "siim/train-rle.csv",
        "siim/dicom-images-train",
        "siim/splits/validation.txt",
        "siim/splits/test.txt",
        "rsna/test.csv",
        "rsna/validation.csv",
        "rsna/RSNA/stage_2_train_images",
        "truth/mimic.json",
        "truth/ms_cxr.json",
        "truth/chexpert_test.json",
        "truth/chexpert_5x200.json",
        "truth/chestxdet10.json",
        "truth/siim.json",
        "truth/siim_masks.npz",
        "truth/rsna.json",
    ]
    missing = [e for e in expected if not (r / e).exists()]
    assert not missing, missing
    assert sorted(p.name for p in r.iterdir()) == sorted(
        ["manifest.json", "mimic-cxr-jpg", "mimic-cxr", "radzero", "ms-cxr", "chexpert", "chestxdet10", "siim", "rsna",
         "truth"])
    m = json.loads((r / "manifest.json").read_text())
    assert m["complete"] is True and m["params"]["n_train"] == 12


def test_mimic_tables_and_tree(phantom_root: Path, tiny_params):
    base = phantom_root / "mimic-cxr-jpg/2.0.0"
    h_meta, meta = read_csv(base / "mimic-cxr-2.0.0-metadata.csv")
    h_split, split = read_csv(base / "mimic-cxr-2.0.0-split.csv")
    h_chex, chex = read_csv(base / "mimic-cxr-2.0.0-chexpert.csv")
    assert h_meta == METADATA and h_split == SPLIT and h_chex == MIMIC_CHEXPERT
    n_studies = tiny_params["n_train"] + tiny_params["n_validate"] + tiny_params["n_mscxr"]
    assert len(chex) == n_studies == len({(r["subject_id"], r["study_id"]) for r in chex})
    assert len(meta) == len(split) and {r["dicom_id"] for r in meta} == {r["dicom_id"] for r in split}
    assert {r["split"] for r in split} == {"train", "validate", "test"}
    for r in chex:
        for k in LABELS:
            assert r[k] in ("", "1.0", "0.0", "-1.0"), (k, r[k])
    # a subject belongs to one split only
    subj_split = {}
    for r in split:
        assert subj_split.setdefault(r["subject_id"], r["split"]) == r["split"]
    views = {r["ViewPosition"] for r in meta}
    assert views <= {"PA", "AP", "LATERAL", "LL"} and views & {"PA", "AP"}
    assert views & {"LATERAL", "LL"}, "some studies have a lateral view"
    flat = phantom_root / "radzero/MIMIC-CXR/images"
    for r in meta:
        sid = r["subject_id"]
        path = base / "files" / f"p{sid[:2]}" / f"p{sid}" / f"s{r['study_id']}" / f"{r['dicom_id']}.jpg"
        assert path.is_file(), path
        assert (flat / f"{r['dicom_id']}.jpg").read_bytes() == path.read_bytes()
        assert image_size(path) == (int(r["Rows"]), int(r["Columns"]))
        assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{8}){4}", r["dicom_id"])
        assert re.fullmatch(r"\d{8}", r["StudyDate"]) and re.fullmatch(r"\d{6}\.\d{3}", r["StudyTime"])
    assert len(list(flat.iterdir())) == len(meta)
    # reports
    texts = []
    for r in chex:
        sid = r["subject_id"]
        txt = phantom_root / "mimic-cxr/2.0.0/files" / f"p{sid[:2]}" / f"p{sid}" / f"s{r['study_id']}.txt"
        text = txt.read_text()
        assert text.startswith("                                 FINAL REPORT\n EXAMINATION:  CHEST")
        assert "\n INDICATION:  " in text and "\n COMPARISON:  " in text and "\n IMPRESSION: \n" in text
        texts.append(text)
    assert any("___" in t for t in texts) and sum(" FINDINGS: \n" in t for t in texts) > len(texts) // 2


def test_radzero_json(phantom_root: Path):
    recs = json.loads((phantom_root / "radzero/radzero_mimic.json").read_text())
    _, split = read_csv(phantom_root / "mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-split.csv")
    assert len(recs) == len(split)
    by_id = {r["dicom_id"]: r for r in split}
    for rec in recs:
        assert list(rec) == RADZERO_KEYS
        assert rec["dicom_id"].endswith(".jpg")
        row = by_id[rec["dicom_id"][:-4]]
        assert rec["split"] == row["split"] and str(rec["study_id"]) == row["study_id"]
        assert isinstance(rec["study_id"], int) and isinstance(rec["subject_id"], int)
        assert rec["key_phrases"] and all(p.startswith("There ") for p in rec["key_phrases"])
        assert rec["impression"]
        assert (phantom_root / "radzero/MIMIC-CXR/images" / rec["dicom_id"]).is_file()


def test_ms_cxr(phantom_root: Path, tiny_params):
    header, rows = read_csv(phantom_root / "ms-cxr/MS_CXR_Local_Alignment_v1.0.0.csv")
    assert header == MS_CXR
    _, split = read_csv(phantom_root / "mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-split.csv")
    _, meta = read_csv(phantom_root / "mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-metadata.csv")
    split_of = {r["dicom_id"]: r["split"] for r in split}
    view_of = {r["dicom_id"]: r["ViewPosition"] for r in meta}
    assert len({r["dicom_id"] for r in rows}) == tiny_params["n_mscxr"]
    for r in rows:
        assert r["category_name"] in MS_CXR_CATEGORIES
        assert split_of[r["dicom_id"]] == "test" and view_of[r["dicom_id"]] in ("PA", "AP")
        img = phantom_root / "mimic-cxr-jpg/2.0.0" / r["path"]
        assert img.is_file() and r["path"].startswith("files/p1") and r["path"].endswith(r["dicom_id"] + ".jpg")
        h, w = image_size(img)
        assert (int(r["image_height"]), int(r["image_width"])) == (h, w)
        x, y, bw, bh = (int(r[k]) for k in "xywh")
        assert 0 <= x and 0 <= y and bw > 0 and bh > 0 and x + bw <= w and y + bh <= h
        assert r["label_text"] and r["label_text"] == r["label_text"].strip()
    truth = json.loads((phantom_root / "truth/ms_cxr.json").read_text())
    assert sum(len(t["boxes"]) for t in truth) == len(rows)
    for t in truth:
        mine = [r for r in rows if r["dicom_id"] == t["dicom_id"] and r["label_text"] == t["label_text"]]
        assert [[int(r[k]) for k in "xywh"] for r in mine] == t["boxes"]


def test_chexpert(phantom_root: Path, tiny_params):
    header, rows = read_csv(phantom_root / "chexpert/groundtruth.csv")
    assert header == GROUNDTRUTH and len(rows) == tiny_params["n_chexpert_test"]
    for r in rows:
        assert re.fullmatch(r"CheXpert-v1.0/test/patient\d+/study\d+", r["Study"])
        assert (phantom_root / "chexpert" / r["Study"] / "view1_frontal.jpg").is_file()
        assert all(r[k] in ("0", "1") for k in LABELS)
    header, rows = read_csv(phantom_root / "chexpert/chexpert_5x200.csv")
    assert header == FIVE_X_200 and len(rows) == 5 * tiny_params["n_5x200_per_class"]
    counts = dict.fromkeys(COMPETITION, 0)
    for r in rows:
        assert re.fullmatch(r"CheXpert-v1.0/train/patient\d{5}/study\d+/view1_frontal.jpg", r["Path"])
        assert (phantom_root / "chexpert" / r["Path"]).is_file()
        pos = [c for c in COMPETITION if r[c] == "1.0"]
        assert len(pos) == 1, r
        counts[pos[0]] += 1
        assert r["Frontal/Lateral"] == "Frontal" and r["AP/PA"] in ("AP", "PA") and r["Sex"] in ("Male", "Female")
        assert all(r[k] in ("0.0", "1.0") for k in FIVE_X_200[5:])
    assert set(counts.values()) == {tiny_params["n_5x200_per_class"]}
    assert len({r["Path"] for r in rows}) == len(rows)


def test_chestxdet10(phantom_root: Path, tiny_params):
    entries = json.loads((phantom_root / "chestxdet10/test.json").read_text())
    assert len(entries) == tiny_params["n_chestxdet10"]
    n_boxes = 0
    for e in entries:
        assert list(e) == ["file_name", "syms", "boxes"]
        assert len(e["syms"]) == len(e["boxes"]) and set(e["syms"]) <= CHESTXDET10
        h, w = image_size(phantom_root / "chestxdet10/test_data" / e["file_name"])
        for x1, y1, x2, y2 in e["boxes"]:
            assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
            n_boxes += 1
    assert n_boxes > 0


def test_siim(phantom_root: Path, tiny_params):
    import pydicom

    from radzero.data.rle import rle_decode

    raw = (phantom_root / "siim/train-rle.csv").read_text().splitlines()
    assert raw[0] == "ImageId, EncodedPixels"
    header, rows = read_csv(phantom_root / "siim/train-rle.csv")
    assert header == SIIM
    ids = list(dict.fromkeys(r["ImageId"] for r in rows))
    assert len(ids) == tiny_params["n_siim"]
    masks = np.load(phantom_root / "truth/siim_masks.npz")
    truth = {t["ImageId"]: t for t in json.loads((phantom_root / "truth/siim.json").read_text())}
    n_pos = 0
    for image_id in ids:
        enc = [r[" EncodedPixels"] for r in rows if r["ImageId"] == image_id]
        assert all(e.startswith(" ") for e in enc)
        t = truth[image_id]
        dcm = phantom_root / "siim" / t["path"]
        parts = t["path"].split("/")
        assert parts[0] == "dicom-images-train" and parts[-1] == image_id + ".dcm"
        ds = pydicom.dcmread(dcm)
        assert ds.SOPInstanceUID == image_id == ds.file_meta.MediaStorageSOPInstanceUID
        assert ds.StudyInstanceUID == parts[1] and ds.SeriesInstanceUID == parts[2]
        assert ds.PatientID.startswith("PHANTOM-")
        assert ds.PhotometricInterpretation in ("MONOCHROME1", "MONOCHROME2") and ds.BitsStored in (12, 16)
        assert "WindowCenter" in ds and "WindowWidth" in ds
        h, w = int(ds.Rows), int(ds.Columns)
        assert ds.pixel_array.shape == (h, w)
        mask = masks[image_id]
        assert mask.shape == (h, w) and mask.dtype == bool
        if enc == [" -1"]:
            assert not t["positive"] and not mask.any()
            continue
        n_pos += 1
        assert t["positive"] and len(enc) == t["n_regions"]
        union = np.zeros((h, w), dtype=bool)
        for e in enc:
            m = rle_decode(e, h, w)
            assert m.any() and not (m & union).any()  # separate regions
            union |= m
        assert np.array_equal(union, mask)
    assert n_pos >= 1
    val = (phantom_root / "siim/splits/validation.txt").read_text().split()
    test = (phantom_root / "siim/splits/test.txt").read_text().split()
    assert val and test and not set(val) & set(test) and set(val) | set(test) == set(ids)


def test_rsna(phantom_root: Path, tiny_params):
    import pydicom

    seen = set()
    n_pos = 0
    for split in ("test", "validation"):
        header, rows = read_csv(phantom_root / f"rsna/{split}.csv")
        assert header == RSNA
        assert [r["ID"] for r in rows] == [str(i) for i in range(len(rows))]
        for r in rows:
            assert re.fullmatch(r"RSNA/stage_2_train_images/[0-9a-f-]{36}\.dcm", r["img_path"])
            assert r["img_path"] not in seen
            seen.add(r["img_path"])
            ds = pydicom.dcmread(phantom_root / "rsna" / r["img_path"], stop_before_pixels=True)
            h, w = int(ds.Rows), int(ds.Columns)
            if not r["boxes"]:
                assert r["class"] == "0"
                continue
            n_pos += 1
            assert r["class"] == "1"
            for b in r["boxes"].split("|"):
                x, y, bw, bh = (float(v) for v in b.split(";"))
                assert re.fullmatch(r"\d+\.\d;\d+\.\d;\d+\.\d;\d+\.\d", b)
                assert 0 <= x and 0 <= y and bw > 0 and bh > 0 and x + bw <= w and y + bh <= h
    assert len(seen) == tiny_params["n_rsna"] and n_pos >= 1


def test_truth_parts_nonempty_and_inside(phantom_root: Path):
    for name in ("mimic", "chexpert_test", "chexpert_5x200", "chestxdet10", "siim", "rsna"):
        for rec in json.loads((phantom_root / f"truth/{name}.json").read_text()):
            w, h = rec["width"], rec["height"]
            frontal = rec.get("view_position", "PA") in ("PA", "AP")
            for f in rec["findings"]:
                if not frontal:
                    assert f["parts"] == []
                    continue
                sides = f["sides"] or [None]
                assert sorted(map(str, (q["side"] for q in f["parts"]))) == sorted(map(str, sides)), (name, f)
                for q in f["parts"]:
                    x1, y1, x2, y2 = q["box"]
                    assert q["area"] > 0 and 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
                    assert q["area"] <= (x2 - x1) * (y2 - y1)


def test_eval_images_disjoint_from_training(phantom_root: Path):
    _, split = read_csv(phantom_root / "mimic-cxr-jpg/2.0.0/mimic-cxr-2.0.0-split.csv")
    train = {r["dicom_id"] for r in split if r["split"] == "train"}
    _, rows = read_csv(phantom_root / "ms-cxr/MS_CXR_Local_Alignment_v1.0.0.csv")
    assert not train & {r["dicom_id"] for r in rows}
    recs = json.loads((phantom_root / "radzero/radzero_mimic.json").read_text())
    ms = {r["dicom_id"] for r in rows}
    assert all(r["split"] == "test" for r in recs if r["dicom_id"][:-4] in ms)


def test_refuses_foreign_directory(tmp_path: Path):
    from radzero.data.phantom import generate_phantom

    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        generate_phantom(tmp_path, n_train=1, workers=1)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
