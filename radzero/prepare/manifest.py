"""``<out_dir>/manifest.json``: what was built from which source, by which recipe (atomic, merged per dataset).

Layout::

    {"format": 1, "radzero_version": "0.1.0",
     "datasets": {"siim": {"source": {"name", "sha256", "rows"}, "recipe": {...}, "radzero_version",
                           "splits": {"train": {"images", "ids_sha256", ...}, ...},
                           "files": {"SIIM/train.csv": "<sha256>", ...}, ...}, ...}}

``ids_sha256`` is the sha256 of the split's image ids, sorted and joined by ``\\n`` (no trailing newline).
The manifest has no time stamp, so two runs on the same sources write the same bytes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from radzero.prepare.sources import ids_sha256, sha256_file, write_json

log = logging.getLogger("radzero.prepare")

__all__ = ["MANIFEST_NAME", "check_overwrite", "files_entry", "radzero_version", "source_entry", "split_entry", "update_manifest"]

MANIFEST_NAME = "manifest.json"
FORMAT = 1


def radzero_version() -> str:
    """The installed radzero version ("unknown" when run from a tree that is not installed)."""
    try:
        return metadata.version("radzero")
    except metadata.PackageNotFoundError:
        return "unknown"


def source_entry(path: Path, rows: int) -> dict[str, Any]:
    """The source file's name, sha256 and number of data rows."""
    return {"name": path.name, "sha256": sha256_file(path), "rows": int(rows)}


def split_entry(ids: Iterable[str], **extra: Any) -> dict[str, Any]:
    """Number of images and the sha256 of their sorted ids, plus ``extra`` counts."""
    ids = list(ids)
    return {"images": len(ids), "ids_sha256": ids_sha256(ids), **extra}


def files_entry(out_dir: Path, paths: Iterable[Path]) -> dict[str, str]:
    """Written file (relative to ``out_dir``, POSIX) -> sha256."""
    return {p.relative_to(out_dir).as_posix(): sha256_file(p) for p in sorted(paths)}


def update_manifest(out_dir: Path, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge ``entries`` (dataset -> entry) into ``out_dir/manifest.json`` (other datasets kept) and write it."""
    path = out_dir / MANIFEST_NAME
    manifest: dict[str, Any] = {"format": FORMAT, "radzero_version": radzero_version(), "datasets": {}}
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            log.warning("%s is unreadable (%s); writing a new one", path, error)
        else:
            if isinstance(old, dict) and isinstance(old.get("datasets"), dict):
                manifest["datasets"].update(old["datasets"])
    manifest["datasets"].update(entries)
    manifest["datasets"] = dict(sorted(manifest["datasets"].items()))
    write_json(path, manifest)
    return manifest


def check_overwrite(out_dir: Path, relative_paths: Iterable[str]) -> None:
    """Refuse to replace a file that exists but is not one this tool wrote (its sha256 in the manifest)."""
    path = out_dir / MANIFEST_NAME
    ours: dict[str, str] = {}
    if path.is_file():
        try:
            for entry in json.loads(path.read_text(encoding="utf-8")).get("datasets", {}).values():
                ours.update(entry.get("files") or {})
        except (OSError, ValueError, AttributeError):
            ours = {}
    foreign = [rel for rel in relative_paths if (out_dir / rel).is_file() and ours.get(rel) != sha256_file(out_dir / rel)]
    if foreign:
        raise FileExistsError(
            f"{out_dir}: {foreign[:3]} exist and were not written by radzero.prepare (not in {MANIFEST_NAME} with "
            "this content); choose another out_dir, or set overwrite=true to replace them"
        )
