"""CNR against hand computations (population variance, valid pixels only)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from radzero.data.boxes import box_mask_edges_inclusive
from radzero.eval.metrics import contrast_to_noise_ratio


def test_hand_computed():
    m = np.zeros((3, 4))
    m[0, 0], m[0, 1] = 1.0, 3.0  # inside (0, 0, 1, 0): cols 0..1 of row 0, mean 2, var 1
    assert contrast_to_noise_ratio(m, [(0, 0, 1, 0)]) == pytest.approx(2.0)


def test_matches_numpy_reference_with_nan():
    rng = np.random.default_rng(0)
    for _ in range(20):
        m = rng.normal(size=(10, 12))
        m[rng.random(m.shape) < 0.2] = np.nan
        boxes = [(rng.uniform(0, 6), rng.uniform(0, 5), rng.uniform(2, 5), rng.uniform(2, 4))]
        inside = box_mask_edges_inclusive(boxes, 10, 12)
        valid = ~np.isnan(m)
        a, b = m[inside & valid], m[~inside & valid]
        assert a.size and b.size
        expected = abs(a.mean() - b.mean()) / math.sqrt(np.var(a) + np.var(b))
        assert contrast_to_noise_ratio(m, boxes) == pytest.approx(expected)


def test_edge_cases():
    assert math.isnan(contrast_to_noise_ratio(np.ones((3, 3)), [(0, 0, 5, 5)]))  # nothing outside
    m = np.arange(9.0).reshape(3, 3)
    m[0, :] = np.nan
    assert math.isnan(contrast_to_noise_ratio(m, [(0, 0, 2, 0)]))  # inside pixels all NaN
    assert contrast_to_noise_ratio(np.full((3, 3), 0.2), [(0, 0, 1, 1)]) == 0.0  # constant map: no contrast
    binary = box_mask_edges_inclusive([(0, 0, 1, 1)], 3, 3).astype(float)
    assert contrast_to_noise_ratio(binary, [(0, 0, 1, 1)]) == math.inf
