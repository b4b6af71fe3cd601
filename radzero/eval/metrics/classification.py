"""Zero-shot classification metrics: per-class / macro AUROC and 5-way top-1 accuracy.

Labels are (N, C) with 1.0 positive, 0.0 negative and NaN where an item is excluded for that
class (missing, or uncertain under the chosen policy); map any other code (e.g. CheXpert -1)
before calling. Rows of ``labels`` and ``scores`` must already be joined by key (image id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from radzero.eval.metrics._arrays import to_numpy
from radzero.utils.checks import RadZeroInputError

__all__ = ["check_labels_scores", "macro_auroc", "top1_accuracy", "top1_correct"]


def check_labels_scores(labels: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    """(N, C) float64 labels in {0, 1, NaN} and finite (N, C) scores where a label is present."""
    y = to_numpy(labels).astype(np.float64)
    s = to_numpy(scores).astype(np.float64)
    if y.ndim != 2 or s.shape != y.shape:
        raise RadZeroInputError(f"labels and scores must both be (N, C), got {y.shape} and {s.shape}")
    present = ~np.isnan(y)
    bad = present & (y != 0) & (y != 1)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise RadZeroInputError(
            f"labels must be 1, 0 or NaN (excluded); found {y[row, col]!r} at row {row}, class {col} "
            "(map uncertain labels such as -1 before calling)"
        )
    missing = present & ~np.isfinite(s)
    if missing.any():
        row, col = np.argwhere(missing)[0]
        raise RadZeroInputError(f"score is not finite at row {row}, class {col} where a label is present")
    return y, s


def _class_names(class_names: Sequence[str] | None, n_classes: int) -> list[str]:
    names = [str(i) for i in range(n_classes)] if class_names is None else [str(n) for n in class_names]
    if len(names) != n_classes or len(set(names)) != n_classes:
        raise RadZeroInputError(f"class_names must be {n_classes} unique names, got {class_names!r}")
    return names


def macro_auroc(labels: Any, scores: Any, class_names: Sequence[str] | None = None) -> dict[str, Any]:
    """sklearn ``roc_auc_score`` per class over items with a label, and their unweighted mean.

    A class without positives or without negatives (after dropping NaN labels) is undefined: its
    entry in ``per_class`` is None, ``undefined`` gives the reason, and it is left out of the mean.
    Returns ``{"macro_auroc": float (NaN if no class is defined), "per_class": {name: float|None},
    "undefined": {name: reason}, "n_positive": {name: int}, "n_negative": {name: int},
    "n_classes_used": int}``.
    """
    y, s = check_labels_scores(labels, scores)
    names = _class_names(class_names, y.shape[1])
    per_class: dict[str, float | None] = {}
    undefined: dict[str, str] = {}
    n_positive: dict[str, int] = {}
    n_negative: dict[str, int] = {}
    for c, name in enumerate(names):
        present = ~np.isnan(y[:, c])
        yc, sc = y[present, c], s[present, c]
        n_positive[name] = int(np.count_nonzero(yc == 1))
        n_negative[name] = int(np.count_nonzero(yc == 0))
        if n_positive[name] == 0 or n_negative[name] == 0:
            per_class[name] = None
            undefined[name] = (
                f"AUROC undefined: {n_positive[name]} positive and {n_negative[name]} negative labelled items"
            )
            continue
        per_class[name] = float(roc_auc_score(yc, sc))
    defined = [v for v in per_class.values() if v is not None]
    return {
        "macro_auroc": float(np.mean(defined)) if defined else float("nan"),
        "per_class": per_class,
        "undefined": undefined,
        "n_positive": n_positive,
        "n_negative": n_negative,
        "n_classes_used": len(defined),
    }


def top1_correct(scores: Any, labels: Any) -> np.ndarray:
    """(N,) bool: the highest-scoring class (ties -> the first) is the item's one positive class.

    ``labels`` is one-hot (N, C): exactly one 1 per row (CheXpert 5x200). Use the result with
    ``bootstrap_ci`` for a confidence interval.
    """
    s = to_numpy(scores).astype(np.float64)
    y = to_numpy(labels).astype(np.float64)
    if s.ndim != 2 or y.shape != s.shape:
        raise RadZeroInputError(f"scores and labels must both be (N, C), got {s.shape} and {y.shape}")
    if s.shape[0] == 0:
        raise RadZeroInputError("no items: scores and labels are empty")
    if not np.isfinite(s).all():
        raise RadZeroInputError("scores must be finite")
    if not (np.isin(y, (0.0, 1.0)).all() and (y.sum(axis=1) == 1).all()):
        raise RadZeroInputError("labels must be one-hot: exactly one 1 (and otherwise 0) per row")
    return np.argmax(s, axis=1) == np.argmax(y, axis=1)


def top1_accuracy(scores: Any, labels: Any) -> float:
    """Fraction of items whose highest-scoring class is their labelled class (one-hot labels).

    Per-class one-vs-rest AUROC on the same data: ``macro_auroc(labels, scores, class_names)``.
    """
    return float(top1_correct(scores, labels).mean())
