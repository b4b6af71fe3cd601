"""``manifest.json``: what marks a phantom root complete, and the parameter key of cache names."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from radzero.utils.atomic import atomic_write_json

GENERATOR = "radzero.data.phantom"
FORMAT_VERSION = 2


def params_key(params: dict) -> str:
    """12 hex digits identifying the data of these (normalized) parameters and this format version."""
    blob = json.dumps({"format_version": FORMAT_VERSION, **params}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def read_manifest(root: str | Path) -> dict | None:
    """The root's manifest, or None when it is missing or unreadable."""
    try:
        with open(Path(root) / "manifest.json", encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) else None


def manifest_matches(root: str | Path, params: dict) -> bool:
    """True when ``root`` is a complete phantom root of this generator, format version and parameters."""
    m = read_manifest(root)
    return bool(
        m
        and m.get("generator") == GENERATOR
        and m.get("format_version") == FORMAT_VERSION
        and m.get("complete") is True
        and m.get("params") == params
    )


def write_manifest(root: Path, params: dict, counts: dict) -> None:
    """Write the manifest last and atomically (``atomic_write_json``): from then on the root is complete."""
    manifest = {"generator": GENERATOR, "format_version": FORMAT_VERSION, "complete": True, "params": params,
                "params_key": params_key(params), "counts": counts}
    atomic_write_json(root / "manifest.json", manifest, indent=2)
