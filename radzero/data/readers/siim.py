"""SIIM-ACR pneumothorax: ``train-rle.csv`` (``ImageId``, `` EncodedPixels``) + DICOM tree
``dicom-images-train/<StudyUID>/<SeriesUID>/<ImageId>.dcm``, found by ImageId (file stem).

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
    header_size,
    iter_rows,
    read_csv_columns,
    require_file,
)
from radzero.data.rle import EMPTY_RLE, rle_decode, rle_encode, rle_is_empty
from radzero.data.samples import SegmentationSample

log = logging.getLogger(__name__)

__all__ = ["find_dicoms", "read_id_list", "read_siim"]


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


def read_siim(
    csv_path: str | os.PathLike,
    dicom_root: str | os.PathLike,
    *,
    ids_file: str | os.PathLike | None = None,
    image_size: tuple[int, int] | None = None,
    on_error: str = "raise",
) -> list[SegmentationSample]:
    """-> one SegmentationSample per ImageId (CSV first-appearance order; with ``ids_file``,
    only those ids, in the file's order, and an id absent from the CSV is an error).

    Image size: ``image_size`` (H, W) if given (the public set is 1024 x 1024), else read
    from each DICOM header. ``mask_rle`` is the union of the image's regions (re-encoded);
    an image with a missing DICOM, malformed RLE or RLE beyond the image is an error.
    """
    csv_path = Path(csv_path)
    df = read_csv_columns(csv_path, ("ImageId", "EncodedPixels"), "SIIM train-rle CSV")
    dicoms = find_dicoms(dicom_root)
    errors = ErrorPolicy("read_siim", on_error)
    rles: dict[str, list[tuple[int, str]]] = {}
    for line, row in iter_rows(df):
        iid = row["ImageId"].strip()
        with errors.guard(f"{csv_path}: line {line} (ImageId={iid})"):
            if not iid:
                raise DataFormatError("empty ImageId")
            rles.setdefault(iid, []).append((line, row["EncodedPixels"]))
    if ids_file is not None:
        wanted = read_id_list(ids_file)
    else:
        wanted = list(rles)
    out: list[SegmentationSample] = []
    for iid in wanted:
        with errors.guard(f"{csv_path} (ImageId={iid})"):
            if iid not in rles:
                raise DataFormatError(f"ImageId listed in {ids_file} has no row in the CSV")
            path = dicoms.get(iid)
            if path is None:
                raise DataFormatError(f"no DICOM {iid}.dcm under {dicom_root}")
            size = image_size if image_size is not None else header_size(path)
            mask = np.zeros(size, dtype=bool)
            n_regions = 0
            for line, rle in rles[iid]:
                if rle_is_empty(rle):
                    continue
                try:
                    mask |= rle_decode(rle, *size)
                except ValueError as e:
                    raise DataFormatError(f"line {line}: malformed RLE: {e}") from None
                n_regions += 1
            positive = bool(mask.any())
            if n_regions and len(rles[iid]) > n_regions:
                log.debug("read_siim: ImageId %s mixes '-1' and RLE rows; treated as positive", iid)
            out.append(
                SegmentationSample(
                    image_path=path,
                    image_id=iid,
                    positive=positive,
                    original_size=(int(size[0]), int(size[1])),
                    mask_rle=rle_encode(mask) if positive else EMPTY_RLE,
                    category="Pneumothorax",
                )
            )
    errors.finish()
    log.info(
        "read_siim %s: %d images (%d positive)%s", csv_path.name, len(out),
        sum(s.positive for s in out), f" from {Path(ids_file).name}" if ids_file else "",
    )  # fmt: skip
    return out
