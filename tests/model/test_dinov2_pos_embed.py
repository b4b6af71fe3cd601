"""DINOv2 position embeddings at a new grid: radzero's own rule, independent of the installed transformers."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
import transformers

from radzero.model.vision import build_vision_encoder
from radzero.model.vision.pos_embed import interpolate_dinov2_pos_embed


def _transformers_439(pos: torch.Tensor, height_px: int, width_px: int, patch: int) -> torch.Tensor:
    """transformers 4.39's Dinov2Embeddings.interpolate_pos_encoding, written out (scale factor, +0.1)."""
    num_positions = pos.shape[1] - 1
    num_patches = (height_px // patch) * (width_px // patch)
    if num_patches == num_positions and height_px == width_px:
        return pos
    h, w = height_px // patch + 0.1, width_px // patch + 0.1
    side = math.sqrt(num_positions)
    grid = pos[:, 1:].reshape(1, int(side), int(side), -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid.float(), scale_factor=(float(h / side), float(w / side)), mode="bicubic",
                         align_corners=False).to(pos.dtype)
    return torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, -1, pos.shape[-1])], dim=1)


@pytest.mark.parametrize(("native", "height", "width"), [(16, 518, 518), (4, 70, 70), (4, 70, 98), (16, 224, 224)])
def test_legacy_equals_transformers_439(native, height, width):
    pos = torch.randn(1, 1 + native * native, 24, generator=torch.Generator().manual_seed(native + height))
    ours = interpolate_dinov2_pos_embed(pos, (height // 14, width // 14), "legacy")
    torch.testing.assert_close(ours, _transformers_439(pos, height, width, 14), atol=0, rtol=0)


def test_exact_is_a_resize_to_the_grid_and_differs_from_legacy():
    pos = torch.randn(1, 1 + 16 * 16, 24, generator=torch.Generator().manual_seed(0))
    exact = interpolate_dinov2_pos_embed(pos, (37, 37), "exact")
    grid = pos[:, 1:].reshape(1, 16, 16, 24).permute(0, 3, 1, 2)
    resized = F.interpolate(grid, size=(37, 37), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
    torch.testing.assert_close(exact[:, 1:], resized.reshape(1, -1, 24), atol=1e-6, rtol=0)
    legacy = interpolate_dinov2_pos_embed(pos, (37, 37), "legacy")
    relative = float((legacy - exact).norm() / exact.norm())
    assert relative > 0.01  # the two rules give visibly different embeddings at 518 px
    with pytest.raises(ValueError, match="pos_embed_interpolation='nearest'"):
        interpolate_dinov2_pos_embed(pos, (37, 37), "nearest")


def test_the_encoder_forward_equals_dinov2model_under_the_installed_rule():
    """With the rule of the installed transformers, radzero's module-by-module forward is Dinov2Model's."""
    native_rule = "exact" if int(transformers.__version__.split(".")[0]) >= 5 else "legacy"
    overrides = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 56}
    torch.manual_seed(0)
    encoder = build_vision_encoder("dinov2", image_size=70, frozen=True, pretrained=False,
                                   config_overrides=overrides, pos_embed_interpolation=native_rule)
    images = torch.randn(2, 3, 70, 98)
    tokens, grid = encoder(images)
    with torch.no_grad():
        reference = encoder.backbone(pixel_values=images).last_hidden_state
    assert grid == (5, 7)
    torch.testing.assert_close(tokens, reference, atol=1e-6, rtol=1e-5)
    other = build_vision_encoder("dinov2", image_size=70, frozen=True, pretrained=False, config_overrides=overrides,
                                 pos_embed_interpolation="legacy" if native_rule == "exact" else "exact")
    other.load_state_dict(encoder.state_dict())
    assert not torch.allclose(other(images)[0], reference, atol=1e-4)
