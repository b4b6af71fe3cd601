"""MIMIC-CXR-JPG v2.0.0 (images + metadata/split/chexpert CSVs) with MIMIC-CXR reports.

Layout (``jpg_root`` = ``.../mimic-cxr-jpg/2.0.0``, ``reports_root`` = ``.../mimic-cxr/2.0.0``)::

    jpg_root/files/p1X/p<subject_id>/s<study_id>/<dicom_id>.jpg
    jpg_root/mimic-cxr-2.0.0-{metadata,split,chexpert}.csv
    reports_root/files/p1X/p<subject_id>/s<study_id>.txt

Everything is joined by key: split and metadata by dicom_id, labels / sentences / reports by
study_id (labels also by subject_id), never by row order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    iter_rows,
    normalise_split,
    parse_float,
    parse_label,
    read_csv_columns,
    require_file,
)
from radzero.data.readers.mscxr import mscxr_image_ids
from radzero.data.readers.reports import report_sentences
from radzero.data.samples import ImageTextSample

log = logging.getLogger(__name__)

__all__ = [
    "FRONTAL_VIEWS",
    "MIMIC_SPLIT_ALIASES",
    "mimic_image_path",
    "mimic_report_path",
    "read_mimic_cxr",
]

METADATA_CSV = "mimic-cxr-2.0.0-metadata.csv"
SPLIT_CSV = "mimic-cxr-2.0.0-split.csv"
CHEXPERT_CSV = "mimic-cxr-2.0.0-chexpert.csv"
FRONTAL_VIEWS = ("PA", "AP")
MIMIC_SPLIT_ALIASES = {"val": "validate", "valid": "validate", "validation": "validate"}


def _pdir(subject_id: str) -> str:
    return f"p{subject_id[:2]}"


def mimic_image_path(jpg_root: Path, subject_id: str, study_id: str, dicom_id: str) -> Path:
    return jpg_root / "files" / _pdir(subject_id) / f"p{subject_id}" / f"s{study_id}" / f"{dicom_id}.jpg"


def mimic_report_path(reports_root: Path, subject_id: str, study_id: str) -> Path:
    return reports_root / "files" / _pdir(subject_id) / f"p{subject_id}" / f"s{study_id}.txt"


def _id(value: str, column: str) -> str:
    v = str(value).strip()
    if v.endswith(".0"):  # ids written as floats by some tools
        v = v[:-2]
    if not v.isdigit():
        raise DataFormatError(f"column {column!r}: {value!r} is not an integer id")
    return v


def read_mimic_cxr(
    jpg_root: str | os.PathLike,
    reports_root: str | os.PathLike | None = None,
    *,
    split: str | Sequence[str] | None = "train",
    frontal_only: bool = False,
    exclude_mscxr_csv: str | os.PathLike | None = None,
    exclude_mscxr_splits: Sequence[str] | None = ("test",),
    sentences: Mapping[str, Sequence[str]] | None = None,
    report_sections: tuple[str, ...] = ("FINDINGS", "IMPRESSION"),
    sentence_fn: Callable[[str], list[str]] | None = None,
    with_labels: bool = False,
    metadata_csv: str = METADATA_CSV,
    split_csv: str = SPLIT_CSV,
    chexpert_csv: str = CHEXPERT_CSV,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ImageTextSample]:
    """-> one ImageTextSample per image that passes the filters, in metadata-CSV order.

    Sentences of a study come from ``sentences`` (study_id -> list of str, e.g. the output of
    the finding-sentence extraction) when given, otherwise from the report's FINDINGS and
    IMPRESSION split into sentences (``sentence_fn(report_text)`` overrides that).

    Filters (each count is logged): ``split`` (train / validate / test; "val" accepted;
    None = all), ``frontal_only`` (ViewPosition PA/AP; the paper trains on all views),
    ``exclude_mscxr_csv`` (drop MS-CXR images, see ``mscxr_image_ids``), and studies without
    sentences. A missing or empty report file, or a missing image (``check_images``), is an
    error handled by ``on_error``.
    """
    jpg_root = Path(jpg_root)
    reports_root = Path(reports_root) if reports_root is not None else None
    if sentences is None and reports_root is None:
        raise ValueError("read_mimic_cxr: give reports_root (free-text reports) or sentences")
    errors = ErrorPolicy("read_mimic_cxr", on_error)
    meta_path = jpg_root / metadata_csv
    split_path = jpg_root / split_csv
    meta = read_csv_columns(
        meta_path, ("dicom_id", "subject_id", "study_id", "ViewPosition", "Rows", "Columns"),
        "MIMIC-CXR-JPG metadata CSV",
    )  # fmt: skip
    splits_df = read_csv_columns(split_path, ("dicom_id", "study_id", "subject_id", "split"), "MIMIC-CXR-JPG split CSV")

    split_of: dict[str, str] = {}
    for line, row in iter_rows(splits_df):
        did = row["dicom_id"].strip()
        with errors.guard(f"{split_path}: line {line} (dicom_id={did})"):
            if did in split_of:
                raise DataFormatError("duplicate dicom_id")
            split_of[did] = row["split"].strip().lower()

    labels_of: dict[tuple[str, str], dict[str, float | None]] | None = None
    if with_labels:
        chex_path = jpg_root / chexpert_csv
        chex = read_csv_columns(chex_path, ("subject_id", "study_id"), "MIMIC-CXR-JPG chexpert CSV")
        label_cols = [c for c in chex.columns if c not in ("subject_id", "study_id")]
        labels_of = {}
        for line, row in iter_rows(chex):
            with errors.guard(f"{chex_path}: line {line} (study_id={row['study_id']})"):
                key = (_id(row["subject_id"], "subject_id"), _id(row["study_id"], "study_id"))
                if key in labels_of:
                    raise DataFormatError("duplicate (subject_id, study_id)")
                labels_of[key] = {c: parse_label(row[c], c) for c in label_cols}

    keep_splits = normalise_split(split, MIMIC_SPLIT_ALIASES)
    excluded = (
        mscxr_image_ids(exclude_mscxr_csv, exclude_mscxr_splits) if exclude_mscxr_csv is not None else set()
    )
    counts = dict(total=0, split=0, view=0, mscxr=0, no_sentences=0, kept=0)
    study_sentences: dict[str, tuple[str, ...] | None] = {}
    out: list[ImageTextSample] = []
    for line, row in iter_rows(meta):
        did = row["dicom_id"].strip()
        counts["total"] += 1
        with errors.guard(f"{meta_path}: line {line} (dicom_id={did})"):
            subject = _id(row["subject_id"], "subject_id")
            study = _id(row["study_id"], "study_id")
            if did not in split_of:
                raise DataFormatError(f"dicom_id not found in {split_path.name}")
            img_split = split_of[did]
            if keep_splits is not None and img_split not in keep_splits:
                counts["split"] += 1
                continue
            view = row["ViewPosition"].strip() or None
            if frontal_only and (view or "").upper() not in FRONTAL_VIEWS:
                counts["view"] += 1
                continue
            if did in excluded:
                counts["mscxr"] += 1
                continue
            if study not in study_sentences:
                study_sentences[study] = _study_sentences(
                    study, subject, sentences, reports_root, report_sections, sentence_fn
                )
            sents = study_sentences[study]
            if not sents:
                counts["no_sentences"] += 1
                continue
            size = (int(parse_float(row["Rows"], "Rows")), int(parse_float(row["Columns"], "Columns")))
            path = mimic_image_path(jpg_root, subject, study, did)
            if check_images:
                check_image_exists(path)
            labels = None
            if labels_of is not None:
                labels = labels_of.get((subject, study))
                if labels is None:
                    raise DataFormatError(f"study s{study} has no row in {chexpert_csv}")
            out.append(
                ImageTextSample(
                    image_path=path, image_id=did, sentences=sents, study_id=study,
                    subject_id=subject, split=img_split, view=view, original_size=size,
                    labels=labels,
                )
            )  # fmt: skip
            counts["kept"] += 1
    errors.finish()
    log.info(
        "read_mimic_cxr: %(total)d images in metadata; dropped %(split)d by split, %(view)d "
        "non-frontal, %(mscxr)d MS-CXR, %(no_sentences)d without sentences; kept %(kept)d",
        counts,
    )
    return out


def _study_sentences(
    study: str,
    subject: str,
    sentences: Mapping[str, Sequence[str]] | None,
    reports_root: Path | None,
    report_sections: tuple[str, ...],
    sentence_fn: Callable[[str], list[str]] | None,
) -> tuple[str, ...]:
    if sentences is not None:
        raw = sentences.get(study, sentences.get(f"s{study}", ()))
        if isinstance(raw, str):
            raise DataFormatError(f"sentences for study {study} must be a list of strings, got a string")
        return tuple(s.strip() for s in raw if isinstance(s, str) and s.strip())
    assert reports_root is not None
    path = mimic_report_path(reports_root, subject, study)
    try:
        text = require_file(path, "MIMIC-CXR report").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError as e:
        raise DataFormatError(str(e)) from None
    if not text.strip():
        raise DataFormatError(f"report file is empty: {path}")
    sents = sentence_fn(text) if sentence_fn is not None else report_sentences(text, report_sections)
    return tuple(s.strip() for s in sents if s and s.strip())
