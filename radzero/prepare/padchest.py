"""PadChest's physician-labelled set from the official ``PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv``.

Rows with ``MethodLabel == "Physician"``; ``Labels`` is a list literal (``"['pleural effusion', 'cardiomegaly']"``)
parsed without ``eval`` by :func:`radzero.data.readers.parse_padchest_labels`. A row whose cell does not parse
is reported and dropped. Output (the authors' / CARZero's files): ``manual_image.json`` (ImageID -> labels, CSV
order), ``padchest_multi_label_image.csv`` (``Path``, same order) and ``padchest_multi_label_text.json`` (one
prompt per label of the sorted label set without "normal").
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

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

__all__ = ["EXCLUDED", "parse_labels", "prepare_padchest"]

EXCLUDED = ("normal",)  # left out of the class list (kept in manual_image.json, as the authors' file)
WHAT = "PadChest labels CSV"


def parse_labels(cells: pd.Series) -> pd.Series:
    """Each cell -> its list of labels, or None when it does not parse."""
    from radzero.data.readers import (  # heavy import, after the checks
        DataFormatError,
        parse_padchest_labels,
    )

    def one(cell: str) -> list[str] | None:
        try:
            return parse_padchest_labels(cell)
        except DataFormatError:
            return None

    return cells.map(one)


def prepare_padchest(
    source: Path,
    out_dir: Path,
    *,
    method_label: str = "Physician",
    image_prefix: str = "PadChest/images",
) -> dict[str, Any]:
    """Write ``PadChest/manual_image.json`` + ``padchest_multi_label_{image.csv,text.json}``; -> manifest entry."""
    df = read_source_csv(source, ("ImageID", "MethodLabel", "Labels"), WHAT)
    chosen = df[df["MethodLabel"].str.strip() == method_label]
    if chosen.empty:
        found = sorted(df["MethodLabel"].str.strip().unique())[:10]
        raise SourceFormatError(f"{source}: no row with MethodLabel == {method_label!r} (found {found})")
    ids = chosen["ImageID"].str.strip()
    if ids.eq("").any():
        raise SourceFormatError(f"{source}: empty 'ImageID' on line(s) {first_lines(ids.eq(''))}")
    labels = parse_labels(chosen["Labels"])
    unparsable = labels.isna()
    if unparsable.any():
        examples = [f"line {line}: {chosen['Labels'][i]!r}"
                    for line, i in zip(first_lines(unparsable, 3), unparsable[unparsable].index[:3])]
        log.warning("padchest: %d %s row(s) with an unparsable Labels cell dropped (%s)",
                    int(unparsable.sum()), method_label, "; ".join(examples))
    duplicated = ids.duplicated() & ~unparsable
    if duplicated.any():
        log.warning("padchest: %d repeated ImageID row(s) dropped (first %s)", int(duplicated.sum()),
                    ids[duplicated].iloc[0])
    keep = ~unparsable & ~duplicated
    ids, labels = ids[keep].tolist(), labels[keep].tolist()
    classes = sorted({term for terms in labels for term in terms} - set(EXCLUDED))
    prefix = image_prefix.strip("/")
    folder = out_dir / "PadChest"
    written = [
        write_json(folder / "manual_image.json", dict(zip(ids, labels)), indent=None),
        write_csv(folder / "padchest_multi_label_image.csv",
                  pd.DataFrame({"Path": [f"{prefix}/{i}" if prefix else i for i in ids]})),
        write_json(folder / "padchest_multi_label_text.json",
                   {str(k): [f"There is {name}"] for k, name in enumerate(classes)}),
    ]
    log.info("padchest: %d %s images, %d classes (%d unparsable rows dropped)",
             len(ids), method_label, len(classes), int(unparsable.sum()))
    return {
        "source": source_entry(source, len(df)),
        "recipe": {
            "filters": [f"MethodLabel == {method_label!r}", "Labels parses as a list of quoted strings (no eval)"],
            "labels": "stripped, lower-case, empty terms dropped (radzero.data.readers.parse_padchest_labels)",
            "classes": "sorted set of all labels minus " + ", ".join(repr(e) for e in EXCLUDED),
            "order": "CSV row order",
            "image_prefix": prefix,
        },
        "rows_method_label": len(chosen),
        "dropped": {"unparsable_labels": int(unparsable.sum()), "duplicate_image_id": int(duplicated.sum())},
        "images_without_labels": sum(1 for terms in labels if not terms),
        "classes": len(classes),
        "splits": {"test": split_entry(ids)},
        "files": files_entry(out_dir, written),
    }
