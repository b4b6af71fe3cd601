"""SIIM-ACR pneumothorax: ``train-rle.csv`` (``ImageId``, `` EncodedPixels``) + DICOM tree
``dicom-images-train/<StudyUID>/<SeriesUID>/<ImageId>.dcm``, found by ImageId (file stem); or the
authors' split CSVs (MGCA split, e.g. ``SIIM/test.csv``) that add a ``dicom_path`` column relative
to the data root.

Several rows of one ImageId (several regions) are merged into one mask; `` -1`` rows are
negatives. Optional split files list one ImageId per line.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_image_exists,
    gc_paused,
    header_size,
    read_csv_needed,
    report_bad_rows,
    require_file,
    rows_by_key,
    stripped,
)
from radzero.data.rle import EMPTY_RLE, rle_decode, rle_encode
from radzero.data.samples import SegmentationSample

log = logging.getLogger(__name__)

__all__ = ["SIIM_IMAGE_SIZE", "find_dicoms", "read_id_list", "read_siim"]

SIIM_IMAGE_SIZE = (1024, 1024)  # (H, W) of every image of the public SIIM-ACR set


def find_dicoms(root: str | os.PathLike) -> dict[str, Path]:
    """ImageId (file stem) -> path for every ``*.dcm`` under ``root``; duplicates are an error."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"DICOM folder not found: {root}")
    found: dict[str, Path] = {}
    for dirpath, _, files in os.walk(root):
        for fn in files:
            if fn.lower().endswith(".dcm"):
                stem = fn[:-4]
                if stem in found:
                    raise DataFormatError(f"{root}: ImageId {stem} found twice: {found[stem]} and {Path(dirpath) / fn}")
                found[stem] = Path(dirpath) / fn
    return found


def read_id_list(path: str | os.PathLike) -> list[str]:
    """One id per line; blank lines and ``#`` comments ignored; duplicates are an error."""
    p = require_file(path, "id list")
    ids: list[str] = []
    seen: set[str] = set()
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        s = line.split("#", 1)[0].strip()
        if not s:
            continue
        if s in seen:
            raise DataFormatError(f"{p}: line {n}: duplicate id {s}")
        seen.add(s)
        ids.append(s)
    return ids


