"""CheXpert: the test-set ``groundtruth.csv`` (one row per study) and GLoRIA's 5x200 CSV.

``groundtruth.csv``: ``Study`` (e.g. ``CheXpert-v1.0/test/patient64741/study1``) + 14
observations (0/1). Images live in ``image_root / Study / view*_frontal.jpg``.
``chexpert_5x200.csv``: ``Path`` (``CheXpert-v1.0/train/.../view1_frontal.jpg``) + the full
CheXpert column set; exactly one of the 5 competition classes is 1.0 per row.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    iter_rows,
    parse_label,
    read_csv_columns,
)
from radzero.data.samples import ClassificationSample

log = logging.getLogger(__name__)

__all__ = [
    "CHEXPERT_5X200_CLASSES",
    "CHEXPERT_LABELS",
    "CHEXPERT_TRAIN_COLUMNS",
    "CHEXPERT_COMPETITION_CLASSES",
    "read_chexpert_5x200",
    "read_chexpert_test",
]

# The 14 CheXpert observations in the column order of MIMIC-CXR-JPG's chexpert.csv and CheXpert's
# groundtruth.csv (alphabetical), and in CheXpert's train.csv order (the 5x200 CSV's columns).
CHEXPERT_LABELS = (
    "Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Enlarged Cardiomediastinum",
    "Fracture", "Lung Lesion", "Lung Opacity", "No Finding", "Pleural Effusion",
    "Pleural Other", "Pneumonia", "Pneumothorax", "Support Devices",
)  # fmt: skip
CHEXPERT_TRAIN_COLUMNS = (
    "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Opacity", "Lung Lesion", "Edema",
    "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion", "Pleural Other",
    "Fracture", "Support Devices",
)  # fmt: skip
CHEXPERT_COMPETITION_CLASSES = ("Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion")
CHEXPERT_5X200_CLASSES = CHEXPERT_COMPETITION_CLASSES


def read_chexpert_test(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    classes: tuple[str, ...] | None = None,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ClassificationSample]:
    """-> one ClassificationSample per study (``image_id`` = the ``Study`` value).

    The image is the study's first frontal view (``view*_frontal.jpg``, sorted), found on
    disk, so a study folder without a frontal image is a missing-image error.
    ``classes``: label columns to keep (default: every column but Study; required columns
    are checked when given).
    """
    csv_path = Path(csv_path)
    image_root = Path(image_root)
    df = read_csv_columns(csv_path, ("Study", *(classes or ())), "CheXpert groundtruth CSV")
    label_cols = list(classes) if classes else [c for c in df.columns if c != "Study"]
    if not label_cols:
        raise DataFormatError(f"{csv_path}: no label columns besides 'Study'")
    errors = ErrorPolicy("read_chexpert_test", on_error)
    out: list[ClassificationSample] = []
    seen: set[str] = set()
    for line, row in iter_rows(df):
        study = row["Study"].strip().strip("/")
        with errors.guard(f"{csv_path}: line {line} (Study={study})"):
            if not study:
                raise DataFormatError("empty Study")
            if study in seen:
                raise DataFormatError("duplicate Study")
            seen.add(study)
            labels = {c: parse_label(row[c], c) for c in label_cols}
            study_dir = image_root / study
            frontal = sorted(study_dir.glob("*frontal*.jpg")) if study_dir.is_dir() else []
            if frontal:
                path = frontal[0]
            elif check_images:
                raise DataFormatError(f"no frontal image (*frontal*.jpg) in {study_dir}")
            else:
                path = study_dir / "view1_frontal.jpg"
            out.append(ClassificationSample(image_path=path, image_id=study, labels=labels))
    errors.finish()
    log.info("read_chexpert_test %s: %d studies", csv_path.name, len(out))
    return out


def read_chexpert_5x200(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    classes: tuple[str, ...] = CHEXPERT_5X200_CLASSES,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ClassificationSample]:
    """-> one ClassificationSample per row (``image_id`` = ``Path``), labels = ``classes``
    only; a row without exactly one positive among ``classes`` is an error."""
    csv_path = Path(csv_path)
    image_root = Path(image_root)
    df = read_csv_columns(csv_path, ("Path", *classes), "CheXpert 5x200 CSV")
    errors = ErrorPolicy("read_chexpert_5x200", on_error)
    out: list[ClassificationSample] = []
    seen: set[str] = set()
    for line, row in iter_rows(df):
        rel = row["Path"].strip()
        with errors.guard(f"{csv_path}: line {line} (Path={rel})"):
            if not rel:
                raise DataFormatError("empty Path")
            if rel in seen:
                raise DataFormatError("duplicate Path")
            seen.add(rel)
            labels = {c: parse_label(row[c], c) for c in classes}
            n_pos = sum(v == 1.0 for v in labels.values())
            if n_pos != 1:
                raise DataFormatError(f"expected exactly one positive among {list(classes)}, got {n_pos}")
            path = image_root / rel
            if check_images:
                check_image_exists(path)
            out.append(ClassificationSample(image_path=path, image_id=rel, labels=labels))
    errors.finish()
    counts = {c: sum(s.labels[c] == 1.0 for s in out) for c in classes}
    log.info("read_chexpert_5x200 %s: %d images, positives per class %s", csv_path.name, len(out), counts)
    return out

