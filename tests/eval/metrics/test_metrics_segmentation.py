"""Streaming Dice / specificity against brute-force loops and torchmetrics (pixel AUROC:
test_metrics_pixel_auroc.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from radzero.eval.metrics import DEFAULT_DICE_THRESHOLDS, DiceAccumulator
from radzero.utils.checks import RadZeroInputError


def _random_images(seed: int, n: int = 12, shape=(9, 11), dtype=np.float32):
    """Probability maps (some values exactly on the 0.01 grid, NaN borders) and masks; ~1/3 negative."""
    rng = np.random.default_rng(seed)
    images = []
    for i in range(n):
        prob = rng.random(shape)
        on_grid = rng.random(shape) < 0.3
        prob[on_grid] = np.round(prob[on_grid], 2)
        prob = prob.astype(dtype)
        prob[:, : rng.integers(0, 3)] = np.nan  # columns the network did not see
        if i % 3 == 0:
            gt = np.zeros(shape, dtype=bool)
        else:
            gt = np.zeros(shape, dtype=bool)
            r, c = rng.integers(0, shape[0] - 3), rng.integers(2, shape[1] - 3)
            gt[r : r + rng.integers(1, 4), c : c + rng.integers(1, 4)] = True
            prob[gt] = np.clip(prob[gt] + 0.3, 0, 1)  # some signal
        images.append((prob, gt))
    return images


def _brute(images, thresholds):
    """Per-image Dice (positives) and empty-prediction flags (negatives), pixel by pixel."""
    dice_rows, empty_rows = [], []
    for prob, gt in images:
        positive = bool(gt.any())
        dice_row, empty_row = [], []
        for t in thresholds:
            tp = fp = fn = 0
            for p, g in zip(prob.ravel().tolist(), gt.ravel().tolist()):
                if math.isnan(p):
                    continue
                pred = p > t  # Python floats are float64
                tp += pred and g
                fp += pred and not g
                fn += g and not pred
            dice_row.append(2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0)
            empty_row.append(float(tp + fp == 0))
        (dice_rows if positive else empty_rows).append(dice_row if positive else empty_row)
    return np.array(dice_rows), np.array(empty_rows)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_brute_force_loop(dtype):
    images = _random_images(0, dtype=dtype)
    acc = DiceAccumulator()
    for prob, gt in images:
        acc.update(prob, gt)
    dice, empty = _brute(images, DEFAULT_DICE_THRESHOLDS.tolist())
    assert acc.n_positive == len(dice) and acc.n_negative == len(empty)
    np.testing.assert_allclose(acc.per_image_dice(), dice, rtol=0, atol=1e-12)
    np.testing.assert_allclose(acc.mean_dice(), dice.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(acc.specificity(), empty.mean(axis=0), atol=1e-12)
    best = int(np.argmax(dice.mean(axis=0)))  # first maximum
    assert acc.best_threshold() == DEFAULT_DICE_THRESHOLDS[best]
    for t in (0.0, 0.37, 0.5, 1.0):
        j = int(round(t * 100))
        assert acc.dice_at(t) == pytest.approx(dice.mean(axis=0)[j])
        assert acc.specificity_at(t) == pytest.approx(empty.mean(axis=0)[j])
        np.testing.assert_allclose(acc.per_image_dice_at(t), dice[:, j])
        np.testing.assert_allclose(acc.per_image_specificity_at(t), empty[:, j])


def test_threshold_is_strict():
    prob = np.full((2, 2), 0.5)
    gt = np.ones((2, 2), dtype=bool)
    acc = DiceAccumulator()
    acc.update(prob, gt)
    assert acc.dice_at(0.49) == 1.0
    assert acc.dice_at(0.5) == 0.0  # 0.5 > 0.5 is False
    neg = DiceAccumulator(thresholds=[0.25, 0.5, 0.75])
    neg.update(prob, np.zeros((2, 2)))
    np.testing.assert_array_equal(neg.specificity(), [0.0, 1.0, 1.0])


@pytest.mark.slow  # importing torchmetrics takes 10-25 s
@pytest.mark.filterwarnings("ignore:DiceScore metric currently defaults")
def test_matches_torchmetrics_dice_on_positive_images():
    """The authors average torchmetrics' sample-wise Dice over positive images."""
    from torchmetrics.segmentation import DiceScore

    images = [(p, g) for p, g in _random_images(1, n=15) if g.any()]
    images = [(np.nan_to_num(p, nan=0.0), g) for p, g in images]  # torchmetrics has no NaN handling
    acc = DiceAccumulator()
    for prob, gt in images:
        acc.update(prob, gt)
    probs = torch.from_numpy(np.stack([p for p, _ in images]))[:, None].double()
    masks = torch.from_numpy(np.stack([g for _, g in images]))[:, None].long()
    for t in (0.1, 0.3, 0.62, 0.9):
        reference = DiceScore(num_classes=1, average="micro", aggregation_level="samplewise")
        reference.update((probs > t).long(), masks)
        assert acc.dice_at(t) == pytest.approx(float(reference.compute()), abs=1e-6)


