"""radzero: explainable vision-language alignment for chest X-ray (RadZero).

``from radzero import Predictor`` (one image -> probabilities and similarity maps) and
``from radzero import RadZero`` (the model) are imported on first use, so ``import radzero`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Prediction", "Predictor", "RadZero"]


def __getattr__(name: str) -> Any:
    if name in ("Predictor", "Prediction"):
        from radzero import predictor

        return getattr(predictor, name)
    if name == "RadZero":
        from radzero.model import RadZero

        return RadZero
    raise AttributeError(f"module 'radzero' has no attribute {name!r}")
