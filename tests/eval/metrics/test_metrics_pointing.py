"""Pointing game against brute-force loops over the inclusive-edge box rule (the box masks themselves:
tests/data/test_data_boxes.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from radzero.data.boxes import box_mask_edges_inclusive
from radzero.eval.metrics import argmax_pixel, pointing_game_hit
from radzero.utils.checks import RadZeroInputError


def _brute_inside(row: int, col: int, boxes) -> bool:
    return any(x <= col <= x + w and y <= row <= y + h for x, y, w, h in boxes)


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
        assert pointing_game_hit(m, boxes) == bool(box_mask_edges_inclusive(boxes, 7, 9)[r, c]) == _brute_inside(r, c, boxes)


def test_torch_inputs_and_all_nan_map():
    m = torch.zeros(5, 5, dtype=torch.bfloat16)
    m[2, 3] = 1
    assert pointing_game_hit(m, torch.tensor([[3.0, 2.0, 0.0, 0.0]]))
    with pytest.raises(RadZeroInputError, match="no valid"):
        pointing_game_hit(np.full((3, 3), np.nan), [(0, 0, 1, 1)])
    with pytest.raises(RadZeroInputError, match=r"\(H, W\)"):
        pointing_game_hit(np.zeros((1, 3, 3)), [(0, 0, 1, 1)])
