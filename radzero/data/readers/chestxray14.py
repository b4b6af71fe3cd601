"""NIH ChestX-ray14: ``Data_Entry_2017.csv`` ("Finding Labels" joined by ``|``, "No Finding" = all
negative) restricted to the ids of ``test_list.txt``.

Errors name the file and the line (or the id); ``on_error="skip"`` drops bad rows with a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    iter_rows,
    read_csv_columns,
)
from radzero.data.readers.siim import read_id_list
from radzero.data.samples import ClassificationSample

logger = logging.getLogger(__name__)

__all__ = ["CHESTXRAY14_CLASSES", "read_chestxray14"]

CHESTXRAY14_CLASSES = (
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
)  # fmt: skip


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
