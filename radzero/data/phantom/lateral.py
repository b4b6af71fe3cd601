"""Lateral (LATERAL / LL) view: a simple silhouette, no finding masks."""

from __future__ import annotations

import math

import numpy as np

from .finding import Finding
from .geometry import (
    F32,
    SEVERITY_INDEX,
    Frame,
    ellipse_f,
    finish,
    internal_size,
    smooth_noise,
    soft,
)


def _opacities(kinds: dict[str, Finding], px: np.ndarray, py: np.ndarray, lung: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """(h, w) 0..1 loss of lucency from effusion, consolidation, edema, nodule and mass."""
    u = rng.uniform
    opaque = np.zeros_like(px)
    if "effusion" in kinds:
        sev_i = SEVERITY_INDEX[kinds["effusion"].severity]
        level = 0.45 - 0.12 * sev_i - 0.08 * np.clip(px - 0.1, 0.0, 1.0)
        np.maximum(opaque, soft(py - level, 0.04) * lung, out=opaque)
    if "consolidation" in kinds:
        y = {"upper": -0.45, "middle": 0.05, "lower": 0.3}[kinds["consolidation"].lobe]
        blob = np.exp(-((px - u(-0.1, 0.3)) ** 2 + (py - y) ** 2) * (1.0 / 0.02))
        np.maximum(opaque, 0.85 * soft(blob - 0.3, 0.3), out=opaque)
    if "edema" in kinds:
        np.maximum(opaque, 0.5 * np.exp(-((px - 0.1) ** 2 + (py + 0.05) ** 2) * (1.0 / 0.12)), out=opaque)
    for kind in ("nodule", "mass"):
        if kind in kinds:
            r = 0.055 if kind == "nodule" else 0.14
            x, y = u(-0.3, 0.3), {"upper": -0.4, "middle": 0.0, "lower": 0.25}.get(kinds[kind].lobe, 0.0)
            np.maximum(opaque, 0.8 * soft(r - np.sqrt((px - x) ** 2 + (py - y) ** 2), 0.3 * r), out=opaque)
    return opaque


def render_lateral(spec: dict, rng: np.random.Generator, max_internal: int = 256) -> np.ndarray:
    """Simple lateral silhouette: anterior on the image left, spine on the right. Returns float32 (H, W) in [0, 1]."""
    h, w = internal_size(spec["height"], spec["width"], max_internal)
    u = rng.uniform
    s = min(h, w) * u(0.44, 0.48)
    fr = Frame(h, w, s, w / 2.0 + u(-0.03, 0.03) * w, h / 2.0 + u(0.0, 0.05) * h + 0.08 * s, math.radians(u(-4, 4)))
    px, py = fr.px, fr.py
    kinds = {f.kind: f for f in spec["findings"]}  # the last finding of a kind wins

    bx2 = px * px
    by2 = ((py - 0.15) * (1.0 / 1.3)) ** 2
    body = soft(1.0 - bx2 * bx2 - by2 * by2, 0.06)
    img = 0.04 + body * u(0.40, 0.46)
    lung = soft(1.0 - ellipse_f(px, py, (0.02, -0.05, 0.72, 0.78)), 0.06)
    dome = 0.5 + 0.35 * (px - 0.0) ** 2 - 0.08 * px
    above = soft(dome - py, 0.015)
    cm = kinds.get("cardiomegaly")
    hs = 1.0 if cm is None else {"small": 1.15, "moderate": 1.25, "large": 1.35}[cm.severity]
    heart = soft(1.0 - ellipse_f(px, py, (-0.28 - 0.05 * (hs - 1), 0.3, 0.3 * hs, 0.27 * hs)), 0.08)
    spine_x = 0.62
    spine = soft(0.11 - np.abs(px - spine_x), 0.02) * body
    vert = 0.6 + 0.4 * (np.cos(py * (2.0 * math.pi / 0.13)) > -0.6)
    field = lung * above * (1.0 - heart) * (1.0 - spine)
    opaque = _opacities(kinds, px, py, lung, rng)
    nz = smooth_noise(rng, h, w, cell=0.05 * s)
    markings = np.clip(1.0 - np.abs(nz) * 3.5, 0.0, 1.0) * 0.3
    img += 0.1 * np.maximum(heart, (1.0 - above) * body)
    img -= u(0.26, 0.32) * field * (1.0 - markings) * (1.0 - opaque)
    img += 0.12 * spine * vert
    img += 0.08 * soft(0.03 - np.abs(px + 0.78 - 0.05 * py), 0.01) * soft(0.45 - np.abs(py + 0.1), 0.05)  # sternum
    # arms raised in front of the upper chest
    img += 0.06 * soft(0.2 - np.abs(py + 0.85 + 0.2 * px), 0.1) * body
    img += 0.04 * smooth_noise(rng, h, w, cell=0.5 * s) * body
    contrast, bright, gamma = u(0.85, 1.15), u(-0.05, 0.05), u(0.8, 1.25)
    img = np.clip((img - 0.3) * contrast + 0.3 + bright, 0.0, 1.0) ** gamma
    return finish(img.astype(F32, copy=False), rng, spec["height"], spec["width"])
