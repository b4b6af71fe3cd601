"""radzero: explainable vision-language alignment for chest X-ray (RadZero).

``from radzero import Predictor`` (one image -> probabilities and similarity maps) and
``from radzero import RadZero`` (the model) are imported on first use, so ``import radzero`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["CONFIG_DIR", "Prediction", "Predictor", "RadZero"]

# the Hydra configs of the apps, shipped inside the package; add your own with --config-dir
CONFIG_DIR = Path(__file__).resolve().parent / "configs"


def __getattr__(name: str) -> Any:
    if name in ("Predictor", "Prediction"):
        from radzero import predictor

        return getattr(predictor, name)
    if name == "RadZero":
        from radzero.model import RadZero

        return RadZero
    raise AttributeError(f"module 'radzero' has no attribute {name!r}")
