"""Helpers shared by the layout writers: CSV / JSON files, ground-truth finding records, box formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..finding import Finding


def write_csv(path: Path, columns, rows) -> None:
    """CSV with a header row, "\\n" line ends, UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(columns)
        for r in rows:
            wr.writerow(r)


def write_json(path: Path, obj, indent: int | None = None) -> None:
    """JSON (non-ASCII kept) with a final newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write("\n")


def findings_truth(findings: list[Finding], result: dict | None) -> list[dict]:
    """Ground-truth finding dicts: the finding's fields plus its rendered ``parts`` (none for lateral views)."""
    out = []
    for i, f in enumerate(findings):
        g = f.to_dict()
        g["parts"] = [] if result is None else [
            {"side": q["side"], "box": q["box"], "area": q["area"]} for q in result["parts"] if q["finding"] == i]
        out.append(g)
    return out


def xywh(box) -> list[int]:
    """[x1, y1, x2, y2] (exclusive x2 / y2) -> [x, y, w, h]."""
    x1, y1, x2, y2 = box
    return [x1, y1, x2 - x1, y2 - y1]


def photometric(meta: dict) -> str:
    """The DICOM PhotometricInterpretation of an image's DICOM metadata."""
    return "MONOCHROME1" if meta["monochrome1"] else "MONOCHROME2"
