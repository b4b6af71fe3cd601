"""Shared helpers for the dataset readers: error policy, CSV loading, box checks."""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from radzero.data.io import ImageLoadError, image_size

log = logging.getLogger("radzero.data.readers")

__all__ = [
    "DataFormatError",
    "ErrorPolicy",
    "check_box",
    "first_wins",
    "parse_float_column",
    "parse_label",
    "parse_label_column",
    "read_csv_columns",
    "read_csv_needed",
    "report_bad_rows",
]


class DataFormatError(ValueError):
    """A data file does not match its documented format; the message names file and row/key."""


# What ``ErrorPolicy.guard`` turns into a row error (anything else propagates).
ROW_ERRORS: tuple[type[Exception], ...] = (DataFormatError, ImageLoadError, ValueError)


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
        except ROW_ERRORS as e:
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


# ------------------------------------------------------------------------------------------------------
# Vectorised helpers: the readers check whole columns with pandas and run the per-row checks above
# (which build the error messages) only for the rows the column checks reject.


def read_csv_needed(
    path: str | os.PathLike,
    required: Sequence[str],
    what: str,
    optional: Sequence[str] = (),
) -> pd.DataFrame:
    """``read_csv_columns``, keeping only ``required`` + the ``optional`` columns the file has.

    The whole file is parsed (pandas' ``usecols`` would silently accept rows with extra fields).
    """
    df = read_csv_columns(path, required, what)
    df = df.loc[:, ~df.columns.duplicated()]
    return df[list(dict.fromkeys([*required, *(c for c in optional if c in df.columns)]))]


def stripped(df: pd.DataFrame, column: str) -> pd.Series:
    """The column's cells as stripped Python strings (object dtype, positional index)."""
    return pd.Series(df[column].to_numpy(dtype=object), dtype=object).str.strip()


def first_wins(keys: pd.Series | Sequence, ok: np.ndarray) -> np.ndarray:
    """Rows accepted by the readers' duplicate rule: ``ok`` rows whose key no earlier ``ok`` row had.

    (A per-row loop that adds a key to ``seen`` only once the row passed every check.)
    """
    ok = np.asarray(ok, dtype=bool)
    acc = ok.copy()
    k = pd.Series(np.asarray(keys, dtype=object))
    acc[ok] = ~k[ok].duplicated(keep="first").to_numpy()
    return acc


def _by_unique(values: pd.Series, parse: Callable[[str], float | None]) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``parse`` once per distinct cell -> (float64 values, NaN for None or a bad cell; bad mask)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    parsed = np.full(len(uniques), np.nan)
    bad_u = np.zeros(len(uniques), dtype=bool)
    for j, u in enumerate(uniques):
        try:
            v = parse(u)
        except DataFormatError:
            bad_u[j] = True
            continue
        if v is not None:
            parsed[j] = v
    return parsed[codes], bad_u[codes]


def parse_label_column(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """``parse_label`` over a column: (float64, NaN where the label is None; mask of cells it rejects)."""
    return _by_unique(values, lambda v: parse_label(v, column))


def parse_float_column(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """``parse_float`` over a column: (float64 values; mask of cells it rejects)."""
    return _by_unique(values, lambda v: parse_float(v, column))


def labels_dicts(columns: Sequence[str], values: np.ndarray) -> list[dict[str, float | None]]:
    """(n, k) float array (NaN = None) -> n dicts ``{column: float | None}``."""
    obj = np.asarray(values, dtype=np.float64).astype(object)
    obj[np.isnan(values)] = None
    cols = list(columns)
    return [dict(zip(cols, row)) for row in obj.tolist()]


def report_bad_rows(
    errors: ErrorPolicy,
    rows: Iterable[int],
    where: Callable[[int], str],
    check: Callable[[int], object],
) -> None:
    """For each rejected row (in file order): run the per-row ``check`` under ``errors.guard(where(i))``.

    ``check`` must raise (it is the per-row form of the column checks that rejected the row); raise mode
    thus reports the first bad row, skip mode counts each one.
    """
    for i in rows:
        with errors.guard(where(i)):
            check(i)
            raise AssertionError(f"{errors.reader}: internal error: {where(i)} was rejected but passes its checks")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a reader builds many objects (none of them cyclic).

    CPython's collector otherwise re-scans every object built so far, which dominates reading a
    370k-record JSON; the previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def csv_header(path: str | os.PathLike, what: str) -> list[str]:
    """The CSV's column names, stripped (for error messages listing what a file has)."""
    p = require_file(path, what)
    try:
        return [str(c).strip() for c in pd.read_csv(p, nrows=0, dtype=str).columns]
    except Exception as e:  # noqa: BLE001
        raise DataFormatError(f"{p}: cannot parse {what} as CSV: {e}") from e


def rows_by_key(keys: np.ndarray, ok: np.ndarray) -> dict[str, np.ndarray]:
    """key -> positions of its ``ok`` rows (file order), keys in first-appearance order."""
    pos = np.flatnonzero(ok)
    codes, uniques = pd.factorize(np.asarray(keys, dtype=object)[pos])
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1]
    return dict(zip(list(uniques), np.split(pos[order], bounds)))
