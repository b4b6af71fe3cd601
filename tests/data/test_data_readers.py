"""Readers against small files in the exact public layouts (made-up rows, written here)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from radzero.data.readers import (
    DataFormatError,
    mscxr_image_ids,
    read_chestxdet10,
    read_chestxdet10_classification,
    read_chestxdet10_grounding,
    read_chexpert_5x200,
    read_chexpert_test,
    read_mimic_cxr,
    read_mscxr,
    read_radzero_json,
    read_rsna,
    read_siim,
    validate_samples,
)
from radzero.data.readers.reports import (
    parse_mimic_report,
    parse_report_sections,
    report_sentences,
    split_sentences,
)
from radzero.data.rle import rle_encode

# ---------------------------------------------------------------------------------- MIMIC

D1 = "d5a7e3f1-1c2b3a4d-5e6f7a8b-9c0d1e2f-3a4b5c6d"  # s50000001 PA, train
D2 = "e0f1a2b3-c4d5e6f7-a8b9c0d1-e2f3a4b5-c6d7e8f9"  # s50000001 LATERAL, train
D3 = "a1b2c3d4-e5f6a7b8-c9d0e1f2-a3b4c5d6-e7f8a9b0"  # s50000007 AP, validate
D4 = "f0000000-00000000-00000000-00000000-00000004"  # s50000009 PA, train, report w/o sections
D5 = "f0000000-00000000-00000000-00000000-00000005"  # s50000011 PA, test (MS-CXR image)

METADATA = f"""dicom_id,subject_id,study_id,PerformedProcedureStepDescription,ViewPosition,Rows,Columns,StudyDate,StudyTime,ProcedureCodeSequence_CodeMeaning,ViewCodeSequence_CodeMeaning,PatientOrientationCodeSequence_CodeMeaning
{D5},10000003,50000011,CHEST (PA AND LAT),PA,64,48,21800506,213014.531,CHEST (PA AND LAT),postero-anterior,Erect
{D1},10000001,50000001,CHEST (PA AND LAT),PA,60,50,21800506,213014.531,CHEST (PA AND LAT),postero-anterior,Erect
{D2},10000001,50000001,CHEST (PA AND LAT),LATERAL,60,50,21800506,213014.531,CHEST (PA AND LAT),lateral,Erect
{D3},10000002,50000007,CHEST (PORTABLE AP),AP,50,40,21810102,081512.000,CHEST (PORTABLE AP),antero-posterior,
{D4},10000002,50000009,CHEST (PA AND LAT),PA,50,40,21810102,081512.000,CHEST (PA AND LAT),postero-anterior,Erect
"""
# split rows deliberately in a different order than the metadata (join by key)
SPLIT = f"""dicom_id,study_id,subject_id,split
{D3},50000007,10000002,validate
{D4},50000009,10000002,train
{D1},50000001,10000001,train
{D2},50000001,10000001,train
{D5},50000011,10000003,test
"""
CHEXPERT = """subject_id,study_id,Atelectasis,Cardiomegaly,Consolidation,Edema,Enlarged Cardiomediastinum,Fracture,Lung Lesion,Lung Opacity,No Finding,Pleural Effusion,Pleural Other,Pneumonia,Pneumothorax,Support Devices
10000002,50000007,-1.0,,,0.0,,,,1.0,,,,1.0,,1.0
10000001,50000001,,,,,,,,,,1.0,,,0.0,
10000002,50000009,,,,,,,,,1.0,,,,,
10000003,50000011,,,,,,,,,1.0,,,,,
"""
REPORT_1 = """                                 FINAL REPORT
 EXAMINATION:  CHEST (PA AND LAT)
 
 INDICATION:  ___-year-old woman with shortness of breath.
 
 COMPARISON:  Chest radiograph ___.
 
 FINDINGS: 
 
 There is a small left pleural effusion, slightly larger than on the prior study,
 with adjacent basilar atelectasis.  The right lung is clear.  Heart size is
 normal.  No pneumothorax.
 
 IMPRESSION: 
 
 Small left pleural effusion, increased.
