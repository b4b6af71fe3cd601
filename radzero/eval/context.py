"""What every evaluation task needs: the model, the device, batching and where to write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from radzero.model import RadZero

__all__ = ["EvalContext", "limit"]


@dataclass
class EvalContext:
    """Shared settings of one ``python -m radzero.eval`` run."""

    net: RadZero
    device: torch.device
    output_dir: Path
    batch_size: int = 32
    num_workers: int = 0
    geometry: str = "resize"
    n_bootstrap: int = 1000
    seed: int = 0
    max_images: int | None = None
    overlays: int = 16
    prompt_template: str = "There is {}"
    prompt_combine: str = "features"
    precision: str = "bf16"  # bf16 autocast of the encoders on CUDA, or fp32 (the authors' evaluation)
    minmax_8bit: bool = False  # image-processor checkpoints: stretch each image to 0..255 first (authors' batch eval)
    dicom_scaling: str = "radzero"  # radzero.data.io.load_image: "radzero" (LUTs, min-max) | "authors" (255 / max)
    protocol: str = "radzero"  # radzero.eval.protocols: the protocol this context evaluates under

    def path(self, *parts: str) -> Path:
        """``output_dir / parts``; the parent folder is created."""
        out = self.output_dir.joinpath(*parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        return out

    def relative(self, path: Path) -> str:
        """``path`` relative to the output folder (for results.json)."""
        try:
            return str(Path(path).relative_to(self.output_dir))
        except ValueError:
            return str(path)

    def geometry_for(self, spec: dict[str, Any]) -> str:
        return str(spec.get("geometry") or self.geometry)

    def minmax_for(self, spec: dict[str, Any]) -> bool:
        """A dataset's ``minmax_8bit`` (e.g. from its ``authors:`` block), else the run's."""
        value = spec.get("minmax_8bit")
        return self.minmax_8bit if value is None else bool(value)


def limit(samples: Sequence[Any], max_images: int | None) -> list[Any]:
    """The first ``max_images`` samples (all when None): for smoke runs."""
    samples = list(samples)
    return samples[:max_images] if max_images else samples
