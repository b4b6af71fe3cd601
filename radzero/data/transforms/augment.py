"""Training augmentations for radiographs (albumentations), applied to the (S, S) float32
image in [0, 1] after the geometry and before normalisation.

No horizontal flip by default: findings are lateralised ("left pleural effusion") and the
sentences would then be wrong.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["AugmentConfig", "TrainAugment", "build_train_augment"]


@dataclass
class AugmentConfig:
    enabled: bool = True
    # geometric (one Affine)
    affine_p: float = 0.7
    rotate: float = 10.0  # degrees, +-
    scale: tuple[float, float] = (0.9, 1.1)
    translate: float = 0.05  # fraction of the side, +-
    # photometric
    brightness_contrast_p: float = 0.5
    brightness: float = 0.1  # +- (fraction of the max value)
    contrast: float = 0.1
    gamma_p: float = 0.3
    gamma: tuple[float, float] = (85.0, 115.0)  # albumentations units: 100 = identity
    noise_p: float = 0.2
    noise_std: tuple[float, float] = (0.005, 0.02)  # in [0, 1] intensity units
    hflip_p: float = 0.0  # keep 0 unless the texts are flipped as well
    extra: dict[str, Any] = field(default_factory=dict)  # reserved for future options

    @classmethod
    def from_any(cls, cfg: AugmentConfig | dict | None) -> AugmentConfig | None:
        if cfg is None or isinstance(cfg, cls):
            return cfg
        d = dict(cfg)
        for k in ("scale", "gamma", "noise_std"):
            if k in d and d[k] is not None:
                d[k] = tuple(d[k])
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown augmentation option(s) {sorted(unknown)}")
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_train_augment(cfg: AugmentConfig | dict | None):
    """-> TrainAugment (``f(image (S, S) float32) -> (S, S) float32`` in [0, 1]) or None."""
    cfg = AugmentConfig.from_any(cfg)
    if cfg is None or not cfg.enabled:
        return None
    import albumentations as A
    import cv2

    major = int(A.__version__.split(".")[0])
    ops = []
    if cfg.hflip_p > 0:
        ops.append(A.HorizontalFlip(p=cfg.hflip_p))
    if cfg.affine_p > 0:
        kw = dict(
            scale=cfg.scale,
            translate_percent=(-cfg.translate, cfg.translate),
            rotate=(-cfg.rotate, cfg.rotate),
            interpolation=cv2.INTER_LINEAR,
            border_mode=cv2.BORDER_CONSTANT,
            p=cfg.affine_p,
        )
        kw["fill" if major >= 2 else "cval"] = 0.0
        ops.append(A.Affine(**kw))
    if cfg.brightness_contrast_p > 0:
        ops.append(
            A.RandomBrightnessContrast(
                brightness_limit=cfg.brightness, contrast_limit=cfg.contrast, p=cfg.brightness_contrast_p
            )
        )
    if cfg.gamma_p > 0:
        ops.append(A.RandomGamma(gamma_limit=cfg.gamma, p=cfg.gamma_p))
    if cfg.noise_p > 0:
        if major >= 2:
            ops.append(A.GaussNoise(std_range=cfg.noise_std, p=cfg.noise_p))
        else:  # albumentations 1.x: variance in pixel units of the float image
            ops.append(A.GaussNoise(var_limit=(cfg.noise_std[0] ** 2, cfg.noise_std[1] ** 2), p=cfg.noise_p))
    return TrainAugment(A.Compose(ops))


class TrainAugment:
    """Picklable wrapper: ``(S, S) float32 -> (S, S) float32`` clipped to [0, 1]."""

    def __init__(self, compose):
        self.compose = compose

    def __call__(self, img: np.ndarray) -> np.ndarray:
        out = self.compose(image=np.ascontiguousarray(img, dtype=np.float32))["image"]
        return np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)

    def __repr__(self) -> str:
        return f"TrainAugment({self.compose!r})"
