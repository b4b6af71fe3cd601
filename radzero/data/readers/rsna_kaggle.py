"""RSNA Pneumonia Detection Challenge (Kaggle): ``stage_2_train_labels.csv`` (or the ``.csv.zip``
download) with columns ``patientId,x,y,width,height,Target`` and images
``stage_2_train_images/<patientId>.dcm``.

One row per box: a Target-1 patient has one row per box (x, y, width, height in original pixels of
the 1024 x 1024 images), a Target-0 patient one row with empty box cells. The reader returns one
``SegmentationSample`` per patient (first-appearance order) with all of its boxes.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from radzero.data.boxes import Box
from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_box,
    check_image_exists,
    gc_paused,
    header_size,
    parse_float,
    parse_float_column,
    read_csv_needed,
    report_bad_rows,
    rows_by_key,
    stripped,
)
from radzero.data.samples import SegmentationSample

log = logging.getLogger(__name__)

__all__ = ["RSNA_IMAGE_SIZE", "read_rsna_kaggle"]

RSNA_IMAGE_SIZE = (1024, 1024)  # (H, W) of every image of the challenge
_BOX_COLUMNS = ("x", "y", "width", "height")


@gc_paused()
def read_rsna_kaggle(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    image_size: tuple[int, int] | None = RSNA_IMAGE_SIZE,
    check_images: bool = True,
    on_error: str = "raise",
    box_tolerance: float = 1.0,
) -> list[SegmentationSample]:
    """-> one SegmentationSample per patientId: ``positive`` = Target 1, ``boxes`` (x, y, w, h) of its
    rows, ``category`` "Pneumonia", image ``image_root / <patientId>.dcm``.

    Image size: ``image_size`` (H, W; default the challenge's 1024 x 1024) or, with None, each DICOM
    header (needs ``check_images``). Row errors name the file and line: a Target other than 0/1, box
    cells that are partly empty or not numbers, a Target that disagrees with the box cells (1 without
    a box, 0 with one) or with the patient's earlier rows, a second row of a Target-0 patient, a box
    outside the image. ``on_error="skip"`` drops the patients of bad rows (each bad row is counted).
    """
    csv_path, image_root = Path(csv_path), Path(image_root)
    if image_size is None and not check_images:
        raise ValueError("read_rsna_kaggle: image_size=None reads each DICOM header; it needs check_images=True")
    df = read_csv_needed(csv_path, ("patientId", *_BOX_COLUMNS, "Target"), "RSNA stage_2_train_labels CSV")
    errors = ErrorPolicy("read_rsna_kaggle", on_error)
    n = len(df)
    pids = stripped(df, "patientId").to_numpy()
    target, target_bad = parse_float_column(df["Target"], "Target")
    target_bad |= ~np.isin(target, (0.0, 1.0))
    cells = {c: stripped(df, c).to_numpy() for c in _BOX_COLUMNS}
    n_empty = sum((cells[c] == "").astype(int) for c in _BOX_COLUMNS)
    box = np.full((n, 4), np.nan)
    num_bad = np.zeros(n, dtype=bool)
    for j, c in enumerate(_BOX_COLUMNS):
        box[:, j], bad = parse_float_column(df[c].where(cells[c] != "", "0"), c)
        num_bad |= bad
    has_box = n_empty == 0
    row_ok = (pids != "") & ~target_bad & ((n_empty == 0) | (n_empty == 4)) & ~num_bad & ((target == 1.0) == has_box)
    # later rows of a patient must repeat the Target of its first row with a valid Target (and be boxes)
    valid = (pids != "") & ~target_bad
    codes, _ = pd.factorize(pids)
    first = np.full(codes.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(first, codes[valid], np.flatnonzero(valid))
    ref_row = first[codes]
    ref_t = np.where(ref_row < n, target[np.minimum(ref_row, n - 1)], np.nan)
    later = valid & (np.arange(n) > ref_row)
    row_ok &= ~(later & ((target != ref_t) | (target == 0.0)))

    def check(i: int) -> None:  # the per-row checks, in the order of the error messages
        if not pids[i]:
            raise DataFormatError("empty patientId")
        t = parse_float(df["Target"].iat[i], "Target")
        if t not in (0.0, 1.0):
            raise DataFormatError(f"Target must be 0 or 1, got {df['Target'].iat[i]!r}")
        given = [c for c in _BOX_COLUMNS if cells[c][i]]
        if given and len(given) < 4:
            raise DataFormatError(f"box cells {list(_BOX_COLUMNS)} must be all empty or all given; only {given} given")
        for c in given:
            parse_float(cells[c][i], c)
        if t == 1.0 and not given:
            raise DataFormatError("Target 1 but the box cells are empty")
        if t == 0.0 and given:
            raise DataFormatError(f"Target 0 but a box {tuple(cells[c][i] for c in _BOX_COLUMNS)}")
        j = int(ref_row[i])
        t0 = target[j]
        if j < i and t != t0:
            raise DataFormatError(f"Target {int(t)} disagrees with Target {int(t0)} at line {j + 2} (same patientId)")
        if j < i:
            raise DataFormatError(f"second row of a Target-0 patient (first at line {j + 2})")

    def where(i: int) -> str:
        return f"{csv_path}: line {i + 2} (patientId={pids[i]})"

    report_bad_rows(errors, np.flatnonzero(~row_ok).tolist(), where, check)
    rows_of = rows_by_key(pids, pids != "")
    bad_patients = set(pids[~row_ok].tolist())
    out: list[SegmentationSample] = []
    for pid, rows in rows_of.items():
        if pid in bad_patients:
            continue
        positive = bool(target[rows[0]] == 1.0)
        path = image_root / f"{pid}.dcm"
        with errors.guard(where(int(rows[0]))):
            size = image_size
            if check_images:
                check_image_exists(path)
                size = size if size is not None else header_size(path)
            boxes: tuple[Box, ...] = ()
            if positive:
                boxes = tuple(_checked(box[i], size, box_tolerance, i) for i in rows.tolist())
            out.append(
                SegmentationSample(
                    image_path=path, image_id=pid, positive=positive,
                    original_size=(int(size[0]), int(size[1])), boxes=boxes, category="Pneumonia",
                )
            )  # fmt: skip
    errors.finish()
    log.info(
        "read_rsna_kaggle %s: %d patients (%d positive, %d boxes)", csv_path.name, len(out),
        sum(s.positive for s in out), sum(len(s.boxes) for s in out),
    )  # fmt: skip
    return out


def _checked(values: np.ndarray, size: tuple[int, int], tolerance: float, i: int) -> Box:
    try:
        return check_box(tuple(values.tolist()), size, tolerance)
    except DataFormatError as e:
        raise DataFormatError(f"line {i + 2}: {e}") from None
