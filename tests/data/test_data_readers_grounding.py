"""Grounding / segmentation readers (ChestX-Det10 boxes, SIIM masks, RSNA boxes) against small files in the exact
public layouts (made-up rows, written here)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from radzero.data.readers import (
    DataFormatError,
    read_chestxdet10,
    read_chestxdet10_classification,
    read_chestxdet10_grounding,
    read_rsna,
    read_siim,
    validate_samples,
)
from radzero.data.rle import rle_encode

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
