"""End-to-end map inversion through the grounding path: one hot patch lands on the right original pixels.

A stub model puts a single "hot" patch token (equal to the text direction) on a 4 x 4 grid; the
real loader, eval transform, VL-CABS head, ``map_to_original`` and pointing game then run on PNG
files of portrait and landscape sizes for resize, pad-to-square and centre-crop. The expected
original-resolution map is computed independently with SciPy (bilinear ``map_coordinates``), and
the hot patch's footprint in original pixels from the geometry's closed-form formulas.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.ndimage import map_coordinates
from torch import nn

from radzero.data.samples import GroundingSample
from radzero.eval.context import EvalContext
from radzero.eval.metrics import pointing_game_hit
from radzero.eval.phrase_maps import phrase_maps
from radzero.eval.tasks.grounding import evaluate_grounding
from radzero.model import RadZero
from radzero.model.vlcabs import VLCABSHead

S, PATCH, GRID, DIM = 32, 8, 4, 8
HOT = (1, 2)  # (row, col) of the hot patch on the 4 x 4 grid


class _Vision:
    image_size = S
    mean = (0.5, 0.5, 0.5)
    std = (0.25, 0.25, 0.25)
    num_prefix_tokens = 1  # the stub tokens are CLS + patches, like VisionEncoder


class StubNet(nn.Module):
    """Text = e0; tokens: CLS and every patch = e1 except the hot patch = e0. So S = 1/tau there, 0 elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.vision = _Vision()
        self.head = VLCABSHead(DIM)

    @property
    def tau(self) -> torch.Tensor:
        return self.head.tau

    similarity = RadZero.similarity  # the real map method, on the stub's head and grid
    image_processor_config = None

    def tokenize(self, sentences):
        n = len(sentences)
        return {"input_ids": torch.zeros(n, 1, dtype=torch.long), "attention_mask": torch.ones(n, 1, dtype=torch.long)}

    def encode_text(self, input_ids, attention_mask):
        out = torch.zeros(input_ids.shape[0], DIM)
        out[:, 0] = 1.0
        return out

    def encode_image(self, images):
        tokens = torch.zeros(images.shape[0], 1 + GRID * GRID, DIM)
        tokens[:, :, 1] = 1.0
        hot = 1 + HOT[0] * GRID + HOT[1]
        tokens[:, hot] = 0.0
        tokens[:, hot, 0] = 1.0
        return tokens, (GRID, GRID)


def _input_footprint() -> tuple[float, float, float, float]:
    """Hot patch in input pixels: (y0, y1, x0, x1), continuous, exclusive ends."""
    return HOT[0] * PATCH, (HOT[0] + 1) * PATCH, HOT[1] * PATCH, (HOT[1] + 1) * PATCH


def _closed_form(kind: str, H: int, W: int):
    """(scale_y, scale_x, offset_y, offset_x, valid (top, left, bottom, right)) written out per geometry."""
    if kind == "resize":
        return S / H, S / W, 0.0, 0.0, (0, 0, S, S)
    if kind == "pad":
        s = S / max(H, W)
        nh, nw = (S, round(W * s)) if H >= W else (round(H * s), S)
        top, left = (S - nh) // 2, (S - nw) // 2
        return nh / H, nw / W, float(top), float(left), (top, left, top + nh, left + nw)
    s = S / min(H, W)  # center_crop
    nh, nw = (S, round(W * s)) if H <= W else (round(H * s), S)
    top, left = (nh - S) // 2, (nw - S) // 2
    return nh / H, nw / W, -float(top), -float(left), (0, 0, S, S)


