"""SIIM-ACR pneumothorax run-length encoding (``train-rle.csv``).

The H x W mask is flattened column by column (NumPy ``order="F"``). The string is
whitespace-separated pairs ``gap length``: ``gap`` counts pixels from the end of the
previous run (from 0 for the first run), ``length`` is the run of mask pixels.
``"-1"`` (the file writes ``" -1"``) means an empty mask.

Example (4 x 4, pixels (1, 1), (2, 1), (2, 2) set, 0-based (row, col)):
flattened indices 5, 6, 10 -> ``"5 2 3 1"``.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["EMPTY_RLE", "rle_decode", "rle_encode", "rle_is_empty"]

EMPTY_RLE = "-1"
_INT = re.compile(r"[+-]?\d+")


def rle_is_empty(rle: str) -> bool:
    """True for the SIIM "no mask" marker (``"-1"``, with any surrounding whitespace)."""
    return isinstance(rle, str) and rle.strip() == EMPTY_RLE


def rle_encode(mask: np.ndarray) -> str:
    """(H, W) bool mask -> SIIM RLE string; an empty mask gives ``"-1"``."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"rle_encode expects an (H, W) mask, got shape {mask.shape}")
    flat = np.asarray(mask, dtype=bool).ravel(order="F")
    if not flat.any():
        return EMPTY_RLE
    padded = np.concatenate([[False], flat, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))  # run starts at even positions, run ends at odd
    starts, ends = edges[0::2], edges[1::2]
    lengths = ends - starts
    prev_ends = np.concatenate([[0], ends[:-1]])
    gaps = starts - prev_ends
    pairs = np.empty(2 * len(starts), dtype=np.int64)
    pairs[0::2] = gaps
    pairs[1::2] = lengths
    return " ".join(map(str, pairs.tolist()))


def rle_decode(rle: str, height: int, width: int) -> np.ndarray:
    """SIIM RLE string -> (height, width) bool mask.

    Values may be separated by any whitespace (the CSV writes a leading space). Raises
    ValueError for an odd number of values, non-integer or negative values, or runs that go
    past ``height * width``. Zero-length runs are accepted (they set nothing).
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"RLE: image size must be positive, got {height}x{width}")
    if not isinstance(rle, str):
        raise ValueError(f"RLE must be a string, got {type(rle).__name__}: {rle!r}")
    n = int(height) * int(width)
    flat = np.zeros(n, dtype=bool)
    text = rle.strip()
    if text == EMPTY_RLE:
        return flat.reshape((height, width), order="F")
    if not text:
        raise ValueError("RLE is an empty string (use '-1' for an empty mask)")
    tokens = text.split()
    bad = next((t for t in tokens if not _INT.fullmatch(t)), None)
    if bad is not None:
        raise ValueError(f"RLE contains a non-integer value {bad!r}: {_short(rle)!r}")
    values = [int(t) for t in tokens]
    if len(values) % 2:
        raise ValueError(
            f"RLE has an odd number of values ({len(values)}); expected 'gap length' pairs: "
            f"{_short(rle)!r}"
        )
    pos = 0
    for i in range(0, len(values), 2):
        gap, length = values[i], values[i + 1]
        if gap < 0 or length < 0:
            raise ValueError(f"RLE pair {i // 2} has a negative value ({gap} {length}): {_short(rle)!r}")
        start = pos + gap
        end = start + length
        if end > n:
            raise ValueError(
                f"RLE run {i // 2} ends at pixel {end}, beyond the {height}x{width} image "
                f"({n} pixels): {_short(rle)!r}"
            )
        flat[start:end] = True
        pos = end
    return flat.reshape((height, width), order="F")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
