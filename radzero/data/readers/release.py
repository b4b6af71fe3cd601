"""The authors' preprocessed benchmark folder (``data/`` of the hub repo ``Deepnoid/RadZero``): the
shared pieces of its formats (docs/protocols.md, "The authors' benchmark folder").

- ``*_image.csv``: one column ``Path``, image paths relative to the data root, in the authors' order;
- prompts JSON: ``{"0": ["There is X", ...], "1": [...]}``, class k <-> key ``"k"``;
- label files keyed by an image name or path; ``match_image_keys`` joins them to the image CSV by
  path suffix (whole path components), never by row order, and fails on an image either side lacks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from radzero.data.readers._common import (
    DataFormatError,
    check_image_exists,
    require_file,
)

__all__ = ["match_image_keys", "read_image_list", "read_json_file", "read_prompt_json"]


def read_image_list(csv_path: str | os.PathLike) -> list[str]:
    """The ``Path`` column of an authors' ``*_image.csv`` (paths relative to the data root), in file order."""
    path = require_file(csv_path, "image list CSV")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as e:  # noqa: BLE001 - re-raised with the file name
        raise DataFormatError(f"{path}: cannot parse the image list as CSV: {e}") from e
    df.columns = [str(c).strip() for c in df.columns]
    if "Path" not in df.columns:
        raise DataFormatError(f"{path}: image list needs a 'Path' column; found {list(df.columns)}")
    paths = df["Path"].str.strip()
    empty = paths.index[paths == ""]
    if len(empty):
        raise DataFormatError(f"{path}: line {int(empty[0]) + 2}: empty Path")
    repeated = paths.index[paths.duplicated()]
    if len(repeated):
        line = int(repeated[0]) + 2
        raise DataFormatError(f"{path}: line {line}: image {paths[repeated[0]]!r} is listed twice")
    return paths.tolist()


def read_json_file(json_path: str | os.PathLike, what: str, kind: type) -> Any:
    """A JSON file whose top level must be ``kind`` (list / dict); errors name the file."""
    path = require_file(json_path, what)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataFormatError(f"{path}: {what} is not valid JSON: {e}") from e
    if not isinstance(data, kind):
        raise DataFormatError(f"{path}: {what} must be a JSON {kind.__name__}, got {type(data).__name__}")
    return data


def read_prompt_json(
    json_path: str | os.PathLike, classes: Sequence[str], first_only: bool = False
) -> dict[str, list[str]]:
    """``{class: [prompt, ...]}`` from an authors' prompts JSON, class k <-> key ``"k"``.

    Every key ``"0"`` .. ``"C-1"`` must be present, each a non-empty list of non-empty strings, and no
    other key; ``first_only`` keeps the first prompt of each list (what the authors' evaluation uses).
    """
    data = read_json_file(json_path, "prompts JSON", dict)
    expected = [str(k) for k in range(len(classes))]
    missing = [k for k in expected if k not in data]
    if missing:
        raise DataFormatError(
            f"{json_path}: prompts JSON lacks key(s) {missing[:5]} of the {len(classes)} classes "
            f"(class {missing[0]} = {classes[int(missing[0])]!r}); keys must be \"0\"..\"{len(classes) - 1}\""
        )
    extra = sorted(set(data) - set(expected))
    if extra:
        raise DataFormatError(
            f"{json_path}: prompts JSON has key(s) {extra[:5]} beyond the {len(classes)} classes {list(classes)[:5]}..."
        )
    out: dict[str, list[str]] = {}
    for key, name in zip(expected, classes):
        value = data[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(p, str) and p.strip() for p in value):
            raise DataFormatError(f"{json_path}: key {key!r} ({name}): expected a non-empty list of prompts, got {value!r:.80}")
        out[name] = [p.strip() for p in (value[:1] if first_only else value)]
    return out


def _parts(key: str) -> tuple[str, ...]:
    return tuple(p for p in PurePosixPath(str(key).strip().replace("\\", "/")).parts if p not in ("", "."))


def match_image_keys(
    image_paths: Sequence[str],
    label_keys: Sequence[str],
    image_csv: str | os.PathLike,
    label_file: str | os.PathLike,
    label_where: Sequence[str] | None = None,
) -> dict[str, str]:
    """{label key: image path}: a label key matches the image path of which it is a path suffix (whole
    components: ``36199.png`` matches ``ChestXDet10/test_data/36199.png``), or the reverse.

    Every label key needs exactly one image of the CSV and every image of the CSV one label key; the
    error names the file and row (``label_where[i]`` describes label key i, default its position).
    """
    by_suffix: dict[tuple[str, ...], list[int]] = {}
    for i, path in enumerate(image_paths):
        parts = _parts(path)
        for k in range(len(parts)):
            by_suffix.setdefault(parts[k:], []).append(i)
    full = {_parts(p): i for i, p in enumerate(image_paths)}
    matched: dict[str, str] = {}
    owner: dict[int, str] = {}
    for j, key in enumerate(label_keys):
        where = label_where[j] if label_where is not None else f"entry {j}"
        parts = _parts(key)
        if not parts:
            raise DataFormatError(f"{label_file}: {where}: empty image key")
        hits = by_suffix.get(parts, [])
        if not hits:  # the label key may be the longer path
            hits = sorted({full[parts[k:]] for k in range(1, len(parts)) if parts[k:] in full})
        if len(hits) != 1:
            state = "is not in" if not hits else f"matches {len(hits)} images of"
            raise DataFormatError(
                f"{label_file}: {where}: image {key!r} {state} the image list {image_csv}"
                + (f" (e.g. {[image_paths[h] for h in hits[:2]]})" if hits else "")
            )
        i = hits[0]
        if i in owner:
            raise DataFormatError(
                f"{label_file}: {where}: image {key!r} and {owner[i]!r} both match {image_paths[i]!r} of {image_csv}"
            )
        owner[i] = key
        matched[key] = image_paths[i]
    unlabelled = [i for i in range(len(image_paths)) if i not in owner]
    if unlabelled:
        i = unlabelled[0]
        raise DataFormatError(
            f"{image_csv}: line {i + 2}: image {image_paths[i]!r} has no labels in {label_file} "
            f"({len(unlabelled)} image(s) without labels)"
        )
    return matched


def image_file(data_root: Path, relative: str, check_images: bool) -> Path:
    """``data_root / relative``, checked to exist when ``check_images``."""
    path = data_root / relative
    if check_images:
        check_image_exists(path)
    return path
