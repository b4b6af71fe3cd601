"""Grounding files of the authors' benchmark folder: ``MS-CXR/test.json`` and ``ChestXDet10/test.json``.

Boxes in the files are ``[x1, y1, x2, y2]`` in original pixels; samples carry ``(x, y, w, h)``
(``radzero.data.samples``). docs/protocols.md, "The authors' benchmark folder".
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from radzero.data.boxes import Box
from radzero.data.readers._common import DataFormatError, check_box, header_size
from radzero.data.readers.release import (
    image_file,
    match_image_keys,
    read_image_list,
    read_json_file,
)
from radzero.data.samples import GroundingSample

log = logging.getLogger(__name__)

__all__ = ["MSCXR_PHRASE_MODES", "mscxr_release_image_ids", "read_release_chestxdet10_grounding", "read_release_mscxr"]

MSCXR_PHRASE_MODES = ("merged", "entry")


def _xyxy(value: object, where: str) -> Box:
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise DataFormatError(f"{where}: box {value!r:.60} is not [x1, y1, x2, y2]")
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError):
        raise DataFormatError(f"{where}: box {value!r:.60} has a non-number") from None
    return check_box((x1, y1, x2 - x1, y2 - y1), None)


def read_release_mscxr(
    json_path: str | os.PathLike, data_root: str | os.PathLike, *, phrases: str = "merged",
    check_images: bool = True,
) -> list[GroundingSample]:
    """``MS-CXR/test.json``: ``[{"image": "MIMIC-CXR/images/<dicom_id>.jpg", "det": [{"name", "label":
    [[x1, y1, x2, y2], ...]}]}]``, one entry per box row of the official CSV.

    ``phrases="merged"`` (radzero): one sample per (image, phrase) with every box of that phrase in the
    file; ``"entry"`` (the authors' evaluation): one sample per entry with only its first det's first box.
    ``image_id`` = the image's file stem (the dicom_id); sizes come from the image headers.
    """
    if phrases not in MSCXR_PHRASE_MODES:
        raise DataFormatError(f"read_release_mscxr: phrases must be one of {MSCXR_PHRASE_MODES}, got {phrases!r}")
    entries = read_json_file(json_path, "MS-CXR test.json", list)
    root = Path(data_root)
    groups: dict[tuple[str, str], dict] = {}
    out: list[GroundingSample] = []
    sizes: dict[str, tuple[int, int] | None] = {}
    ignored = 0
    for i, entry in enumerate(entries):
        where = f"{json_path}: entry {i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("image"), str) or not entry["image"].strip():
            raise DataFormatError(f"{where}: needs an 'image' path (string)")
        rel = entry["image"].strip()
        where = f"{where} (image={rel})"
        dets = entry.get("det")
        if not isinstance(dets, list) or not dets:
            raise DataFormatError(f"{where}: has no 'det' list of phrases with boxes")
        image_id = PurePosixPath(rel).stem
        if rel not in sizes:
            path = image_file(root, rel, check_images)
            sizes[rel] = header_size(path) if check_images else None
        parsed = []
        for k, det in enumerate(dets):
            if not isinstance(det, dict) or not str(det.get("name", "")).strip():
                raise DataFormatError(f"{where}: det {k} needs a non-empty 'name'")
            labels = det.get("label")
            if not isinstance(labels, list) or not labels:
                raise DataFormatError(f"{where}: det {k} ({det['name']!r}) has no 'label' boxes")
            boxes = tuple(check_box(_xyxy(b, f"{where}: det {k}"), sizes[rel]) for b in labels)
            parsed.append((str(det["name"]).strip(), boxes))
        if phrases == "entry":
            ignored += sum(len(b) for _, b in parsed) - 1
            name, boxes = parsed[0]
            out.append(GroundingSample(root / rel, image_id, name, name, boxes[:1], sizes[rel]))
            continue
        for name, boxes in parsed:
            group = groups.setdefault((rel, name), {"boxes": []})
            group["boxes"].extend(b for b in boxes if b not in group["boxes"])
    if phrases == "merged":
        out = [GroundingSample(root / rel, PurePosixPath(rel).stem, name, name, tuple(g["boxes"]), sizes[rel])
               for (rel, name), g in groups.items()]
    elif ignored:
        log.info("read_release_mscxr %s: phrases=entry uses the first box of each entry; %d other box(es) unused",
                 Path(json_path).name, ignored)
    log.info("read_release_mscxr %s: %d entries -> %d phrases (%s) on %d images", Path(json_path).name,
             len(entries), len(out), phrases, len(sizes))
    return out


def read_release_chestxdet10_grounding(
    labels_json: str | os.PathLike, image_csv: str | os.PathLike, data_root: str | os.PathLike, *,
    classes: Sequence[str] | None = None, check_images: bool = True,
) -> list[GroundingSample]:
    """``ChestXDet10/test.json`` joined to ``chestXDet10_test_image.csv`` by image key: one sample per (image,
    class present) with every box of that class (a hit = the map maximum inside any of them, as the authors)."""
    from radzero.data.readers.chestxdet10 import CHESTXDET10_CLASSES

    known = set(classes or CHESTXDET10_CLASSES)
    records = read_json_file(labels_json, "ChestX-Det10 test.json", list)
    keys = []
    for j, rec in enumerate(records):
        if not isinstance(rec, dict) or not isinstance(rec.get("file_name"), str):
            raise DataFormatError(f"{labels_json}: record {j}: needs 'file_name' (string)")
        keys.append(rec["file_name"].strip())
    paths = read_image_list(image_csv)
    matched = match_image_keys(paths, keys, image_csv, labels_json, [f"record {j}" for j in range(len(keys))])
    root = Path(data_root)
    out: list[GroundingSample] = []
    for j, rec in enumerate(records):
        where = f"{labels_json}: record {j} (file_name={keys[j]})"
        syms, boxes = rec.get("syms"), rec.get("boxes")
        if not isinstance(syms, list) or not isinstance(boxes, list) or len(syms) != len(boxes):
            raise DataFormatError(f"{where}: 'syms' and 'boxes' must be lists of equal length")
        if not syms:
            continue
        rel = matched[keys[j]]
        path = image_file(root, rel, check_images)
        size = header_size(path) if check_images else None
        by_class: dict[str, list[Box]] = {}
        for sym, box in zip(syms, boxes):
            if sym not in known:
                raise DataFormatError(f"{where}: unknown class {sym!r}; expected one of {sorted(known)}")
            by_class.setdefault(sym, []).append(check_box(_xyxy(box, where), size))
        out.extend(GroundingSample(path, rel, c, c, tuple(bs), size) for c, bs in by_class.items())
    return out


def mscxr_release_image_ids(json_path: str | os.PathLike) -> set[str]:
    """The dicom_ids (file stems of the ``image`` entries) of ``MS-CXR/test.json``: kept out of training."""
    entries = read_json_file(json_path, "MS-CXR test.json", list)
    ids = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("image"), str) or not entry["image"].strip():
            raise DataFormatError(f"{json_path}: entry {i}: needs an 'image' path (string)")
        ids.add(PurePosixPath(entry["image"].strip()).stem)
    return ids
