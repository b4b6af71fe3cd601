"""SIIM-ACR pneumothorax: a train / validation / test split **by image** from the official ``train-rle.csv``.

The CSV has one row per region (``ImageId``, `` EncodedPixels`` with a leading space in the header; ``-1`` =
no pneumothorax), so an image with several regions has several rows. MGCA (``mgca/preprocess/siim.py``,
``preprocess_pneumothorax_data``) splits the *rows* with ``train_test_split(df, test_size=0.3,
random_state=0)`` and then ``train_test_split(rest, test_size=0.5, random_state=0)`` -> (test, validation), so
the rows of one image can land in different splits; :func:`mgca_row_splits` replicates that split to count
such images. Ours splits the sorted unique ImageIds with the same fractions, stratified by image label.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from radzero.prepare.manifest import files_entry, source_entry, split_entry
from radzero.prepare.sources import (
    SourceFormatError,
    first_lines,
    read_source_csv,
    write_csv,
)
from radzero.utils.atomic import atomic_write_text

log = logging.getLogger("radzero.prepare")

__all__ = ["MGCA_SEED", "MGCA_TEST_FAC", "RLE_COL", "SPLITS", "mgca_row_splits", "prepare_siim",
           "read_rle_table", "split_images", "straddle_counts"]

RLE_COL = " EncodedPixels"  # the authors' column name, leading space kept
SPLITS = ("train", "validation", "test")
MGCA_TEST_FAC = 0.15  # preprocess_pneumothorax_data(test_fac=0.15)
MGCA_SEED = 0  # random_state=0 in both train_test_split calls
WHAT = "SIIM train-rle.csv"


def read_rle_table(path: Path) -> pd.DataFrame:
    """``ImageId`` and `` EncodedPixels`` (stripped, then one leading space as in the authors' files)."""
    df = read_source_csv(path, ("ImageId", RLE_COL), WHAT, aliases={"EncodedPixels": RLE_COL})
    ids, rle = df["ImageId"].str.strip(), df[RLE_COL].str.strip()
    empty = (ids == "") | (rle == "")
    if empty.any():
        raise SourceFormatError(f"{path}: {int(empty.sum())} row(s) with an empty 'ImageId' or "
                                f"{RLE_COL!r}, first on line(s) {first_lines(empty)}")
    bad = ~rle.str.fullmatch(r"-1|\d+(?:\s+\d+)*")
    if bad.any():
        raise SourceFormatError(f"{path}: column {RLE_COL!r} is neither -1 nor run-length pairs on "
                                f"{int(bad.sum())} row(s), first on line(s) {first_lines(bad)}")
    return pd.DataFrame({"ImageId": ids, RLE_COL: " " + rle})


def image_labels(table: pd.DataFrame) -> pd.Series:
    """ImageId (sorted) -> True when any of its rows is a region (not ``-1``)."""
    return table[RLE_COL].str.strip().ne("-1").groupby(table["ImageId"]).any().sort_index()


def mgca_row_splits(n_rows: int) -> np.ndarray:
    """The split name of each CSV row under MGCA's recipe (the shuffle depends only on the row count)."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(n_rows)
    train, rest = train_test_split(rows, test_size=MGCA_TEST_FAC * 2, random_state=MGCA_SEED)
    test, validation = train_test_split(rest, test_size=0.5, random_state=MGCA_SEED)
    out = np.empty(n_rows, dtype=object)
    out[train], out[validation], out[test] = "train", "validation", "test"
    return out


def straddle_counts(image_ids: pd.Series, row_splits: np.ndarray) -> dict[str, int]:
    """Images whose rows fall in more than one split, and the leaks into validation / test from train."""
    present = pd.crosstab(image_ids.to_numpy(), row_splits).reindex(columns=list(SPLITS), fill_value=0) > 0
    straddling = present.sum(axis=1) > 1
    in_straddling = image_ids.isin(present.index[straddling])
    return {
        "images_straddling": int(straddling.sum()),
        "rows_of_straddling_images": int(in_straddling.sum()),
        "test_images_also_in_train": int((present["test"] & present["train"]).sum()),
        "validation_images_also_in_train": int((present["validation"] & present["train"]).sum()),
        "test_images_also_in_validation": int((present["test"] & present["validation"]).sum()),
    }


def split_images(labels: pd.Series, fraction: float, seed: int) -> dict[str, list[str]]:
    """Sorted ImageIds -> train (1 - 2f) / validation (f) / test (f), stratified by label, seeded."""
    from sklearn.model_selection import train_test_split

    ids = np.asarray(labels.index, dtype=object)
    y = labels.to_numpy()
    try:
        train, rest, _, y_rest = train_test_split(ids, y, test_size=fraction * 2, random_state=seed, stratify=y)
        test, validation = train_test_split(rest, test_size=0.5, random_state=seed, stratify=y_rest)
    except ValueError as error:  # too few images of a class to stratify
        raise SourceFormatError(f"{WHAT}: cannot split {len(ids)} images ({int(y.sum())} positive): {error}") from None
    return {"train": sorted(train), "validation": sorted(validation), "test": sorted(test)}


def dicom_paths(ids: pd.Index, dicom_dir: str, dicom_root: Path | None) -> pd.Series:
    """ImageId -> DICOM path relative to the data root (``<dicom_dir>/<ImageId>.dcm``, or ``<dicom_dir>/<path
    found under dicom_root>``); ids without a DICOM under ``dicom_root`` map to NaN."""
    prefix = dicom_dir.strip("/")
    if dicom_root is None:
        return pd.Series(prefix + "/" + ids.to_series() + ".dcm", index=ids)
    from radzero.data.readers import (
        find_dicoms,  # heavy import (torch), after the checks
    )

    found = {stem: f"{prefix}/{path.relative_to(dicom_root).as_posix()}"
             for stem, path in find_dicoms(dicom_root).items()}
    return ids.to_series().map(found)


def prepare_siim(
    source: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    test_fraction: float = MGCA_TEST_FAC,
    dicom_dir: str = "SIIM/dicom-images-train",
    dicom_root: Path | None = None,
    missing_dicom: str = "error",
    exclude_csv: Path | None = None,
    write_splits: list[str] | None = None,
) -> dict[str, Any]:
    """Write ``SIIM/{train,validation,test}.csv`` + ``SIIM/splits/*.txt``; -> the manifest entry.

    ``exclude_csv``: the images of this CSV (its ``ImageId`` column, e.g. the authors' ``SIIM/test.csv``) are
    left out before splitting, so the splits written are disjoint from it; ``write_splits``: only these splits
    are written (e.g. ``["validation"]`` next to the authors' test split)."""
    import sklearn

    table = full = read_rle_table(source)
    excluded: set[str] = set()
    if exclude_csv is not None:
        excluded = set(read_source_csv(exclude_csv, ("ImageId",), "SIIM CSV to exclude")["ImageId"].str.strip())
        table = table[~table["ImageId"].isin(excluded)].reset_index(drop=True)
        log.info("siim: left out the %d images of %s", len(excluded), exclude_csv)
    labels = image_labels(table)
    paths = dicom_paths(labels.index, dicom_dir, dicom_root)
    missing = paths.index[paths.isna()]
    if len(missing) and missing_dicom == "error":
        raise SourceFormatError(
            f"{dicom_root}: no <ImageId>.dcm for {len(missing)} of the {len(labels)} ImageIds of {source} "
            f"(first: {list(missing[:3])}); siim.missing_dicom=drop leaves them out")
    if len(missing):
        log.warning("siim: %d ImageIds without a DICOM under %s left out", len(missing), dicom_root)
    mgca = straddle_counts(full["ImageId"], mgca_row_splits(len(full)))  # MGCA's recipe on the whole file
    kept = table[~table["ImageId"].isin(missing)].reset_index(drop=True)
    labels = labels.drop(missing)
    splits = split_images(labels, test_fraction, seed)
    split_of_image = pd.Series({iid: name for name, ids in splits.items() for iid in ids})
    row_split = kept["ImageId"].map(split_of_image).to_numpy()
    ours = straddle_counts(kept["ImageId"], row_split)
    kept = kept.assign(dicom_path=kept["ImageId"].map(paths))
    written, entries = [], {}
    for name in SPLITS:
        if write_splits is not None and name not in write_splits:
            continue
        rows = kept[row_split == name]
        written.append(write_csv(out_dir / "SIIM" / f"{name}.csv", rows))
        order = rows["ImageId"].drop_duplicates().tolist()  # first appearance, as in the CSV
        written.append(atomic_write_text(out_dir / "SIIM" / "splits" / f"{name}.txt", "\n".join(order) + "\n"))
        entries[name] = split_entry(order, rows=len(rows), positive=int(labels[order].sum()))
    log.info("siim: %d images (%d positive) -> %s; MGCA's row split puts %d images in two splits",
             len(labels), int(labels.sum()), {k: v["images"] for k, v in entries.items()},
             mgca["images_straddling"])
    return {
        "source": source_entry(source, len(full)),
        "recipe": {
            "unit": "ImageId (all rows of an image in one split)",
            "order": "sorted unique ImageIds",
            "stratify": "image label: positive when any row is not -1",
            "seed": int(seed),
            "fractions": {"train": round(1 - 2 * test_fraction, 10), "validation": test_fraction,
                          "test": test_fraction},
            "method": "sklearn train_test_split(ids, test_size=2*f, stratify, random_state=seed) -> train, rest; "
                      "train_test_split(rest, test_size=0.5, stratify, random_state=seed) -> test, validation",
            "sklearn_version": sklearn.__version__,
            "encoded_pixels": "stripped, written with one leading space (' -1' = negative)",
            "dicom_path": f"{dicom_dir}/<ImageId>.dcm" if dicom_root is None else f"{dicom_dir}/<found path>",
        },
        "images": len(labels),
        "positive_images": int(labels.sum()),
        "dropped": {"missing_dicom": len(missing), "excluded": len(excluded),
                    **({"excluded_by": source_entry(exclude_csv, len(excluded))} if exclude_csv else {})},
        "splits": entries,
        "straddle": {
            "ours": ours["images_straddling"],
            "mgca_recipe": {"test_fac": MGCA_TEST_FAC, "random_state": MGCA_SEED, "unit": "CSV row",
                            "rows": len(full), **mgca},
        },
        "files": files_entry(out_dir, written),
    }
