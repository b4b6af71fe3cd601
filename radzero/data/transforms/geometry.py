"""Invertible evaluation geometry: original (H, W) image -> square network input (S, S).

Each geometry is an axis-aligned scale + shift, recorded in ``GeometryParams`` in continuous
pixel coordinates (pixel (r, c) covers [c, c+1) x [r, r+1); OpenCV / PIL / PyTorch
``align_corners=False`` all follow this convention)::

    x_in = x_orig * scale_x + offset_x        y_in = y_orig * scale_y + offset_y

- ``Resize``            : (H, W) -> (S, S), aspect distorted.
- ``ResizeCenterCrop``  : shorter side -> S (aspect kept), centre crop S x S
                          (HF ``BitImageProcessor``: the authors' DINOv2 preprocessing).
- ``PadToSquare``       : longer side -> S (aspect kept), centred zero padding to S x S.

``map_to_original(map, params)`` samples an (h, w) map bilinearly (align_corners=False) at the
grid position of every original pixel centre, in one step (for ``Resize``: ``F.interpolate`` to
(H, W), as the RadZero authors do); original pixels that the network did not see (outside a centre
crop) are NaN.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "GEOMETRIES",
    "EvalGeometry",
    "GeometryParams",
    "PadToSquare",
    "Resize",
    "ResizeCenterCrop",
    "boxes_to_input",
    "boxes_to_original",
    "make_geometry",
    "map_to_original",
    "points_to_input",
    "points_to_original",
    "resize_image",
]


@dataclass(frozen=True)
class GeometryParams:
    original_size: tuple[int, int]  # (H, W)
    input_size: tuple[int, int]  # (S, S)
    scale: tuple[float, float]  # (scale_y, scale_x): input pixels per original pixel
    offset: tuple[float, float]  # (offset_y, offset_x) in input pixels
    valid: tuple[int, int, int, int]  # image region in the input: (top, left, bottom, right)
    kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GeometryParams:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


# --------------------------------------------------------------------------- resizing

_CV2_INTERP = {"area": "INTER_AREA", "linear": "INTER_LINEAR", "cubic": "INTER_CUBIC", "nearest": "INTER_NEAREST"}


def resize_image(img: np.ndarray, size_hw: tuple[int, int], interpolation: str = "area") -> np.ndarray:
    """Resize a float32 (H, W) image to ``size_hw`` with the pixel-edge convention.

    ``area``: OpenCV INTER_AREA (box filter, anti-aliased; bilinear when enlarging);
    ``linear`` / ``cubic`` / ``nearest``: OpenCV, no anti-aliasing; ``pil_bicubic`` /
    ``pil_bilinear``: Pillow on mode "F" (anti-aliased, as HF image processors do).
    """
    h, w = size_hw
    if img.shape[:2] == (h, w):
        return img.astype(np.float32, copy=False)
    if interpolation.startswith("pil_"):
        from PIL import Image

        mode = {"pil_bicubic": Image.Resampling.BICUBIC, "pil_bilinear": Image.Resampling.BILINEAR}[interpolation]
        out = np.asarray(Image.fromarray(img.astype(np.float32, copy=False), mode="F").resize((w, h), mode))
        return out.astype(np.float32)
    import cv2

    if interpolation not in _CV2_INTERP:
        raise ValueError(
            f"unknown interpolation {interpolation!r}; use one of {[*_CV2_INTERP, 'pil_bicubic', 'pil_bilinear']}"
        )
    flag = getattr(cv2, _CV2_INTERP[interpolation])
    return cv2.resize(img.astype(np.float32, copy=False), (w, h), interpolation=flag)


# --------------------------------------------------------------------------- geometries


class EvalGeometry:
    """Base: ``__call__(img (H, W)) -> (out (S, S) float32, GeometryParams)``."""

    kind = ""

    def __init__(self, size: int, interpolation: str = "area", pad_value: float = 0.0):
        if int(size) <= 0:
            raise ValueError(f"size must be positive, got {size}")
        self.size = int(size)
        self.interpolation = interpolation
        self.pad_value = float(pad_value)

    def params(self, original_size: tuple[int, int]) -> GeometryParams:
        raise NotImplementedError

    def __call__(self, img: np.ndarray) -> tuple[np.ndarray, GeometryParams]:
        if img.ndim != 2:
            raise ValueError(f"expected an (H, W) image, got shape {img.shape}")
        p = self.params(img.shape)
        return self.apply(img, p), p

    def apply(self, img: np.ndarray, p: GeometryParams) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation!r})"


class Resize(EvalGeometry):
    kind = "resize"

    def params(self, original_size):
        H, W = (int(v) for v in original_size)
        S = self.size
        return GeometryParams((H, W), (S, S), (S / H, S / W), (0.0, 0.0), (0, 0, S, S), self.kind)

    def apply(self, img, p):
        return resize_image(img, p.input_size, self.interpolation)


class ResizeCenterCrop(EvalGeometry):
    kind = "center_crop"

    def _resized(self, H: int, W: int) -> tuple[int, int]:
        S = self.size
        s = S / min(H, W)
        return (S if H <= W else max(S, round(H * s))), (S if W <= H else max(S, round(W * s)))

    def params(self, original_size):
        H, W = (int(v) for v in original_size)
        S = self.size
        nh, nw = self._resized(H, W)
        top, left = (nh - S) // 2, (nw - S) // 2
        return GeometryParams(
            (H, W), (S, S), (nh / H, nw / W), (-float(top), -float(left)), (0, 0, S, S), self.kind
        )

    def apply(self, img, p):
        S = self.size
        nh, nw = self._resized(*img.shape)
        top, left = int(-p.offset[0]), int(-p.offset[1])
        return np.ascontiguousarray(resize_image(img, (nh, nw), self.interpolation)[top : top + S, left : left + S])


class PadToSquare(EvalGeometry):
    kind = "pad"

    def _resized(self, H: int, W: int) -> tuple[int, int]:
        S = self.size
        s = S / max(H, W)
        return (S if H >= W else max(1, min(S, round(H * s)))), (S if W >= H else max(1, min(S, round(W * s))))

    def params(self, original_size):
        H, W = (int(v) for v in original_size)
        S = self.size
        nh, nw = self._resized(H, W)
        top, left = (S - nh) // 2, (S - nw) // 2
        return GeometryParams(
            (H, W), (S, S), (nh / H, nw / W), (float(top), float(left)), (top, left, top + nh, left + nw), self.kind
        )

    def apply(self, img, p):
        S = self.size
        top, left, bottom, right = p.valid
        out = np.full((S, S), self.pad_value, dtype=np.float32)
        out[top:bottom, left:right] = resize_image(img, (bottom - top, right - left), self.interpolation)
        return out


GEOMETRIES: dict[str, type[EvalGeometry]] = {
    "resize": Resize,
    "center_crop": ResizeCenterCrop,
    "pad": PadToSquare,
}


def make_geometry(kind: str, size: int, **kwargs) -> EvalGeometry:
    """``kind``: "resize" | "center_crop" | "pad" (aliases: "crop", "pad_to_square")."""
    alias = {"crop": "center_crop", "resize_center_crop": "center_crop", "pad_to_square": "pad", "letterbox": "pad"}
    k = alias.get(kind, kind)
    if k not in GEOMETRIES:
        raise ValueError(f"unknown geometry {kind!r}; expected one of {sorted(GEOMETRIES)}")
    return GEOMETRIES[k](size, **kwargs)


# --------------------------------------------------------------------------- coordinates


def points_to_input(points, p: GeometryParams) -> np.ndarray:
    """(..., 2) array of (x, y) in original pixels -> input pixels (continuous)."""
    pts = np.asarray(points, dtype=np.float64)
    sy, sx = p.scale
    oy, ox = p.offset
    return np.stack([pts[..., 0] * sx + ox, pts[..., 1] * sy + oy], axis=-1)


def points_to_original(points, p: GeometryParams) -> np.ndarray:
    """(..., 2) array of (x, y) in input pixels -> original pixels (continuous)."""
    pts = np.asarray(points, dtype=np.float64)
    sy, sx = p.scale
    oy, ox = p.offset
    return np.stack([(pts[..., 0] - ox) / sx, (pts[..., 1] - oy) / sy], axis=-1)


def boxes_to_input(boxes, p: GeometryParams, clip: bool = False) -> np.ndarray:
    """(N, 4) (x, y, w, h) original -> input pixels; ``clip`` clips to the image region in
    the input (a box wholly outside, e.g. cropped away, gets w = h = 0)."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    sy, sx = p.scale
    oy, ox = p.offset
    x0, y0 = b[:, 0] * sx + ox, b[:, 1] * sy + oy
    x1, y1 = x0 + b[:, 2] * sx, y0 + b[:, 3] * sy
    if clip:
        top, left, bottom, right = p.valid
        x0, x1 = np.clip(x0, left, right), np.clip(x1, left, right)
        y0, y1 = np.clip(y0, top, bottom), np.clip(y1, top, bottom)
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)


