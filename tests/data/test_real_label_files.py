"""The readers on the real label files shipped in the torchxrayvision wheel (read in place, never copied
here), images not checked.

Each test asserts (a) the counts the dataset papers / official releases publish and (b) equality with an
independent pandas computation written here; it prints its counts and the reader's time (``pytest -s``).
"""

from __future__ import annotations

import ast
import importlib.util
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from radzero.data.readers import (
    CHESTXRAY14_CLASSES,
    read_chestxray14,
    read_chestxray14_boxes,
    read_chexpert_5x200,
    read_chexpert_train,
    read_padchest,
    read_rsna_kaggle,
    read_siim,
)
from radzero.data.readers.chexpert import CHEXPERT_TRAIN_COLUMNS

NO_IMAGES = Path("/nonexistent-images")


def _xrv_data() -> Path | None:
    spec = importlib.util.find_spec("torchxrayvision")  # no import: torchxrayvision pulls in torch
    return Path(spec.origin).parent / "data" if spec is not None and spec.origin else None


def real_file(name: str) -> Path:
    data = _xrv_data()
    if data is None:
        pytest.skip("torchxrayvision is not installed: its wheel ships the real label files")
    path = data / name
    if not path.is_file():
        pytest.skip(f"{name} is not in this torchxrayvision wheel ({data})")
    return path


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


# ------------------------------------------------------------------------------------------- ChestX-ray14


def test_chestxray14_data_entry():
    path = real_file("Data_Entry_2017_v2020.csv.gz")
    samples, secs = timed(read_chestxray14, path, NO_IMAGES, check_images=False)
    df = pd.read_csv(path)
    # published: 112,120 frontal images of 30,805 patients, 14 findings (Wang et al. 2017; NIH release)
    assert len(samples) == 112_120 and df["Patient ID"].nunique() == 30_805
    assert [s.image_id for s in samples] == df["Image Index"].tolist()
    terms = df["Finding Labels"].str.get_dummies("|")
    expected = {c: int(terms[c].sum()) for c in CHESTXRAY14_CLASSES}
    got = {c: int(sum(s.labels[c] for s in samples)) for c in CHESTXRAY14_CLASSES}
    assert got == expected
    no_finding = sum(not any(s.labels.values()) for s in samples)
    assert no_finding == int(terms["No Finding"].sum())
    print(f"\nChestX-ray14 Data_Entry: {len(samples)} images, {no_finding} 'No Finding', positives {got}; "
          f"read_chestxray14 {secs:.2f} s")  # fmt: skip


def test_chestxray14_bbox_list():
    path = real_file("BBox_List_2017.csv.gz")
    samples, secs = timed(read_chestxray14_boxes, path, NO_IMAGES, check_images=False)
    df = pd.read_csv(path)
    df.columns = ["image", "label", "x", "y", "w", "h", *df.columns[6:]]
    n_boxes = sum(len(s.boxes) for s in samples)
    n_images = len({s.image_id for s in samples})
    # published: 984 boxes of 8 findings on 880 images (NIH release, BBox_List_2017.csv)
    assert (n_boxes, n_images) == (984, 880)
    assert {s.category for s in samples} == {"Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass",
                                            "Nodule", "Pneumonia", "Pneumothorax"}  # fmt: skip
    expected = {
        (img, lab): [tuple(r) for r in g[["x", "y", "w", "h"]].to_numpy()] for (img, lab), g in df.groupby(["image", "label"])
    }
    got = {(s.image_id, s.phrase): s.boxes for s in samples}
    assert got.keys() == expected.keys() and len(samples) == len(expected)
    for key, boxes in got.items():
        np.testing.assert_allclose(np.array(boxes), np.array(expected[key]), rtol=0, atol=1e-9)
    assert all(s.original_size == (1024, 1024) for s in samples)
    print(f"\nChestX-ray14 BBox list: {n_boxes} boxes, {len(samples)} (image, finding) pairs, {n_images} images; "
          f"read_chestxray14_boxes {secs:.3f} s")  # fmt: skip


# ------------------------------------------------------------------------------------------- RSNA (Kaggle)


def test_rsna_kaggle_stage2_train():
    path = real_file("kaggle_stage_2_train_labels.csv.zip")
    samples, secs = timed(read_rsna_kaggle, path, NO_IMAGES, check_images=False)
    df = pd.read_csv(path)
    n_pos = sum(s.positive for s in samples)
    n_boxes = sum(len(s.boxes) for s in samples)
    # published: stage 2 train, 26,684 patients, 6,012 with pneumonia, 9,555 boxes (30,227 rows)
    assert (len(df), len(samples), n_pos, n_boxes) == (30_227, 26_684, 6_012, 9_555)
    assert [s.image_id for s in samples] == df["patientId"].drop_duplicates().tolist()
    boxes = df[df["Target"] == 1].groupby("patientId")[["x", "y", "width", "height"]]
    expected = {pid: [tuple(r) for r in g.to_numpy()] for pid, g in boxes}
    got = {s.image_id: list(s.boxes) for s in samples if s.positive}
    assert got.keys() == expected.keys()
    assert all(np.allclose(got[k], expected[k]) for k in got)
    assert all(s.original_size == (1024, 1024) and s.image_path.name == f"{s.image_id}.dcm" for s in samples)
    print(f"\nRSNA stage 2 train: {len(samples)} patients, {n_pos} positive, {n_boxes} boxes; "
          f"read_rsna_kaggle {secs:.2f} s")  # fmt: skip


