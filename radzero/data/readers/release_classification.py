"""Classification labels of the authors' benchmark folder, each joined to its ``*_image.csv`` by image key.

Every reader returns one ``ClassificationSample`` per row of the image CSV, in its order, with
``image_id`` = the CSV's ``Path`` and ``image_path`` = ``data_root / Path``. Labels are 1.0 / 0.0 for
every class (PadChest: only the positives; read it with ``absent: negative``). Class orders are the
authors' (class k <-> key "k" of the prompts JSON). docs/protocols.md, "The authors' benchmark folder".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from radzero.data.readers._common import DataFormatError, require_file
from radzero.data.readers.release import (
    image_file,
    match_image_keys,
    read_image_list,
    read_json_file,
)
from radzero.data.samples import ClassificationSample

__all__ = [
    "OPENI_CLASSES",
    "OPENI_SYNONYMS",
    "RELEASE_CHESTXRAY14_CLASSES",
    "padchest_release_classes",
    "read_release_chestxdet10",
    "read_release_chestxray14",
    "read_release_chexpert",
    "read_release_openi",
    "read_release_padchest",
]

# The authors' 18 OpenI classes (CARZero's list; "Consolidation" is commented out there) and synonyms.
OPENI_CLASSES = (
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia", "Pneumothorax",
    "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia", "Fracture", "Opacity", "Lesion",
    "Calcified Granuloma", "Granuloma",
)  # fmt: skip
OPENI_SYNONYMS = {"Pleural_Thickening": ("pleural thickening",), "Infiltration": ("infiltrate",),
                  "Atelectasis": ("atelectases",)}
# CheXNet's test_list.txt: image name then these 14 columns (no header)
RELEASE_CHESTXRAY14_CLASSES = (
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia", "Pneumothorax",
    "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural Thickening", "Hernia",
)  # fmt: skip
_KEY_COLUMNS = ("Path", "path", "Study", "file_name", "image", "ImageID")


def _samples(
    image_csv: str | os.PathLike, data_root: str | os.PathLike, label_keys: Sequence[str], label_rows: np.ndarray,
    classes: Sequence[str], label_file: Path, label_where: Sequence[str], check_images: bool,
    positives_only: bool = False,
) -> list[ClassificationSample]:
    """Join label rows (K, C) to the image CSV by key; one sample per image, image-CSV order."""
    paths = read_image_list(image_csv)
    matched = match_image_keys(paths, label_keys, image_csv, label_file, label_where)
    row_of = {matched[key]: j for j, key in enumerate(label_keys)}
    root = Path(data_root)
    out = []
    for rel in paths:
        row = label_rows[row_of[rel]]
        if positives_only:
            labels = {classes[c]: 1.0 for c in np.flatnonzero(row)}
        else:
            labels = {name: float(v) for name, v in zip(classes, row)}
        out.append(ClassificationSample(image_path=image_file(root, rel, check_images), image_id=rel, labels=labels))
    return out


def read_release_openi(
    labels_csv: str | os.PathLike, image_csv: str | os.PathLike, data_root: str | os.PathLike, *,
    case_sensitive: bool = False, check_images: bool = True,
) -> list[ClassificationSample]:
    """``OpenI/custom.csv`` (``uid, file_name, labels_major, labels_automatic``): class = the lower-cased class
    name (``_`` kept) or a synonym is a substring of ``labels_automatic``. ``case_sensitive=True`` matches the
    lower-cased names against the cell as written, as the authors' code does (it misses "Atelectasis")."""
    path = require_file(labels_csv, "OpenI custom.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    for column in ("file_name", "labels_automatic"):
        if column not in df.columns:
            raise DataFormatError(f"{path}: OpenI custom.csv needs column {column!r}; found {list(df.columns)}")
    text = df["labels_automatic"].replace("", "-1")  # the authors fill NaN with "-1"
    if not case_sensitive:
        text = text.str.lower()
    rows = np.zeros((len(df), len(OPENI_CLASSES)))
    for c, name in enumerate(OPENI_CLASSES):
        hit = np.zeros(len(df), dtype=bool)
        for pattern in (name.lower(), *OPENI_SYNONYMS.get(name, ())):
            hit |= text.str.contains(pattern, regex=False).to_numpy()
        rows[:, c] = hit
    where = [f"line {i + 2}" for i in range(len(df))]
    return _samples(image_csv, data_root, df["file_name"].str.strip().tolist(), rows, OPENI_CLASSES, path, where,
                    check_images)


def padchest_release_classes(labels_json: str | os.PathLike) -> list[str]:
    """The authors' PadChest classes: the sorted set of every label in ``manual_image.json`` minus "normal"."""
    data = read_json_file(labels_json, "PadChest manual_image.json", dict)
    return sorted({str(t).strip() for terms in data.values() for t in terms} - {"normal"})


def read_release_padchest(
    labels_json: str | os.PathLike, image_csv: str | os.PathLike, data_root: str | os.PathLike, *,
    check_images: bool = True,
) -> list[ClassificationSample]:
    """``PadChest/manual_image.json`` (``{"<ImageID>.png": [labels]}``) -> positives of the authors' classes."""
    data = read_json_file(labels_json, "PadChest manual_image.json", dict)
    keys = list(data)
    for key in keys:
        terms = data[key]
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise DataFormatError(f"{labels_json}: image {key!r}: labels must be a list of strings, got {terms!r:.80}")
    classes = padchest_release_classes(labels_json)
    index = {name: c for c, name in enumerate(classes)}
    rows = np.zeros((len(keys), len(classes)), dtype=np.uint8)
    for j, key in enumerate(keys):
        for term in data[key]:
            c = index.get(term.strip())
            if c is not None:
                rows[j, c] = 1
    return _samples(image_csv, data_root, keys, rows, classes, Path(labels_json), [f"image {k!r}" for k in keys],
                    check_images, positives_only=True)


def read_release_chestxray14(
    labels_txt: str | os.PathLike, image_csv: str | os.PathLike, data_root: str | os.PathLike, *,
    check_images: bool = True,
) -> list[ClassificationSample]:
    """``ChestXray14/test_list.txt`` (CheXNet's: ``name.png`` and 14 space-separated 0/1, no header)."""
    path = require_file(labels_txt, "ChestX-ray14 test_list.txt")
    names, rows, where = [], [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 1 + len(RELEASE_CHESTXRAY14_CLASSES) or any(v not in ("0", "1") for v in fields[1:]):
            raise DataFormatError(
                f"{path}: line {n}: expected an image name and {len(RELEASE_CHESTXRAY14_CLASSES)} labels 0/1, "
                f"got {len(fields)} field(s): {line[:80]!r}"
            )
        names.append(fields[0])
        rows.append([float(v) for v in fields[1:]])
        where.append(f"line {n}")
    return _samples(image_csv, data_root, names, np.array(rows).reshape(-1, len(RELEASE_CHESTXRAY14_CLASSES)),
                    RELEASE_CHESTXRAY14_CLASSES, path, where, check_images)


def read_release_chexpert(
    labels_csv: str | os.PathLike, image_csv: str | os.PathLike, data_root: str | os.PathLike, *,
    classes: Sequence[str] = ("Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"),
    check_images: bool = True,
) -> list[ClassificationSample]:
    """``Chexpert/test_labels.csv``: one row per image with an image column (Path / Study / ...) and the class
    columns (0 / 1). A file without an image column cannot be joined by key and is refused."""
    path = require_file(labels_csv, "CheXpert test_labels.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    key = next((c for c in _KEY_COLUMNS if c in df.columns), None)
    if key is None:
        raise DataFormatError(
            f"{path}: no image column to join the labels on (looked for {list(_KEY_COLUMNS)}); radzero never "
            "joins labels to images by row order: add the image paths of the image list as a 'Path' column"
        )
    missing = [c for c in classes if c not in df.columns]
    if missing:
        raise DataFormatError(f"{path}: missing class column(s) {missing}; found {list(df.columns)}")
    values = df[list(classes)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = np.argwhere(~np.isin(values, (0.0, 1.0)))
    if len(bad):
        r, c = bad[0]
        raise DataFormatError(f"{path}: line {r + 2}: label {df.iloc[r][classes[c]]!r} for {classes[c]!r} is not 0 or 1")
    where = [f"line {i + 2}" for i in range(len(df))]
    return _samples(image_csv, data_root, df[key].str.strip().tolist(), values, list(classes), path, where,
                    check_images)


def read_release_chestxdet10(
    labels_json: str | os.PathLike, image_csv: str | os.PathLike, data_root: str | os.PathLike, *,
    classes: Sequence[str] | None = None, check_images: bool = True,
) -> list[ClassificationSample]:
    """``ChestXDet10/test.json`` (``file_name, syms, boxes``): class present = one of its ``syms``."""
    from radzero.data.readers.chestxdet10 import CHESTXDET10_CLASSES

    classes = list(classes or CHESTXDET10_CLASSES)
    records = read_json_file(labels_json, "ChestX-Det10 test.json", list)
    index = {name: c for c, name in enumerate(classes)}
    rows = np.zeros((len(records), len(classes)))
    keys, where = [], []
    for j, rec in enumerate(records):
        name = rec.get("file_name") if isinstance(rec, dict) else None
        if not isinstance(name, str) or not isinstance(rec.get("syms"), list):
            raise DataFormatError(f"{labels_json}: record {j}: needs 'file_name' (string) and 'syms' (list)")
        for sym in rec["syms"]:
            if sym not in index:
                raise DataFormatError(f"{labels_json}: record {j} ({name}): unknown class {sym!r}; expected {classes}")
            rows[j, index[sym]] = 1.0
        keys.append(name)
        where.append(f"record {j}")
    return _samples(image_csv, data_root, keys, rows, classes, Path(labels_json), where, check_images)
