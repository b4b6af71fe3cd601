"""Image -> model tensor: geometry, optional training augmentation, channel replication and
normalisation by the encoder's mean / std."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from timm.data import IMAGENET_DEFAULT_MEAN as IMAGENET_MEAN  # normalisation statistics: timm's, nowhere else
from timm.data import IMAGENET_DEFAULT_STD as IMAGENET_STD

from radzero.data.transforms.augment import AugmentConfig, build_train_augment
from radzero.data.transforms.geometry import EvalGeometry, make_geometry

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "ImageTransform", "to_model_tensor"]



def to_model_tensor(img: np.ndarray, mean: Sequence[float], std: Sequence[float]):
    """(S, S) float in [0, 1] -> torch float32 (3, S, S), channel c = (img - mean[c]) / std[c].

    ``mean`` / ``std`` of length 1 or 3."""
    import torch

    mean_t = torch.as_tensor(_three(mean, "mean"), dtype=torch.float32)[:, None, None]
    std_t = torch.as_tensor(_three(std, "std"), dtype=torch.float32)[:, None, None]
    if (std_t <= 0).any():
        raise ValueError(f"std must be positive, got {list(std)}")
    x = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32))[None]
    return (x - mean_t) / std_t  # broadcast (1, S, S) -> (3, S, S)


def _three(v: Sequence[float], name: str) -> list[float]:
    v = [float(x) for x in (v if isinstance(v, Sequence) else [v])]
    if len(v) == 1:
        return v * 3
    if len(v) != 3:
        raise ValueError(f"{name} must have 1 or 3 values, got {v}")
    return v


class ImageTransform:
    """``(H, W) float32 image -> ((3, S, S) tensor, GeometryParams)``.

    ``geometry``: "resize" | "center_crop" | "pad" or an EvalGeometry instance.
    ``augment``: AugmentConfig / dict (training) or None (evaluation). With augmentation the
    returned GeometryParams describe the deterministic part only.
    """

    def __init__(
        self,
        size: int,
        mean: Sequence[float] = IMAGENET_MEAN,
        std: Sequence[float] = IMAGENET_STD,
        geometry: str | EvalGeometry = "center_crop",
        augment: AugmentConfig | dict | None = None,
        interpolation: str = "area",
    ):
        self.geometry = geometry if isinstance(geometry, EvalGeometry) else make_geometry(
            geometry, size, interpolation=interpolation
        )
        if self.geometry.size != size:
            raise ValueError(f"geometry size {self.geometry.size} != size {size}")
        self.size = int(size)
        self.mean = _three(mean, "mean")
        self.std = _three(std, "std")
        self.augment_cfg = AugmentConfig.from_any(augment)
        self._augment = build_train_augment(self.augment_cfg)

    def __call__(self, img: np.ndarray):
        x, params = self.geometry(img)
        return self.finish(x), params

    def finish(self, x: np.ndarray):
        """Geometry output (S, S) -> augmentation (training) -> normalised (3, S, S) tensor."""
        if self._augment is not None:
            x = self._augment(x)
        return to_model_tensor(x, self.mean, self.std)

    def __repr__(self) -> str:
        return f"ImageTransform({self.geometry!r}, mean={self.mean}, std={self.std}, augment={self.augment_cfg})"



