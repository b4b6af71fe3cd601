"""MS-CXR reader (phrase grounding boxes on MIMIC-CXR images) against small files in the exact public layout (made-up
rows, written here)."""

from __future__ import annotations

import pytest
from helpers.mimic_layout import D3, D5, MSCXR_V10, _img_path, write_mimic_layout

from radzero.data.readers import (
    DataFormatError,
    mscxr_image_ids,
    read_mscxr,
    validate_samples,
)


@pytest.fixture
def mimic(tmp_path, jpeg_factory):
    return write_mimic_layout(tmp_path, jpeg_factory)


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