"""
REPORT_7 = """                                 FINAL REPORT
 EXAMINATION:  CHEST (PORTABLE AP)

 IMPRESSION:  Bibasilar opacities concerning for pneumonia.
"""
REPORT_9 = """                                 FINAL REPORT
 EXAMINATION:  CHEST (PA AND LAT)

 INDICATION:  ___
"""
REPORT_11 = " FINDINGS:  Heart size is normal.\n"

MSCXR_V10 = f"""dicom_id,category_name,label_text,path,x,y,w,h,image_width,image_height
{D5},Pleural effusion,small left pleural effusion,files/p10/p10000003/s50000011/{D5}.jpg,10,20,15,12,48,64
{D3},Pneumonia,bibasilar opacities,files/p10/p10000002/s50000007/{D3}.jpg,2,30,10,10,40,50
{D3},Pneumonia,bibasilar opacities,files/p10/p10000002/s50000007/{D3}.jpg,25,28,12,11,40,50
{D3},Edema,mild edema,files/p10/p10000002/s50000007/{D3}.jpg,5,5,30,30,40,50
"""


def _img_path(root: Path, subject: str, study: str, dicom: str) -> Path:
    return root / "files" / f"p{subject[:2]}" / f"p{subject}" / f"s{study}" / f"{dicom}.jpg"


@pytest.fixture
def mimic(tmp_path, jpeg_factory):
    jpg = tmp_path / "mimic-cxr-jpg" / "2.0.0"
    rep = tmp_path / "mimic-cxr" / "2.0.0"
    jpg.mkdir(parents=True)
    (jpg / "mimic-cxr-2.0.0-metadata.csv").write_text(METADATA)
    (jpg / "mimic-cxr-2.0.0-split.csv").write_text(SPLIT)
    (jpg / "mimic-cxr-2.0.0-chexpert.csv").write_text(CHEXPERT)
    for line in METADATA.strip().splitlines()[1:]:
        f = line.split(",")
        jpeg_factory(_img_path(jpg, f[1], f[2], f[0]), int(f[5]), int(f[6]))
    for subject, study, text in [
        ("10000001", "50000001", REPORT_1),
        ("10000002", "50000007", REPORT_7),
        ("10000002", "50000009", REPORT_9),
        ("10000003", "50000011", REPORT_11),
    ]:
        p = rep / "files" / f"p{subject[:2]}" / f"p{subject}" / f"s{study}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    mscxr = tmp_path / "ms-cxr" / "MS_CXR_Local_Alignment_v1.0.0.csv"
    mscxr.parent.mkdir()
    mscxr.write_text(MSCXR_V10)
    return {"jpg": jpg, "reports": rep, "mscxr": mscxr, "root": tmp_path}


def test_mimic_train_filters_and_counts(mimic, caplog):
    with caplog.at_level(logging.INFO):
        out = read_mimic_cxr(mimic["jpg"], mimic["reports"], split="train", exclude_mscxr_csv=mimic["mscxr"])
    # D1 + D2 (train, s50000001); D4 has no FINDINGS/IMPRESSION -> dropped; D3 validate; D5 test
    assert [s.image_id for s in out] == [D1, D2]
    s = out[0]
    assert s.study_id == "50000001" and s.subject_id == "10000001" and s.split == "train" and s.view == "PA"
    assert s.original_size == (60, 50)
    assert s.image_path == _img_path(mimic["jpg"], "10000001", "50000001", D1)
    assert s.sentences == (
        "There is a small left pleural effusion, slightly larger than on the prior study, with adjacent basilar atelectasis.",
        "The right lung is clear.",
        "Heart size is normal.",
        "No pneumothorax.",
        "Small left pleural effusion, increased.",
    )
    assert "1 without sentences" in caplog.text and "dropped 2 by split" in caplog.text


def test_mimic_frontal_only_and_all_splits(mimic):
    out = read_mimic_cxr(mimic["jpg"], mimic["reports"], split=None, frontal_only=True, exclude_mscxr_csv=mimic["mscxr"])
    # D2 lateral, D4 no sentences; D3 and D5 are MS-CXR images (a v1.0.0 CSV has no split: all go)
    assert [s.image_id for s in out] == [D1]
    out = read_mimic_cxr(mimic["jpg"], mimic["reports"], split=None, frontal_only=True)
    assert [s.image_id for s in out] == [D5, D1, D3]
    out = read_mimic_cxr(mimic["jpg"], mimic["reports"], split=["val", "test"])
    assert [s.image_id for s in out] == [D5, D3]


def test_mimic_labels_joined_by_study(mimic):
    out = read_mimic_cxr(mimic["jpg"], mimic["reports"], split="validate", with_labels=True)
    assert len(out) == 1 and out[0].image_id == D3
    lab = out[0].labels
    assert lab["Atelectasis"] == -1.0 and lab["Edema"] == 0.0 and lab["Pneumonia"] == 1.0
    assert lab["Cardiomegaly"] is None


def test_mimic_sentences_mapping(mimic):
    sents = {"50000001": ["There is small left pleural effusion"], "50000009": []}
    out = read_mimic_cxr(mimic["jpg"], sentences=sents, split="train")
    assert [s.image_id for s in out] == [D1, D2]
    assert out[0].sentences == ("There is small left pleural effusion",)


def test_mimic_missing_report_and_image(mimic):
    p = mimic["reports"] / "files" / "p10" / "p10000001" / "s50000001.txt"
    p.unlink()
    with pytest.raises(DataFormatError, match=r"s50000001\.txt") as ei:
        read_mimic_cxr(mimic["jpg"], mimic["reports"])
    assert "metadata.csv: line 3" in str(ei.value) and D1 in str(ei.value)
    out = read_mimic_cxr(mimic["jpg"], mimic["reports"], on_error="skip", split=None)
    assert D1 not in {s.image_id for s in out} and D3 in {s.image_id for s in out}
    p.write_text("   \n")
    with pytest.raises(DataFormatError, match="report file is empty"):
        read_mimic_cxr(mimic["jpg"], mimic["reports"])
    p.write_text(REPORT_1)
    _img_path(mimic["jpg"], "10000001", "50000001", D2).unlink()
    with pytest.raises(DataFormatError, match="image file not found"):
        read_mimic_cxr(mimic["jpg"], mimic["reports"])
    assert len(read_mimic_cxr(mimic["jpg"], mimic["reports"], check_images=False)) == 2


def test_mimic_missing_column(mimic):
    (mimic["jpg"] / "mimic-cxr-2.0.0-metadata.csv").write_text(METADATA.replace("ViewPosition", "View"))
    with pytest.raises(DataFormatError, match=r"missing column\(s\) \['ViewPosition'\]"):
        read_mimic_cxr(mimic["jpg"], mimic["reports"])


def test_mimic_needs_text_source(mimic):
    with pytest.raises(ValueError, match="reports_root"):
        read_mimic_cxr(mimic["jpg"])


# ---------------------------------------------------------------------------------- report text


def test_report_sections_title_line_ends_and_variants():
    text = ("WET READ: ___ 8:05 PM\r\n                FINAL REPORT\r\n FINDINGS AND IMPRESSION:  Heart size is\r\n"
            " normal.  Lungs clear.\r\n\r\n IMPRESSIONS: \r\n 1. No acute process.\r\n AT 8:05 a line that is no header.")
    sections = parse_report_sections(text)
    assert list(sections) == ["WET READ", "FINDINGS AND IMPRESSION", "IMPRESSIONS"]  # no "FINAL REPORT" preamble
    assert sections["FINDINGS AND IMPRESSION"] == "Heart size is normal. Lungs clear."
    assert sections["IMPRESSIONS"] == "1. No acute process. AT 8:05 a line that is no header."
    # FINDINGS / IMPRESSION collect their variants, for the reader and the extractor alike
    assert report_sentences(text) == ["Heart size is normal.", "Lungs clear.", "No acute process.",
                                      "AT 8:05 a line that is no header."]
    sec = parse_mimic_report(text)
    assert sec["findings"] == "Heart size is normal. Lungs clear." and sec["impression"].startswith("1. No acute")
    assert parse_report_sections("FINDINGS:\n No effusion\n Mild   cardiomegaly", keep_line_breaks=True) == {
        "FINDINGS": "No effusion\nMild cardiomegaly"}


def test_last_paragraph_fallback_title_and_header_inside_paragraph():
    text = " FINAL REPORT\n EXAMINATION:  CHEST\n\n INDICATION:  ___\n"
    assert parse_mimic_report(text)["section_source"] == "none"  # the title is no finding text
    text = "INDICATION: cough\n\nLungs clear. No effusion.\nNOTIFICATION: called Dr. ___ at 8:05 AM.\n"
    sec = parse_mimic_report(text)
    assert sec == {"findings": "Lungs clear. No effusion.", "impression": "", "section_source": "last_paragraph"}


def test_split_sentences_abbreviations_decimals_numbering_and_line_breaks():
    text = "Discussed with Dr. ___ at 8 am. Effusion vs. atelectasis.  1.5 cm nodule; 2) XXXX. No. normal.The end"
    assert split_sentences(text) == ["Discussed with Dr. ___ at 8 am.", "Effusion vs. atelectasis.",
                                     "1.5 cm nodule;", "normal.", "The end"]
    wrapped = "There is a small effusion,\n with atelectasis.\n\nLungs clear"
    assert split_sentences(wrapped) == ["There is a small effusion, with atelectasis.", "Lungs clear"]
    assert split_sentences("No effusion\nMild cardiomegaly", line_breaks_end_sentences=True) == [
        "No effusion", "Mild cardiomegaly"]
    assert split_sentences("No effusion\nMild cardiomegaly") == ["No effusion Mild cardiomegaly"]


# ---------------------------------------------------------------------------------- RadZero JSON


def _radzero_records():
    base = {
        "study_id": 50000001, "subject_id": 10000001, "split": "train",
        "findings": "There is a small left pleural effusion.", "impression": "Small left pleural effusion.",
    }  # fmt: skip
    return [
        {**base, "dicom_id": f"{D1}.jpg", "view_position": "PA",
         "key_phrases": ["There is small left pleural effusion", "There is no pneumothorax", "  "]},
        {**base, "dicom_id": f"{D2}.jpg", "view_position": "LATERAL", "key_phrases": ["There is small left pleural effusion"]},
        {**base, "dicom_id": f"{D4}.jpg", "view_position": "PA", "key_phrases": []},
        {**base, "dicom_id": f"{D3}.jpg", "view_position": "AP", "split": "validate", "key_phrases": ["There is pneumonia"]},
        {**base, "dicom_id": f"{D5}.jpg", "view_position": "PA", "split": "train", "key_phrases": ["There is effusion"]},
    ]  # fmt: skip


@pytest.fixture
def radzero(mimic, jpeg_factory):
    root = mimic["root"] / "radzero"
    images = root / "MIMIC-CXR" / "images"
    for d in (D1, D2, D3, D4, D5):
        jpeg_factory(images / f"{d}.jpg", 40, 30)
    path = root / "radzero_mimic.json"
    path.write_text(json.dumps(_radzero_records(), indent=1))
    return {"json": path, "images": images, "mscxr": mimic["mscxr"]}


def test_radzero_json(radzero, caplog):
    with caplog.at_level(logging.INFO):
        out = read_radzero_json(radzero["json"], radzero["images"], exclude_mscxr_csv=radzero["mscxr"])
    assert [s.image_id for s in out] == [D1, D2]
    assert out[0].sentences == ("There is small left pleural effusion", "There is no pneumothorax")
    assert out[0].image_path == radzero["images"] / f"{D1}.jpg"
    assert out[0].study_id == "50000001" and out[0].view == "PA"
    assert "1 with empty key_phrases" in caplog.text and "1 MS-CXR" in caplog.text
    out = read_radzero_json(radzero["json"], radzero["images"], split="val", frontal_only=True)
    assert [s.image_id for s in out] == [D3]
    out = read_radzero_json(radzero["json"], radzero["images"], split=None, frontal_only=True)
    assert [s.image_id for s in out] == [D1, D3, D5]


@pytest.mark.parametrize(
    "payload, match",
    [
        ({"train": []}, "expected a JSON list of records, got dict"),
        ("hello", "expected a JSON list of records, got str"),
        ([1, 2], "item 0 is int"),
    ],
)
def test_radzero_json_not_records(tmp_path, payload, match):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(payload))
    with pytest.raises(DataFormatError, match=match):
        read_radzero_json(p, tmp_path)


def test_radzero_json_bad_records(radzero):
    recs = _radzero_records()
    recs[1]["key_phrases"] = "There is effusion"  # a string, not a list
    del recs[3]["dicom_id"]
    radzero["json"].write_text(json.dumps(recs))
    with pytest.raises(DataFormatError, match=r"record 1 .*key_phrases must be a list"):
        read_radzero_json(radzero["json"], radzero["images"], split=None)
    out = read_radzero_json(radzero["json"], radzero["images"], split=None, on_error="skip")
    assert [s.image_id for s in out] == [D1, D5]
    (radzero["images"] / f"{D1}.jpg").unlink()
    with pytest.raises(DataFormatError, match=rf"record 0 \(dicom_id={D1}.jpg\).*image file not found"):
        read_radzero_json(radzero["json"], radzero["images"])


def test_radzero_json_invalid_json(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('[{"dicom_id": ')
    with pytest.raises(DataFormatError, match="broken.json: not valid JSON"):
        read_radzero_json(p, tmp_path)


# ---------------------------------------------------------------------------------- MS-CXR


def test_mscxr_groups_boxes(mimic):
    out = read_mscxr(mimic["mscxr"], mimic["jpg"])
    assert [(s.image_id, s.phrase) for s in out] == [
        (D5, "small left pleural effusion"), (D3, "bibasilar opacities"), (D3, "mild edema"),
    ]  # fmt: skip
    g = out[1]
    assert g.boxes == ((2.0, 30.0, 10.0, 10.0), (25.0, 28.0, 12.0, 11.0))
    assert g.category == "Pneumonia" and g.original_size == (50, 40)
    assert g.image_path == _img_path(mimic["jpg"], "10000002", "50000007", D3)
    m = g.mask()
    assert m.shape == (50, 40) and m.sum() == 10 * 10 + 12 * 11 and m[30, 2] and not m[29, 2]
    assert validate_samples(out, decode=True) == out


def test_mscxr_v11_split(mimic):
    rows = MSCXR_V10.strip().splitlines()
    v11 = [rows[0] + ",split"] + [r + s for r, s in zip(rows[1:], [",test", ",val", ",val", ",train"])]
    p = mimic["mscxr"].with_name("MS_CXR_Local_Alignment_v1.1.0.csv")
    p.write_text("\n".join(v11) + "\n")
    out = read_mscxr(p, mimic["jpg"], split="test")
    assert [s.phrase for s in out] == ["small left pleural effusion"] and out[0].split == "test"
    assert len(read_mscxr(p, mimic["jpg"], split="validate")[0].boxes) == 2
    assert len(read_mscxr(p, mimic["jpg"])) == 3
    assert mscxr_image_ids(p) == {D5}
    assert mscxr_image_ids(p, splits=None) == {D3, D5}
    assert mscxr_image_ids(mimic["mscxr"]) == {D3, D5}  # v1.0.0: no split -> all images
    with pytest.raises(DataFormatError, match="no 'split' column"):
        read_mscxr(mimic["mscxr"], mimic["jpg"], split="test")


def test_mscxr_box_outside_image(mimic):
    bad = MSCXR_V10.replace(",25,28,12,11,40,50", ",35,28,12,11,40,50")
    mimic["mscxr"].write_text(bad)
    with pytest.raises(DataFormatError, match=r"line 4 .*outside the 50x40"):
        read_mscxr(mimic["mscxr"], mimic["jpg"])
    out = read_mscxr(mimic["mscxr"], mimic["jpg"], on_error="skip")
    # the whole phrase is dropped, not returned with one box missing
    assert [s.phrase for s in out] == ["small left pleural effusion", "mild edema"]


def test_mscxr_tolerance_clips(mimic):
    mimic["mscxr"].write_text(MSCXR_V10.replace(",25,28,12,11,40,50", ",28.5,28,12,11,40,50"))
    out = read_mscxr(mimic["mscxr"], mimic["jpg"])
    assert out[1].boxes[1] == (28.5, 28.0, 11.5, 11.0)


def test_mscxr_missing_column_and_image(mimic):
    mimic["mscxr"].write_text(MSCXR_V10.replace("image_height", "height"))
    with pytest.raises(DataFormatError, match="image_height"):
        read_mscxr(mimic["mscxr"], mimic["jpg"])
    mimic["mscxr"].write_text(MSCXR_V10)
    _img_path(mimic["jpg"], "10000003", "50000011", D5).unlink()
    with pytest.raises(DataFormatError, match="image file not found"):
        read_mscxr(mimic["mscxr"], mimic["jpg"])
    assert len(read_mscxr(mimic["mscxr"], mimic["jpg"], on_error="skip")) == 2


# ---------------------------------------------------------------------------------- CheXpert

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


# ---------------------------------------------------------------------------------- ChestX-Det10


@pytest.fixture
def chestxdet(tmp_path, png_factory):
    root = tmp_path / "chestxdet10"
    recs = [
        {"file_name": "36302.png", "syms": ["Effusion", "Consolidation", "Effusion"],
         "boxes": [[10, 20, 30, 40], [1, 2, 11, 12], [40, 40, 50, 60]]},
        {"file_name": "36303.png", "syms": [], "boxes": []},
    ]  # fmt: skip
    (root / "test_data").mkdir(parents=True)
    (root / "test.json").write_text(json.dumps(recs))
    png_factory(root / "test_data" / "36302.png", np.zeros((64, 56), np.uint8))
    png_factory(root / "test_data" / "36303.png", np.zeros((64, 56), np.uint8))
    return root


def test_chestxdet10(chestxdet):
    imgs = read_chestxdet10(chestxdet / "test.json", chestxdet / "test_data")
    assert imgs[0].original_size == (64, 56)
    assert imgs[0].annotations[0] == ("Effusion", (10.0, 20.0, 20.0, 20.0))
    g = read_chestxdet10_grounding(chestxdet / "test.json", chestxdet / "test_data")
    assert [(s.image_id, s.category, len(s.boxes)) for s in g] == [("36302.png", "Effusion", 2), ("36302.png", "Consolidation", 1)]
    c = read_chestxdet10_classification(chestxdet / "test.json", chestxdet / "test_data")
    assert c[0].labels["Effusion"] == 1.0 and c[0].labels["Nodule"] == 0.0 and len(c[0].labels) == 10
    assert sum(c[1].labels.values()) == 0


def test_chestxdet10_errors(chestxdet):
    recs = json.loads((chestxdet / "test.json").read_text())
    recs[0]["boxes"][2] = [40, 40, 70, 60]  # x2 = 70 > W = 56
    (chestxdet / "test.json").write_text(json.dumps(recs))
    with pytest.raises(DataFormatError, match=r"record 0 \(file_name=36302.png\).*outside"):
        read_chestxdet10(chestxdet / "test.json", chestxdet / "test_data")
    recs[0]["boxes"] = recs[0]["boxes"][:2]
    (chestxdet / "test.json").write_text(json.dumps(recs))
    with pytest.raises(DataFormatError, match="equal length"):
        read_chestxdet10(chestxdet / "test.json", chestxdet / "test_data")
    assert len(read_chestxdet10(chestxdet / "test.json", chestxdet / "test_data", on_error="skip")) == 1


# ---------------------------------------------------------------------------------- SIIM

UID_NEG = "1.2.276.0.7230010.3.1.4.8323329.1000.1517875165.878027"
UID_POS = "1.2.276.0.7230010.3.1.4.8323329.1001.1517875166.121144"
UID_POS2 = "1.2.276.0.7230010.3.1.4.8323329.1002.1517875166.200000"


@pytest.fixture
def siim(tmp_path, dicom_factory):
    root = tmp_path / "siim"
    m = np.zeros((16, 12), bool)
    m[3:6, 2:5] = True
    m2 = np.zeros((16, 12), bool)
    m2[10:12, 8:10] = True
    rows = ["ImageId, EncodedPixels", f"{UID_NEG}, -1", f"{UID_POS}, {rle_encode(m)}", f"{UID_POS}, {rle_encode(m2)}",
            f"{UID_POS2}, {rle_encode(m2)}"]  # fmt: skip
    (root).mkdir()
    (root / "train-rle.csv").write_text("\n".join(rows) + "\n")
    for k, uid in enumerate([UID_NEG, UID_POS, UID_POS2]):
        p = root / "dicom-images-train" / f"1.2.3.{k}" / f"1.2.3.{k}.1" / f"{uid}.dcm"
        dicom_factory(p, np.zeros((16, 12), np.uint16), sop_uid=uid)
    (root / "splits").mkdir()
    (root / "splits" / "validation.txt").write_text(f"{UID_POS2}\n")
    (root / "splits" / "test.txt").write_text(f"{UID_POS}\n{UID_NEG}\n")
    return {"root": root, "m": m, "m2": m2}


def test_siim(siim):
    root = siim["root"]
    out = read_siim(root / "train-rle.csv", root / "dicom-images-train")
    assert [s.image_id for s in out] == [UID_NEG, UID_POS, UID_POS2]
    neg, pos = out[0], out[1]
    assert not neg.positive and neg.mask_rle == "-1" and not neg.mask().any()
    assert pos.positive and pos.original_size == (16, 12)
    np.testing.assert_array_equal(pos.mask(), siim["m"] | siim["m2"])  # rows merged
    assert pos.image_path.name == f"{UID_POS}.dcm"
    test = read_siim(root / "train-rle.csv", root / "dicom-images-train", ids_file=root / "splits" / "test.txt")
    assert [s.image_id for s in test] == [UID_POS, UID_NEG]
    assert validate_samples(out, decode=True) == out


def test_siim_readme_example(tmp_path, dicom_factory):
    (tmp_path / "train-rle.csv").write_text(f"ImageId, EncodedPixels\n{UID_POS}, 5 2 3 1\n")
    dicom_factory(tmp_path / "d" / f"{UID_POS}.dcm", np.zeros((4, 4), np.uint16))
    (s,) = read_siim(tmp_path / "train-rle.csv", tmp_path / "d")
    assert sorted(zip(*np.nonzero(s.mask()))) == [(1, 1), (2, 1), (2, 2)]


def test_siim_errors(siim):
    root = siim["root"]
    text = (root / "train-rle.csv").read_text()
    (root / "train-rle.csv").write_text(text + f"{UID_NEG}, 5 2 3\n")
    with pytest.raises(DataFormatError, match=rf"ImageId={UID_NEG}.*line 6: malformed RLE.*odd number"):
        read_siim(root / "train-rle.csv", root / "dicom-images-train")
    out = read_siim(root / "train-rle.csv", root / "dicom-images-train", on_error="skip")
    assert [s.image_id for s in out] == [UID_POS, UID_POS2]
    (root / "train-rle.csv").write_text(text + f"{UID_NEG}, 190 5\n")  # beyond 16 x 12 = 192
    with pytest.raises(DataFormatError, match="beyond"):
        read_siim(root / "train-rle.csv", root / "dicom-images-train")
    (root / "train-rle.csv").write_text(text + "1.2.3.missing, -1\n")
    with pytest.raises(DataFormatError, match=r"no DICOM 1.2.3.missing.dcm"):
        read_siim(root / "train-rle.csv", root / "dicom-images-train")
    (root / "splits" / "test.txt").write_text("1.2.3.unknown\n")
    (root / "train-rle.csv").write_text(text)
    with pytest.raises(DataFormatError, match="has no row in the CSV"):
        read_siim(root / "train-rle.csv", root / "dicom-images-train", ids_file=root / "splits" / "test.txt")


def test_siim_missing_column(siim):
    root = siim["root"]
    (root / "train-rle.csv").write_text("ImageId,Pixels\nx,-1\n")
    with pytest.raises(DataFormatError, match="EncodedPixels"):
        read_siim(root / "train-rle.csv", root / "dicom-images-train")


# ---------------------------------------------------------------------------------- RSNA

RSNA_CSV = """ID,img_path,boxes,class
0,RSNA/stage_2_train_images/0004cfab-14fd-4e49-80ba-63a80b6bddd6.dcm,,0
1,RSNA/stage_2_train_images/00436515-870c-4b36-a041-de91049b9ab4.dcm,2.0;3.0;4.0;5.0|10.0;10.0;6.0;4.0,1
"""


@pytest.fixture
def rsna(tmp_path, dicom_factory):
    root = tmp_path / "rsna"
    root.mkdir()
    (root / "test.csv").write_text(RSNA_CSV)
    for line in RSNA_CSV.strip().splitlines()[1:]:
        dicom_factory(root / line.split(",")[1], np.zeros((20, 24), np.uint8))
    return root


def test_rsna(rsna):
    out = read_rsna(rsna / "test.csv", rsna)
    assert [s.image_id for s in out] == ["0004cfab-14fd-4e49-80ba-63a80b6bddd6", "00436515-870c-4b36-a041-de91049b9ab4"]
    neg, pos = out
    assert not neg.positive and neg.boxes == () and not neg.mask().any()
    assert pos.positive and pos.boxes == ((2.0, 3.0, 4.0, 5.0), (10.0, 10.0, 6.0, 4.0))
    assert pos.original_size == (20, 24)
    m = pos.mask()
    assert m.sum() == 4 * 5 + 6 * 4 and m[3, 2] and m[7, 5] and not m[8, 5]
    out2 = read_rsna(rsna / "test.csv", rsna, image_size=(20, 24), check_images=False)
    assert [s.original_size for s in out2] == [(20, 24), (20, 24)]


@pytest.mark.parametrize(
    "bad, match",
    [
        ("2.0;3.0;4.0;5.0|10.0;10.0;6.0;4.0,0", "disagrees"),
        ("2.0;3.0;4.0|10.0;10.0;6.0;4.0,1", "not 'x;y;w;h'"),
        ("2.0;3.0;4.0;5.0|20.0;10.0;6.0;4.0,1", "outside the 20x24"),
        ("2.0;3.0;4.0;5.0|10.0;10.0;6.0;4.0,2", "class must be 0 or 1"),
    ],
)
def test_rsna_errors(rsna, bad, match):
    text = RSNA_CSV.replace("2.0;3.0;4.0;5.0|10.0;10.0;6.0;4.0,1", bad)
    (rsna / "test.csv").write_text(text)
    with pytest.raises(DataFormatError, match=rf"line 3 .*{match}"):
        read_rsna(rsna / "test.csv", rsna)
    assert len(read_rsna(rsna / "test.csv", rsna, on_error="skip")) == 1


def test_on_error_value_checked(rsna):
    with pytest.raises(ValueError, match="on_error"):
        read_rsna(rsna / "test.csv", rsna, on_error="ignore")


def test_validate_samples_size_mismatch_and_corrupt(mimic, caplog):
    out = read_mimic_cxr(mimic["jpg"], mimic["reports"], split=None)
    s = out[0]
    p = s.image_path
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFormatError, match=rf"image_id={s.image_id}"):
        validate_samples(out, decode=True)
    with caplog.at_level(logging.WARNING):
        ok = validate_samples(out, decode=True, on_error="skip")
    assert s not in ok and len(ok) == len(out) - 1 and "skipped 1" in caplog.text
    (mimic["jpg"] / "mimic-cxr-2.0.0-metadata.csv").write_text(METADATA.replace(",60,50,", ",61,50,"))
    p.write_bytes(data)
    out = read_mimic_cxr(mimic["jpg"], mimic["reports"], split=None)
    with pytest.raises(DataFormatError, match=r"header size \(60, 50\)"):
        validate_samples(out)
