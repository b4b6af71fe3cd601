"""RSNA pneumonia in MedKLIP's CSV format: ``ID,img_path,boxes,class`` (the authors' ``RSNA/test.csv``
names the last column ``classes``) with ``img_path`` relative to ``image_root`` (the authors': relative
to their data root, e.g. ``RSNA/stage_2_train_images/<patientId>.dcm``) and boxes ``x;y;w;h|x;y;w;h``
in original (1024 x 1024) pixels; negatives have an empty cell or ``nan``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from radzero.data.boxes import Box
from radzero.data.readers._common import (
    ROW_ERRORS,
    DataFormatError,
    ErrorPolicy,
    check_box,
    check_image_exists,
    csv_header,
    first_wins,
    gc_paused,
    header_size,
    parse_float,
    parse_float_column,
    read_csv_needed,
    report_bad_rows,
    stripped,
)
from radzero.data.samples import SegmentationSample

log = logging.getLogger(__name__)

__all__ = ["parse_rsna_boxes", "read_rsna"]

_NO_BOXES = ("", "nan")  # cells of negatives (compared lower-cased, stripped)


def parse_rsna_boxes(text: str) -> tuple[Box, ...]:
    """``"x;y;w;h|x;y;w;h"`` -> boxes; empty / ``nan`` -> (); a cell that does not parse is an error
    quoting it."""
    text = str(text).strip()
    if text.lower() in _NO_BOXES:
        return ()
    boxes = []
    for part in text.split("|"):
        vals = part.strip().split(";")
        if len(vals) != 4:
            raise DataFormatError(f"boxes cell {text!r}: box {part!r} is not 'x;y;w;h'")
        try:
            boxes.append(tuple(parse_float(v, "boxes") for v in vals))
        except DataFormatError as e:
            raise DataFormatError(f"boxes cell {text!r}: {e}") from None
    return tuple(boxes)


@gc_paused()
def read_rsna(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    image_size: tuple[int, int] | None = None,
    on_error: str = "raise",
    check_images: bool = True,
    box_tolerance: float = 1.0,
) -> list[SegmentationSample]:
    """-> one SegmentationSample per row, ``image_id`` = the DICOM file stem (patientId).

    ``class`` (or ``classes``) must be 1 with boxes or 0 without. Image path: ``image_root /
    img_path``. Image size: ``image_size`` (H, W) if given, else each DICOM header (needs
    ``check_images``); boxes must lie inside the image.
    """
    csv_path = Path(csv_path)
    image_root = Path(image_root)
    df = read_csv_needed(csv_path, ("img_path", "boxes"), "RSNA CSV", optional=("class", "classes"))
    cls_col = next((c for c in ("class", "classes") if c in df.columns), None)
    if cls_col is None:
        raise DataFormatError(
            f"{csv_path}: RSNA CSV is missing column(s) ['class'] (or 'classes'); found {csv_header(csv_path, 'RSNA CSV')}"
        )
    errors = ErrorPolicy("read_rsna", on_error)
    rels = stripped(df, "img_path").to_numpy()
    stems = np.array([Path(r).stem if r else "" for r in rels], dtype=object)
    cls, cls_bad = parse_float_column(df[cls_col], cls_col)
    cls_bad |= ~np.isin(cls, (0.0, 1.0))
    cells = df["boxes"].to_numpy(dtype=object)
    no_box = stripped(df, "boxes").str.lower().isin(_NO_BOXES).to_numpy()
    ok = (rels != "") & ~cls_bad & ((cls == 1.0) != no_box)
    boxes: list[tuple[Box, ...]] = [()] * len(df)
    for i in np.flatnonzero(ok & ~no_box).tolist():
        try:
            boxes[i] = parse_rsna_boxes(cells[i])
        except DataFormatError:
            ok[i] = False
    sizes: list[tuple[int, int] | None] = [image_size] * len(df)
    for i in np.flatnonzero(ok).tolist():
        try:
            sizes[i], boxes[i] = _image_checks(image_root / rels[i], boxes[i], image_size, check_images, box_tolerance)
        except ROW_ERRORS:
            ok[i] = False
    accepted = first_wins(stems, ok)
    first_row = dict(zip(stems[accepted].tolist(), np.flatnonzero(accepted).tolist()))

    def check(i: int) -> None:  # the per-row checks, in the order of the error messages
        if not rels[i]:
            raise DataFormatError("empty img_path")
        if first_row.get(stems[i], i) < i:
            raise DataFormatError("duplicate image")
        c = parse_float(df[cls_col].iat[i], cls_col)
        if c not in (0.0, 1.0):
            raise DataFormatError(f"{cls_col} must be 0 or 1, got {df[cls_col].iat[i]!r}")
        b = parse_rsna_boxes(cells[i])
        if bool(c) != bool(b):
            raise DataFormatError(f"{cls_col} {int(c)} disagrees with {len(b)} box(es)")
        _image_checks(image_root / rels[i], b, image_size, check_images, box_tolerance)

    report_bad_rows(errors, np.flatnonzero(~accepted).tolist(), lambda i: f"{csv_path}: line {i + 2} (img_path={rels[i]})", check)
    out = [
        SegmentationSample(
            image_path=image_root / rels[i], image_id=stems[i], positive=bool(cls[i]),
            original_size=(int(sizes[i][0]), int(sizes[i][1])), boxes=boxes[i], category="Pneumonia",
        )
        for i in np.flatnonzero(accepted).tolist()
    ]  # fmt: skip
    errors.finish()
    log.info("read_rsna %s: %d images (%d positive)", csv_path.name, len(out), sum(s.positive for s in out))
    return out


def _image_checks(
    path: Path,
    boxes: tuple[Box, ...],
    image_size: tuple[int, int] | None,
    check_images: bool,
    tolerance: float,
) -> tuple[tuple[int, int], tuple[Box, ...]]:
    """(size, boxes checked against it and clipped): the image must exist (``check_images``); its size
    is ``image_size`` or its header's."""
    size = image_size
    if check_images:
        check_image_exists(path)
        if size is None:
            size = header_size(path)
    if size is None:
        raise DataFormatError("image size unknown: pass image_size or check_images=True")
    return size, tuple(check_box(b, size, tolerance) for b in boxes)
