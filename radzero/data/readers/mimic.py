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

import numpy as np
import pandas as pd

from radzero.data.readers._common import (
    ROW_ERRORS,
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    first_wins,
    gc_paused,
    labels_dicts,
    normalise_split,
    parse_float,
    parse_float_column,
    parse_label,
    parse_label_column,
    read_csv_columns,
    report_bad_rows,
    require_file,
    stripped,
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
    if dicom_id.startswith("/"):  # keep pathlib's meaning of an absolute last part
        return jpg_root / "files" / _pdir(subject_id) / f"p{subject_id}" / f"s{study_id}" / f"{dicom_id}.jpg"
    return jpg_root / f"files/{_pdir(subject_id)}/p{subject_id}/s{study_id}/{dicom_id}.jpg"  # one join: fast


def mimic_report_path(reports_root: Path, subject_id: str, study_id: str) -> Path:
    return reports_root / "files" / _pdir(subject_id) / f"p{subject_id}" / f"s{study_id}.txt"


def _id(value: str, column: str) -> str:
    v = str(value).strip()
    if v.endswith(".0"):  # ids written as floats by some tools
        v = v[:-2]
    if not v.isdigit():
        raise DataFormatError(f"column {column!r}: {value!r} is not an integer id")
    return v


@gc_paused()
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

    split_did = stripped(splits_df, "dicom_id").to_numpy()
    split_dup = pd.Series(split_did).duplicated(keep="first").to_numpy()
    report_bad_rows(
        errors, np.flatnonzero(split_dup).tolist(), lambda i: f"{split_path}: line {i + 2} (dicom_id={split_did[i]})",
        lambda i: _raise("duplicate dicom_id"),
    )  # fmt: skip
    split_of = dict(zip(split_did[~split_dup].tolist(), stripped(splits_df, "split").str.lower()[~split_dup].tolist()))

    labels_of: dict[tuple[str, str], dict[str, float | None]] | None = None
    if with_labels:
        labels_of = _read_labels(jpg_root / chexpert_csv, errors)

    keep_splits = normalise_split(split, MIMIC_SPLIT_ALIASES)
    excluded = (
        mscxr_image_ids(exclude_mscxr_csv, exclude_mscxr_splits) if exclude_mscxr_csv is not None else set()
    )
    n = len(meta)
    counts = dict(total=n, split=0, view=0, mscxr=0, no_sentences=0, kept=0)
    # Column checks in the order of the per-row checks (``check`` below); each drop (split, view,
    # MS-CXR, no sentences) counts only rows that passed the stages before it.
    did = stripped(meta, "dicom_id").to_numpy()
    subject, subject_bad = _id_column(meta["subject_id"])
    study, study_bad = _id_column(meta["study_id"])
    img_split = pd.Series(did).map(split_of).to_numpy(dtype=object)
    ok = ~subject_bad & ~study_bad & pd.notna(img_split)
    dropped = np.zeros(n, dtype=bool)

    def drop(mask: np.ndarray, key: str) -> None:
        nonlocal ok, dropped
        mask = ok & mask
        counts[key] = int(mask.sum())
        ok, dropped = ok & ~mask, dropped | mask

    if keep_splits is not None:
        drop(~pd.Series(img_split).isin(list(keep_splits)).to_numpy(), "split")
    views = stripped(meta, "ViewPosition").to_numpy()
    if frontal_only:
        drop(~pd.Series(views).str.upper().isin(list(FRONTAL_VIEWS)).to_numpy(), "view")
    if excluded:
        drop(pd.Series(did).isin(list(excluded)).to_numpy(), "mscxr")
    # one text source per study (cached by study_id, as read for the study's first row; a failure is
    # not cached, so each of the study's rows reports it)
    study_sentences: dict[str, tuple[str, ...]] = {}
    sents: list[tuple[str, ...] | None] = [None] * n
    text_bad = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(ok).tolist():
        if study[i] not in study_sentences:
            try:
                study_sentences[study[i]] = _study_sentences(
                    study[i], subject[i], sentences, reports_root, report_sections, sentence_fn
                )
            except ROW_ERRORS:
                text_bad[i] = True
                continue
        sents[i] = study_sentences[study[i]]
    ok &= ~text_bad
    drop(np.array([not v for v in sents], dtype=bool), "no_sentences")
    rows_h, rows_bad = parse_float_column(meta["Rows"], "Rows")
    cols_w, cols_bad = parse_float_column(meta["Columns"], "Columns")
    ok &= ~rows_bad & ~cols_bad
    paths: list[Path | None] = [None] * n
    for i in np.flatnonzero(ok).tolist():
        paths[i] = mimic_image_path(jpg_root, subject[i], study[i], did[i])
    if check_images:
        ok[ok] = [paths[i].is_file() for i in np.flatnonzero(ok).tolist()]
    if labels_of is not None:
        ok[ok] = [(subject[i], study[i]) in labels_of for i in np.flatnonzero(ok).tolist()]

    def check(i: int) -> None:  # the per-row checks that raise, in the order of the error messages
        sub, stu = _id(meta["subject_id"].iat[i], "subject_id"), _id(meta["study_id"].iat[i], "study_id")
        if did[i] not in split_of:
            raise DataFormatError(f"dicom_id not found in {split_path.name}")
        if text_bad[i]:
            _study_sentences(stu, sub, sentences, reports_root, report_sections, sentence_fn)
        parse_float(meta["Rows"].iat[i], "Rows")
        parse_float(meta["Columns"].iat[i], "Columns")
        if check_images:
            check_image_exists(mimic_image_path(jpg_root, sub, stu, did[i]))
        if labels_of is not None and (sub, stu) not in labels_of:
            raise DataFormatError(f"study s{stu} has no row in {chexpert_csv}")

    report_bad_rows(
        errors, np.flatnonzero(~ok & ~dropped).tolist(), lambda i: f"{meta_path}: line {i + 2} (dicom_id={did[i]})", check
    )  # fmt: skip
    out = [
        ImageTextSample(
            image_path=paths[i], image_id=did[i], sentences=sents[i], study_id=study[i], subject_id=subject[i],
            split=img_split[i], view=views[i] or None, original_size=(int(rows_h[i]), int(cols_w[i])),
            labels=labels_of.get((subject[i], study[i])) if labels_of is not None else None,
        )
        for i in np.flatnonzero(ok).tolist()
    ]  # fmt: skip
    counts["kept"] = len(out)
    errors.finish()
    log.info(
        "read_mimic_cxr: %(total)d images in metadata; dropped %(split)d by split, %(view)d "
        "non-frontal, %(mscxr)d MS-CXR, %(no_sentences)d without sentences; kept %(kept)d",
        counts,
    )
    return out


def _raise(message: str) -> None:
    raise DataFormatError(message)


def _id_column(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``_id`` over a column: (ids as strings, mask of cells it rejects)."""
    v = pd.Series(values.to_numpy(dtype=object), dtype=object).str.strip()
    v = v.where(~v.str.endswith(".0"), v.str.slice(stop=-2))
    return v.to_numpy(), ~v.str.isdigit().to_numpy(dtype=bool)


def _read_labels(chex_path: Path, errors: ErrorPolicy) -> dict[tuple[str, str], dict[str, float | None]]:
    """(subject_id, study_id) -> CheXpert labels of the study; bad rows go through ``errors``."""
    chex = read_csv_columns(chex_path, ("subject_id", "study_id"), "MIMIC-CXR-JPG chexpert CSV")
    label_cols = [c for c in chex.columns if c not in ("subject_id", "study_id")]
    subject, subject_bad = _id_column(chex["subject_id"])
    study, study_bad = _id_column(chex["study_id"])
    ok = ~subject_bad & ~study_bad
    values = np.full((len(chex), len(label_cols)), np.nan)
    for j, c in enumerate(label_cols):
        values[:, j], bad = parse_label_column(chex[c], c)
        ok &= ~bad
    keys = pd.Series(list(zip(subject.tolist(), study.tolist())), dtype=object)
    accepted = first_wins(keys, ok)
    first_row = dict(zip(keys[accepted].tolist(), np.flatnonzero(accepted).tolist()))
    cells = {c: chex[c].to_numpy(dtype=object) for c in label_cols}

    def check(i: int) -> None:
        key = (_id(chex["subject_id"].iat[i], "subject_id"), _id(chex["study_id"].iat[i], "study_id"))
        if first_row.get(key, i) < i:
            raise DataFormatError("duplicate (subject_id, study_id)")
        for c, v in cells.items():
            parse_label(v[i], c)

    report_bad_rows(
        errors, np.flatnonzero(~accepted).tolist(),
        lambda i: f"{chex_path}: line {i + 2} (study_id={chex['study_id'].iat[i]})", check,
    )  # fmt: skip
    rows = np.flatnonzero(accepted)
    return dict(zip(keys[accepted].tolist(), labels_dicts(label_cols, values[rows])))


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
