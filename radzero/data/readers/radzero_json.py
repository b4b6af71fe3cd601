"""The authors' preprocessed MIMIC JSON: a list of records

    {"dicom_id": "<id>.jpg", "study_id", "subject_id", "view_position", "split",
     "findings", "impression", "key_phrases": [sentences]}

with images in a flat folder ``MIMIC-CXR/images/<dicom_id>``. Records whose key_phrases list
is empty are dropped (counted), as the authors do.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    normalise_split,
    require_file,
)
from radzero.data.readers.mimic import FRONTAL_VIEWS, MIMIC_SPLIT_ALIASES
from radzero.data.readers.mscxr import mscxr_image_ids
from radzero.data.samples import ImageTextSample

log = logging.getLogger(__name__)

__all__ = ["RADZERO_JSON_KEYS", "read_radzero_json"]

RADZERO_JSON_KEYS = ("dicom_id", "key_phrases")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".dcm")


def read_radzero_json(
    json_path: str | os.PathLike,
    image_dir: str | os.PathLike,
    *,
    split: str | Sequence[str] | None = "train",
    frontal_only: bool = False,
    exclude_mscxr_csv: str | os.PathLike | None = None,
    exclude_mscxr_splits: Sequence[str] | None = ("test",),
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ImageTextSample]:
    """-> one ImageTextSample per record passing the filters (JSON order).

    ``image_dir`` is the flat folder (``.../MIMIC-CXR/images``); image path = image_dir /
    dicom_id (dicom_id already carries ``.jpg``; one without an image suffix gets ``.jpg``).
    ``split`` / ``frontal_only`` / ``exclude_mscxr_csv`` as in ``read_mimic_cxr`` (records
    lacking ``split`` / ``view_position`` fail those filters with an error).
    """
    json_path = require_file(json_path, "RadZero JSON")
    image_dir = Path(image_dir)
    try:
        with open(json_path, encoding="utf-8") as f:
            records = json.load(f)
    except json.JSONDecodeError as e:
        raise DataFormatError(f"{json_path}: not valid JSON: {e}") from e
    if not isinstance(records, list):
        hint = f" (top-level keys: {list(records)[:5]})" if isinstance(records, dict) else ""
        raise DataFormatError(
            f"{json_path}: expected a JSON list of records, got {type(records).__name__}{hint}"
        )
    if records and not all(isinstance(r, dict) for r in records):
        i = next(i for i, r in enumerate(records) if not isinstance(r, dict))
        raise DataFormatError(
            f"{json_path}: expected a list of records (objects); item {i} is "
            f"{type(records[i]).__name__}"
        )
    errors = ErrorPolicy("read_radzero_json", on_error)
    keep_splits = normalise_split(split, MIMIC_SPLIT_ALIASES)
    excluded = (
        mscxr_image_ids(exclude_mscxr_csv, exclude_mscxr_splits) if exclude_mscxr_csv is not None else set()
    )
    counts = dict(total=len(records), split=0, view=0, mscxr=0, no_sentences=0, kept=0)
    seen: set[str] = set()
    out: list[ImageTextSample] = []
    for i, rec in enumerate(records):
        did_raw = rec.get("dicom_id")
        with errors.guard(f"{json_path}: record {i} (dicom_id={did_raw})"):
            missing = [k for k in RADZERO_JSON_KEYS if k not in rec]
            if missing:
                raise DataFormatError(f"record lacks key(s) {missing}; has {sorted(rec)}")
            if not isinstance(did_raw, str) or not did_raw.strip():
                raise DataFormatError("dicom_id must be a non-empty string")
            fname = did_raw.strip()
            if not fname.lower().endswith(_IMAGE_SUFFIXES):
                fname += ".jpg"
            image_id = fname.rsplit(".", 1)[0]
            rec_split = _opt_str(rec.get("split"))
            if keep_splits is not None:
                if rec_split is None:
                    raise DataFormatError("record has no 'split' but a split filter was given")
                if MIMIC_SPLIT_ALIASES.get(rec_split.lower(), rec_split.lower()) not in keep_splits:
                    counts["split"] += 1
                    continue
            view = _opt_str(rec.get("view_position"))
            if frontal_only:
                if view is None:
                    raise DataFormatError("record has no 'view_position' but frontal_only=True")
                if view.upper() not in FRONTAL_VIEWS:
                    counts["view"] += 1
                    continue
            if image_id in excluded:
                counts["mscxr"] += 1
                continue
            phrases = rec["key_phrases"]
            if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                raise DataFormatError(f"key_phrases must be a list of strings, got {phrases!r:.80}")
            sents = tuple(p.strip() for p in phrases if p.strip())
            if not sents:
                counts["no_sentences"] += 1
                continue
            if image_id in seen:
                raise DataFormatError("duplicate dicom_id")
            seen.add(image_id)
            path = image_dir / fname
            if check_images:
                check_image_exists(path)
            out.append(
                ImageTextSample(
                    image_path=path,
                    image_id=image_id,
                    sentences=sents,
                    study_id=_opt_str(rec.get("study_id")),
                    subject_id=_opt_str(rec.get("subject_id")),
                    split=rec_split,
                    view=view,
                )
            )
            counts["kept"] += 1
    errors.finish()
    log.info(
        "read_radzero_json %s: %d records; dropped %d by split, %d non-frontal, %d MS-CXR, "
        "%d with empty key_phrases; kept %d",
        json_path.name, counts["total"], counts["split"], counts["view"], counts["mscxr"],
        counts["no_sentences"], counts["kept"],
    )  # fmt: skip
    return out


def _opt_str(v) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None
