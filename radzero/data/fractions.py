"""Label-efficiency subsets: the 1% / 10% / 100% fine-tuning protocol of GLoRIA / MGCA.

``nested_fraction_subsets`` draws, for every requested fraction, a subset of the training images that is

- deterministic for (ids, labels, fractions, seed) and independent of the input row order (rows are sorted
  by id before one seeded ``numpy.random.Generator`` orders each stratum);
- stratified by label: a stratum is the label combination of an image; stratum ``s`` contributes
  ``floor`` or ``ceil`` of ``fraction * size_s`` (largest remainder, seeded tie-break), so the stratified
  part holds exactly ``round(fraction * N)`` images (half rounds up);
- nested: every subset takes prefixes of the same per-stratum orderings, with per-stratum counts that never
  decrease with the fraction, so a smaller fraction's subset lies inside every larger one;
- covering every class where the data allow: a class with positives in the full set but fewer than
  ``min_positive`` in a subset gets its next positive images (earliest relative position in their stratum
  ordering) added to that subset and every larger one; they are recorded in ``coverage_added``.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from radzero.utils.atomic import atomic_write_text


@dataclass(frozen=True)
class FractionSubset:
    """One label-efficiency subset: ``ids`` in the input order, ``sha256`` over the sorted ids."""

    fraction: float
    seed: int
    ids: tuple[str, ...]
    sha256: str
    per_class_positive: dict[str, int]
    coverage_added: tuple[str, ...] = field(default=())  # outside the stratified part, added for min_positive


def ids_sha256(ids: Sequence[str]) -> str:
    """sha256 of the sorted ids joined by ``\\n`` (UTF-8, no trailing newline)."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def _check_inputs(ids: Sequence[str], labels: np.ndarray, classes: Sequence[str], fractions: Sequence[float],
                  min_positive: int) -> tuple[list[str], np.ndarray, list[float]]:
    """Validate the arguments; return the ids, the 0/1 label matrix (NaN -> 0) and the sorted fractions."""
    ids = list(ids)
    if not ids:
        raise ValueError("ids is empty: no image to draw a subset from")
    bad = [i for i in ids if not isinstance(i, str)]
    if bad:
        raise ValueError(f"ids must be strings, got {type(bad[0]).__name__} {bad[0]!r}")
    if len(set(ids)) != len(ids):
        dups = sorted(i for i, k in Counter(ids).items() if k > 1)
        raise ValueError(f"duplicate ids ({len(dups)}): {dups[:5]}")
    classes = list(classes)
    if len(set(classes)) != len(classes):
        raise ValueError(f"duplicate class names: {classes}")
    labels = np.asarray(labels, dtype=float)
    if labels.ndim != 2 or labels.shape != (len(ids), len(classes)):
        raise ValueError(f"labels shape {labels.shape} does not match (len(ids), len(classes)) = "
                         f"({len(ids)}, {len(classes)})")
    known = ~np.isnan(labels)
    if not np.isin(labels[known], (0.0, 1.0)).all():
        odd = np.unique(labels[known][~np.isin(labels[known], (0.0, 1.0))])
        raise ValueError(f"labels must be 0, 1 or NaN (unknown); found {odd[:5].tolist()}")
    if isinstance(min_positive, bool) or not isinstance(min_positive, (int, np.integer)) or min_positive < 0:
        raise ValueError(f"min_positive must be a non-negative integer, got {min_positive!r}")
    fracs = []
    for f in fractions:
        value = float(f)
        if not math.isfinite(value) or not 0.0 < value <= 1.0:
            raise ValueError(f"fraction {f!r} is outside (0, 1]")
        if math.floor(value * len(ids) + 0.5) == 0:
            raise ValueError(f"fraction {f!r} of {len(ids)} images selects no image (round({value} * "
                             f"{len(ids)}) = 0); use a fraction of at least {0.5 / len(ids):.3g}")
        fracs.append(value)
    if not fracs:
        raise ValueError("fractions is empty")
    return ids, np.where(known, labels, 0.0).astype(np.int8), sorted(set(fracs))


