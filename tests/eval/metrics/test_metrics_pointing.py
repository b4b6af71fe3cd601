"""Pointing game and box masks against brute-force loops over the inclusive-edge rule."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from radzero.eval.metrics import argmax_pixel, boxes_to_mask, pointing_game_hit
from radzero.utils.checks import RadZeroInputError


def _brute_inside(row: int, col: int, boxes) -> bool:
    return any(x <= col <= x + w and y <= row <= y + h for x, y, w, h in boxes)


def _brute_mask(boxes, height: int, width: int) -> np.ndarray:
    return np.array([[_brute_inside(r, c, boxes) for c in range(width)] for r in range(height)])


def test_integer_box_covers_inclusive_edges():
    mask = boxes_to_mask([(2, 1, 3, 2)], 6, 8)
    expected = np.zeros((6, 8), dtype=bool)
    expected[1:4, 2:6] = True  # rows 1..3, cols 2..5
    np.testing.assert_array_equal(mask, expected)


def test_mask_matches_brute_force_on_random_float_boxes():
    rng = np.random.default_rng(0)
    for _ in range(50):
        boxes = [tuple(rng.uniform(-3, 12, 2)) + tuple(rng.uniform(0, 6, 2)) for _ in range(rng.integers(1, 4))]
        np.testing.assert_array_equal(boxes_to_mask(boxes, 9, 11), _brute_mask(boxes, 9, 11))


def test_float_roundoff_does_not_drop_the_edge():
    x = (0.1 + 0.2) * 10  # 3.0000000000000004: still starts at column 3
    assert boxes_to_mask([(x, 0, 1, 0)], 1, 6).tolist() == [[False, False, False, True, True, False]]
    # x + w = 3.999999999999 (e.g. w = x2 - x1 with round-off): column 4 still counts
    assert boxes_to_mask([(1, 0, 3.0 - 1e-12, 0)], 1, 6).tolist() == [[False, True, True, True, True, False]]
    # a genuinely fractional edge does not round outwards
    assert boxes_to_mask([(1.2, 0, 2.6, 0)], 1, 6).tolist() == [[False, False, True, True, False, False]]


def test_box_clipped_and_box_outside_image():
    assert boxes_to_mask([(-5, -5, 6, 6)], 4, 4).sum() == 4  # rows/cols 0..1
    assert not boxes_to_mask([(10, 10, 2, 2)], 4, 4).any()
    assert not boxes_to_mask([], 4, 4).any()
    assert boxes_to_mask(np.zeros((0, 4)), 4, 4).shape == (4, 4)


def test_bad_boxes_raise():
    with pytest.raises(RadZeroInputError):
        boxes_to_mask([(0, 0, -1, 2)], 4, 4)
    with pytest.raises(RadZeroInputError):
        boxes_to_mask([(0, 0, float("nan"), 2)], 4, 4)
    with pytest.raises(RadZeroInputError, match="wrapped in a list"):
        boxes_to_mask((0, 0, 1, 1), 4, 4)


def _map_with_max(row: int, col: int, shape=(5, 5)) -> np.ndarray:
    m = np.zeros(shape)
    m[row, col] = 1.0
    return m


def test_max_on_box_edge_is_a_hit_and_just_outside_is_a_miss():
    box = [(1, 1, 2, 2)]  # rows 1..3, cols 1..3
    for r, c in [(1, 1), (3, 3), (1, 3), (3, 1), (2, 3)]:
        assert pointing_game_hit(_map_with_max(r, c), box), (r, c)
    for r, c in [(0, 2), (4, 2), (2, 0), (2, 4), (0, 0), (4, 4)]:
        assert not pointing_game_hit(_map_with_max(r, c), box), (r, c)


def test_nan_pixels_are_ignored():
    m = np.full((5, 5), np.nan)
    m[2, 2] = -1.0  # the only valid pixel, inside the box
    m[4, 4] = np.nan
    assert pointing_game_hit(m, [(2, 2, 0, 0)])
    m = _map_with_max(0, 0)
    m[0, 0] = np.nan  # would be the max outside; the remaining max (first zero in row-major) is (0, 1)
    assert argmax_pixel(m) == (0, 1)
    assert pointing_game_hit(m, [(1, 0, 0, 0)])


def test_ties_take_the_first_pixel_in_row_major_order():
    m = np.zeros((5, 5))
    m[1, 4] = m[3, 0] = 2.0
    assert argmax_pixel(m) == (1, 4)
    assert pointing_game_hit(m, [(4, 1, 0, 0)])
    assert not pointing_game_hit(m, [(0, 3, 0, 0)])


def test_any_box_counts_and_no_box_misses():
    m = _map_with_max(4, 4)
    assert pointing_game_hit(m, [(0, 0, 1, 1), (3.5, 3.5, 1, 1)])
    assert not pointing_game_hit(m, [])


def test_hit_equals_mask_at_argmax_on_random_inputs():
    rng = np.random.default_rng(1)
    for _ in range(100):
        m = rng.normal(size=(7, 9))
        m[rng.random((7, 9)) < 0.3] = np.nan
        m[0, 0] = 0.0  # at least one valid pixel
        boxes = [tuple(rng.uniform(-1, 8, 2)) + tuple(rng.uniform(0, 4, 2)) for _ in range(rng.integers(0, 3))]
        r, c = argmax_pixel(m)
        valid = np.where(np.isnan(m), -np.inf, m)
        assert (r, c) == np.unravel_index(np.argmax(valid), m.shape)
        assert pointing_game_hit(m, boxes) == bool(boxes_to_mask(boxes, 7, 9)[r, c]) == _brute_inside(r, c, boxes)


def test_torch_inputs_and_all_nan_map():
    m = torch.zeros(5, 5, dtype=torch.bfloat16)
    m[2, 3] = 1
    assert pointing_game_hit(m, torch.tensor([[3.0, 2.0, 0.0, 0.0]]))
    with pytest.raises(RadZeroInputError, match="no valid"):
        pointing_game_hit(np.full((3, 3), np.nan), [(0, 0, 1, 1)])
    with pytest.raises(RadZeroInputError, match=r"\(H, W\)"):
        pointing_game_hit(np.zeros((1, 3, 3)), [(0, 0, 1, 1)])
