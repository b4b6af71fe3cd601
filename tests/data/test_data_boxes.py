"""The two box -> mask rules of radzero.data.boxes against brute-force loops over their definitions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from radzero.data.boxes import (
    as_box_array,
    box_mask_edges_inclusive,
    box_mask_pixel_centres,
    box_pixel_ranges,
)
from radzero.data.samples import GroundingSample, SegmentationSample
from radzero.utils.checks import RadZeroInputError


def _brute_inside(row: int, col: int, boxes) -> bool:
    return any(x <= col <= x + w and y <= row <= y + h for x, y, w, h in boxes)


def _brute_mask(boxes, height: int, width: int) -> np.ndarray:
    return np.array([[_brute_inside(r, c, boxes) for c in range(width)] for r in range(height)])


def _brute_centre_mask(boxes, height: int, width: int) -> np.ndarray:
    return np.array([[any(x <= c + 0.5 < x + w and y <= r + 0.5 < y + h for x, y, w, h in boxes)
                      for c in range(width)] for r in range(height)])


# ----------------------------------------------------------------------------- edges inclusive (grounding metrics)


def test_integer_box_covers_inclusive_edges():
    mask = box_mask_edges_inclusive([(2, 1, 3, 2)], 6, 8)
    expected = np.zeros((6, 8), dtype=bool)
    expected[1:4, 2:6] = True  # rows 1..3, cols 2..5
    np.testing.assert_array_equal(mask, expected)


def test_mask_matches_brute_force_on_random_float_boxes():
    rng = np.random.default_rng(0)
    for _ in range(50):
        boxes = [tuple(rng.uniform(-3, 12, 2)) + tuple(rng.uniform(0, 6, 2)) for _ in range(rng.integers(1, 4))]
        np.testing.assert_array_equal(box_mask_edges_inclusive(boxes, 9, 11), _brute_mask(boxes, 9, 11))


def test_float_roundoff_does_not_drop_the_edge():
    x = (0.1 + 0.2) * 10  # 3.0000000000000004: still starts at column 3
    assert box_mask_edges_inclusive([(x, 0, 1, 0)], 1, 6).tolist() == [[False, False, False, True, True, False]]
    # x + w = 3.999999999999 (e.g. w = x2 - x1 with round-off): column 4 still counts
    assert box_mask_edges_inclusive([(1, 0, 3.0 - 1e-12, 0)], 1, 6).tolist() == [[False, True, True, True, True, False]]
    # a genuinely fractional edge does not round outwards
    assert box_mask_edges_inclusive([(1.2, 0, 2.6, 0)], 1, 6).tolist() == [[False, False, True, True, False, False]]


def test_box_clipped_and_box_outside_image():
    assert box_mask_edges_inclusive([(-5, -5, 6, 6)], 4, 4).sum() == 4  # rows/cols 0..1
    assert not box_mask_edges_inclusive([(10, 10, 2, 2)], 4, 4).any()
    assert not box_mask_edges_inclusive([], 4, 4).any()
    assert box_mask_edges_inclusive(np.zeros((0, 4)), 4, 4).shape == (4, 4)


def test_bad_boxes_raise():
    with pytest.raises(RadZeroInputError):
        box_mask_edges_inclusive([(0, 0, -1, 2)], 4, 4)
    with pytest.raises(RadZeroInputError):
        box_mask_edges_inclusive([(0, 0, float("nan"), 2)], 4, 4)
    with pytest.raises(RadZeroInputError, match="wrapped in a list"):
        box_mask_edges_inclusive((0, 0, 1, 1), 4, 4)


def test_pixel_ranges_and_tensor_boxes():
    assert box_pixel_ranges((2, 1, 3, 2), 6, 8) == (1, 3, 2, 5)
    assert box_pixel_ranges((10, 10, 2, 2), 4, 4) is None
    np.testing.assert_array_equal(as_box_array(torch.tensor([[3.0, 2.0, 0.0, 0.0]], dtype=torch.bfloat16)),
                                  [[3.0, 2.0, 0.0, 0.0]])
    with pytest.raises(RadZeroInputError, match="positive"):
        box_mask_edges_inclusive([(0, 0, 1, 1)], 0, 4)


# ----------------------------------------------------------------------------- pixel centres (segmentation masks)


def test_integer_box_covers_exactly_its_area_by_centres():
    mask = box_mask_pixel_centres([(2, 1, 3, 2)], 6, 8)
    expected = np.zeros((6, 8), dtype=bool)
    expected[1:3, 2:5] = True  # rows 1..2, cols 2..4: 3 x 2 pixels
    np.testing.assert_array_equal(mask, expected)


def test_centre_mask_matches_brute_force_on_random_float_boxes():
    rng = np.random.default_rng(0)
    for _ in range(50):
        boxes = [tuple(rng.uniform(-3, 12, 2)) + tuple(rng.uniform(0, 6, 2)) for _ in range(rng.integers(1, 4))]
        np.testing.assert_array_equal(box_mask_pixel_centres(boxes, 9, 11), _brute_centre_mask(boxes, 9, 11))


def test_centre_rule_clips_and_ignores_empty_boxes():
    assert box_mask_pixel_centres([(-5, -5, 6, 6)], 4, 4).sum() == 1  # only pixel (0, 0) has its centre inside
    assert not box_mask_pixel_centres([(10, 10, 2, 2)], 4, 4).any()
    assert not box_mask_pixel_centres([(1, 1, 0, 3)], 4, 4).any()  # zero width covers no centre
    assert not box_mask_pixel_centres([], 4, 4).any()


def test_the_rules_differ_by_at_most_one_row_or_column_per_edge():
    rng = np.random.default_rng(2)
    for _ in range(50):
        x, y = rng.integers(0, 6, 2)
        w, h = rng.integers(1, 5, 2)
        centres = box_mask_pixel_centres([(x, y, w, h)], 12, 12)
        edges = box_mask_edges_inclusive([(x, y, w, h)], 12, 12)
        assert centres.sum() == w * h and edges.sum() == (w + 1) * (h + 1)
        assert not (centres & ~edges).any()  # edges-inclusive adds the last row and column only


def test_samples_rasterise_boxes_by_centres():
    boxes = ((2.0, 1.0, 3.0, 2.0), (0.0, 4.0, 1.0, 1.0))
    grounding = GroundingSample(Path("/a.png"), "a", "opacity", "opacity", boxes, original_size=(6, 8))
    segmentation = SegmentationSample(Path("/a.dcm"), "a", True, (6, 8), boxes=boxes)
    expected = box_mask_pixel_centres(boxes, 6, 8)
    np.testing.assert_array_equal(grounding.mask(), expected)
    np.testing.assert_array_equal(segmentation.mask(), expected)
