"""MIMIC-CXR reader (MIMIC-CXR-JPG CSVs + free-text reports) and image validation against small files in the exact
public layout (made-up rows, written here)."""

from __future__ import annotations

import logging

import pytest
from helpers.mimic_layout import (
    D1,
    D2,
    D3,
    D5,
    METADATA,
    REPORT_1,
    _img_path,
    write_mimic_layout,
)

from radzero.data.readers import DataFormatError, read_mimic_cxr, validate_samples


@pytest.fixture
def mimic(tmp_path, jpeg_factory):
    return write_mimic_layout(tmp_path, jpeg_factory)


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
