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

import numpy as np
import pandas as pd

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    first_wins,
    gc_paused,
    normalise_split,
    report_bad_rows,
    require_file,
)
from radzero.data.readers.mimic import FRONTAL_VIEWS, MIMIC_SPLIT_ALIASES
from radzero.data.readers.mscxr import mscxr_image_ids
from radzero.data.samples import ImageTextSample

log = logging.getLogger(__name__)

__all__ = ["RADZERO_JSON_KEYS", "read_radzero_json"]

RADZERO_JSON_KEYS = ("dicom_id", "key_phrases")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".dcm")


@gc_paused()
def read_radzero_json(
    json_path: str | os.PathLike,
    image_dir: str | os.PathLike,
    *,
    split: str | Sequence[str] | None = "train",
    frontal_only: bool = False,
    exclude_mscxr_csv: str | os.PathLike | None = None,
    exclude_mscxr_splits: Sequence[str] | None = ("test",),
    exclude_mscxr_json: str | os.PathLike | None = None,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ImageTextSample]:
    """-> one ImageTextSample per record passing the filters (JSON order).

    ``image_dir`` is the flat folder (``.../MIMIC-CXR/images``); image path = image_dir /
    dicom_id (dicom_id already carries ``.jpg``; one without an image suffix gets ``.jpg``).
    ``split`` / ``frontal_only`` / ``exclude_mscxr_csv`` as in ``read_mimic_cxr`` (records
    lacking ``split`` / ``view_position`` fail those filters with an error). ``exclude_mscxr_json``: the
    authors' ``MS-CXR/test.json``; the images of its entries (by file stem) are dropped, as the authors do.
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
    if exclude_mscxr_json is not None:
        from radzero.data.readers.release_grounding import mscxr_release_image_ids

        excluded |= mscxr_release_image_ids(exclude_mscxr_json)
    n = len(records)
    counts = dict(total=n, split=0, view=0, mscxr=0, no_sentences=0, kept=0)
    # Column checks, in the order of the per-record checks (``_check`` below); a stage's drops
    # (split, view, MS-CXR, no sentences) only count records that passed the stages before it.
    did_raw = [r.get("dicom_id") for r in records]
    phrases = [r.get("key_phrases") for r in records]
    has_keys = np.fromiter(("dicom_id" in r and "key_phrases" in r for r in records), bool, n)
    did = pd.Series([v if isinstance(v, str) else "" for v in did_raw], dtype=object).str.strip()
    ok = has_keys & (did != "").to_numpy()
    fname = did.where(did.str.lower().str.endswith(_IMAGE_SUFFIXES), did + ".jpg")
    image_id = fname.str.replace(r"\.[^.]*$", "", regex=True).to_numpy()
    rec_split = _opt_str_list([r.get("split") for r in records])
    views = _opt_str_list([r.get("view_position") for r in records])
    dropped = np.zeros(n, dtype=bool)
    if keep_splits is not None:
        norm = pd.Series(rec_split, dtype=object).str.lower()
        norm = norm.map(lambda v: MIMIC_SPLIT_ALIASES.get(v, v) if isinstance(v, str) else v)
        has = np.array([v is not None for v in rec_split], dtype=bool)
        drop = ok & has & ~norm.isin(list(keep_splits)).to_numpy()
        ok &= has & ~drop
        counts["split"], dropped = int(drop.sum()), dropped | drop
    if frontal_only:
        has = np.array([v is not None for v in views], dtype=bool)
        upper = pd.Series(views, dtype=object).str.upper()
        drop = ok & has & ~upper.isin(list(FRONTAL_VIEWS)).to_numpy()
        ok &= has & ~drop
        counts["view"], dropped = int(drop.sum()), dropped | drop
    if excluded:
        drop = ok & pd.Series(image_id).isin(list(excluded)).to_numpy()
        ok &= ~drop
        counts["mscxr"], dropped = int(drop.sum()), dropped | drop
    sents: list[tuple[str, ...] | None] = [None] * n
    for i in np.flatnonzero(ok).tolist():
        sents[i] = _sentences(phrases[i])
    ok &= np.array([s is not None for s in sents], dtype=bool)
    drop = ok & np.array([not s if s is not None else False for s in sents], dtype=bool)
    ok &= ~drop
    counts["no_sentences"], dropped = int(drop.sum()), dropped | drop
    fname_arr = fname.to_numpy()
    accepted = first_wins(image_id, ok)  # a dicom_id counts as seen before its image is checked
    first_row = dict(zip(image_id[accepted].tolist(), np.flatnonzero(accepted).tolist()))
    if check_images:
        accepted[accepted] = [(image_dir / fname_arr[i]).is_file() for i in np.flatnonzero(accepted).tolist()]

    def check(i: int) -> None:
        _check(records[i], image_id[i], image_dir / fname_arr[i], keep_splits, frontal_only, check_images,
               first_row.get(image_id[i], i) < i)  # fmt: skip

    report_bad_rows(
        errors, np.flatnonzero(~accepted & ~dropped).tolist(),
        lambda i: f"{json_path}: record {i} (dicom_id={did_raw[i]})", check,
    )  # fmt: skip
    out = [
        ImageTextSample(
            image_path=image_dir / fname_arr[i],
            image_id=image_id[i],
            sentences=sents[i],
            study_id=_opt_str(records[i].get("study_id")),
            subject_id=_opt_str(records[i].get("subject_id")),
            split=rec_split[i],
            view=views[i],
        )
        for i in np.flatnonzero(accepted).tolist()
    ]
    counts["kept"] = len(out)
    errors.finish()
    log.info(
        "read_radzero_json %s: %d records; dropped %d by split, %d non-frontal, %d MS-CXR, "
        "%d with empty key_phrases; kept %d",
        json_path.name, counts["total"], counts["split"], counts["view"], counts["mscxr"],
        counts["no_sentences"], counts["kept"],
    )  # fmt: skip
    return out


def _check(
    rec: dict,
    image_id: str,
    path: Path,
    keep_splits: set[str] | None,
    frontal_only: bool,
    check_images: bool,
    duplicate: bool,
) -> None:
    """The per-record checks that raise (the filters' drops are counted by the column checks)."""
    missing = [k for k in RADZERO_JSON_KEYS if k not in rec]
    if missing:
        raise DataFormatError(f"record lacks key(s) {missing}; has {sorted(rec)}")
    did = rec["dicom_id"]
    if not isinstance(did, str) or not did.strip():
        raise DataFormatError("dicom_id must be a non-empty string")
    if keep_splits is not None and _opt_str(rec.get("split")) is None:
        raise DataFormatError("record has no 'split' but a split filter was given")
    if frontal_only and _opt_str(rec.get("view_position")) is None:
        raise DataFormatError("record has no 'view_position' but frontal_only=True")
    phrases = rec["key_phrases"]
    if _sentences(phrases) is None:
        raise DataFormatError(f"key_phrases must be a list of strings, got {phrases!r:.80}")
    if duplicate:
        raise DataFormatError("duplicate dicom_id")
    if check_images:
        check_image_exists(path)


def _sentences(phrases) -> tuple[str, ...] | None:
    """key_phrases -> the non-blank stripped sentences; None when not a list of strings."""
    if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
        return None
    return tuple(p.strip() for p in phrases if p.strip())


def _opt_str_list(values: list) -> list[str | None]:
    return [None if v is None else (str(v).strip() or None) for v in values]


def _opt_str(v) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None
