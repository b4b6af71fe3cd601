"""Shared helpers for the dataset readers: error policy, CSV loading, box checks."""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from radzero.data.io import ImageLoadError, image_size

log = logging.getLogger("radzero.data.readers")

__all__ = [
    "DataFormatError",
    "ErrorPolicy",
    "check_box",
    "parse_label",
    "read_csv_columns",
]


class DataFormatError(ValueError):
    """A data file does not match its documented format; the message names file and row/key."""


class ErrorPolicy:
    """``on_error="raise"``: raise a DataFormatError with context; ``"skip"``: count, log, go on.

    Usage::

        errors = ErrorPolicy("read_mscxr", on_error)
        for i, row in enumerate(rows):
            with errors.guard(f"{csv}: line {i + 2} (dicom_id={row['dicom_id']})"):
                ...  # raise DataFormatError / ValueError for a bad row
                out.append(sample)
        errors.finish()
    """

    def __init__(self, reader: str, on_error: str = "raise"):
        if on_error not in ("raise", "skip"):
            raise ValueError(f"{reader}: on_error must be 'raise' or 'skip', got {on_error!r}")
        self.reader = reader
        self.on_error = on_error
        self.skipped = 0
        self.examples: list[str] = []

    @contextlib.contextmanager
    def guard(self, where: str) -> Iterator[None]:
        try:
            yield
        except (DataFormatError, ImageLoadError, ValueError) as e:
            msg = f"{where}: {e}"
            if self.on_error == "raise":
                raise DataFormatError(msg) from e
            self.skipped += 1
            if len(self.examples) < 3:
                self.examples.append(msg)
            log.debug("%s: skipping %s", self.reader, msg)

    def finish(self) -> None:
        if self.skipped:
            log.warning(
                "%s: skipped %d bad row(s)/sample(s) (on_error='skip'); first: %s",
                self.reader,
                self.skipped,
                " | ".join(self.examples),
            )


def require_file(path: str | os.PathLike, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{what} not found: {p}")
    return p


def read_csv_columns(path: str | os.PathLike, required: Sequence[str], what: str) -> pd.DataFrame:
    """CSV as strings (blank -> ""), column names stripped; error naming missing columns."""
    p = require_file(path, what)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False)
    except Exception as e:  # noqa: BLE001
        raise DataFormatError(f"{p}: cannot parse {what} as CSV: {e}") from e
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataFormatError(
            f"{p}: {what} is missing column(s) {missing}; found {list(df.columns)}"
        )
    return df


def iter_rows(df: pd.DataFrame) -> Iterable[tuple[int, dict[str, str]]]:
    """(file line number, row dict); line 1 is the header."""
    for i, row in enumerate(df.to_dict("records")):
        yield i + 2, row


def parse_label(value: str, column: str) -> float | None:
    """CheXpert-style label cell: '' -> None, else float (1, 0, -1)."""
    v = str(value).strip()
    if v == "":
        return None
    try:
        f = float(v)
    except ValueError:
        raise DataFormatError(f"column {column!r}: label {value!r} is not a number") from None
    if not math.isfinite(f):
        return None
    return f


def parse_float(value: str, column: str) -> float:
    try:
        f = float(str(value).strip())
    except ValueError:
        raise DataFormatError(f"column {column!r}: {value!r} is not a number") from None
    if not math.isfinite(f):
        raise DataFormatError(f"column {column!r}: {value!r} is not finite")
    return f


def check_box(
    box: tuple[float, float, float, float],
    size: tuple[int, int] | None,
    tolerance: float = 1.0,
) -> tuple[float, float, float, float]:
    """Validate an (x, y, w, h) box against (H, W); clip overhangs <= ``tolerance`` px.

    Raises DataFormatError for non-positive width/height or a box outside the image.
    """
    x, y, w, h = (float(v) for v in box)
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise DataFormatError(f"box {box} has non-finite values")
    if w <= 0 or h <= 0:
        raise DataFormatError(f"box {box} has non-positive width/height")
    if size is None:
        return (x, y, w, h)
    H, W = size
    if x < -tolerance or y < -tolerance or x + w > W + tolerance or y + h > H + tolerance:
        raise DataFormatError(f"box (x, y, w, h)={box} lies outside the {H}x{W} (HxW) image")
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(W), x + w), min(float(H), y + h)
    return (x0, y0, x1 - x0, y1 - y0)


def check_image_exists(path: Path) -> None:
    if not path.is_file():
        raise ImageLoadError(f"image file not found: {path}")


def header_size(path: Path) -> tuple[int, int]:
    return image_size(path)


def normalise_split(split: str | Sequence[str] | None, aliases: dict[str, str]) -> set[str] | None:
    if split is None:
        return None
    items = [split] if isinstance(split, str) else list(split)
    return {aliases.get(s.strip().lower(), s.strip().lower()) for s in items}
