"""Reading the official source files: presence, columns, hashes; every error names the file (and column / line)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from radzero.utils.atomic import atomic_write, atomic_write_json

__all__ = [
    "SourceFormatError",
    "first_lines",
    "ids_sha256",
    "read_source_csv",
    "require_source",
    "sha256_file",
    "write_csv",
    "write_json",
]


class SourceFormatError(ValueError):
    """An official source file does not have the documented format; the message names file and column / line."""


def require_source(path: Any, key: str, what: str) -> Path:
    """``path`` as an existing file, else an error naming the config key, the file and what it should be."""
    if path is None or str(path).strip() == "":
        raise FileNotFoundError(f"{key} is not set: give the official {what} ({key}=/path/to/file)")
    p = Path(str(path)).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"{key}={p}: file not found (expected the official {what})")
    return p


def read_source_csv(
    path: Path,
    required: Sequence[str],
    what: str,
    *,
    aliases: dict[str, str] | None = None,
    as_text: bool = True,
    extra: Callable[[str], bool] | None = None,
) -> pd.DataFrame:
    """Read ``required`` columns (plus columns where ``extra(name)``) of a CSV (``.gz`` too).

    ``aliases`` maps another spelling found in the header onto a required name (e.g. ``EncodedPixels`` onto
    `` EncodedPixels``). ``as_text``: every cell a string, blanks ``""``. A missing column is an error
    naming the file, the column and the header found.
    """
    aliases = aliases or {}
    try:
        header = list(pd.read_csv(path, nrows=0).columns)
    except Exception as error:
        raise SourceFormatError(f"{path}: cannot read the {what} as CSV ({error})") from error
    rename = {found: name for found, name in aliases.items() if found in header and name not in header}
    available = {rename.get(c, c) for c in header}
    missing = [c for c in required if c not in available]
    if missing:
        raise SourceFormatError(
            f"{path}: the {what} has no column {', '.join(repr(c) for c in missing)} (header: {header})")
    wanted = {c for c in header if rename.get(c, c) in required or (extra is not None and extra(c))}
    kwargs: dict[str, Any] = {"dtype": str, "keep_default_na": False} if as_text else {"low_memory": False}
    try:
        df = pd.read_csv(path, usecols=lambda c: c in wanted, **kwargs)
    except Exception as error:
        raise SourceFormatError(f"{path}: cannot parse the {what} ({error})") from error
    return df.rename(columns=rename)


def first_lines(mask: pd.Series, limit: int = 5) -> list[int]:
    """File line numbers (header = line 1) of the first ``limit`` True rows of a default-indexed frame."""
    return [int(i) + 2 for i in mask[mask].index[:limit]]


def sha256_file(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ids_sha256(ids: Iterable[str]) -> str:
    """sha256 of the sorted ids joined by ``\\n`` (UTF-8, no trailing newline)."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    """Atomic CSV write without the index, ``\\n`` line ends."""
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, lineterminator="\n"))


def write_json(path: Path, value: Any, indent: int | None = 2) -> Path:
    """Atomic JSON write (UTF-8)."""
    return atomic_write_json(path, value, indent=indent)
