"""CheXpert 5x200: MGCA's deterministic recipe on the official CheXpert ``train.csv``.

MGCA ``mgca/preprocess/chexpert.py``, ``preprocess_chexpert_5x200_data`` (RadZero's copy in external/MGCA,
lines 36-64): ``fillna(0)``, frontal images only, and for each of the 5 competition classes the rows where that
class is 1 and 12 other observations are 0 (the other 4 classes and Enlarged Cardiomediastinum, Lung Lesion,
Lung Opacity, Pneumonia, Pneumothorax, Pleural Other, Fracture, Support Devices; "No Finding" is not looked at,
so an uncertain -1 in any of the 13 columns excludes the row), then ``df_task.sample(n=200, random_state=0)``,
concatenated in class order. GLoRIA's original (``gloria/datasets/preprocess_datasets.py``) calls
``sample(n=200)`` with no seed.
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
    write_json,
)

log = logging.getLogger("radzero.prepare")

__all__ = ["CLASSES", "FILTERED", "OBSERVATIONS", "prepare_chexpert_5x200", "select_5x200"]

# the 5 competition classes, in MGCA's / the authors' order (the text JSON keys "0".."4")
CLASSES = ("Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion")
# the 13 columns MGCA compares (its index vector skips position 6, "No Finding")
FILTERED = CLASSES + ("Enlarged Cardiomediastinum", "Lung Lesion", "Lung Opacity", "Pneumonia", "Pneumothorax",
                      "Pleural Other", "Fracture", "Support Devices")
OBSERVATIONS = ("No Finding",) + FILTERED
VIEW_COL = "Frontal/Lateral"
WHAT = "CheXpert train.csv"


def read_train_csv(path: Path) -> pd.DataFrame:
    """Every column of ``train.csv``; the observation columns as numbers (a non-number is an error)."""
    df = read_source_csv(path, ("Path", VIEW_COL, *FILTERED), WHAT, extra=lambda c: True)
    for col in OBSERVATIONS:
        if col not in df.columns:
            continue
        text = df[col].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & (text != "")
        if bad.any():
            raise SourceFormatError(f"{path}: column {col!r} has {int(bad.sum())} value(s) that are not numbers "
                                    f"(e.g. {text[bad].iloc[0]!r} on line {first_lines(bad, 1)[0]})")
        df[col] = values.fillna(0.0)  # MGCA: df.fillna(0)
    df["Path"] = df["Path"].str.strip()
    if df["Path"].eq("").any():
        raise SourceFormatError(f"{path}: empty 'Path' on line(s) {first_lines(df['Path'].eq(''))}")
    return df


def select_5x200(df: pd.DataFrame, per_class: int = 200, seed: int = 0, where: str = WHAT) -> pd.DataFrame:
    """MGCA's 5x200 rows, class blocks in :data:`CLASSES` order."""
    frontal = df[df[VIEW_COL].str.strip() == "Frontal"]
    values = frontal[list(FILTERED)].to_numpy(dtype=float)
    blocks = []
    for i, name in enumerate(CLASSES):
        target = np.zeros(len(FILTERED))
        target[i] = 1.0
        candidates = frontal[(values == target).all(axis=1)]
        if len(candidates) < per_class:
            raise SourceFormatError(f"{where}: only {len(candidates)} frontal images with {name!r} the only "
                                    f"positive (and no uncertain label); {per_class} needed")
        blocks.append(candidates.sample(n=per_class, random_state=seed))
    return pd.concat(blocks)


def rebase_path(paths: pd.Series, path_root: str | None) -> pd.Series:
    """Replace the first component of each path (``CheXpert-v1.0-small/train/...``) by ``path_root``."""
    if not path_root:
        return paths
    return path_root.strip("/") + "/" + paths.str.split("/", n=1).str[1]


def prepare_chexpert_5x200(
    source: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    per_class: int = 200,
    image_prefix: str = "Chexpert",
    path_root: str | None = None,
) -> dict[str, Any]:
    """Write ``Chexpert/chexpert_5x200.csv``, ``chexpert5x200_image.csv``, ``chexpert5x200_text.json``."""
    df = read_train_csv(source)
    chosen = select_5x200(df, per_class, seed, str(source)).reset_index(drop=True)
    chosen["Path"] = rebase_path(chosen["Path"], path_root)
    if chosen["Path"].duplicated().any():
        raise SourceFormatError(f"{source}: 'Path' repeats within the 5x200 selection: "
                                f"{chosen['Path'][chosen['Path'].duplicated()].iloc[0]}")
    prefix = image_prefix.strip("/")
    image_paths = (prefix + "/" + chosen["Path"]) if prefix else chosen["Path"]
    folder = out_dir / "Chexpert"
    written = [
        write_csv(folder / "chexpert_5x200.csv", chosen),
        write_csv(folder / "chexpert5x200_image.csv", pd.DataFrame({"Path": image_paths})),
        write_json(folder / "chexpert5x200_text.json",
                   {str(i): [f"There is {name.lower()}"] for i, name in enumerate(CLASSES)}),
    ]
    per = {name: int((chosen[name] == 1.0).sum()) for name in CLASSES}
    log.info("chexpert_5x200: %d images from %d rows, per class %s", len(chosen), len(df), per)
    return {
        "source": source_entry(source, len(df)),
        "recipe": {
            "origin": "MGCA mgca/preprocess/chexpert.py preprocess_chexpert_5x200_data",
            "missing_labels": "fillna(0)",
            "filters": [f"{VIEW_COL} == 'Frontal'",
                        "the class == 1 and the other 12 of " + ", ".join(FILTERED) + " == 0 "
                        "(uncertain -1 anywhere there excludes the row; 'No Finding' not used)"],
            "per_class": int(per_class),
            "sample": f"pandas DataFrame.sample(n={per_class}, random_state={seed}) per class, CSV row order",
            "seed": int(seed),
            "pandas_version": pd.__version__,
            "class_order": list(CLASSES),
            "path_root": path_root,
            "image_prefix": prefix,
        },
        "per_class": per,
        "splits": {"test": split_entry(chosen["Path"].tolist())},
        "files": files_entry(out_dir, written),
    }
