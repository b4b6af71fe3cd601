"""ChestX-Det10 ``test.json``: ``[{file_name, syms: [...], boxes: [[x1, y1, x2, y2], ...]}]``
(one box per entry of ``syms``, same order); images in ``image_root / file_name``.
The JSON gives no image size: it is read from each image header (or ``image_size``)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from radzero.data.boxes import Box
from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_box,
    check_image_exists,
    header_size,
    require_file,
)
from radzero.data.samples import ClassificationSample, GroundingSample

log = logging.getLogger(__name__)

__all__ = [
    "CHESTXDET10_CLASSES",
    "ChestXDet10Image",
    "chestxdet10_classes",
    "read_chestxdet10",
    "read_chestxdet10_classification",
    "read_chestxdet10_grounding",
]

CHESTXDET10_CLASSES = (
    "Atelectasis", "Calcification", "Consolidation", "Effusion", "Emphysema",
    "Fibrosis", "Fracture", "Mass", "Nodule", "Pneumothorax",
)  # fmt: skip


@dataclass(frozen=True)
class ChestXDet10Image:
    image_path: Path
    image_id: str  # file_name
    annotations: tuple[tuple[str, Box], ...]  # (class, (x, y, w, h)) in JSON order
    original_size: tuple[int, int] | None


def read_chestxdet10(
    json_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    classes: tuple[str, ...] = CHESTXDET10_CLASSES,
    image_size: tuple[int, int] | None = None,
    on_error: str = "raise",
    check_images: bool = True,
    box_tolerance: float = 1.0,
) -> list[ChestXDet10Image]:
    """Parse and validate; ``image_size`` (H, W) skips the header reads (else each image's
    header gives the size the boxes are checked against; needs ``check_images``)."""
    json_path = require_file(json_path, "ChestX-Det10 JSON")
    image_root = Path(image_root)
    try:
        with open(json_path, encoding="utf-8") as f:
            records = json.load(f)
    except json.JSONDecodeError as e:
        raise DataFormatError(f"{json_path}: not valid JSON: {e}") from e
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DataFormatError(f"{json_path}: expected a JSON list of records (objects)")
    known = set(classes)
    errors = ErrorPolicy("read_chestxdet10", on_error)
    out: list[ChestXDet10Image] = []
    seen: set[str] = set()
    for i, rec in enumerate(records):
        name = rec.get("file_name")
        with errors.guard(f"{json_path}: record {i} (file_name={name})"):
            for k in ("file_name", "syms", "boxes"):
                if k not in rec:
                    raise DataFormatError(f"record lacks key {k!r}")
            if not isinstance(name, str) or not name.strip():
                raise DataFormatError("file_name must be a non-empty string")
            name = name.strip()
            if name in seen:
                raise DataFormatError("duplicate file_name")
            syms, boxes = rec["syms"], rec["boxes"]
            if not isinstance(syms, list) or not isinstance(boxes, list) or len(syms) != len(boxes):
                raise DataFormatError(f"syms and boxes must be lists of equal length, got {syms!r:.60} / {boxes!r:.60}")
            path = image_root / name
            size = image_size
            if check_images:
                check_image_exists(path)
                if size is None:
                    size = header_size(path)
            anns = []
            for sym, b in zip(syms, boxes):
                if sym not in known:
                    raise DataFormatError(f"unknown class {sym!r}; expected one of {list(classes)}")
                if not isinstance(b, (list, tuple)) or len(b) != 4:
                    raise DataFormatError(f"box {b!r} is not [x1, y1, x2, y2]")
                x1, y1, x2, y2 = (float(v) for v in b)
                anns.append((sym, check_box((x1, y1, x2 - x1, y2 - y1), size, box_tolerance)))
            seen.add(name)
            out.append(ChestXDet10Image(path, name, tuple(anns), size))
    errors.finish()
    log.info(
        "read_chestxdet10 %s: %d images, %d boxes", json_path.name, len(out),
        sum(len(r.annotations) for r in out),
    )  # fmt: skip
    return out


def read_chestxdet10_classification(
    json_path: str | os.PathLike, image_root: str | os.PathLike, **kwargs
) -> list[ClassificationSample]:
    """-> labels 1.0 / 0.0 for every class in ``classes`` (present = has a box)."""
    classes = kwargs.get("classes", CHESTXDET10_CLASSES)
    return [
        ClassificationSample(
            image_path=r.image_path,
            image_id=r.image_id,
            labels={c: float(any(a[0] == c for a in r.annotations)) for c in classes},
            original_size=r.original_size,
        )
        for r in read_chestxdet10(json_path, image_root, **kwargs)
    ]


def read_chestxdet10_grounding(
    json_path: str | os.PathLike, image_root: str | os.PathLike, **kwargs
) -> list[GroundingSample]:
    """-> one GroundingSample per (image, class present), phrase = category = class name,
    with all boxes of that class."""
    out: list[GroundingSample] = []
    for r in read_chestxdet10(json_path, image_root, **kwargs):
        by_class: dict[str, list[Box]] = {}
        for c, b in r.annotations:
            by_class.setdefault(c, []).append(b)
        for c, bs in by_class.items():
            out.append(GroundingSample(r.image_path, r.image_id, c, c, tuple(bs), r.original_size))
    return out


def chestxdet10_classes() -> list[str]:
    """The ten ChestX-Det10 classes in the authors' (sorted) order: class k <-> key "k" of their prompts JSON."""
    return list(CHESTXDET10_CLASSES)
