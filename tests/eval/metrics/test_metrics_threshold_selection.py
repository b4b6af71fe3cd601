"""Threshold chosen on validation, reported on test, oracle beside it."""

from __future__ import annotations

import numpy as np
import pytest

from radzero.eval.metrics import (
    DiceAccumulator,
    PixelAUROCBootstrap,
    dice_at_selected_threshold,
    select_threshold,
)
from radzero.utils.checks import RadZeroInputError


def _images(lesion_prob: float, background_prob: float) -> list[tuple[np.ndarray, np.ndarray]]:
    images = []
    for shift in range(3):
        prob = np.full((6, 6), background_prob)
        gt = np.zeros((6, 6), dtype=bool)
        gt[shift : shift + 2, 1:3] = True
        prob[gt] = lesion_prob
        images.append((prob, gt))
    images.append((np.full((6, 6), background_prob), np.zeros((6, 6), dtype=bool)))  # one negative image
    images.append((np.full((6, 6), 0.05), np.zeros((6, 6), dtype=bool)))
    return images


def _accumulator(lesion_prob: float, background_prob: float) -> DiceAccumulator:
    acc = DiceAccumulator()
    for prob, gt in _images(lesion_prob, background_prob):
        acc.update(prob, gt)
    return acc


def test_validation_threshold_applied_to_test_and_oracle_reported():
    val = _accumulator(lesion_prob=0.8, background_prob=0.3)  # any t in [0.30, 0.80) is perfect -> 0.30
    test = _accumulator(lesion_prob=0.6, background_prob=0.4)  # perfect for t in [0.40, 0.60) -> 0.40
    assert select_threshold(val) == pytest.approx(0.30)
    result = dice_at_selected_threshold(val, test)
    assert result.threshold == pytest.approx(0.30)
    assert result.dice == pytest.approx(2 * 4 / (36 + 4))  # everything predicted at 0.30 on test
    assert result.specificity == pytest.approx(0.5)  # the 0.05 negative is empty, the 0.4 one is not
    assert result.oracle_threshold == pytest.approx(0.40)
    assert result.oracle_dice == pytest.approx(1.0)
    assert result.oracle_specificity == pytest.approx(1.0)
    assert (result.n_positive, result.n_negative) == (3, 2)
    pixel_auroc = PixelAUROCBootstrap()  # the threshold-free test metric, kept apart from the Dice state
    for prob, gt in _images(lesion_prob=0.6, background_prob=0.4):
        pixel_auroc.update(prob, gt)
    assert pixel_auroc.value() == pytest.approx(1.0)
    assert set(result.to_dict()) >= {"threshold", "dice", "oracle_threshold", "oracle_dice"}


def test_grids_must_match():
    with pytest.raises(RadZeroInputError, match="same threshold grid"):
        dice_at_selected_threshold(_accumulator(0.8, 0.3), DiceAccumulator(thresholds=[0.1, 0.2]))
