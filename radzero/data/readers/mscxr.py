"""MS-CXR phrase grounding (PhysioNet): ``MS_CXR_Local_Alignment_v1.0.0.csv`` / v1.1.0.

One CSV row per box; the rows of one (dicom_id, label_text) form one phrase with all its boxes.
``path`` is relative to the MIMIC-CXR-JPG root (``.../mimic-cxr-jpg/2.0.0``); boxes x, y, w, h
are in original pixels of an image_width x image_height image. v1.1.0 adds ``split``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_box,
    check_image_exists,
    iter_rows,
    normalise_split,
    parse_float,
    read_csv_columns,
)
from radzero.data.samples import GroundingSample

log = logging.getLogger(__name__)

__all__ = ["MSCXR_COLUMNS", "mscxr_image_ids", "read_mscxr"]

MSCXR_COLUMNS = (
    "dicom_id", "category_name", "label_text", "path", "x", "y", "w", "h",
    "image_width", "image_height",
)  # fmt: skip
_SPLIT_ALIASES = {"validate": "val", "valid": "val", "validation": "val"}


def read_mscxr(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    split: str | Sequence[str] | None = None,
    on_error: str = "raise",
    check_images: bool = True,
    box_tolerance: float = 1.0,
) -> list[GroundingSample]:
    """-> one GroundingSample per (dicom_id, label_text), boxes in CSV order.

    ``split``: keep only these values of the v1.1.0 ``split`` column (train / val / test);
    asking for a split of a v1.0.0 CSV (no split column) is an error.
    """
    csv_path = Path(csv_path)
    image_root = Path(image_root)
    df = read_csv_columns(csv_path, MSCXR_COLUMNS, "MS-CXR CSV")
    keep = normalise_split(split, _SPLIT_ALIASES)
    if keep is not None and "split" not in df.columns:
        raise DataFormatError(
            f"{csv_path}: split={split!r} requested but the CSV has no 'split' column "
            "(v1.0.0 has none; v1.1.0 adds it)"
        )
    errors = ErrorPolicy("read_mscxr", on_error)
    groups: dict[tuple[str, str], dict] = {}
    bad_keys: set[tuple[str, str]] = set()
    n_split_dropped = 0
    for line, row in iter_rows(df):
        key = (row["dicom_id"].strip(), row["label_text"].strip())
        row_split = None
        if "split" in row:
            row_split = _SPLIT_ALIASES.get(row["split"].strip().lower(), row["split"].strip().lower())
        if keep is not None and row_split not in keep:
            n_split_dropped += 1
            continue
        where = f"{csv_path}: line {line} (dicom_id={key[0]}, label_text={key[1]!r})"
        with errors.guard(where):
            if not key[0]:
                raise DataFormatError("empty dicom_id")
            if not key[1]:
                raise DataFormatError("empty label_text")
            width = int(parse_float(row["image_width"], "image_width"))
            height = int(parse_float(row["image_height"], "image_height"))
            if width <= 0 or height <= 0:
                raise DataFormatError(f"image size {width}x{height} is not positive")
            box = tuple(parse_float(row[c], c) for c in ("x", "y", "w", "h"))
            box = check_box(box, (height, width), box_tolerance)
            g = groups.get(key)
            info = (row["category_name"].strip(), row["path"].strip(), (height, width), row_split)
            if g is None:
                groups[key] = {"info": info, "boxes": [box], "where": where}
            elif g["info"] != info:
                bad_keys.add(key)
                raise DataFormatError(
                    f"rows of the same phrase disagree on category/path/size/split: "
                    f"{g['info']} vs {info}"
                )
            else:
                g["boxes"].append(box)
            continue
        bad_keys.add(key)  # reached only when the guard swallowed an error (skip mode)
    out: list[GroundingSample] = []
    for key, g in groups.items():
        if key in bad_keys:
            continue  # a phrase with a skipped box would be incomplete: drop it whole
        category, rel, size, row_split = g["info"]
        path = image_root / rel
        with errors.guard(g["where"]):
            if check_images:
                check_image_exists(path)
            out.append(
                GroundingSample(
                    image_path=path,
                    image_id=key[0],
                    phrase=key[1],
                    category=category,
                    boxes=tuple(g["boxes"]),
                    original_size=size,
                    split=row_split,
                )
            )
    errors.finish()
    log.info(
        "read_mscxr %s: %d phrases on %d images (%d rows outside split %s)",
        csv_path.name, len(out), len({s.image_id for s in out}), n_split_dropped, split,
    )  # fmt: skip
    return out


def mscxr_image_ids(
    csv_path: str | os.PathLike, splits: Sequence[str] | None = ("test",)
) -> set[str]:
    """dicom_ids of MS-CXR images, to drop them from training.

    With a v1.1.0 CSV only rows whose split is in ``splits`` count (``None`` = all rows); a
    v1.0.0 CSV has no split column, so all its images are returned (the conservative choice).
    """
    df = read_csv_columns(csv_path, ("dicom_id",), "MS-CXR CSV")
    if splits is not None and "split" in df.columns:
        keep = normalise_split(splits, _SPLIT_ALIASES)
        df = df[df["split"].str.strip().str.lower().map(lambda s: _SPLIT_ALIASES.get(s, s)).isin(keep)]
    return {d.strip() for d in df["dicom_id"] if d.strip()}
