"""Grounding / segmentation readers (ChestX-Det10 boxes, SIIM masks, RSNA boxes) against small files in the exact
public layouts (made-up rows, written here)."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from radzero.data.readers import (
    DataFormatError,
    read_chestxdet10,
    read_chestxdet10_classification,
    read_chestxdet10_grounding,
    read_chestxray14_boxes,
    read_rsna,
    read_rsna_kaggle,
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


def test_rsna_authors_csv_classes_column_and_nan(tmp_path):
    (tmp_path / "test.csv").write_text(
        "ID,img_path,boxes,classes\n"
        "0,RSNA/stage_2_train_images/a.dcm,nan,0\n"
        "1,RSNA/stage_2_train_images/b.dcm,,0\n"
        "2,RSNA/stage_2_train_images/c.dcm,2.0;3.0;4.0;5.0,1\n"
    )
    out = read_rsna(tmp_path / "test.csv", tmp_path, image_size=(20, 24), check_images=False)
    assert [(s.image_id, s.positive, s.boxes) for s in out] == [
        ("a", False, ()), ("b", False, ()), ("c", True, ((2.0, 3.0, 4.0, 5.0),))]  # fmt: skip
    assert out[0].image_path == tmp_path / "RSNA/stage_2_train_images/a.dcm"
    (tmp_path / "test.csv").write_text("ID,img_path,boxes,classes\n0,a.dcm,2.0;3.0;x;5.0,1\n")
    with pytest.raises(DataFormatError, match=r"test.csv: line 2 \(img_path=a.dcm\): boxes cell '2.0;3.0;x;5.0'"):
        read_rsna(tmp_path / "test.csv", tmp_path, image_size=(20, 24), check_images=False)
    (tmp_path / "test.csv").write_text("ID,img_path,boxes,label\n0,a.dcm,,0\n")
    with pytest.raises(DataFormatError, match=r"missing column\(s\) \['class'\] \(or 'classes'\)"):
        read_rsna(tmp_path / "test.csv", tmp_path, image_size=(20, 24), check_images=False)


# ---------------------------------------------------------------------------------- SIIM, the authors' CSV


def test_siim_authors_csv_with_dicom_path(tmp_path, dicom_factory):
    m = np.zeros((16, 12), bool)
    m[3:6, 2:5] = True
    m2 = np.zeros((16, 12), bool)
    m2[10:12, 8:10] = True
    rel = {UID_NEG: f"SIIM/dicom-images-train/1/{UID_NEG}.dcm", UID_POS: f"SIIM/dicom-images-train/2/{UID_POS}.dcm"}
    rows = ["ImageId, EncodedPixels,dicom_path", f"{UID_NEG}, -1,{rel[UID_NEG]}", f"{UID_POS}, {rle_encode(m)},{rel[UID_POS]}",
            f"{UID_POS}, {rle_encode(m2)},{rel[UID_POS]}"]  # fmt: skip
    (tmp_path / "SIIM").mkdir()
    (tmp_path / "SIIM" / "test.csv").write_text("\n".join(rows) + "\n")
    for p in rel.values():
        dicom_factory(tmp_path / p, np.zeros((16, 12), np.uint16))
    neg, pos = read_siim(tmp_path / "SIIM" / "test.csv", image_root=tmp_path)
    assert neg.image_path == tmp_path / rel[UID_NEG] and not neg.positive
    assert pos.positive and pos.original_size == (16, 12)
    np.testing.assert_array_equal(pos.mask(), m | m2)
    (tmp_path / "SIIM" / "test.csv").write_text("\n".join([*rows, f"{UID_POS}, -1,SIIM/other/{UID_POS}.dcm"]) + "\n")
    with pytest.raises(DataFormatError, match=rf"ImageId={UID_POS}.*line 5: dicom_path .*differs.*line 3"):
        read_siim(tmp_path / "SIIM" / "test.csv", image_root=tmp_path)
    assert len(read_siim(tmp_path / "SIIM" / "test.csv", image_root=tmp_path, on_error="skip")) == 1
    (tmp_path / rel[UID_NEG]).unlink()
    (tmp_path / "SIIM" / "test.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataFormatError, match=rf"ImageId={UID_NEG}.*image file not found"):
        read_siim(tmp_path / "SIIM" / "test.csv", image_root=tmp_path)
    assert len(read_siim(tmp_path / "SIIM" / "test.csv", image_root=tmp_path, check_images=False)) == 2


def test_siim_label_file_without_images(tmp_path):
    (tmp_path / "train-rle.csv").write_text(f"ImageId, EncodedPixels\n{UID_POS}, 5 2 3 1\n{UID_NEG}, -1\n")
    pos, neg = read_siim(tmp_path / "train-rle.csv", tmp_path / "no-dicoms", check_images=False)
    assert pos.image_path == tmp_path / "no-dicoms" / f"{UID_POS}.dcm"
    assert pos.original_size == (1024, 1024) and pos.mask().sum() == 3 and not neg.positive
    (small,) = read_siim(tmp_path / "train-rle.csv", tmp_path / "no", ids_file=_ids(tmp_path, UID_POS),
                         image_size=(4, 4), check_images=False)  # fmt: skip
    assert sorted(zip(*np.nonzero(small.mask()))) == [(1, 1), (2, 1), (2, 2)]
    with pytest.raises(FileNotFoundError, match="DICOM folder not found"):
        read_siim(tmp_path / "train-rle.csv", tmp_path / "no-dicoms")


def _ids(tmp_path, *ids):
    (tmp_path / "ids.txt").write_text("\n".join(ids) + "\n")
    return tmp_path / "ids.txt"


# ---------------------------------------------------------------------------------- RSNA (Kaggle)

KAGGLE = """patientId,x,y,width,height,Target
p0,,,,,0
p1,264.0,152.0,213.0,379.0,1
p2,,,,,0
p1,562.0,152.0,256.0,453.0,1
"""


def test_rsna_kaggle(tmp_path, dicom_factory):
    (tmp_path / "stage_2_train_labels.csv").write_text(KAGGLE)
    with zipfile.ZipFile(tmp_path / "labels.csv.zip", "w") as z:
        z.writestr("stage_2_train_labels.csv", KAGGLE)
    for name in ("stage_2_train_labels.csv", "labels.csv.zip"):
        out = read_rsna_kaggle(tmp_path / name, tmp_path / "img", check_images=False)
        assert [(s.image_id, s.positive, len(s.boxes)) for s in out] == [("p0", False, 0), ("p1", True, 2), ("p2", False, 0)]
        assert out[1].boxes[1] == (562.0, 152.0, 256.0, 453.0) and out[1].original_size == (1024, 1024)
        assert out[1].image_path == tmp_path / "img" / "p1.dcm" and out[1].category == "Pneumonia"
    for pid in ("p0", "p1", "p2"):
        dicom_factory(tmp_path / "img" / f"{pid}.dcm", np.zeros((600, 900), np.uint8))
    with pytest.raises(DataFormatError, match=r"line 3 \(patientId=p1\).*outside the 600x900"):
        read_rsna_kaggle(tmp_path / "stage_2_train_labels.csv", tmp_path / "img", image_size=None)


@pytest.mark.parametrize(
    "row, match",
    [
        ("p2,1,2,3,4,0", r"line 6 \(patientId=p2\): Target 0 but a box"),
        ("p3,,,,,1", r"line 6 \(patientId=p3\): Target 1 but the box cells are empty"),
        ("p3,1,2,,4,1", r"line 6 .*must be all empty or all given"),
        ("p1,,,,,0", r"line 6 \(patientId=p1\): Target 0 disagrees with Target 1 at line 3"),
        ("p0,,,,,0", r"line 6 .*second row of a Target-0 patient \(first at line 2\)"),
        ("p3,1,2,3,4,2", r"line 6 .*Target must be 0 or 1"),
    ],
)
def test_rsna_kaggle_errors(tmp_path, row, match):
    (tmp_path / "labels.csv").write_text(KAGGLE + row + "\n")
    with pytest.raises(DataFormatError, match=match):
        read_rsna_kaggle(tmp_path / "labels.csv", tmp_path, check_images=False)
    kept = read_rsna_kaggle(tmp_path / "labels.csv", tmp_path, check_images=False, on_error="skip")
    bad = row.split(",")[0]
    assert [s.image_id for s in kept] == [p for p in ("p0", "p1", "p2") if p != bad]


# ---------------------------------------------------------------------------------- ChestX-ray14 boxes

BBOX = """Image Index,Finding Label,Bbox [x,y,w,h],,,
00013118_008.png,Atelectasis,225.08,547.02,86.78,79.19
00014716_007.png,Infiltrate,686.10,131.54,185.49,313.49
00013118_008.png,Atelectasis,10,20,30,40
00013118_008.png,Mass,100,100,50,60
"""


def test_chestxray14_boxes(tmp_path, png_factory):
    (tmp_path / "BBox_List_2017.csv").write_text(BBOX)
    png_factory(tmp_path / "images_001" / "images" / "00013118_008.png", np.zeros((8, 8), np.uint8))
    png_factory(tmp_path / "00014716_007.png", np.zeros((8, 8), np.uint8))
    out = read_chestxray14_boxes(tmp_path / "BBox_List_2017.csv", tmp_path)
    assert [(s.image_id, s.phrase, s.category, len(s.boxes)) for s in out] == [
        ("00013118_008.png", "Atelectasis", "Atelectasis", 2), ("00014716_007.png", "Infiltrate", "Infiltration", 1),
        ("00013118_008.png", "Mass", "Mass", 1)]  # fmt: skip
    assert out[0].boxes[1] == (10.0, 20.0, 30.0, 40.0) and out[0].original_size == (1024, 1024)
    assert out[0].image_path == tmp_path / "images_001" / "images" / "00013118_008.png"
    (tmp_path / "bad.csv").write_text(BBOX + "00000001_000.png,Tumour,1,1,1,1\n00000001_000.png,Mass,1000,1,100,1\n")
    with pytest.raises(DataFormatError, match=r"line 6 \(Image Index=00000001_000.png, Finding Label=Tumour\)"):
        read_chestxray14_boxes(tmp_path / "bad.csv", tmp_path, check_images=False)
    with pytest.raises(DataFormatError, match=r"BBox_List_2017.csv: line 2 .*image file 00013118_008.png not found"):
        read_chestxray14_boxes(tmp_path / "BBox_List_2017.csv", tmp_path / "images_001" / "x")
    kept = read_chestxray14_boxes(tmp_path / "bad.csv", tmp_path, check_images=False, on_error="skip")
    assert len(kept) == 3
