"""Pixel grids in patient coordinates, soft shapes, finding-part masks and resolution changes.

Patient coordinates: ``px`` runs from about -1 (image left = PATIENT'S RIGHT) to +1 (image
right = patient's left); ``py`` from about -1 (shoulders) to +1 (upper abdomen). A per-image
similarity transform (scale, rotation, shift) maps pixels to patient coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

F32 = np.float32
SIDE_SIGN = {"right": -1.0, "left": 1.0}  # patient's right is on the image's left
SEVERITY_INDEX = {"small": 0, "moderate": 1, "large": 2}


def smooth_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth random field (std ~0.7) with features of about ``cell`` pixels."""
    gh = max(2, int(math.ceil(h / cell)) + 2)
    gw = max(2, int(math.ceil(w / cell)) + 2)
    small = rng.standard_normal((gh, gw), dtype=F32)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.BICUBIC), dtype=F32)  # (h, w)


def soft(x: np.ndarray, width: float) -> np.ndarray:
    """Soft step: 0 for x <= 0, 1 for x >= width (linear ramp)."""
    return np.clip(x * (1.0 / width), 0.0, 1.0)


def ellipse_f(px, py, e):
    """Ellipse function of ``e = (cx, cy, ax, ay)``: < 1 inside, 1 on the border."""
    cx, cy, ax, ay = e
    return ((px - cx) * (1.0 / ax)) ** 2 + ((py - cy) * (1.0 / ay)) ** 2


def dome_y(px, dome):
    """Height of a diaphragm dome ``(y0, cx, k)`` (a parabola) at ``px``."""
    y0, cx, k = dome
    return y0 + k * (px - cx) ** 2


def segment_dist(px, py, p0, p1):
    """Distance of every point to the segment p0-p1."""
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    ll = dx * dx + dy * dy
    t = np.clip(((px - x0) * dx + (py - y0) * dy) * (1.0 / ll), 0.0, 1.0)
    return np.sqrt((px - x0 - t * dx) ** 2 + (py - y0 - t * dy) ** 2)


@dataclass
class Part:
    """Mask of one finding part: ``mask`` covers rows r0:r0+h, cols c0:c0+w of the image."""

    finding: int
    side: str | None
    r0: int
    c0: int
    mask: np.ndarray  # bool (h, w)

    def full(self, height: int, width: int) -> np.ndarray:
        out = np.zeros((height, width), dtype=bool)  # (height, width)
        h, w = self.mask.shape
        out[self.r0 : self.r0 + h, self.c0 : self.c0 + w] = self.mask
        return out

    def bbox(self) -> tuple[int, int, int, int] | None:
        """(x1, y1, x2, y2), exclusive x2/y2 (so w = x2 - x1); None if empty."""
        rows = np.flatnonzero(self.mask.any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero(self.mask.any(axis=0))
        return (
            int(self.c0 + cols[0]),
            int(self.r0 + rows[0]),
            int(self.c0 + cols[-1] + 1),
            int(self.r0 + rows[-1] + 1),
        )

    @property
    def area(self) -> int:
        return int(self.mask.sum())


class Frame:
    """Pixel grid with the patient coordinates of every pixel centre."""

    def __init__(self, h: int, w: int, s: float, cx: float, cy: float, theta: float):
        self.h, self.w, self.s, self.cx, self.cy = h, w, s, cx, cy
        self.c, self.sn = math.cos(theta), math.sin(theta)
        xs = ((np.arange(w, dtype=F32) + 0.5 - cx) / s)[None, :]  # (1, w)
        ys = ((np.arange(h, dtype=F32) + 0.5 - cy) / s)[:, None]  # (h, 1)
        self.px = (self.c * xs + self.sn * ys).astype(F32)  # (h, w)
        self.py = (-self.sn * xs + self.c * ys).astype(F32)  # (h, w)

    def to_pixel(self, px: float, py: float) -> tuple[float, float]:
        x = self.cx + self.s * (self.c * px - self.sn * py)
        y = self.cy + self.s * (self.sn * px + self.c * py)
        return x, y

    def window(self, x0: float, x1: float, y0: float, y1: float) -> tuple[slice, slice]:
        """Pixel window covering the patient-coordinate rectangle [x0, x1] x [y0, y1]."""
        pts = [self.to_pixel(a, b) for a in (x0, x1) for b in (y0, y1)]
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        c0 = max(0, int(math.floor(min(xs))) - 2)
        c1 = min(self.w, int(math.ceil(max(xs))) + 2)
        r0 = max(0, int(math.floor(min(ys))) - 2)
        r1 = min(self.h, int(math.ceil(max(ys))) + 2)
        c1, r1 = max(c1, c0), max(r1, r0)
        return slice(r0, r1), slice(c0, c1)


# ---------------------------------------------------------------------------------------------
# resolution: anatomy is rendered small, then upsampled to the output size
# ---------------------------------------------------------------------------------------------


def internal_size(h: int, w: int, max_internal: int) -> tuple[int, int]:
    """Rendering size: (h, w) scaled so the long side is at most ``max_internal`` (at least 16)."""
    f = min(1.0, max_internal / max(h, w))
    return max(16, int(round(h * f))), max(16, int(round(w * f)))


def _upsample(img: np.ndarray, h: int, w: int) -> np.ndarray:
    if img.shape == (h, w):
        return img
    return np.array(Image.fromarray(img).resize((w, h), Image.BICUBIC), dtype=F32)  # (h, w)


def finish(img: np.ndarray, rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Upsample to the output size, add quantum-like noise at full resolution, clip."""
    img = _upsample(img, h, w)
    sigma = rng.uniform(0.006, 0.02)
    img += (rng.random((h, w), dtype=F32) - F32(0.5)) * F32(sigma * 3.46)  # uniform, std = sigma
    np.clip(img, 0.0, 1.0, out=img)
    return img


def upsample_part(p: Part, hi: int, wi: int, h: int, w: int) -> Part:
    """A part rendered on the (hi, wi) grid, as a part of the (h, w) image (nearest neighbour)."""
    full = Image.fromarray(p.full(hi, wi).view(np.uint8) * np.uint8(255))
    big = np.asarray(full.resize((w, h), Image.NEAREST)) > 127  # (h, w)
    rows = np.flatnonzero(big.any(axis=1))
    if rows.size == 0:
        return Part(p.finding, p.side, 0, 0, np.zeros((0, 0), dtype=bool))
    cols = np.flatnonzero(big.any(axis=0))
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return Part(p.finding, p.side, int(r0), int(c0), np.ascontiguousarray(big[r0:r1, c0:c1]))
