"""Label tables keyed by image id, and the join of predictions onto them (never by row order)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from radzero.utils.checks import RadZeroInputError

__all__ = ["UNCERTAIN_POLICIES", "join_predictions", "label_classes", "label_table"]

UNCERTAIN_POLICIES = {"exclude": float("nan"), "positive": 1.0, "negative": 0.0}


def label_classes(samples: Sequence[Any]) -> list[str]:
    """Every label key of the samples, in first-appearance order (for datasets with open class sets)."""
    seen: dict[str, None] = {}
    for sample in samples:
        for name in sample.labels:
            seen.setdefault(name, None)
    return list(seen)


def label_table(
    samples: Sequence[Any],
    classes: Sequence[str],
    uncertain: str = "exclude",
    missing: str = "raise",
    absent: str = "missing",
    where: str = "",
) -> dict[str, np.ndarray]:
    """{image_id: (C,) labels in {1, 0, NaN}} from ``sample.labels``.

    ``uncertain`` (-1 labels): "exclude" (NaN), "positive" or "negative". ``missing`` (a class key
    absent from an image's labels, or a blank label): "raise" names the image and the class,
    "exclude" leaves it out of that class's metric. ``absent="negative"``: a class key absent from
    an image's labels is a negative (readers that list only positives, e.g. PadChest). A repeated
    image id is an error.
    """
    where = f"{where}: " if where else ""
    if uncertain not in UNCERTAIN_POLICIES:
        raise RadZeroInputError(f"{where}uncertain must be one of {sorted(UNCERTAIN_POLICIES)}, got {uncertain!r}")
    if missing not in ("raise", "exclude"):
        raise RadZeroInputError(f"{where}missing must be 'raise' or 'exclude', got {missing!r}")
    if absent not in ("missing", "negative"):
        raise RadZeroInputError(f"{where}absent must be 'missing' or 'negative', got {absent!r}")
    table: dict[str, np.ndarray] = {}
    for sample in samples:
        image_id = sample.image_id
        if image_id in table:
            raise RadZeroInputError(f"{where}image {image_id!r} appears twice in the labels")
        row = np.empty(len(classes))
        for c, name in enumerate(classes):
            value = sample.labels.get(name)
            if value is None and absent == "negative" and name not in sample.labels:
                value = 0.0
            if value is None:
                if missing == "raise":
                    state = "has no label" if name not in sample.labels else "has a blank label"
                    raise RadZeroInputError(
                        f"{where}image {image_id!r} ({sample.image_path}) {state} for class {name!r}; "
                        "fix the label file or set missing=exclude for this dataset"
                    )
                row[c] = np.nan
            elif value == -1.0:
                row[c] = UNCERTAIN_POLICIES[uncertain]
            elif value in (0.0, 1.0):
                row[c] = float(value)
            else:
                raise RadZeroInputError(
                    f"{where}image {image_id!r}: label {value!r} for {name!r} is not 1, 0, -1 or blank"
                )
        table[image_id] = row
    return table


def join_predictions(
    labels: Mapping[str, np.ndarray], predictions: Mapping[str, np.ndarray], where: str = ""
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(image ids, labels (N, C), scores (N, C)) joined on image id; every labelled image needs a prediction."""
    where = f"{where}: " if where else ""
    missing = [image_id for image_id in labels if image_id not in predictions]
    if missing:
        raise RadZeroInputError(f"{where}no prediction for {len(missing)} labelled image(s), e.g. {missing[:3]}")
    extra = [image_id for image_id in predictions if image_id not in labels]
    if extra:
        raise RadZeroInputError(f"{where}{len(extra)} predicted image(s) have no labels, e.g. {extra[:3]}")
    ids = list(labels)
    return ids, np.stack([labels[i] for i in ids]), np.stack([predictions[i] for i in ids])
