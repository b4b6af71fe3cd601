"""CheXpert: the test-set ``groundtruth.csv`` (one row per study) and GLoRIA's 5x200 CSV.

``groundtruth.csv``: ``Study`` (e.g. ``CheXpert-v1.0/test/patient64741/study1``) + 14
observations (0/1). Images live in ``image_root / Study / view*_frontal.jpg``.
``chexpert_5x200.csv``: ``Path`` (``CheXpert-v1.0/train/.../view1_frontal.jpg``) + the full
CheXpert column set; exactly one of the 5 competition classes is 1.0 per row.
``train.csv`` / ``valid.csv``: ``Path`` + ``Sex, Age, Frontal/Lateral, AP/PA`` + the 14 observations
(1.0 / 0.0 / -1.0 uncertain / blank).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    gc_paused,
    labels_dicts,
    parse_label,
    parse_label_column,
    read_csv_columns,
    read_csv_needed,
    report_bad_rows,
    stripped,
)
from radzero.data.samples import ClassificationSample

log = logging.getLogger(__name__)

__all__ = [
    "CHEXPERT_5X200_CLASSES",
    "CHEXPERT_COMPETITION_CLASSES",
    "CHEXPERT_LABELS",
    "CHEXPERT_TRAIN_COLUMNS",
    "read_chexpert_5x200",
    "read_chexpert_test",
    "read_chexpert_train",
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


@gc_paused()
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
    disk, so a study folder without a frontal image is a missing-image error
    (``check_images=False``: ``Study/view1_frontal.jpg`` when the folder has none).
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
    studies = stripped(df, "Study").str.strip("/").to_numpy()
    values, bad = _label_matrix(df, label_cols)
    dup = _seen_before(studies)
    ok = (studies != "") & ~dup & ~bad
    paths: list[Path | None] = [None] * len(df)
    for i in np.flatnonzero(ok).tolist():
        paths[i] = _frontal(image_root / studies[i], check_images)
        ok[i] = paths[i] is not None

    parse_row = _row_parser(df, label_cols)

    def check(i: int) -> None:
        _check_key(studies[i], dup[i], "Study")
        parse_row(i)
        if _frontal(image_root / studies[i], check_images) is None:
            raise DataFormatError(f"no frontal image (*frontal*.jpg) in {image_root / studies[i]}")

    report_bad_rows(errors, np.flatnonzero(~ok).tolist(), lambda i: f"{csv_path}: line {i + 2} (Study={studies[i]})", check)
    rows = np.flatnonzero(ok)
    labels = labels_dicts(label_cols, values[rows])
    out = [ClassificationSample(image_path=paths[i], image_id=studies[i], labels=lab) for i, lab in zip(rows.tolist(), labels)]
    errors.finish()
    log.info("read_chexpert_test %s: %d studies", csv_path.name, len(out))
    return out


@gc_paused()
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
    out = _read_path_csv(
        Path(csv_path), Path(image_root), tuple(classes), "read_chexpert_5x200", "CheXpert 5x200 CSV",
        exactly_one=True, frontal_only=False, on_error=on_error, check_images=check_images,
    )  # fmt: skip
    counts = {c: sum(s.labels[c] == 1.0 for s in out) for c in classes}
    log.info("read_chexpert_5x200 %s: %d images, positives per class %s", Path(csv_path).name, len(out), counts)
    return out


@gc_paused()
def read_chexpert_train(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    classes: Sequence[str] = CHEXPERT_TRAIN_COLUMNS,
    frontal_only: bool = False,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ClassificationSample]:
    """CheXpert ``train.csv`` / ``valid.csv`` -> one ClassificationSample per row (CSV order).

    ``image_id`` = ``Path`` (``CheXpert-v1.0[-small]/train/patient.../view1_frontal.jpg``), image path
    ``image_root / Path`` (``image_root`` holds the ``CheXpert-v1.0*`` folder). Labels: 1.0 / 0.0 /
    -1.0 (uncertain) / None (blank) for each of ``classes``. ``frontal_only`` keeps the rows whose
    ``Frontal/Lateral`` is ``Frontal``. An empty or duplicate Path or a non-numeric label is an error.
    """
    out = _read_path_csv(
        Path(csv_path), Path(image_root), tuple(classes), "read_chexpert_train", "CheXpert train/valid CSV",
        exactly_one=False, frontal_only=frontal_only, on_error=on_error, check_images=check_images,
    )  # fmt: skip
    log.info("read_chexpert_train %s: %d images", Path(csv_path).name, len(out))
    return out


def _read_path_csv(
    csv_path: Path,
    image_root: Path,
    classes: tuple[str, ...],
    reader: str,
    what: str,
    *,
    exactly_one: bool,
    frontal_only: bool,
    on_error: str,
    check_images: bool,
) -> list[ClassificationSample]:
    """The CSVs keyed by ``Path`` (5x200, train, valid): column checks, then the per-row messages."""
    df = read_csv_needed(csv_path, ("Path", *classes, *(("Frontal/Lateral",) if frontal_only else ())), what)
    errors = ErrorPolicy(reader, on_error)
    rels = stripped(df, "Path").to_numpy()
    wanted = np.ones(len(df), dtype=bool)
    if frontal_only:
        wanted = (stripped(df, "Frontal/Lateral") == "Frontal").to_numpy()
    values, bad = _label_matrix(df, list(classes))
    dup = _seen_before(np.where(wanted, rels, ""))
    n_pos = (values == 1.0).sum(axis=1)
    ok = wanted & (rels != "") & ~dup & ~bad & ((n_pos == 1) if exactly_one else True)
    if check_images:
        ok[ok] = [(image_root / rels[i]).is_file() for i in np.flatnonzero(ok).tolist()]

    parse_row = _row_parser(df, classes)

    def check(i: int) -> None:
        _check_key(rels[i], dup[i], "Path")
        labels = parse_row(i)
        n = sum(v == 1.0 for v in labels.values())
        if exactly_one and n != 1:
            raise DataFormatError(f"expected exactly one positive among {list(classes)}, got {n}")
        if check_images:
            check_image_exists(image_root / rels[i])

    report_bad_rows(errors, np.flatnonzero(wanted & ~ok).tolist(), lambda i: f"{csv_path}: line {i + 2} (Path={rels[i]})", check)
    rows = np.flatnonzero(ok)
    labels = labels_dicts(classes, values[rows])
    out = [ClassificationSample(image_path=image_root / rels[i], image_id=rels[i], labels=lab) for i, lab in zip(rows.tolist(), labels)]
    errors.finish()
    return out


def _label_matrix(df, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(n, k) labels (NaN = None) and the rows with a cell ``parse_label`` rejects."""
    values = np.full((len(df), len(columns)), np.nan)
    bad = np.zeros(len(df), dtype=bool)
    for j, c in enumerate(columns):
        values[:, j], b = parse_label_column(df[c], c)
        bad |= b
    return values, bad


def _seen_before(keys: np.ndarray) -> np.ndarray:
    """True where a non-empty key already occurred (these readers mark a key seen before the label checks)."""
    k = pd.Series(keys, dtype=object)
    return (k.duplicated(keep="first") & (k != "")).to_numpy()


def _check_key(key: str, duplicate: bool, column: str) -> None:
    if not key:
        raise DataFormatError(f"empty {column}")
    if duplicate:
        raise DataFormatError(f"duplicate {column}")


def _row_parser(df: pd.DataFrame, columns: Sequence[str]):
    """i -> ``{column: parse_label(cell)}`` for row i (the per-row form, raising on a bad cell)."""
    cells = {c: df[c].to_numpy(dtype=object) for c in columns}
    return lambda i: {c: parse_label(v[i], c) for c, v in cells.items()}


def _frontal(study_dir: Path, check_images: bool) -> Path | None:
    """The study's first ``*frontal*.jpg``; without one: None (``check_images``) or ``view1_frontal.jpg``."""
    frontal = sorted(study_dir.glob("*frontal*.jpg")) if study_dir.is_dir() else []
    if frontal:
        return frontal[0]
    return None if check_images else study_dir / "view1_frontal.jpg"
