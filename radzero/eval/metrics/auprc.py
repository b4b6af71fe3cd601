"""Area under the precision-recall curve (micro / macro) and the head / medium / tail class groups.

Both follow the RadZero authors' evaluation (their CARZero-derived code, docs/protocols.md):

- AUPRC = trapezoidal area under sklearn's ``precision_recall_curve`` (``auc(recall, precision)``),
  per class (macro: the unweighted mean over classes with a positive) and over all (image, class) pairs
  pooled (micro). Labels are (N, C) in {1, 0, NaN}; NaN entries are left out, as everywhere in radzero.
- Frequency groups by a class's positive count k: head k > the 65th percentile of all classes' counts,
  medium 10 < k <= that percentile, tail k <= 10 (PadChest20 = PadChest's tail).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import auc, precision_recall_curve

from radzero.eval.metrics.classification import check_labels_scores

__all__ = ["auprc", "frequency_groups"]

TAIL_MAX_POSITIVE = 10
HEAD_PERCENTILE = 65.0


def _area(y: np.ndarray, s: np.ndarray) -> float:
    precision, recall, _ = precision_recall_curve(y, s)
    return float(auc(recall, precision))


def auprc(labels: Any, scores: Any, class_names: Sequence[str] | None = None) -> dict[str, Any]:
    """{"macro_auprc", "micro_auprc", "per_class": {name: float | None}}; a class without positives
    (after dropping NaN labels) is None and left out of the macro mean."""
    y, s = check_labels_scores(labels, scores)  # (N, C), (N, C)
    names = [str(i) for i in range(y.shape[1])] if class_names is None else [str(n) for n in class_names]
    per_class: dict[str, float | None] = {}
    for c, name in enumerate(names):
        present = ~np.isnan(y[:, c])
        yc, sc = y[present, c], s[present, c]
        per_class[name] = _area(yc, sc) if (yc == 1).any() else None
    defined = [v for v in per_class.values() if v is not None]
    present = ~np.isnan(y)  # (N, C)
    pooled = y[present]
    micro = _area(pooled, s[present]) if (pooled == 1).any() else float("nan")
    return {"macro_auprc": float(np.mean(defined)) if defined else float("nan"), "micro_auprc": micro,
            "per_class": per_class}


def frequency_groups(n_positive: dict[str, int], tail_max: int = TAIL_MAX_POSITIVE,
                     head_percentile: float = HEAD_PERCENTILE) -> dict[str, list[str]]:
    """{"head": [...], "medium": [...], "tail": [...]} class names by positive count (see module doc)."""
    if not n_positive:
        return {"head": [], "medium": [], "tail": []}
    threshold = float(np.percentile(np.array(list(n_positive.values()), dtype=np.float64), head_percentile))
    return {
        "head": [c for c, k in n_positive.items() if k > threshold],
        "medium": [c for c, k in n_positive.items() if tail_max < k <= threshold],
        "tail": [c for c, k in n_positive.items() if k <= tail_max],
    }
