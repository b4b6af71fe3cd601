"""A tiny RadZero config (random weights, offline) shared by tests."""

from __future__ import annotations

from radzero.model import RadZeroConfig


def tiny_config(**overrides) -> RadZeroConfig:
    values = dict(
        vision={"name": "small_vit", "image_size": 32, "frozen": False, "patch_size": 8, "width": 32, "depth": 1, "heads": 2},
        text={"name": "local_bert", "hidden": 32, "layers": 1, "heads": 2, "dropout": 0.0},
        align_depth=1,
        align_heads=2,
    )
    values.update(overrides)
    return RadZeroConfig(**values)
