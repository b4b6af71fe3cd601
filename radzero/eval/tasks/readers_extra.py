"""Readers for the classification benchmarks without a reader in ``radzero.data.readers``.

- ``read_label_csv``: a CSV with an image-path column and one column per class (1 / 0 / -1 /
  blank), the layout in which MedKLIP / CARZero distribute their OpenI test labels.
- ``read_chestxray14``: NIH ChestX-ray14 ``Data_Entry_2017.csv`` ("Finding Labels" joined by
  ``|``, "No Finding" = all negative) restricted to the ids of ``test_list.txt``.
- ``read_padchest``: the PadChest CSV (``ImageID``, ``ImageDir``, ``Labels`` as a list literal such
  as ``['pleural effusion', 'cardiomegaly']``, ``MethodLabel``); parsed without ``eval``.
- ``segmentation_to_classification``: image-level labels of SIIM / RSNA segmentation samples.

Errors name the file and the line (or the id); ``on_error="skip"`` drops bad rows with a warning.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    iter_rows,
    parse_label,
    read_csv_columns,
)
from radzero.data.readers.siim import read_id_list
from radzero.data.samples import ClassificationSample, SegmentationSample

logger = logging.getLogger(__name__)

__all__ = [
    "CHESTXRAY14_CLASSES",
    "parse_padchest_labels",
    "read_chestxray14",
    "read_label_csv",
    "read_padchest",
    "segmentation_to_classification",
]

CHESTXRAY14_CLASSES = (
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
)  # fmt: skip
_PATH_COLUMNS = ("Path", "path", "img_path", "image_path", "ImagePath", "filename", "file_name", "image")


def read_label_csv(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    path_column: str | None = None,
    classes: Sequence[str] | None = None,
    ignore_columns: Sequence[str] = (),
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ClassificationSample]:
    """One sample per row; ``image_id`` = the path cell, image = ``image_root / path``.

    ``path_column``: default the first of Path / path / img_path / image_path / ImagePath / filename /
    file_name / image present. ``classes``: label columns (default: every other column not in
    ``ignore_columns``). Cells: 1 / 0 / -1 / blank (= no label).
    """
    csv_path, image_root = Path(csv_path), Path(image_root)
    df = read_csv_columns(csv_path, (), "label CSV")
    if path_column is None:
        path_column = next((c for c in _PATH_COLUMNS if c in df.columns), None)
        if path_column is None:
            raise DataFormatError(
                f"{csv_path}: no image-path column (looked for {list(_PATH_COLUMNS)}); set path_column"
            )
    others = [c for c in df.columns if c != path_column and c not in ignore_columns]
    label_columns = list(classes) if classes else others
    missing = [c for c in (path_column, *label_columns) if c not in df.columns]
    if missing:
        raise DataFormatError(f"{csv_path}: missing column(s) {missing}; found {list(df.columns)}")
    errors = ErrorPolicy("read_label_csv", on_error)
    out: list[ClassificationSample] = []
    seen: set[str] = set()
    for line, row in iter_rows(df):
        rel = row[path_column].strip()
        with errors.guard(f"{csv_path}: line {line} ({path_column}={rel})"):
            if not rel:
                raise DataFormatError(f"empty {path_column}")
            if rel in seen:
                raise DataFormatError("duplicate image")
            labels = {c: parse_label(row[c], c) for c in label_columns}
            path = image_root / rel
            if check_images:
                check_image_exists(path)
            seen.add(rel)
            out.append(ClassificationSample(image_path=path, image_id=rel, labels=labels))
    errors.finish()
    logger.info("read_label_csv %s: %d images, %d classes", csv_path.name, len(out), len(label_columns))
    return out


def _image_index(root: Path) -> dict[str, Path]:
    """File name -> path for every file under ``root`` (ChestX-ray14 ships images_001/images/...)."""
    found: dict[str, Path] = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            found.setdefault(name, Path(dirpath) / name)
    return found


def read_chestxray14(
    data_entry_csv: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    ids_file: str | os.PathLike | None = None,
    classes: Sequence[str] = CHESTXRAY14_CLASSES,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ClassificationSample]:
    """Images of ``ids_file`` (e.g. ``test_list.txt``; default every row) with 0/1 labels per class.

    An id of ``ids_file`` without a row in the CSV is an error naming it; a finding outside
    ``classes`` and "No Finding" is an error naming the row. Images are looked up as
    ``image_root / <Image Index>``, else anywhere below ``image_root``.
    """
    csv_path, image_root = Path(data_entry_csv), Path(image_root)
    df = read_csv_columns(csv_path, ("Image Index", "Finding Labels"), "ChestX-ray14 Data_Entry CSV")
    errors = ErrorPolicy("read_chestxray14", on_error)
    known = set(classes)
    findings: dict[str, tuple[int, set[str]]] = {}
    for line, row in iter_rows(df):
        image_id = row["Image Index"].strip()
        with errors.guard(f"{csv_path}: line {line} (Image Index={image_id})"):
            if not image_id:
                raise DataFormatError("empty Image Index")
            if image_id in findings:
                raise DataFormatError("duplicate Image Index")
            terms = {t.strip() for t in row["Finding Labels"].split("|") if t.strip()}
            if not terms:
                raise DataFormatError("empty 'Finding Labels' (expected 'No Finding' or findings joined by '|')")
            unknown = sorted(terms - known - {"No Finding"})
            if unknown:
                raise DataFormatError(f"unknown finding(s) {unknown}; expected 'No Finding' or {sorted(known)}")
            if "No Finding" in terms and len(terms) > 1:
                raise DataFormatError(f"'No Finding' together with findings {sorted(terms - {'No Finding'})}")
            findings[image_id] = (line, terms - {"No Finding"})
    wanted = read_id_list(ids_file) if ids_file is not None else list(findings)
    index: dict[str, Path] | None = None
    out: list[ClassificationSample] = []
    for image_id in wanted:
        with errors.guard(f"{ids_file or csv_path} (image {image_id})"):
            if image_id not in findings:
                raise DataFormatError(f"image {image_id} listed in {ids_file} has no row (no labels) in {csv_path}")
            path = image_root / image_id
            if check_images and not path.is_file():
                index = _image_index(image_root) if index is None else index
                if image_id not in index:
                    raise DataFormatError(f"image file {image_id} not found under {image_root}")
                path = index[image_id]
            terms = findings[image_id][1]
            labels = {c: float(c in terms) for c in classes}
            out.append(ClassificationSample(image_path=path, image_id=image_id, labels=labels))
    errors.finish()
    logger.info("read_chestxray14 %s: %d images", csv_path.name, len(out))
    return out


_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def parse_padchest_labels(cell: str) -> list[str]:
    """``"['pleural effusion', ' cardiomegaly']"`` -> ["pleural effusion", "cardiomegaly"] (no eval).

    Terms are stripped and lower-cased; empty terms are dropped. A cell that is not a bracketed
    list of quoted strings raises ``DataFormatError``.
    """
    text = str(cell).strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise DataFormatError(f"Labels cell {cell!r} is not a list such as ['normal']")
    inner = text[1:-1]
    terms = [(a if a else b) for a, b in _QUOTED.findall(inner)]
    leftover = _QUOTED.sub("", inner).replace(",", "").strip()
    if leftover:
        raise DataFormatError(f"Labels cell {cell!r} has unquoted content {leftover!r}")
    return [t.strip().lower() for t in terms if t.strip()]


def read_padchest(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    method_label: str | None = "Physician",
    projections: Sequence[str] | None = None,
    classes: Sequence[str] | None = None,
    exclude_labels: Sequence[str] = ("normal",),
    use_image_dir: bool = True,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ClassificationSample]:
    """PadChest images labelled by ``method_label`` (default the radiologist-labelled "Physician" set).

    ``labels`` holds 1.0 for each of the image's terms (only the positives: read the classes with
    ``absent=negative``); ``classes`` restricts the terms kept (default every term but
    ``exclude_labels``). ``projections``: keep only these ``Projection`` values (default all). Image
    path: ``image_root / ImageDir / ImageID`` (``use_image_dir``) or ``image_root / ImageID``.
    """
    csv_path, image_root = Path(csv_path), Path(image_root)
    required = ["ImageID", "Labels"] + (["ImageDir"] if use_image_dir else [])
    required += (["MethodLabel"] if method_label else []) + (["Projection"] if projections else [])
    df = read_csv_columns(csv_path, required, "PadChest CSV")
    keep_terms = {c.lower() for c in classes} if classes else None
    excluded = {t.lower() for t in exclude_labels}
    errors = ErrorPolicy("read_padchest", on_error)
    out: list[ClassificationSample] = []
    seen: set[str] = set()
    n_other_method = 0
    for line, row in iter_rows(df):
        image_id = row["ImageID"].strip()
        if method_label and row["MethodLabel"].strip() != method_label:
            n_other_method += 1
            continue
        if projections and row["Projection"].strip() not in projections:
            continue
        with errors.guard(f"{csv_path}: line {line} (ImageID={image_id})"):
            if not image_id:
                raise DataFormatError("empty ImageID")
            if image_id in seen:
                raise DataFormatError("duplicate ImageID")
            terms = [t for t in parse_padchest_labels(row["Labels"]) if t not in excluded]
            if keep_terms is not None:
                terms = [t for t in terms if t in keep_terms]
            path = image_root / row["ImageDir"].strip() / image_id if use_image_dir else image_root / image_id
            if check_images:
                check_image_exists(path)
            seen.add(image_id)
            out.append(ClassificationSample(image_path=path, image_id=image_id, labels=dict.fromkeys(terms, 1.0)))
    errors.finish()
    logger.info("read_padchest %s: %d images (%d rows with another MethodLabel)",
                csv_path.name, len(out), n_other_method)
    return out


def segmentation_to_classification(
    samples: Sequence[SegmentationSample], class_name: str
) -> list[ClassificationSample]:
    """Image-level labels (1.0 positive / 0.0 negative) of segmentation samples (SIIM, RSNA)."""
    return [
        ClassificationSample(s.image_path, s.image_id, {class_name: float(s.positive)}, s.original_size)
        for s in samples
    ]