def boxes_to_original(boxes, p: GeometryParams) -> np.ndarray:
    """(N, 4) (x, y, w, h) input -> original pixels."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    sy, sx = p.scale
    oy, ox = p.offset
    return np.stack([(b[:, 0] - ox) / sx, (b[:, 1] - oy) / sy, b[:, 2] / sx, b[:, 3] / sy], axis=1)


# --------------------------------------------------------------------------- maps


def _axis_sampling(n_orig: int, scale: float, offset: float, lo: int, hi: int, n_input: int, n_grid: int):
    """For each original pixel along one axis: (i0, i1, w1, valid) sampling the patch grid directly.

    The original pixel centre i + 0.5 maps to continuous input coordinate c (valid when lo <= c < hi,
    the image region) and to grid coordinate g = c * n_grid / n_input - 0.5 (grid cell centres at
    integers), clamped to [0, n_grid - 1] (border replication, as PyTorch's align_corners=False does)."""
    import torch

    i = torch.arange(n_orig, dtype=torch.float64)
    c = (i + 0.5) * scale + offset
    valid = (c >= lo) & (c < hi)
    g = (c * (n_grid / n_input) - 0.5).clamp(0, n_grid - 1)
    i0 = g.floor()
    w1 = g - i0
    i0 = i0.long()
    i1 = (i0 + 1).clamp(max=n_grid - 1)
    return i0, i1, w1, valid


def map_to_original(m, p: GeometryParams, original_size: tuple[int, int] | None = None):
    """(..., h, w) map on the patch grid -> (..., H, W) on the original image, in ONE bilinear step.

    Every original pixel centre is mapped through the geometry to the patch grid and the map is
    sampled there bilinearly (align_corners=False). For ``Resize`` this is exactly
    ``F.interpolate(m, size=(H, W), mode="bilinear", align_corners=False)``, the RadZero authors'
    map-to-image step; for pad / centre crop it is the same step onto the region the network saw.
    Pixels the network did not see (outside a centre crop) are NaN.

    Accepts a NumPy array (returns NumPy float32/float64) or a torch Tensor (returns a Tensor on
    the same device, float32/float64). ``original_size`` defaults to ``p.original_size`` and
    must agree with it.
    """
    import torch

    if original_size is not None and tuple(original_size) != tuple(p.original_size):
        raise ValueError(f"original_size {tuple(original_size)} != geometry's {p.original_size}")
    is_np = not isinstance(m, torch.Tensor)
    t = torch.as_tensor(np.asarray(m)) if is_np else m
    if t.ndim < 2:
        raise ValueError(f"map must be (..., h, w), got shape {tuple(t.shape)}")
    if not t.is_floating_point() or t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    lead = t.shape[:-2]
    h, w = t.shape[-2:]
    grid = t.reshape(-1, h, w)  # (N, h, w)
    S_h, S_w = p.input_size
    H, W = p.original_size
    top, left, bottom, right = p.valid
    r0, r1, wr, vr = _axis_sampling(H, p.scale[0], p.offset[0], top, bottom, S_h, h)
    c0, c1, wc, vc = _axis_sampling(W, p.scale[1], p.offset[1], left, right, S_w, w)
    dev, dt = grid.device, grid.dtype
    r0, r1, c0, c1 = r0.to(dev), r1.to(dev), c0.to(dev), c1.to(dev)
    wr = wr.to(dev, dt)[None, :, None]
    wc = wc.to(dev, dt)[None, None, :]
    rows = grid.index_select(1, r0) * (1 - wr) + grid.index_select(1, r1) * wr  # (N, H, w)
    out = rows.index_select(2, c0) * (1 - wc) + rows.index_select(2, c1) * wc  # (N, H, W)
    invalid = ~(vr.to(dev)[:, None] & vc.to(dev)[None, :])
    if bool(invalid.any()):
        out = out.masked_fill(invalid[None], float("nan"))
    out = out.reshape(*lead, H, W)
    return out.cpu().numpy() if is_np else out