# ------------------------------------------------------------------------------------------- SIIM-ACR


def _area(rle: str) -> np.ndarray:
    """Flat (column-major) pixel indices of a SIIM RLE, decoded independently of radzero.data.rle."""
    v = np.array(rle.split(), dtype=np.int64)
    ends = np.cumsum(v[0::2] + v[1::2])
    starts = ends - v[1::2]
    return np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)])


@pytest.mark.slow
def test_siim_train_rle():
    path = real_file("siim-pneumothorax-train-rle.csv.gz")
    samples, secs = timed(read_siim, path, NO_IMAGES, check_images=False)
    df = pd.read_csv(path)
    df.columns = [c.strip() for c in df.columns]
    df["EncodedPixels"] = df["EncodedPixels"].str.strip()
    positive = df[df["EncodedPixels"] != "-1"]
    # published: the stage-2 training set, 12,047 images (stage-1 train 10,675 + stage-1 test 1,372)
    assert len(samples) == 12_047
    assert [s.image_id for s in samples] == df["ImageId"].drop_duplicates().tolist()
    assert {s.image_id for s in samples if s.positive} == set(positive["ImageId"])
    multi = positive["ImageId"].value_counts()
    rng = np.random.default_rng(0)
    picked = set(rng.choice(multi.index[multi > 1], 20, replace=False)) | set(rng.choice(multi.index[multi == 1], 20, replace=False))
    by_id = {s.image_id: s for s in samples}
    areas = []
    for iid in sorted(picked):
        expected = np.unique(np.concatenate([_area(r) for r in positive.loc[positive["ImageId"] == iid, "EncodedPixels"]]))
        mask = by_id[iid].mask()
        assert mask.shape == (1024, 1024)
        np.testing.assert_array_equal(np.flatnonzero(mask.ravel(order="F")), expected)
        areas.append(len(expected))
    n_pos = sum(s.positive for s in samples)
    print(f"\nSIIM train-rle: {len(df)} rows, {len(samples)} images, {n_pos} positive, "
          f"{int((multi > 1).sum())} with several regions; {len(areas)} masks checked, areas min / median / max "
          f"{min(areas)} / {int(np.median(areas))} / {max(areas)} px; read_siim {secs:.2f} s")  # fmt: skip


# ------------------------------------------------------------------------------------------- PadChest


@pytest.mark.slow
def test_padchest_physician_labels():
    path = real_file("PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv.gz")
    samples, secs = timed(read_padchest, path, NO_IMAGES, check_images=False)
    df = pd.read_csv(path, usecols=["ImageID", "ImageDir", "MethodLabel", "Labels"], dtype=str)
    phys = df[df["MethodLabel"] == "Physician"]
    terms = [{t.strip().lower() for t in ast.literal_eval(c)} - {"", "normal"} for c in phys["Labels"]]
    assert [s.image_id for s in samples] == phys["ImageID"].tolist()
    assert [set(s.labels) for s in samples] == terms
    assert all(s.image_path == NO_IMAGES / d / i for s, d, i in zip(samples, phys["ImageDir"], phys["ImageID"]))
    counts = pd.Series([t for ts in terms for t in ts]).value_counts()
    n_normal = sum(not s.labels for s in samples)
    print(f"\nPadChest: {len(df)} rows, {len(samples)} Physician-labelled images, {n_normal} without findings, "
          f"{len(counts)} terms, top {counts.head(5).to_dict()}; read_padchest {secs:.2f} s")  # fmt: skip


# ------------------------------------------------------------------------------------------- CheXpert


@pytest.mark.slow
def test_chexpert_train():
    path = real_file("chexpert_train.csv.gz")
    samples, secs = timed(read_chexpert_train, path, NO_IMAGES, check_images=False)
    df = pd.read_csv(path)
    # published: the training set, 223,414 images of 64,540 patients (Irvin et al. 2019)
    assert len(samples) == 223_414 and df["Path"].str.extract(r"(patient\d+)")[0].nunique() == 64_540
    assert [s.image_id for s in samples] == df["Path"].tolist()
    for c in CHEXPERT_TRAIN_COLUMNS:
        got = pd.Series([s.labels[c] for s in samples], dtype=float).value_counts(dropna=False).sort_index()
        expected = df[c].value_counts(dropna=False).sort_index()
        pd.testing.assert_series_equal(got, expected, check_names=False, check_index_type=False)
    frontal, _ = timed(read_chexpert_train, path, NO_IMAGES, frontal_only=True, check_images=False)
    assert len(frontal) == int((df["Frontal/Lateral"] == "Frontal").sum())
    five, secs5 = timed(read_chexpert_5x200, path, NO_IMAGES, on_error="skip", check_images=False)
    one_positive = (df[["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]] == 1.0).sum(axis=1) == 1
    assert [s.image_id for s in five] == df.loc[one_positive, "Path"].tolist()
    pos = {c: int((df[c] == 1.0).sum()) for c in CHEXPERT_TRAIN_COLUMNS}
    print(f"\nCheXpert train: {len(samples)} images ({len(frontal)} frontal), positives {pos}, "
          f"{len(five)} rows with one competition-class positive; read_chexpert_train {secs:.2f} s, "
          f"read_chexpert_5x200 (skip mode) {secs5:.2f} s")  # fmt: skip