def _reference_map(kind: str, H: int, W: int, grid: np.ndarray) -> np.ndarray:
    """(H, W) expected map: ONE bilinear (align_corners=False) step from the grid to the original pixel
    centres, through the geometry (original centre -> input coordinate -> grid coordinate)."""
    sy, sx, oy, ox, (top, left, bottom, right) = _closed_form(kind, H, W)
    ys = (np.arange(H) + 0.5) * sy + oy  # original pixel centre -> continuous input coordinate
    xs = (np.arange(W) + 0.5) * sx + ox
    gy = np.clip(ys * GRID / S - 0.5, 0, GRID - 1)  # -> grid coordinate (cell centres at integers)
    gx = np.clip(xs * GRID / S - 0.5, 0, GRID - 1)
    yy, xx = np.meshgrid(gy, gx, indexing="ij")
    out = map_coordinates(grid, [yy, xx], order=1, mode="nearest")
    seen = ((ys >= top) & (ys < bottom))[:, None] & ((xs >= left) & (xs < right))[None, :]
    return np.where(seen, out, np.nan)


def _footprint_box(kind: str, H: int, W: int) -> tuple[float, float, float, float]:
    """The hot patch's footprint in original pixels as an (x, y, w, h) box."""
    sy, sx, oy, ox, _ = _closed_form(kind, H, W)
    y0, y1, x0, x1 = _input_footprint()
    return ((x0 - ox) / sx, (y0 - oy) / sy, (x1 - x0) / sx, (y1 - y0) / sy)


def _sample(tmp_path: Path, H: int, W: int, box) -> GroundingSample:
    path = tmp_path / f"img_{H}x{W}.png"
    Image.fromarray((np.random.default_rng(0).random((H, W)) * 255).astype(np.uint8)).save(path)
    return GroundingSample(path, f"img_{H}x{W}", "hot", "Hot", (tuple(box),), (H, W))


@pytest.mark.parametrize("kind", ["resize", "pad", "center_crop"])
@pytest.mark.parametrize("size", [(96, 64), (64, 96)], ids=["portrait", "landscape"])
def test_hot_patch_lands_on_its_original_pixels(tmp_path, kind, size):
    H, W = size
    net = StubNet().eval()
    box = _footprint_box(kind, H, W)
    sample = _sample(tmp_path, H, W, box)
    (item,) = list(phrase_maps(net, [sample], ["hot"], torch.device("cpu"), geometry=kind, batch_size=1))
    cosine = item.cosine_map
    assert cosine.shape == (H, W)
    grid = np.zeros((GRID, GRID))
    grid[HOT] = 1.0  # cosine of the hot patch, 0 elsewhere
    expected = _reference_map(kind, H, W, grid)
    np.testing.assert_array_equal(np.isnan(cosine), np.isnan(expected))
    np.testing.assert_allclose(cosine, expected, atol=1e-5, equal_nan=True)
    if kind == "center_crop":
        assert np.isnan(cosine).any()  # the cropped-away band is unseen
    # the maximum lies inside the patch footprint; a box elsewhere is missed
    row, col = np.unravel_index(np.nanargmax(cosine), cosine.shape)
    x, y, w, h = box
    assert x <= col <= x + w and y <= row <= y + h
    assert pointing_game_hit(cosine, [box])
    far = (0.0, 0.0, 1.0, 1.0) if HOT != (0, 0) else (W - 2.0, H - 2.0, 1.0, 1.0)
    assert not pointing_game_hit(cosine, [far])


@pytest.mark.parametrize("kind", ["resize", "pad", "center_crop"])
def test_grounding_task_scores_the_hot_patch_as_a_hit(tmp_path, kind):
    samples = [_sample(tmp_path, H, W, _footprint_box(kind, H, W)) for H, W in [(96, 64), (64, 96), (80, 80)]]
    ctx = EvalContext(net=StubNet().eval(), device=torch.device("cpu"), output_dir=tmp_path / "out", batch_size=2,
                      geometry=kind, n_bootstrap=20, overlays=2)
    entry = evaluate_grounding(ctx, "stub", {"samples": samples, "prompt": "phrase"})
    assert entry["metrics"]["pointing_game"]["value"] == 1.0
    assert entry["metrics"]["pointing_game"]["ci95"] == [1.0, 1.0]
    assert (tmp_path / "out" / "figures" / "grounding" / "stub_overlays.png").is_file()
    assert math.isfinite(entry["metrics"]["miou"]["value"])
