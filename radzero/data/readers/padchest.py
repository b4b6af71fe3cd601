"""PadChest: the CSV with ``ImageID``, ``ImageDir``, ``Labels`` as a list literal such as
``['pleural effusion', 'cardiomegaly']`` and ``MethodLabel``; the list is parsed without ``eval``.

Errors name the file and the line; ``on_error="skip"`` drops bad rows with a warning.
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
    read_csv_columns,
)
from radzero.data.samples import ClassificationSample

logger = logging.getLogger(__name__)

__all__ = ["parse_padchest_labels", "read_padchest"]

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
