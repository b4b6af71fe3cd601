"""Dice threshold chosen on validation, reported on test; the test-chosen "oracle" beside it.

The authors pick the threshold that maximises Dice on the test set itself (optimistic). radzero's
protocol (docs/protocols.md) chooses it on a validation split by default; the test-chosen value is
reported only under the name "oracle".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from radzero.eval.metrics.segmentation import DiceAccumulator
from radzero.utils.checks import RadZeroInputError

__all__ = ["DiceAtSelectedThreshold", "dice_at_selected_threshold", "select_threshold"]


def select_threshold(val_acc: DiceAccumulator) -> float:
    """The grid threshold with the largest mean Dice on the validation accumulator (ties -> smallest)."""
    return val_acc.best_threshold()


@dataclass(frozen=True)
class DiceAtSelectedThreshold:
    threshold: float  # chosen on validation
    dice: float  # test Dice over positive images at ``threshold``
    specificity: float  # test image-level specificity at ``threshold``
    oracle_threshold: float  # chosen on TEST (optimistic; the authors' protocol)
    oracle_dice: float
    oracle_specificity: float
    n_positive: int  # test images
    n_negative: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def dice_at_selected_threshold(val_acc: DiceAccumulator, test_acc: DiceAccumulator) -> DiceAtSelectedThreshold:
    """Test metrics at the validation-chosen threshold, plus the test-chosen ("oracle") ones."""
    if not np.array_equal(val_acc.thresholds, test_acc.thresholds):
        raise RadZeroInputError("validation and test accumulators must use the same threshold grid")
    chosen = select_threshold(val_acc)
    oracle = test_acc.best_threshold()
    return DiceAtSelectedThreshold(
        threshold=chosen,
        dice=test_acc.dice_at(chosen),
        specificity=test_acc.specificity_at(chosen),
        oracle_threshold=oracle,
        oracle_dice=test_acc.dice_at(oracle),
        oracle_specificity=test_acc.specificity_at(oracle),
        n_positive=test_acc.n_positive,
        n_negative=test_acc.n_negative,
    )