@gc_paused()
def read_siim(
    csv_path: str | os.PathLike,
    dicom_root: str | os.PathLike | None = None,
    *,
    image_root: str | os.PathLike | None = None,
    ids_file: str | os.PathLike | None = None,
    image_size: tuple[int, int] | None = None,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[SegmentationSample]:
    """-> one SegmentationSample per ImageId (CSV first-appearance order; with ``ids_file``,
    only those ids, in the file's order, and an id absent from the CSV is an error).

    Image path: with a ``dicom_path`` column (the authors' CSVs), ``image_root / dicom_path``
    (``image_root`` defaults to ``dicom_root``; rows of one ImageId with different paths are an
    error); otherwise the ``<ImageId>.dcm`` found under ``dicom_root``. With ``check_images=False``
    no image is opened: a missing ``dicom_root`` tree gives ``dicom_root / <ImageId>.dcm``, and the
    image size is ``image_size`` or the public set's 1024 x 1024 (``SIIM_IMAGE_SIZE``).
    Image size otherwise: ``image_size`` (H, W) if given, else read from each DICOM header.
    ``mask_rle`` is the union of the image's regions (re-encoded); an image with a missing DICOM,
    malformed RLE or RLE beyond the image is an error.
    """
    csv_path = Path(csv_path)
    df = read_csv_needed(csv_path, ("ImageId", "EncodedPixels"), "SIIM train-rle CSV", optional=("dicom_path",))
    errors = ErrorPolicy("read_siim", on_error)
    with_paths = "dicom_path" in df.columns
    root = Path(image_root if image_root is not None else dicom_root) if with_paths else None
    if with_paths and image_root is None and dicom_root is None:
        raise ValueError(f"read_siim: {csv_path} has a dicom_path column; pass image_root (the data root)")
    if not with_paths and dicom_root is None:
        raise ValueError(f"read_siim: {csv_path} has no dicom_path column; pass dicom_root (the DICOM tree)")
    dicoms: dict[str, Path] | None = None
    if not with_paths and (check_images or Path(dicom_root).is_dir()):
        dicoms = find_dicoms(dicom_root)
    ids = stripped(df, "ImageId").to_numpy()
    rle = df["EncodedPixels"].to_numpy(dtype=object)
    empty_rle = (stripped(df, "EncodedPixels") == "-1").to_numpy()
    rel = stripped(df, "dicom_path").to_numpy() if with_paths else None
    good = ids != ""
    report_bad_rows(
        errors, np.flatnonzero(~good).tolist(), lambda i: f"{csv_path}: line {i + 2} (ImageId={ids[i]})",
        lambda i: _raise(DataFormatError("empty ImageId")),
    )  # fmt: skip
    rows_of = rows_by_key(ids, good)
    wanted = read_id_list(ids_file) if ids_file is not None else list(rows_of)
    out: list[SegmentationSample] = []
    for iid in wanted:
        with errors.guard(f"{csv_path} (ImageId={iid})"):
            if iid not in rows_of:
                raise DataFormatError(f"ImageId listed in {ids_file} has no row in the CSV")
            rows = rows_of[iid]
            if rel is not None:
                path = root / _one_path(rel, rows)
                if check_images:
                    check_image_exists(path)
            elif dicoms is not None and iid in dicoms:
                path = dicoms[iid]
            elif check_images:
                raise DataFormatError(f"no DICOM {iid}.dcm under {dicom_root}")
            else:
                path = Path(dicom_root) / f"{iid}.dcm"
            size = image_size if image_size is not None else header_size(path) if check_images else SIIM_IMAGE_SIZE
            mask_rle = EMPTY_RLE
            if not empty_rle[rows].all():  # at least one region: decode and unite
                mask = None
                for i in rows:
                    if empty_rle[i]:
                        continue
                    try:
                        region = rle_decode(rle[i], *size)  # column-major, like the RLE
                    except ValueError as e:
                        raise DataFormatError(f"line {i + 2}: malformed RLE: {e}") from None
                    mask = region if mask is None else np.logical_or(mask, region, out=mask)
                regions = rows[~empty_rle[rows]]
                canonical = _canonical_rle(rle[regions[0]]) if len(regions) == 1 else None
                mask_rle = canonical if canonical is not None else rle_encode(mask)
                if empty_rle[rows].any():
                    log.debug("read_siim: ImageId %s mixes '-1' and RLE rows; treated as positive", iid)
            out.append(
                SegmentationSample(
                    image_path=path,
                    image_id=iid,
                    positive=mask_rle != EMPTY_RLE,
                    original_size=(int(size[0]), int(size[1])),
                    mask_rle=mask_rle,
                    category="Pneumothorax",
                )
            )
    errors.finish()
    log.info(
        "read_siim %s: %d images (%d positive)%s", csv_path.name, len(out),
        sum(s.positive for s in out), f" from {Path(ids_file).name}" if ids_file else "",
    )  # fmt: skip
    return out


def _canonical_rle(text: str) -> str | None:
    """``rle_encode(rle_decode(text))`` without re-encoding, for an RLE already in canonical form
    (valid, every run non-empty, runs separated by gaps > 0 after the first); else None."""
    try:
        values = np.array([int(t) for t in text.split()], dtype=np.int64)
    except ValueError:
        return None
    if len(values) < 2 or len(values) % 2:
        return None
    gaps, lengths = values[0::2], values[1::2]
    if gaps[0] < 0 or (gaps[1:] <= 0).any() or (lengths <= 0).any():
        return None
    return " ".join(map(str, values.tolist()))


def _raise(e: Exception) -> None:
    raise e


def _one_path(rel: np.ndarray, rows: np.ndarray) -> str:
    """The image's ``dicom_path``; rows of the image that disagree are an error naming both lines."""
    first = rel[rows[0]]
    for i in rows[1:]:
        if rel[i] != first:
            raise DataFormatError(
                f"line {i + 2}: dicom_path {rel[i]!r} differs from {first!r} (line {rows[0] + 2}) for the same ImageId"
            )
    if not first:
        raise DataFormatError(f"line {rows[0] + 2}: empty dicom_path")
    return first
