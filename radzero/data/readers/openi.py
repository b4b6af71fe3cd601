"""OpenI (and any label-column CSV): an image-path column and one column per class (1 / 0 / -1 /
blank), the layout in which MedKLIP / CARZero distribute their OpenI test labels.

Errors name the file and the line; ``on_error="skip"`` drops bad rows with a warning.
"""

from __future__ import annotations

import logging
import os
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
from radzero.data.samples import ClassificationSample

logger = logging.getLogger(__name__)

__all__ = ["read_label_csv"]

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
