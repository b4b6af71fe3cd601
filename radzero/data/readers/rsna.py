"""RSNA pneumonia in MedKLIP's CSV format: ``ID,img_path,boxes,class`` with ``img_path``
relative to the RSNA root and boxes ``x;y;w;h|x;y;w;h`` (empty for negatives) in original
(1024 x 1024) pixels."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from radzero.data.boxes import Box
from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_box,
    check_image_exists,
    header_size,
    iter_rows,
    parse_float,
    read_csv_columns,
)
from radzero.data.samples import SegmentationSample

log = logging.getLogger(__name__)

__all__ = ["parse_rsna_boxes", "read_rsna"]


def parse_rsna_boxes(text: str) -> tuple[Box, ...]:
    text = str(text).strip()
    if not text:
        return ()
    boxes = []
    for part in text.split("|"):
        vals = part.strip().split(";")
        if len(vals) != 4:
            raise DataFormatError(f"box {part!r} is not 'x;y;w;h'")
        boxes.append(tuple(parse_float(v, "boxes") for v in vals))
    return tuple(boxes)


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

    ``class`` must be 1 with boxes or 0 without. Image size: ``image_size`` (H, W) if given,
    else each DICOM header (needs ``check_images``); boxes must lie inside the image.
    """
    csv_path = Path(csv_path)
    image_root = Path(image_root)
    df = read_csv_columns(csv_path, ("img_path", "boxes", "class"), "RSNA CSV")
    errors = ErrorPolicy("read_rsna", on_error)
    out: list[SegmentationSample] = []
    seen: set[str] = set()
    for line, row in iter_rows(df):
        rel = row["img_path"].strip()
        with errors.guard(f"{csv_path}: line {line} (img_path={rel})"):
            if not rel:
                raise DataFormatError("empty img_path")
            path = image_root / rel
            image_id = Path(rel).stem
            if image_id in seen:
                raise DataFormatError("duplicate image")
            cls = parse_float(row["class"], "class")
            if cls not in (0.0, 1.0):
                raise DataFormatError(f"class must be 0 or 1, got {row['class']!r}")
            boxes = parse_rsna_boxes(row["boxes"])
            if bool(cls) != bool(boxes):
                raise DataFormatError(f"class {int(cls)} disagrees with {len(boxes)} box(es)")
            size = image_size
            if check_images:
                check_image_exists(path)
                if size is None:
                    size = header_size(path)
            if size is None:
                raise DataFormatError("image size unknown: pass image_size or check_images=True")
            boxes = tuple(check_box(b, size, box_tolerance) for b in boxes)
            seen.add(image_id)
            out.append(
                SegmentationSample(
                    image_path=path, image_id=image_id, positive=bool(cls),
                    original_size=(int(size[0]), int(size[1])), boxes=boxes, category="Pneumonia",
                )
            )  # fmt: skip
    errors.finish()
    log.info("read_rsna %s: %d images (%d positive)", csv_path.name, len(out), sum(s.positive for s in out))
    return out
