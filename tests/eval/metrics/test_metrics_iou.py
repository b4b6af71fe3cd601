"""mIoU (BioViL protocol) against a hand computation and a brute-force pixel loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from radzero.eval.metrics import iou, iou_at_thresholds, miou_over_thresholds, normalize_min_max


def test_iou_helper():
    a = np.array([[1, 1, 0], [0, 0, 0]], dtype=bool)
    b = np.array([[0, 1, 1], [0, 0, 0]], dtype=bool)
    assert iou(a, b) == pytest.approx(1 / 3)
    assert iou(a, a) == 1.0
    assert iou(a, np.zeros_like(a)) == 0.0
    assert math.isnan(iou(np.zeros_like(a), np.zeros_like(a)))


def test_miou_hand_computed():
    # u = 15 - (row-major index): the box (0, 0, 1, 1) covers rows/cols 0..1, values 15, 14, 11, 10.
    u = 15.0 - np.arange(16.0).reshape(4, 4)
    # normalised u / 15 > t  <=>  u > 15 t: 14, 12, 11, 9, 8 predicted pixels, all 4 box pixels among them
    expected = (4 / 14 + 4 / 12 + 4 / 11 + 4 / 9 + 4 / 8) / 5
    assert miou_over_thresholds(u, [(0, 0, 1, 1)]) == pytest.approx(expected)
    np.testing.assert_allclose(iou_at_thresholds(u, [(0, 0, 1, 1)], [0.5]), [0.5])


def test_min_max_normalisation_makes_miou_affine_invariant():
    m = np.random.default_rng(3).normal(size=(16, 16))  # no value sits exactly on a threshold
    boxes = [(2, 3, 6, 5)]
    assert miou_over_thresholds(0.01 * m - 3.0, boxes) == pytest.approx(miou_over_thresholds(m, boxes))


def _brute_ious(m: np.ndarray, boxes, thresholds) -> list[float]:
    height, width = m.shape
    values = [m[r][c] for r in range(height) for c in range(width) if not math.isnan(m[r][c])]
    low, high = min(values), max(values)
    out = []
    for t in thresholds:
        inter = union = 0
        for r in range(height):
            for c in range(width):
                if math.isnan(m[r][c]):
                    continue
                pred = (m[r][c] - low) / (high - low) > t
                gt = any(x <= c <= x + w and y <= r <= y + h for x, y, w, h in boxes)
                inter += pred and gt
                union += pred or gt
        out.append(inter / union)
    return out


def test_iou_at_thresholds_matches_brute_force_with_nan():
    rng = np.random.default_rng(0)
    for _ in range(30):
        m = rng.normal(size=(8, 9))
        m[:, :2] = np.nan  # e.g. a centre crop
        m[rng.random(m.shape) < 0.1] = np.nan
        boxes = [(rng.uniform(1, 6), rng.uniform(0, 5), rng.uniform(1, 3), rng.uniform(1, 3)) for _ in range(2)]
        thresholds = (0.1, 0.2, 0.3, 0.4, 0.5)
        np.testing.assert_allclose(iou_at_thresholds(m, boxes, thresholds), _brute_ious(m, boxes, thresholds))


def test_constant_map_and_unseen_box():
    assert miou_over_thresholds(np.full((4, 4), 0.7), [(0, 0, 1, 1)]) == 0.0
    np.testing.assert_array_equal(normalize_min_max(np.full((2, 2), 3.0)), np.zeros((2, 2)))
    m = np.arange(16.0).reshape(4, 4)
    m[:, :2] = np.nan
    assert miou_over_thresholds(m, [(0, 0, 1, 3)]) == 0.0  # the box lies in the NaN region only


def test_normalize_keeps_nan():
    m = np.array([[np.nan, 2.0], [4.0, 6.0]])
    out = normalize_min_max(m)
    assert np.isnan(out[0, 0])
    np.testing.assert_allclose(out[1], [0.5, 1.0])
    assert out[0, 1] == 0.0
