"""The authors' RadZero JSON (key phrases per image) against small files in the exact public layout (made-up rows,
written here)."""

from __future__ import annotations

import json
import logging

import pytest
from helpers.mimic_layout import D1, D2, D3, D4, D5, write_mimic_layout

from radzero.data.readers import DataFormatError, read_radzero_json


@pytest.fixture
def mimic(tmp_path, jpeg_factory):
    return write_mimic_layout(tmp_path, jpeg_factory)


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
