"""NIH ChestX-ray14: ``Data_Entry_2017.csv`` ("Finding Labels" joined by ``|``, "No Finding" = all
negative) restricted to the ids of ``test_list.txt``; and ``BBox_List_2017.csv``, the hand-drawn boxes
of 8 findings (header ``Image Index,Finding Label,Bbox [x,y,w,h],,,``: pandas reads the box columns
as ``Bbox [x``, ``y``, ``w``, ``h]`` plus three empty unnamed ones), in pixels of the 1024 x 1024 images.

Errors name the file and the line (or the id); ``on_error="skip"`` drops bad rows with a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from radzero.data.boxes import Box
from radzero.data.readers._common import (
    DataFormatError,
    ErrorPolicy,
    check_box,
    csv_header,
    first_wins,
    gc_paused,
    parse_float,
    parse_float_column,
    read_csv_needed,
    report_bad_rows,
    rows_by_key,
    stripped,
)
from radzero.data.readers.siim import read_id_list
from radzero.data.samples import ClassificationSample, GroundingSample

logger = logging.getLogger(__name__)

__all__ = ["CHESTXRAY14_BOX_SIZE", "CHESTXRAY14_CLASSES", "read_chestxray14", "read_chestxray14_boxes"]

CHESTXRAY14_CLASSES = (
    "Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia",
    "Pneumothorax", "Consolidation", "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia",
)  # fmt: skip
CHESTXRAY14_BOX_SIZE = (1024, 1024)  # (H, W) of the images the BBox list's coordinates refer to
_BOX_LABEL_ALIASES = {"Infiltrate": "Infiltration"}  # BBox_List_2017 spelling -> Data_Entry class
_BOX_COLUMNS = (("Bbox [x", "x"), ("y",), ("w",), ("h]", "h"))  # accepted names of x, y, w, h


def _image_index(root: Path) -> dict[str, Path]:
    """File name -> path for every file under ``root`` (ChestX-ray14 ships images_001/images/...)."""
    found: dict[str, Path] = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            found.setdefault(name, Path(dirpath) / name)
    return found


def _finding_terms(cells: pd.Series) -> pd.DataFrame:
    """Columns ``row`` (position), ``term``: the distinct stripped non-empty ``|``-separated terms."""
    parts = pd.Series(cells.to_numpy(dtype=object), dtype=object).str.split("|").explode()
    t = pd.DataFrame({"row": parts.index.to_numpy(dtype=np.int64), "term": parts.str.strip().to_numpy()})
    t = t[t["term"].notna() & (t["term"] != "")]
    return t.drop_duplicates().reset_index(drop=True)


def _check_row(image_id: str, cell: str, known: set[str], duplicate: bool) -> None:
    """The per-row checks of a Data_Entry row, in the order of the error messages."""
    if not image_id:
        raise DataFormatError("empty Image Index")
    if duplicate:
        raise DataFormatError("duplicate Image Index")
    terms = {t.strip() for t in cell.split("|") if t.strip()}
    if not terms:
        raise DataFormatError("empty 'Finding Labels' (expected 'No Finding' or findings joined by '|')")
    unknown = sorted(terms - known - {"No Finding"})
    if unknown:
        raise DataFormatError(f"unknown finding(s) {unknown}; expected 'No Finding' or {sorted(known)}")
    if "No Finding" in terms and len(terms) > 1:
        raise DataFormatError(f"'No Finding' together with findings {sorted(terms - {'No Finding'})}")


@gc_paused()
def read_chestxray14(
    data_entry_csv: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    ids_file: str | os.PathLike | None = None,
    classes: Sequence[str] = CHESTXRAY14_CLASSES,
    on_error: str = "raise",
    check_images: bool = True,
) -> list[ClassificationSample]:
    """Images of ``ids_file`` (e.g. ``test_list.txt``; default every row) with 0/1 labels per class.

    An id of ``ids_file`` without a row in the CSV is an error naming it; a finding outside
    ``classes`` and "No Finding" is an error naming the row. Images are looked up as
    ``image_root / <Image Index>``, else anywhere below ``image_root``.
    """
    csv_path, image_root = Path(data_entry_csv), Path(image_root)
    df = read_csv_needed(csv_path, ("Image Index", "Finding Labels"), "ChestX-ray14 Data_Entry CSV")
    errors = ErrorPolicy("read_chestxray14", on_error)
    classes = tuple(classes)
    ids = stripped(df, "Image Index").to_numpy()
    terms = _finding_terms(df["Finding Labels"])  # (row, term): each distinct non-empty term of a row
    allowed = set(classes) | {"No Finding"}
    row_bad = np.zeros(len(df), dtype=bool)
    row_bad[terms["row"][~terms["term"].isin(list(allowed))].to_numpy()] = True
    n_terms = np.bincount(terms["row"], minlength=len(df))
    has_none = np.zeros(len(df), dtype=bool)
    has_none[terms["row"][terms["term"] == "No Finding"].to_numpy()] = True
    ok = (ids != "") & (n_terms > 0) & ~row_bad & ~(has_none & (n_terms > 1))
    accepted = first_wins(ids, ok)
    first_row = dict(zip(ids[accepted].tolist(), np.flatnonzero(accepted).tolist()))
    cells = df["Finding Labels"].to_numpy(dtype=object)
    report_bad_rows(
        errors, np.flatnonzero(~accepted).tolist(),
        lambda i: f"{csv_path}: line {i + 2} (Image Index={ids[i]})",
        lambda i: _check_row(ids[i], cells[i], set(classes), first_row.get(ids[i], i) < i),
    )  # fmt: skip
    onehot = np.zeros((len(df), len(classes)), dtype=np.float64)
    col = {c: j for j, c in enumerate(classes)}
    pos = terms[terms["term"].isin([c for c in col if c != "No Finding"])]
    onehot[pos["row"].to_numpy(), pos["term"].map(col).to_numpy(dtype=np.int64)] = 1.0
    findings = first_row  # image id -> row of its labels
    wanted = read_id_list(ids_file) if ids_file is not None else list(findings)
    index: dict[str, Path] | None = None
    out: list[ClassificationSample] = []
    for image_id in wanted:
        row = findings.get(image_id)
        if row is not None and not check_images:  # nothing to check
            labels = dict(zip(classes, onehot[row].tolist()))
            out.append(ClassificationSample(image_path=image_root / image_id, image_id=image_id, labels=labels))
            continue
        with errors.guard(f"{ids_file or csv_path} (image {image_id})"):
            if image_id not in findings:
                raise DataFormatError(f"image {image_id} listed in {ids_file} has no row (no labels) in {csv_path}")
            path = image_root / image_id
            if check_images and not path.is_file():
                index = _image_index(image_root) if index is None else index
                if image_id not in index:
                    raise DataFormatError(f"image file {image_id} not found under {image_root}")
                path = index[image_id]
            labels = dict(zip(classes, onehot[findings[image_id]].tolist()))
            out.append(ClassificationSample(image_path=path, image_id=image_id, labels=labels))
    errors.finish()
    logger.info("read_chestxray14 %s: %d images", csv_path.name, len(out))
    return out


@gc_paused()
def read_chestxray14_boxes(
    csv_path: str | os.PathLike,
    image_root: str | os.PathLike,
    *,
    check_images: bool = True,
    on_error: str = "raise",
    box_tolerance: float = 1.0,
) -> list[GroundingSample]:
    """``BBox_List_2017.csv`` -> one GroundingSample per (image, finding) with all of its boxes
    (first-appearance order), ``original_size`` 1024 x 1024.

    ``phrase`` is the file's label, ``category`` its ChestX-ray14 class (``Infiltrate`` ->
    ``Infiltration``). A row with an empty Image Index, an unknown label, box cells that are not
    numbers or a box outside the 1024 x 1024 image is an error naming the line. Image path
    ``image_root / <Image Index>``, else found anywhere below ``image_root`` (``check_images``).
    """
    csv_path, image_root = Path(csv_path), Path(image_root)
    header = csv_header(csv_path, "ChestX-ray14 BBox list CSV")
    names = [next((n for n in alts if n in header), alts[0]) for alts in _BOX_COLUMNS]
    df = read_csv_needed(csv_path, ("Image Index", "Finding Label", *names), "ChestX-ray14 BBox list CSV")
    errors = ErrorPolicy("read_chestxray14_boxes", on_error)
    ids = stripped(df, "Image Index").to_numpy()
    labels = stripped(df, "Finding Label").to_numpy()
    known = set(CHESTXRAY14_CLASSES) | set(_BOX_LABEL_ALIASES)
    box = np.full((len(df), 4), np.nan)
    num_bad = np.zeros(len(df), dtype=bool)
    for j, c in enumerate(names):
        box[:, j], bad = parse_float_column(df[c], c)
        num_bad |= bad
    ok = (ids != "") & np.isin(labels, list(known)) & ~num_bad
    checked: list[Box | None] = [None] * len(df)
    for i in np.flatnonzero(ok).tolist():
        try:
            checked[i] = check_box(tuple(box[i].tolist()), CHESTXRAY14_BOX_SIZE, box_tolerance)
        except DataFormatError:
            ok[i] = False

    def check(i: int) -> None:
        if not ids[i]:
            raise DataFormatError("empty Image Index")
        if labels[i] not in known:
            raise DataFormatError(f"unknown Finding Label {labels[i]!r}; expected one of {sorted(known)}")
        values = tuple(parse_float(df[c].iat[i], c) for c in names)
        check_box(values, CHESTXRAY14_BOX_SIZE, box_tolerance)

    report_bad_rows(
        errors, np.flatnonzero(~ok).tolist(),
        lambda i: f"{csv_path}: line {i + 2} (Image Index={ids[i]}, Finding Label={labels[i]})", check,
    )  # fmt: skip
    keys = np.array([f"{a}\0{b}" for a, b in zip(ids.tolist(), labels.tolist())], dtype=object)
    index: dict[str, Path] | None = None
    out: list[GroundingSample] = []
    for rows in rows_by_key(keys, ok).values():
        image_id, label = ids[rows[0]], labels[rows[0]]
        path = image_root / image_id
        if check_images and not path.is_file():
            index = _image_index(image_root) if index is None else index
            if image_id not in index:
                with errors.guard(f"{csv_path}: line {rows[0] + 2} (Image Index={image_id})"):
                    raise DataFormatError(f"image file {image_id} not found under {image_root}")
                continue
            path = index[image_id]
        out.append(
            GroundingSample(
                image_path=path, image_id=image_id, phrase=label, category=_BOX_LABEL_ALIASES.get(label, label),
                boxes=tuple(checked[i] for i in rows.tolist()), original_size=CHESTXRAY14_BOX_SIZE,
            )
        )  # fmt: skip
    errors.finish()
    logger.info(
        "read_chestxray14_boxes %s: %d boxes, %d (image, finding) pairs on %d images", csv_path.name,
        sum(len(s.boxes) for s in out), len(out), len({s.image_id for s in out}),
    )  # fmt: skip
    return out
