"""Procedural frontal (PA / AP) chest radiograph renderer (vectorised numpy, float32).

``render_frontal`` returns the image in [0, 1] and one binary mask per finding part (a finding
on both sides has one part per side); masks are stored as a window (row/col offsets) plus the
local boolean array so that callers can build full masks or boxes cheaply. Coordinates: see
``geometry``; finding shapes: ``finding_shapes``; the lateral view: ``lateral``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .anatomy import sample_anatomy
from .finding import Finding
from .finding_shapes import Scene, draw_finding
from .geometry import (
    F32,
    Frame,
    Part,
    dome_y,
    ellipse_f,
    finish,
    internal_size,
    segment_dist,
    smooth_noise,
    soft,
    upsample_part,
)


def render_frontal(spec: dict, rng: np.random.Generator, max_internal: int = 256) -> tuple[np.ndarray, list[Part]]:
    """Render one frontal (PA/AP) radiograph. Returns (image float32 (H, W) in [0, 1], parts).

    ``spec``: {"height", "width", "findings": [Finding, ...], "view": "PA" | "AP"}. Anatomy and
    findings are rendered at most ``max_internal`` pixels on the long side, then upsampled
    (bicubic; masks nearest) to ``spec["height"] x spec["width"]``.
    """
    h, w = spec["height"], spec["width"]
    hi, wi = internal_size(h, w, max_internal)
    img, parts = _frontal(hi, wi, spec["findings"], spec.get("view", "PA"), rng)
    if (hi, wi) != (h, w):
        parts = [upsample_part(p, hi, wi, h, w) for p in parts]
    return finish(img, rng, h, w), parts


@dataclass
class _Thorax:
    """Soft masks of the thorax, each (h, w)."""

    lung_soft: dict[str, np.ndarray]  # side -> lung ellipse
    above: dict[str, np.ndarray]  # side -> above the diaphragm dome
    heart: np.ndarray
    solid: np.ndarray  # heart or mediastinum
    field: dict[str, np.ndarray]  # side -> visible aerated lung (no heart / mediastinum / abdomen)
    lung_any: np.ndarray  # either lung above its dome


def _frame(h: int, w: int, rng: np.random.Generator) -> Frame:
    """Random scale, shift and rotation (±4°) of the patient in the image."""
    u = rng.uniform
    short = min(h, w)
    s = short * u(0.43, 0.47) * (1.0 if h >= w else u(0.97, 1.03))
    cx = w / 2.0 + u(-0.03, 0.03) * w
    cy = h / 2.0 + u(-0.02, 0.05) * h + 0.1 * s
    theta = math.radians(u(-4.0, 4.0))
    return Frame(h, w, s, cx, cy, theta)


def _body(fr: Frame, a: dict) -> tuple[np.ndarray, np.ndarray]:
    """Body outline with the neck, and the base soft-tissue image; both (h, w)."""
    px, py = fr.px, fr.py
    apx = np.abs(px)
    bx2 = (px * (1.0 / 1.12)) ** 2
    by2 = ((py - 0.15) * (1.0 / 1.32)) ** 2
    body_f = bx2 * bx2 + by2 * by2
    body = soft(1.0 - body_f, 0.06)
    body = np.maximum(body, soft(0.3 - apx, 0.04) * soft(-0.7 - py, 0.2))  # neck
    img = 0.035 + body * (a["tissue"] + 0.05 * (1.0 - np.minimum(apx, 1.0)))
    return body, img


def _thorax(fr: Frame, a: dict) -> _Thorax:
    """Lungs, domes, heart and mediastinum (with the aortic knob)."""
    px, py = fr.px, fr.py
    lung_soft: dict[str, np.ndarray] = {}
    above: dict[str, np.ndarray] = {}
    for side in ("right", "left"):
        f = ellipse_f(px, py, a["lung"][side])
        lung_soft[side] = soft(1.0 - f, 0.08)
        above[side] = soft(dome_y(px, a["dome"][side]) - py, 0.012)
    heart_f = ellipse_f(px, py, a["heart"])
    heart = soft(1.0 - heart_f, 0.06)
    mcx, mhw = a["med"]
    # mediastinum: vertical band narrowing upwards, plus the aortic knob
    med_hw = mhw * (1.0 + 0.25 * np.clip(py + 0.2, 0.0, 1.0))
    med = soft(med_hw - np.abs(px - mcx), 0.02) * soft(a["heart"][1] + 0.3 - py, 0.05)
    kx, ky, kr = a["knob"]
    knob = soft(1.0 - ((px - kx) ** 2 + (py - ky) ** 2) * (1.0 / (kr * kr)), 0.15)
    med = np.maximum(med, knob)
    solid = np.maximum(heart, med)
    field = {side: lung_soft[side] * above[side] * (1.0 - solid) for side in ("right", "left")}
    lung_any = np.maximum(lung_soft["right"] * above["right"], lung_soft["left"] * above["left"])
    return _Thorax(lung_soft, above, heart, solid, field, lung_any)


def _markings(fr: Frame, a: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Lung markings (vessel ridges, radiating from the hila) and the squared distance to the nearer hilum."""
    px, py = fr.px, fr.py
    nz = smooth_noise(rng, fr.h, fr.w, cell=0.05 * fr.s)
    ridges = np.clip(1.0 - np.abs(nz) * 3.5, 0.0, 1.0)
    hx_r, hy_r = a["hilum"]["right"]
    hx_l, hy_l = a["hilum"]["left"]
    dh = np.minimum((px - hx_r) ** 2 + (py - hy_r) ** 2, (px - hx_l) ** 2 + (py - hy_l) ** 2)
    weight = np.exp(-dh * (1.0 / 0.18)) * 0.7 + 0.25
    return ridges * weight, dh


