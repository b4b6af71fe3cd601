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

import numpy as np
import pandas as pd

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    first_wins,
    gc_paused,
    read_csv_needed,
    report_bad_rows,
    stripped,
)
from radzero.data.samples import ClassificationSample

logger = logging.getLogger(__name__)

__all__ = ["parse_padchest_labels", "read_padchest"]

_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
# A cell ``parse_padchest_labels`` accepts: brackets around quoted strings, commas and whitespace only.
_LIST_CELL = r"\[(?:'[^']*'|\"[^\"]*\"|[\s,])*\]"


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


@gc_paused()
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
    A row with an empty or duplicate ImageID or a malformed Labels cell is an error naming the line.
    """
    csv_path, image_root = Path(csv_path), Path(image_root)
    required = ["ImageID", "Labels"] + (["ImageDir"] if use_image_dir else [])
    required += (["MethodLabel"] if method_label else []) + (["Projection"] if projections else [])
    df = read_csv_needed(csv_path, required, "PadChest CSV")
    keep_terms = {c.lower() for c in classes} if classes else None
    excluded = {t.lower() for t in exclude_labels}
    errors = ErrorPolicy("read_padchest", on_error)

    ids = stripped(df, "ImageID")
    n = len(df)
    wanted = np.ones(n, dtype=bool)
    n_other_method = 0
    if method_label:
        same = (stripped(df, "MethodLabel") == method_label).to_numpy()
        n_other_method = int((~same).sum())
        wanted &= same
    if projections:
        proj = stripped(df, "Projection")
        wanted &= proj.map({u: u in projections for u in proj.unique()}).to_numpy(dtype=bool)
    labels = stripped(df, "Labels")
    ok = wanted & (ids != "").to_numpy() & labels.str.fullmatch(_LIST_CELL).to_numpy(dtype=bool)
    id_arr, label_arr, raw_labels = ids.to_numpy(), labels.to_numpy(), df["Labels"].to_numpy(dtype=object)
    dir_arr = stripped(df, "ImageDir").to_numpy() if use_image_dir else None

    def path_of(i: int) -> Path:
        return image_root / dir_arr[i] / id_arr[i] if dir_arr is not None else image_root / id_arr[i]

    if check_images:
        ok[ok] = [path_of(i).is_file() for i in np.flatnonzero(ok).tolist()]
    accepted = first_wins(id_arr, ok)
    first_row = dict(zip(id_arr[accepted].tolist(), np.flatnonzero(accepted).tolist()))

    def check(i: int) -> None:  # the per-row checks, in the order of the error messages
        image_id = id_arr[i]
        if not image_id:
            raise DataFormatError("empty ImageID")
        if first_row.get(image_id, i) < i:
            raise DataFormatError("duplicate ImageID")
        parse_padchest_labels(raw_labels[i])
        if check_images:
            check_image_exists(path_of(i))

    report_bad_rows(
        errors, np.flatnonzero(wanted & ~accepted).tolist(),
        lambda i: f"{csv_path}: line {i + 2} (ImageID={id_arr[i]})", check,
    )  # fmt: skip
    rows = np.flatnonzero(accepted)
    codes, cells = pd.factorize(label_arr[rows])
    per_cell = []
    for cell in cells.tolist():  # once per distinct Labels cell
        terms = [t for t in _terms(cell) if t not in excluded]
        if keep_terms is not None:
            terms = [t for t in terms if t in keep_terms]
        per_cell.append(dict.fromkeys(terms, 1.0))
    out = [
        ClassificationSample(image_path=path_of(i), image_id=id_arr[i], labels=dict(per_cell[c]))
        for i, c in zip(rows.tolist(), codes.tolist())
    ]
    errors.finish()
    logger.info("read_padchest %s: %d images (%d rows with another MethodLabel)",
                csv_path.name, len(out), n_other_method)
    return out


def _terms(cell: str) -> list[str]:
    """The terms of a cell already known to be a well-formed list (``parse_padchest_labels``)."""
    terms = (t.strip().lower() for a, b in _QUOTED.findall(cell) for t in (a or b,))
    return [t for t in terms if t]
