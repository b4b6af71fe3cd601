"""Percentile bootstrap confidence intervals (docs/protocols.md: 1000 resamples, 95 %).

Items (images, phrases) are resampled with replacement, ``n_resamples`` times, with
``numpy.random.default_rng(seed)``; the interval is the (1 - level) / 2 and (1 + level) / 2
quantiles (``numpy.quantile``, linear) of the statistic over the resamples. A resample whose
statistic is NaN (undefined) is left out; if all are, the interval is (NaN, NaN).

- ``bootstrap_ci(values)``: mean of per-item values (hits, Dice, CNR ...), vectorised.
- ``bootstrap_ci((a, b, ...), statistic)``: any statistic of arrays sharing their first axis.
- ``bootstrap_macro_auroc_ci(labels, scores)``: macro AUROC, vectorised over resamples (one
  ``bincount`` of tie groups per class). Classes undefined on the full data are left out, as in
  ``macro_auroc``; inside a resample a class that has become single-valued is skipped for that
  resample and the macro mean is over the remaining classes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from radzero.eval.metrics._arrays import to_numpy
from radzero.eval.metrics.classification import check_labels_scores
from radzero.utils.checks import RadZeroInputError

__all__ = [
    "bootstrap_auroc_resamples",
    "bootstrap_ci",
    "bootstrap_macro_auroc_ci",
    "percentile_interval",
    "resample_indices",
]

# Elements of one (resamples x items) work array; bounds memory for large N.
_CHUNK_ELEMENTS = 1_000_000


def _index_chunks(n_items: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Blocks of rows of ``resample_indices`` (same numbers), at most ``_CHUNK_ELEMENTS`` each."""
    if n_items < 1:
        raise RadZeroInputError("cannot bootstrap an empty set of items")
    if n_resamples < 1:
        raise RadZeroInputError(f"n_resamples must be >= 1, got {n_resamples}")
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK_ELEMENTS // n_items)
    for start in range(0, n_resamples, rows):
        yield rng.integers(0, n_items, size=(min(rows, n_resamples - start), n_items))


def resample_indices(n_items: int, n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """(n_resamples, n_items) item indices drawn with replacement (the resamples every CI here uses)."""
    return np.concatenate(list(_index_chunks(n_items, n_resamples, seed)))


def percentile_interval(statistics: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the finite values of ``statistics``; (NaN, NaN) if there is none."""
    if not 0.0 < level < 1.0:
        raise RadZeroInputError(f"level must be in (0, 1), got {level}")
    stats = np.asarray(statistics, dtype=np.float64)
    stats = stats[~np.isnan(stats)]
    if stats.size == 0:
        return float("nan"), float("nan")
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha])
    return float(low), float(high)


def bootstrap_ci(
    data: Any,
    statistic: Callable[..., float] | None = None,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap CI ``(lo, hi)`` resampling items with replacement.

    ``data``: per-item values (N,) with ``statistic=None`` (the mean, vectorised; NaN values are
    an error: drop undefined items first), or an array / tuple of arrays sharing their first axis
    N, passed resampled to ``statistic(*arrays) -> float`` once per resample.
    """
    if statistic is None:
        values = to_numpy(data).astype(np.float64)
        if values.ndim != 1:
            raise RadZeroInputError(f"per-item values must be 1-D, got shape {values.shape}")
        if np.isnan(values).any():
            raise RadZeroInputError("per-item values contain NaN: drop the undefined items before bootstrapping")
        chunks = _index_chunks(values.size, n_resamples, seed)
        return percentile_interval(np.concatenate([values[rows].mean(axis=1) for rows in chunks]), level)
    arrays = [to_numpy(a) for a in (data if isinstance(data, (tuple, list)) else (data,))]
    n_items = arrays[0].shape[0] if arrays and arrays[0].ndim else 0
    if any(a.ndim == 0 or a.shape[0] != n_items for a in arrays):
        raise RadZeroInputError(f"all arrays must share their first axis, got shapes {[a.shape for a in arrays]}")
    stats = [
        float(statistic(*(a[row] for a in arrays)))
        for rows in _index_chunks(n_items, n_resamples, seed)
        for row in rows
    ]
    return percentile_interval(stats, level)


def _resampled_auroc(scores: np.ndarray, labels: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """(R,) Mann-Whitney AUROC (ties 1/2) of one class in each resample row of ``indices`` (R, N).

    ``labels`` (N,) is 1, 0 or NaN (item left out). Each item gets a key (tie group of its score,
    label); one ``bincount`` over the resampled keys gives every resample's positive and negative
    counts per tie group. NaN where a resample has no positive or no negative item.
    """
    present = ~np.isnan(labels)
    order = np.flatnonzero(present)[np.argsort(scores[present], kind="stable")]
    sorted_scores = scores[order]
    new_group = np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]
    n_groups = int(new_group.sum())
    n_keys = 2 * n_groups + 1  # (group, label) pairs, then one key for left-out items
    key = np.full(labels.shape[0], n_keys - 1, dtype=np.int64)
    key[order] = 2 * (np.cumsum(new_group) - 1) + (labels[order] == 1)
    n_resamples = indices.shape[0]
    flat = (key[indices] + n_keys * np.arange(n_resamples)[:, None]).ravel()
    counts = np.bincount(flat, minlength=n_resamples * n_keys).reshape(n_resamples, n_keys)
    negative = counts[:, 0 : n_keys - 1 : 2].astype(np.float64)
    positive = counts[:, 1 : n_keys - 1 : 2].astype(np.float64)
    negative_below = np.cumsum(negative, axis=1) - negative
    numerator = (positive * (negative_below + 0.5 * negative)).sum(axis=1)
    denominator = positive.sum(axis=1) * negative.sum(axis=1)
    out = np.full(n_resamples, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def bootstrap_auroc_resamples(
    labels: Any, scores: Any, *, n_resamples: int = 1000, seed: int = 0
) -> np.ndarray:
    """(R, C) AUROC of every class in every resample of the items (rows); NaN where undefined."""
    y, s = check_labels_scores(labels, scores)
    n_items, n_classes = y.shape
    out = np.full((n_resamples, n_classes), np.nan)
    start = 0
    for rows in _index_chunks(n_items, n_resamples, seed):
        for c in range(n_classes):
            if not np.isnan(y[:, c]).all():
                out[start : start + len(rows), c] = _resampled_auroc(s[:, c], y[:, c], rows)
        start += len(rows)
    return out


def bootstrap_macro_auroc_ci(
    labels: Any,
    scores: Any,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    classes: Sequence[int] | None = None,
) -> tuple[float, float]:
    """Percentile CI of the macro AUROC over images resampled with replacement.

    ``classes``: column indices to average (default: the classes defined on the full data, i.e.
    with at least one positive and one negative label, as ``macro_auroc`` uses).
    """
    y, s = check_labels_scores(labels, scores)
    if classes is None:
        classes = [c for c in range(y.shape[1]) if (y[:, c] == 1).any() and (y[:, c] == 0).any()]
    columns = list(classes)
    if not columns:
        return float("nan"), float("nan")
    per_class = bootstrap_auroc_resamples(y[:, columns], s[:, columns], n_resamples=n_resamples, seed=seed)
    defined = ~np.isnan(per_class)
    n_defined = defined.sum(axis=1)
    macro = np.full(n_resamples, np.nan)
    np.divide(np.where(defined, per_class, 0.0).sum(axis=1), n_defined, out=macro, where=n_defined > 0)
    return percentile_interval(macro, level)