def _lungs_and_findings(img: np.ndarray, fr: Frame, a: dict, th: _Thorax, findings: list[Finding],
                        rng: np.random.Generator) -> list[Part]:
    """Darken the aerated lungs (in place), with the findings drawn into them; return the finding parts."""
    markings, dh = _markings(fr, a, rng)
    luc = np.maximum(th.field["right"], th.field["left"])
    # slight density gradient: lateral/upper lung darker, bases denser
    luc *= 1.0 - 0.12 * np.clip(fr.py + 0.2, 0.0, 1.0)
    ptx_amt = np.zeros_like(img) if any(f.kind == "pneumothorax" for f in findings) else None
    sc = Scene(fr, a, th.field, th.lung_soft, th.above, th.heart, opaque=np.zeros_like(img), add=np.zeros_like(img),
               ptx_amt=ptx_amt)
    parts: list[Part] = []
    for i, f in enumerate(findings):
        parts.extend(draw_finding(i, f, sc, rng))
    if ptx_amt is not None:
        markings = markings * (1.0 - ptx_amt)
        luc = luc + 0.25 * ptx_amt * np.maximum(th.lung_soft["right"], th.lung_soft["left"])
    luc = luc * (1.0 - 0.45 * markings) * (1.0 - sc.opaque)
    img -= a["lucency"] * luc
    img += sc.add
    # hilar vessels
    img += 0.06 * np.exp(-dh * (1.0 / 0.012)) * th.lung_any
    return parts