def _allocate(quota: np.ndarray, sizes: np.ndarray, previous: np.ndarray, total: int,
              tie: np.ndarray) -> np.ndarray:
    """Per-stratum counts summing to ``total``: floor / ceil of ``quota`` by largest remainder, never below
    ``previous`` (nesting); should nesting and the lower quota clash, nesting wins."""
    low = np.maximum(previous, np.floor(quota + 1e-9).astype(np.int64))
    high = np.ceil(quota - 1e-9).astype(np.int64).clip(low, sizes)
    if low.sum() > total:  # cannot happen for the usual fractions; keep the nesting and the exact total
        low, high = previous.copy(), sizes.copy()
    counts = low.copy()
    while counts.sum() < total:
        open_ = np.flatnonzero(counts < high)
        if open_.size == 0:  # every stratum at its ceiling: allow one more image anywhere
            high = np.minimum(high + 1, sizes)
            continue
        order = open_[np.lexsort((tie[open_], -(quota[open_] - counts[open_])))]
        counts[order[: total - counts.sum()]] += 1
    return counts


def nested_fraction_subsets(ids: Sequence[str], labels: np.ndarray, classes: Sequence[str],
                            fractions: Sequence[float], seed: int, min_positive: int = 1
                            ) -> dict[float, FractionSubset]:
    """Nested, label-stratified, seeded subsets of ``ids`` for each fraction in (0, 1] (see the module doc).

    ``labels`` is (N, C) of 0 / 1 / NaN (NaN = unknown, stratified as negative). Keys are the fractions as
    floats. Raises ``ValueError`` for a fraction outside (0, 1] or too small to hold one image, duplicate ids,
    a labels shape mismatch, or a class with positives but fewer than ``min_positive`` of them in all.
    """
    ids, binary, fracs = _check_inputs(ids, labels, classes, fractions, min_positive)
    classes = list(classes)
    n = len(ids)
    order = np.array(sorted(range(n), key=ids.__getitem__))  # canonical row order: sorted by id
    binary = binary[order]

    totals = binary.sum(axis=0)
    for c, name in enumerate(classes):
        if 0 < totals[c] < min_positive:
            raise ValueError(f"min_positive={min_positive} is unattainable for class {name!r}: it has only "
                             f"{int(totals[c])} positive image(s) in the whole set")

    _, stratum = np.unique(binary, axis=0, return_inverse=True)
    stratum = stratum.reshape(-1)
    sizes = np.bincount(stratum).astype(np.int64)
    rng = np.random.default_rng(seed)
    tie = rng.permutation(sizes.size)  # seeded tie-break between strata
    keys = rng.random(n)  # one random ordering per stratum: sort by key within the stratum
    by_stratum = np.lexsort((keys, stratum))
    rank = np.empty(n, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    rank[by_stratum] = np.arange(n) - starts[stratum[by_stratum]]
    relative = (rank + 1) / sizes[stratum]  # position in the stratum ordering, for coverage additions

    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)  # input row -> sorted row
    counts = np.zeros_like(sizes)
    added = np.zeros(n, dtype=bool)
    out: dict[float, FractionSubset] = {}
    for fraction in fracs:
        total = math.floor(fraction * n + 0.5)
        counts = _allocate(fraction * sizes, sizes, counts, total, tie)
        stratified = rank < counts[stratum]
        members = stratified | added
        for c in range(len(classes)):
            have = int(binary[members, c].sum())
            if totals[c] == 0 or have >= min_positive:
                continue
            candidates = np.flatnonzero((binary[:, c] == 1) & ~members)
            pick = candidates[np.lexsort((rank[candidates], tie[stratum[candidates]],
                                          relative[candidates]))][: min_positive - have]
            added[pick] = True
            members[pick] = True
        chosen = members[position]  # back to the input order
        subset_ids = tuple(i for i, keep in zip(ids, chosen) if keep)
        extra = tuple(i for i, keep, strat in zip(ids, chosen, stratified[position]) if keep and not strat)
        out[fraction] = FractionSubset(
            fraction=fraction, seed=int(seed), ids=subset_ids, sha256=ids_sha256(subset_ids),
            per_class_positive={name: int(binary[members, c].sum()) for c, name in enumerate(classes)},
            coverage_added=extra,
        )
    return out


def write_subset_ids(path: str | Path, subset: FractionSubset) -> Path:
    """Write the subset's ids, one per line (input order), atomically."""
    return atomic_write_text(path, "".join(f"{i}\n" for i in subset.ids))


def subset_summary(subset: FractionSubset) -> dict:
    """The subset's record for ``metrics.json``."""
    return {
        "fraction": subset.fraction,
        "seed": subset.seed,
        "n_images": len(subset.ids),
        "sha256": subset.sha256,
        "per_class_positive": dict(subset.per_class_positive),
        "n_coverage_added": len(subset.coverage_added),
    }