def test_state_size_does_not_depend_on_image_size():
    sizes = []
    for shape in [(16, 16), (300, 400)]:
        acc = DiceAccumulator()
        for prob, gt in _random_images(3, n=6, shape=shape):
            acc.update(prob, gt)
        sizes.append(acc.state_nbytes())
    assert sizes[0] == sizes[1]
    assert sizes[0] <= 6 * 8 * 101 + 8 * 101  # at most 6 per-image vectors + the grid


def test_positive_image_whose_lesion_is_unseen_scores_zero():
    prob = np.full((4, 4), 0.9)
    prob[:, :2] = np.nan
    gt = np.zeros((4, 4), dtype=bool)
    gt[1, 0] = True  # only in the NaN region
    acc = DiceAccumulator()
    acc.update(prob, gt)
    assert acc.n_positive == 1 and acc.n_positive_unseen == 1
    assert not acc.per_image_dice().any()


def test_merge_equals_one_accumulator():
    images = _random_images(4, n=10)
    whole, first, second = DiceAccumulator(), DiceAccumulator(), DiceAccumulator()
    for i, (prob, gt) in enumerate(images):
        whole.update(prob, gt, key=f"img{i}")
        (first if i < 4 else second).update(prob, gt, key=f"img{i}")
    first.merge(second)
    np.testing.assert_array_equal(first.per_image_dice(), whole.per_image_dice())
    np.testing.assert_array_equal(first.specificity(), whole.specificity())
    assert first.positive_keys == whole.positive_keys


def test_bad_inputs():
    acc = DiceAccumulator()
    acc.update(np.full((2, 2), 0.2), np.zeros((2, 2)), key="a")
    with pytest.raises(RadZeroInputError, match="already added"):
        acc.update(np.full((2, 2), 0.2), np.zeros((2, 2)), key="a")
    with pytest.raises(RadZeroInputError, match=r"\[0, 1\]"):
        acc.update(np.full((2, 2), 3.0), np.zeros((2, 2)))  # raw map instead of probabilities
    with pytest.raises(RadZeroInputError, match="shape"):
        acc.update(np.full((2, 2), 0.2), np.zeros((3, 2)))
    with pytest.raises(RadZeroInputError, match="not on"):
        acc.dice_at(0.123)
    with pytest.raises(RadZeroInputError, match="no positive"):
        acc.best_threshold()
    assert math.isnan(acc.dice_at(0.5))
    with pytest.raises(RadZeroInputError, match="increasing"):
        DiceAccumulator(thresholds=[0.5, 0.1])


def test_accepts_torch_tensors():
    acc = DiceAccumulator()
    prob = torch.sigmoid(torch.randn(8, 8, dtype=torch.bfloat16))
    gt = torch.zeros(8, 8, dtype=torch.bool)
    gt[2:4, 2:4] = True
    acc.update(prob, gt)
    assert acc.n_positive == 1


def test_accumulator_checks_probabilities_and_merge_grids():
    acc = DiceAccumulator()
    acc.update(np.array([[0.2, 0.9]]), np.array([[False, True]]))
    assert acc.mean_dice()[acc.threshold_index(0.5)] == pytest.approx(1.0)
    with pytest.raises(RadZeroInputError, match="probabilities"):
        acc.update(np.array([[1.5, 0.1]]), np.array([[False, True]]))
    with pytest.raises(RadZeroInputError, match="cannot merge"):
        acc.merge(DiceAccumulator(thresholds=[0.1, 0.2]))