def _ribs(fr: Frame, a: dict, body: np.ndarray) -> np.ndarray:
    """Posterior and anterior ribs inside the thorax, (h, w) brightness."""
    px, py = fr.px, fr.py
    apx = np.abs(px)
    c1, c2 = a["rib_curv"]
    thor = soft(0.93 - apx, 0.06) * soft(apx - 0.04, 0.04) * soft(a["dome"]["left"][0] + 0.3 - py, 0.15) * body
    uu = (py - c1 * apx - c2 * px * px - a["rib_u0"]) * (1.0 / a["rib_sp"])
    k = np.floor(uu)
    r = uu - k
    rib = np.clip(1.0 - ((r - 0.5) * (1.0 / 0.24)) ** 2, 0.0, 1.0) * ((k >= 0) & (k < 10))
    vv = (py + 0.45 * px * px - 0.05 * apx + 0.88) * (1.0 / 0.17)
    k2 = np.floor(vv)
    r2 = vv - k2
    arib = np.clip(1.0 - ((r2 - 0.5) * (1.0 / 0.22)) ** 2, 0.0, 1.0) * ((k2 >= 0) & (k2 < 6))
    return (0.09 * rib + 0.035 * arib) * thor


def _bones_and_air(img: np.ndarray, fr: Frame, a: dict, body: np.ndarray, rng: np.random.Generator) -> None:
    """Ribs, clavicles, spine, trachea and the gastric bubble (in place)."""
    px, py = fr.px, fr.py
    mcx = a["med"][0]
    img += _ribs(fr, a, body)
    # clavicles (top window only)
    rs, cs = fr.window(-1.0, 1.0, -1.0, -0.45)
    wpx, wpy = px[rs, cs], py[rs, cs]
    cy0, rise = a["clav"]
    clav = np.zeros_like(wpx)
    for sgn in (-1.0, 1.0):
        d = segment_dist(wpx, wpy, (sgn * 0.08, cy0), (sgn * 0.86, cy0 - rise))
        clav = np.maximum(clav, soft(0.035 - d, 0.012))
    img[rs, cs] += 0.16 * clav
    # spine with vertebral bodies, trachea
    sp = soft(0.075 - np.abs(px - mcx * 0.3), 0.02) * body
    vert = 0.75 + 0.25 * np.cos(py * (2.0 * math.pi / 0.115))
    img += 0.07 * sp * vert
    rs, cs = fr.window(-0.08, 0.12, -1.1, -0.3)
    tr = soft(0.035 - np.abs(px[rs, cs] - mcx * 0.6), 0.012) * soft(-0.33 - py[rs, cs], 0.05)
    img[rs, cs] -= 0.07 * tr
    # gastric bubble under the left dome
    gy = a["dome"]["left"][0] + 0.1
    rs, cs = fr.window(0.2, 0.7, gy - 0.1, gy + 0.1)
    gb = soft(1.0 - ((px[rs, cs] - 0.45) * 7.0) ** 2 - ((py[rs, cs] - gy) * 12.0) ** 2, 0.3)
    img[rs, cs] -= 0.1 * gb * rng.uniform(0.0, 1.0)


def _appearance(img: np.ndarray, fr: Frame, body: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Large-scale texture, then random contrast, brightness and gamma; clipped to [0, 1]."""
    u = rng.uniform
    img += (0.04 * smooth_noise(rng, fr.h, fr.w, cell=0.5 * fr.s)) * body
    contrast, bright, gamma = u(0.85, 1.15), u(-0.05, 0.05), u(0.8, 1.25)
    return np.clip((img - 0.3) * contrast + 0.3 + bright, 0.0, 1.0) ** gamma


def _frontal(h: int, w: int, findings: list[Finding], view: str, rng: np.random.Generator):
    """The frontal view at the rendering size: (image (h, w) float32, parts)."""
    a = sample_anatomy(rng, findings, view)
    fr = _frame(h, w, rng)
    body, img = _body(fr, a)
    th = _thorax(fr, a)
    # abdomen below the domes is soft tissue
    below = 1.0 - np.where(fr.px < 0.0, th.above["right"], th.above["left"])
    img += 0.10 * np.maximum(th.solid, below * body)
    parts = _lungs_and_findings(img, fr, a, th, findings, rng)
    _bones_and_air(img, fr, a, body, rng)
    img = _appearance(img, fr, body, rng)
    return img.astype(F32, copy=False), parts
