"""Procedural chest radiograph renderer (vectorised numpy, float32).

Patient coordinates: ``px`` runs from about -1 (image left = PATIENT'S RIGHT) to +1 (image
right = patient's left); ``py`` from about -1 (shoulders) to +1 (upper abdomen). A per-image
similarity transform (scale, rotation, shift) maps pixels to patient coordinates.

``render_frontal`` returns the image in [0, 1] and one binary mask per finding part (a finding
on both sides has one part per side); masks are stored as a window (row/col offsets) plus the
local boolean array so that callers can build full masks or boxes cheaply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

F32 = np.float32
SIDE_SIGN = {"right": -1.0, "left": 1.0}  # patient's right is on the image's left


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def smooth_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Smooth random field (std ~0.7) with features of about ``cell`` pixels."""
    gh = max(2, int(math.ceil(h / cell)) + 2)
    gw = max(2, int(math.ceil(w / cell)) + 2)
    small = rng.standard_normal((gh, gw), dtype=F32)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.BICUBIC), dtype=F32)


def _soft(x: np.ndarray, width: float) -> np.ndarray:
    """Soft step: 0 for x <= 0, 1 for x >= width (linear ramp)."""
    return np.clip(x * (1.0 / width), 0.0, 1.0)


@dataclass
class Part:
    """Mask of one finding part: ``mask`` covers rows r0:r0+h, cols c0:c0+w of the image."""

    finding: int
    side: str | None
    r0: int
    c0: int
    mask: np.ndarray  # bool (h, w)

    def full(self, height: int, width: int) -> np.ndarray:
        out = np.zeros((height, width), dtype=bool)
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
        xs = ((np.arange(w, dtype=F32) + 0.5 - cx) / s)[None, :]
        ys = ((np.arange(h, dtype=F32) + 0.5 - cy) / s)[:, None]
        self.px = (self.c * xs + self.sn * ys).astype(F32)
        self.py = (-self.sn * xs + self.c * ys).astype(F32)

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
# anatomy
# ---------------------------------------------------------------------------------------------


def sample_anatomy(rng: np.random.Generator, findings: list[dict], view: str) -> dict:
    """Random normal-variant anatomy; cardiomegaly enlarges the heart."""
    u = rng.uniform
    a: dict = {}
    lung_ay = u(0.70, 0.78)
    lung_cy = u(-0.08, -0.02)
    a["lung"] = {
        "right": (-u(0.48, 0.52), lung_cy, u(0.33, 0.36), lung_ay),
        "left": (u(0.48, 0.52), lung_cy + u(0.0, 0.03), u(0.31, 0.34), lung_ay - u(0.0, 0.03)),
    }
    dome_r = u(0.44, 0.52)
    a["dome"] = {"right": (dome_r, -0.45, u(0.8, 1.0)), "left": (dome_r + u(0.02, 0.07), 0.45, u(0.8, 1.0))}
    cm = next((f for f in findings if f["kind"] == "cardiomegaly"), None)
    if cm is None:
        ctr = u(0.40, 0.47)
    else:
        ctr = {"small": u(0.56, 0.60), "moderate": u(0.61, 0.66), "large": u(0.67, 0.72)}[cm["severity"]]
    if view == "AP":
        ctr *= 1.04
    thorax_w = a["lung"]["left"][0] + a["lung"]["left"][2] - (a["lung"]["right"][0] - a["lung"]["right"][2])
    hax = ctr * thorax_w / 2.0
    hcx = u(0.08, 0.13) + (hax - 0.35) * 0.45
    hay = u(0.27, 0.31) + max(0.0, hax - 0.36) * 0.35
    hcy = dome_r - hay * u(0.6, 0.72)
    a["heart"] = (hcx, hcy, hax, hay)
    a["med"] = (u(-0.01, 0.04), u(0.09, 0.12))  # centre x, half width
    a["knob"] = (u(0.11, 0.15), u(-0.34, -0.26), u(0.06, 0.08))
    a["hilum"] = {"right": (-u(0.22, 0.27), u(-0.08, 0.02)), "left": (u(0.22, 0.27), u(-0.10, 0.0))}
    a["rib_u0"] = u(-0.98, -0.9)
    a["rib_sp"] = u(0.135, 0.155)
    a["rib_curv"] = (u(0.18, 0.26), u(0.18, 0.3))
    a["clav"] = (u(-0.74, -0.62), u(0.08, 0.14))  # medial y, lateral rise
    a["tissue"] = u(0.36, 0.42)
    a["lucency"] = u(0.27, 0.33)
    return a


def _ellipse_f(px, py, e):
    cx, cy, ax, ay = e
    return ((px - cx) * (1.0 / ax)) ** 2 + ((py - cy) * (1.0 / ay)) ** 2


def _dome_y(px, dome):
    y0, cx, k = dome
    return y0 + k * (px - cx) ** 2


def _segment_dist(px, py, p0, p1):
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    ll = dx * dx + dy * dy
    t = np.clip(((px - x0) * dx + (py - y0) * dy) * (1.0 / ll), 0.0, 1.0)
    return np.sqrt((px - x0 - t * dx) ** 2 + (py - y0 - t * dy) ** 2)


# ---------------------------------------------------------------------------------------------
# frontal view
# ---------------------------------------------------------------------------------------------


def _lung_zone_y(a: dict, side: str, zone: str) -> tuple[float, float]:
    cx, cy, ax, ay = a["lung"][side]
    top = cy - ay
    base = a["dome"][side][0]
    hgt = base - top
    return {
        "upper": (top + 0.12 * hgt, top + 0.45 * hgt),
        "middle": (top + 0.45 * hgt, top + 0.70 * hgt),
        "lower": (top + 0.66 * hgt, base + 0.04),
    }[zone]


def _point_in_lung(rng, a, side, zone, margin, avoid_heart=True):
    """Random patient-space point inside the lung zone, at least ``margin`` from its border."""
    cx, cy, ax, ay = a["lung"][side]
    y0, y1 = _lung_zone_y(a, side, zone)
    sgn = SIDE_SIGN[side]
    for _ in range(200):
        x = cx + rng.uniform(-0.8, 0.8) * ax
        y = rng.uniform(y0, y1)
        if ((x - cx) / (ax - margin)) ** 2 + ((y - cy) / (ay - margin)) ** 2 >= 1.0:
            continue
        if y > _dome_y(x, a["dome"][side]) - margin:
            continue
        if abs(x - a["med"][0]) < a["med"][1] + margin:
            continue
        if avoid_heart and _ellipse_f(x, y, a["heart"]) < (1.0 + 2.5 * margin) ** 2:
            continue
        if sgn * x < 0.12 + margin:
            continue
        return x, y
    # fallback: centre of the zone in the lateral half of the lung
    return cx + sgn * 0.3 * ax, 0.5 * (y0 + y1)


def _internal_size(h: int, w: int, max_internal: int) -> tuple[int, int]:
    f = min(1.0, max_internal / max(h, w))
    return max(16, int(round(h * f))), max(16, int(round(w * f)))


def _upsample(img: np.ndarray, h: int, w: int) -> np.ndarray:
    if img.shape == (h, w):
        return img
    return np.array(Image.fromarray(img).resize((w, h), Image.BICUBIC), dtype=F32)


def _finish(img: np.ndarray, rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Upsample to the output size, add quantum-like noise at full resolution, clip."""
    img = _upsample(img, h, w)
    sigma = rng.uniform(0.006, 0.02)
    img += (rng.random((h, w), dtype=F32) - F32(0.5)) * F32(sigma * 3.46)  # uniform, std = sigma
    np.clip(img, 0.0, 1.0, out=img)
    return img


def _upsample_part(p: Part, hi: int, wi: int, h: int, w: int) -> Part:
    full = Image.fromarray(p.full(hi, wi).view(np.uint8) * np.uint8(255))
    big = np.asarray(full.resize((w, h), Image.NEAREST)) > 127
    rows = np.flatnonzero(big.any(axis=1))
    if rows.size == 0:
        return Part(p.finding, p.side, 0, 0, np.zeros((0, 0), dtype=bool))
    cols = np.flatnonzero(big.any(axis=0))
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return Part(p.finding, p.side, int(r0), int(c0), np.ascontiguousarray(big[r0:r1, c0:c1]))


def render_frontal(spec: dict, rng: np.random.Generator, max_internal: int = 256) -> tuple[np.ndarray, list[Part]]:
    """Render one frontal (PA/AP) radiograph. Returns (image float32 (H, W) in [0, 1], parts).

    Anatomy and findings are rendered at most ``max_internal`` pixels on the long side, then
    upsampled (bicubic; masks nearest) to ``spec["height"] x spec["width"]``.
    """
    h, w = spec["height"], spec["width"]
    hi, wi = _internal_size(h, w, max_internal)
    img, parts = _frontal(hi, wi, spec["findings"], spec.get("view", "PA"), rng)
    if (hi, wi) != (h, w):
        parts = [_upsample_part(p, hi, wi, h, w) for p in parts]
    return _finish(img, rng, h, w), parts


def _frontal(h: int, w: int, findings: list[dict], view: str, rng: np.random.Generator):
    a = sample_anatomy(rng, findings, view)
    u = rng.uniform

    short = min(h, w)
    s = short * u(0.43, 0.47) * (1.0 if h >= w else u(0.97, 1.03))
    cx = w / 2.0 + u(-0.03, 0.03) * w
    cy = h / 2.0 + u(-0.02, 0.05) * h + 0.1 * s
    theta = math.radians(u(-4.0, 4.0))
    fr = Frame(h, w, s, cx, cy, theta)
    px, py = fr.px, fr.py
    apx = np.abs(px)

    # ---- base soft tissue ---------------------------------------------------------------
    bx2 = (px * (1.0 / 1.12)) ** 2
    by2 = ((py - 0.15) * (1.0 / 1.32)) ** 2
    body_f = bx2 * bx2 + by2 * by2
    body = _soft(1.0 - body_f, 0.06)
    body = np.maximum(body, _soft(0.3 - apx, 0.04) * _soft(-0.7 - py, 0.2))  # neck
    img = 0.035 + body * (a["tissue"] + 0.05 * (1.0 - np.minimum(apx, 1.0)))

    # ---- masks of the thorax ------------------------------------------------------------
    lung_soft: dict[str, np.ndarray] = {}
    above: dict[str, np.ndarray] = {}
    for side in ("right", "left"):
        f = _ellipse_f(px, py, a["lung"][side])
        lung_soft[side] = _soft(1.0 - f, 0.08)
        above[side] = _soft(_dome_y(px, a["dome"][side]) - py, 0.012)
    heart_f = _ellipse_f(px, py, a["heart"])
    heart = _soft(1.0 - heart_f, 0.06)
    mcx, mhw = a["med"]
    # mediastinum: vertical band narrowing upwards, plus the aortic knob
    med_hw = mhw * (1.0 + 0.25 * np.clip(py + 0.2, 0.0, 1.0))
    med = _soft(med_hw - np.abs(px - mcx), 0.02) * _soft(a["heart"][1] + 0.3 - py, 0.05)
    kx, ky, kr = a["knob"]
    knob = _soft(1.0 - ((px - kx) ** 2 + (py - ky) ** 2) * (1.0 / (kr * kr)), 0.15)
    med = np.maximum(med, knob)
    solid = np.maximum(heart, med)
    # lung field = visible aerated lung (excluding heart / mediastinum / below the domes)
    field = {side: lung_soft[side] * above[side] * (1.0 - solid) for side in ("right", "left")}
    lung_any = np.maximum(lung_soft["right"] * above["right"], lung_soft["left"] * above["left"])

    # ---- abdomen below the domes is soft tissue ------------------------------------------
    below = 1.0 - np.where(px < 0.0, above["right"], above["left"])
    img += 0.10 * np.maximum(solid, below * body)

    # ---- lung markings (vessel ridges, radiating from the hila) -------------------------
    nz = smooth_noise(rng, h, w, cell=0.05 * s)
    ridges = np.clip(1.0 - np.abs(nz) * 3.5, 0.0, 1.0)
    hx_r, hy_r = a["hilum"]["right"]
    hx_l, hy_l = a["hilum"]["left"]
    dh = np.minimum((px - hx_r) ** 2 + (py - hy_r) ** 2, (px - hx_l) ** 2 + (py - hy_l) ** 2)
    weight = np.exp(-dh * (1.0 / 0.18)) * 0.7 + 0.25
    markings = ridges * weight

    luc = np.maximum(field["right"], field["left"])
    # slight density gradient: lateral/upper lung darker, bases denser
    luc *= 1.0 - 0.12 * np.clip(py + 0.2, 0.0, 1.0)
    ptx_amt = np.zeros_like(img) if any(f["kind"] == "pneumothorax" for f in findings) else None
    opaque = np.zeros_like(img)  # 0..1, removes lucency (fluid / airspace disease)
    add = np.zeros_like(img)  # extra brightness

    parts: list[Part] = []
    for i, f in enumerate(findings):
        parts.extend(_render_finding(i, f, fr, a, rng, field, lung_soft, above, heart, opaque, add, ptx_amt))

    if ptx_amt is not None:
        markings = markings * (1.0 - ptx_amt)
        luc = luc + 0.25 * ptx_amt * np.maximum(lung_soft["right"], lung_soft["left"])
    luc = luc * (1.0 - 0.45 * markings) * (1.0 - opaque)
    img -= a["lucency"] * luc
    img += add
    # hilar vessels
    img += 0.06 * np.exp(-dh * (1.0 / 0.012)) * lung_any

    # ---- bones --------------------------------------------------------------------------
    c1, c2 = a["rib_curv"]
    thor = _soft(0.93 - apx, 0.06) * _soft(apx - 0.04, 0.04) * _soft(a["dome"]["left"][0] + 0.3 - py, 0.15) * body
    uu = (py - c1 * apx - c2 * px * px - a["rib_u0"]) * (1.0 / a["rib_sp"])
    k = np.floor(uu)
    r = uu - k
    rib = np.clip(1.0 - ((r - 0.5) * (1.0 / 0.24)) ** 2, 0.0, 1.0) * ((k >= 0) & (k < 10))
    vv = (py + 0.45 * px * px - 0.05 * apx + 0.88) * (1.0 / 0.17)
    k2 = np.floor(vv)
    r2 = vv - k2
    arib = np.clip(1.0 - ((r2 - 0.5) * (1.0 / 0.22)) ** 2, 0.0, 1.0) * ((k2 >= 0) & (k2 < 6))
    img += (0.09 * rib + 0.035 * arib) * thor
    # clavicles (top window only)
    rs, cs = fr.window(-1.0, 1.0, -1.0, -0.45)
    wpx, wpy = px[rs, cs], py[rs, cs]
    cy0, rise = a["clav"]
    clav = np.zeros_like(wpx)
    for sgn in (-1.0, 1.0):
        d = _segment_dist(wpx, wpy, (sgn * 0.08, cy0), (sgn * 0.86, cy0 - rise))
        clav = np.maximum(clav, _soft(0.035 - d, 0.012))
    img[rs, cs] += 0.16 * clav
    # spine with vertebral bodies, trachea
    sp = _soft(0.075 - np.abs(px - mcx * 0.3), 0.02) * body
    vert = 0.75 + 0.25 * np.cos(py * (2.0 * math.pi / 0.115))
    img += 0.07 * sp * vert
    rs, cs = fr.window(-0.08, 0.12, -1.1, -0.3)
    tr = _soft(0.035 - np.abs(px[rs, cs] - mcx * 0.6), 0.012) * _soft(-0.33 - py[rs, cs], 0.05)
    img[rs, cs] -= 0.07 * tr
    # gastric bubble under the left dome
    gy = a["dome"]["left"][0] + 0.1
    rs, cs = fr.window(0.2, 0.7, gy - 0.1, gy + 0.1)
    gb = _soft(1.0 - ((px[rs, cs] - 0.45) * 7.0) ** 2 - ((py[rs, cs] - gy) * 12.0) ** 2, 0.3)
    img[rs, cs] -= 0.1 * gb * rng.uniform(0.0, 1.0)

    # ---- global appearance --------------------------------------------------------------
    img += (0.04 * smooth_noise(rng, h, w, cell=0.5 * s)) * body
    contrast, bright, gamma = u(0.85, 1.15), u(-0.05, 0.05), u(0.8, 1.25)
    img = np.clip((img - 0.3) * contrast + 0.3 + bright, 0.0, 1.0) ** gamma
    return img.astype(F32, copy=False), parts


def _render_finding(i, f, fr: Frame, a, rng, field, lung_soft, above, heart, opaque, add, ptx_amt) -> list[Part]:
    """Draw finding ``f`` into opaque / add / ptx_amt (in place) and return its parts."""
    kind = f["kind"]
    px, py = fr.px, fr.py
    sev = f.get("severity", "moderate")
    sev_i = {"small": 0, "moderate": 1, "large": 2}[sev]
    u = rng.uniform
    parts: list[Part] = []

    if kind == "cardiomegaly":
        mask = heart > 0.5
        rows = np.flatnonzero(mask.any(axis=1))
        cols = np.flatnonzero(mask.any(axis=0))
        r0, c0 = rows[0], cols[0]
        parts.append(Part(i, None, int(r0), int(c0), mask[r0 : rows[-1] + 1, c0 : cols[-1] + 1].copy()))
        return parts

    for side in f["sides"]:
        sgn = SIDE_SIGN[side]
        lcx, lcy, lax, lay = a["lung"][side]
        if kind == "effusion":
            d0 = a["dome"][side][0]
            hgt = {0: u(0.14, 0.2), 1: u(0.28, 0.38), 2: u(0.5, 0.65)}[sev_i]
            level = d0 + 0.08 - hgt
            rs, cs = fr.window(lcx - lax - 0.05, lcx + lax + 0.05, level - 0.2, d0 + 0.35)
            wpx, wpy = px[rs, cs], py[rs, cs]
            lt = np.clip((wpx - a["hilum"][side][0]) * (sgn / (lax * 1.3)), 0.0, 1.0)
            surface = level - 0.16 * lt * lt
            amt = _soft(wpy - surface, 0.04) * lung_soft[side][rs, cs]
            np.maximum(opaque[rs, cs], amt * 0.95, out=opaque[rs, cs])
            add[rs, cs] += 0.04 * amt
            mask = (amt > 0.5) & (field[side][rs, cs] > 0.3)
        elif kind == "pneumothorax":
            hx, hy = lcx - sgn * 0.45 * lax, lcy + 0.35 * lay  # medial-lower anchor
            fcol = {0: u(0.76, 0.82), 1: u(0.64, 0.72), 2: u(0.48, 0.56)}[sev_i]
            col = (hx + fcol * (lcx - hx), hy + fcol * (lcy - hy), fcol * lax, fcol * lay * 1.08)
            rs, cs = fr.window(lcx - lax - 0.02, lcx + lax + 0.02, lcy - lay - 0.02, lcy + lay)
            wpx, wpy = px[rs, cs], py[rs, cs]
            fc = _ellipse_f(wpx, wpy, col)
            outside = _soft(fc - 1.0, 0.06)
            lung_w = lung_soft[side][rs, cs] * above[side][rs, cs]
            amt = outside * lung_w * (1.0 - heart[rs, cs])
            np.maximum(ptx_amt[rs, cs], amt, out=ptx_amt[rs, cs])
            line = np.exp(-(((fc - 1.0) * (1.0 / 0.035)) ** 2)) * lung_w
            add[rs, cs] += 0.13 * line
            # collapsed lung is denser
            np.maximum(opaque[rs, cs], 0.18 * (1.0 - outside) * lung_w, out=opaque[rs, cs])
            mask = (amt > 0.5) & (field[side][rs, cs] > 0.3)
        elif kind == "consolidation":
            y0, y1 = _lung_zone_y(a, side, f["lobe"])
            if f["lobe"] == "middle":
                x_in, x_out = lcx + sgn * 0.05 * lax, lcx - sgn * 0.75 * lax  # medial part (right only)
            else:
                x_in, x_out = lcx - lax * 0.85, lcx + lax * 0.85
            xa, xb = min(x_in, x_out), max(x_in, x_out)
            nb = {0: 2, 1: 3, 2: 5}[sev_i] + int(rng.integers(0, 2))
            rad = {0: 0.085, 1: 0.11, 2: 0.14}[sev_i]
            rs, cs = fr.window(xa - 0.15, xb + 0.15, y0 - 0.15, y1 + 0.15)
            wpx, wpy = px[rs, cs], py[rs, cs]
            fld = np.zeros_like(wpx)
            cxs = u(xa + 0.3 * (xb - xa) * 0.5, xb - 0.3 * (xb - xa) * 0.5)
            cys = u(y0 + 0.25 * (y1 - y0), y1 - 0.25 * (y1 - y0))
            for _ in range(nb):
                bx = float(np.clip(cxs + rng.normal(0, 0.35) * (xb - xa) * 0.5, xa, xb))
                by = float(np.clip(cys + rng.normal(0, 0.35) * (y1 - y0) * 0.5, y0, y1))
                rr = rad * u(0.7, 1.2)
                fld += np.exp(-((wpx - bx) ** 2 + (wpy - by) ** 2) * (1.0 / (rr * rr)))
            hgt, wdt = wpx.shape
            fld += 0.18 * smooth_noise(rng, hgt, wdt, cell=0.04 * fr.s)
            zone = _soft(wpy - (y0 - 0.05), 0.08) * _soft(y1 + 0.05 - wpy, 0.08)
            amt = _soft(fld - 0.3, 0.25) * zone * field[side][rs, cs]
            np.maximum(opaque[rs, cs], 0.88 * amt, out=opaque[rs, cs])
            add[rs, cs] += 0.05 * amt
            mask = amt > 0.5
        elif kind in ("nodule", "mass"):
            if kind == "nodule":
                rad = {0: u(0.05, 0.06), 1: u(0.06, 0.072), 2: u(0.072, 0.085)}[sev_i]
            else:
                rad = {0: u(0.10, 0.12), 1: u(0.12, 0.15), 2: u(0.15, 0.18)}[sev_i]
            x, y = _point_in_lung(rng, a, side, f.get("lobe", "upper"), rad * 1.1)
            rs, cs = fr.window(x - rad * 1.4, x + rad * 1.4, y - rad * 1.4, y + rad * 1.4)
            wpx, wpy = px[rs, cs] - x, py[rs, cs] - y
            d = np.sqrt(wpx * wpx + wpy * wpy)
            if kind == "mass":
                ang = np.arctan2(wpy, wpx)
                rr = rad * (1.0 + 0.09 * np.sin(3.0 * ang + u(0, 6.3)) + 0.05 * np.sin(5.0 * ang + u(0, 6.3)))
            else:
                rr = rad
            amt = _soft(rr - d, 0.3 * rad)
            np.maximum(opaque[rs, cs], 0.75 * amt, out=opaque[rs, cs])
            add[rs, cs] += 0.2 * amt
            mask = amt > 0.5
        elif kind == "atelectasis":
            d0 = a["dome"][side][0]
            thick = {0: 0.03, 1: 0.038, 2: 0.048}[sev_i]
            length = {0: u(0.28, 0.36), 1: u(0.34, 0.44), 2: u(0.4, 0.5)}[sev_i]
            ym = d0 - u(0.12, 0.2)
            xm = lcx + sgn * u(0.0, 0.15) * lax
            ang = math.radians(u(-14, 14))
            p0 = (xm - 0.5 * length * math.cos(ang), ym - 0.5 * length * math.sin(ang))
            p1 = (xm + 0.5 * length * math.cos(ang), ym + 0.5 * length * math.sin(ang))
            rs, cs = fr.window(xm - length, xm + length, ym - 0.3, d0 + 0.2)
            wpx, wpy = px[rs, cs], py[rs, cs]
            dist = _segment_dist(wpx, wpy, p0, p1)
            band = _soft(thick - dist, 0.5 * thick)
            # large: wedge of collapsed lung between the band and the dome
            if sev_i == 2:
                under = _soft(wpy - (ym + 0.02), 0.03) * _soft(0.5 * length - np.abs(wpx - xm), 0.03)
                band = np.maximum(band, 0.8 * under)
            amt = band * field[side][rs, cs]
            np.maximum(opaque[rs, cs], 0.92 * amt, out=opaque[rs, cs])
            add[rs, cs] += 0.05 * amt
            mask = amt > 0.5
        elif kind == "edema":
            hx, hy = a["hilum"][side]
            amp = {0: 0.75, 1: 0.88, 2: 1.0}[sev_i]
            sx, sy = lax * 0.85, lay * 0.6
            rs, cs = fr.window(hx - 2 * sx, hx + 2 * sx, hy - 2 * sy, hy + 2 * sy)
            wpx, wpy = px[rs, cs], py[rs, cs]
            hz = amp * np.exp(-(((wpx - hx) / sx) ** 2 + ((wpy - hy) / sy) ** 2))
            hgt, wdt = wpx.shape
            hz *= 1.0 + 0.15 * smooth_noise(rng, hgt, wdt, cell=0.06 * fr.s)
            amt = hz * field[side][rs, cs]
            np.maximum(opaque[rs, cs], 0.8 * amt, out=opaque[rs, cs])
            add[rs, cs] += 0.04 * amt
            mask = amt > 0.4
        else:
            raise ValueError(f"unknown finding kind {kind!r}")
        parts.append(Part(i, side, rs.start, cs.start, np.ascontiguousarray(mask)))
    return parts


# ---------------------------------------------------------------------------------------------
# lateral view (no masks)
# ---------------------------------------------------------------------------------------------


def render_lateral(spec: dict, rng: np.random.Generator, max_internal: int = 256) -> np.ndarray:
    """Simple lateral silhouette: anterior on the image left, spine on the right."""
    h, w = _internal_size(spec["height"], spec["width"], max_internal)
    findings = spec["findings"]
    u = rng.uniform
    s = min(h, w) * u(0.44, 0.48)
    fr = Frame(h, w, s, w / 2.0 + u(-0.03, 0.03) * w, h / 2.0 + u(0.0, 0.05) * h + 0.08 * s, math.radians(u(-4, 4)))
    px, py = fr.px, fr.py
    kinds = {f["kind"]: f for f in findings}

    bx2 = px * px
    by2 = ((py - 0.15) * (1.0 / 1.3)) ** 2
    body = _soft(1.0 - bx2 * bx2 - by2 * by2, 0.06)
    img = 0.04 + body * u(0.40, 0.46)
    lung = _soft(1.0 - _ellipse_f(px, py, (0.02, -0.05, 0.72, 0.78)), 0.06)
    dome = 0.5 + 0.35 * (px - 0.0) ** 2 - 0.08 * px
    above = _soft(dome - py, 0.015)
    cm = kinds.get("cardiomegaly")
    hs = 1.0 if cm is None else {"small": 1.15, "moderate": 1.25, "large": 1.35}[cm["severity"]]
    heart = _soft(1.0 - _ellipse_f(px, py, (-0.28 - 0.05 * (hs - 1), 0.3, 0.3 * hs, 0.27 * hs)), 0.08)
    spine_x = 0.62
    spine = _soft(0.11 - np.abs(px - spine_x), 0.02) * body
    vert = 0.6 + 0.4 * (np.cos(py * (2.0 * math.pi / 0.13)) > -0.6)
    field = lung * above * (1.0 - heart) * (1.0 - spine)
    opaque = np.zeros_like(img)
    if "effusion" in kinds:
        sev_i = {"small": 0, "moderate": 1, "large": 2}[kinds["effusion"]["severity"]]
        level = 0.45 - 0.12 * sev_i - 0.08 * np.clip(px - 0.1, 0.0, 1.0)
        np.maximum(opaque, _soft(py - level, 0.04) * lung, out=opaque)
    if "consolidation" in kinds:
        y = {"upper": -0.45, "middle": 0.05, "lower": 0.3}[kinds["consolidation"]["lobe"]]
        blob = np.exp(-((px - u(-0.1, 0.3)) ** 2 + (py - y) ** 2) * (1.0 / 0.02))
        np.maximum(opaque, 0.85 * _soft(blob - 0.3, 0.3), out=opaque)
    if "edema" in kinds:
        np.maximum(opaque, 0.5 * np.exp(-((px - 0.1) ** 2 + (py + 0.05) ** 2) * (1.0 / 0.12)), out=opaque)
    for kind in ("nodule", "mass"):
        if kind in kinds:
            r = 0.055 if kind == "nodule" else 0.14
            x, y = u(-0.3, 0.3), {"upper": -0.4, "middle": 0.0, "lower": 0.25}.get(kinds[kind].get("lobe"), 0.0)
            np.maximum(opaque, 0.8 * _soft(r - np.sqrt((px - x) ** 2 + (py - y) ** 2), 0.3 * r), out=opaque)
    nz = smooth_noise(rng, h, w, cell=0.05 * s)
    markings = np.clip(1.0 - np.abs(nz) * 3.5, 0.0, 1.0) * 0.3
    img += 0.1 * np.maximum(heart, (1.0 - above) * body)
    img -= u(0.26, 0.32) * field * (1.0 - markings) * (1.0 - opaque)
    img += 0.12 * spine * vert
    img += 0.08 * _soft(0.03 - np.abs(px + 0.78 - 0.05 * py), 0.01) * _soft(0.45 - np.abs(py + 0.1), 0.05)  # sternum
    # arms raised in front of the upper chest
    img += 0.06 * _soft(0.2 - np.abs(py + 0.85 + 0.2 * px), 0.1) * body
    img += 0.04 * smooth_noise(rng, h, w, cell=0.5 * s) * body
    contrast, bright, gamma = u(0.85, 1.15), u(-0.05, 0.05), u(0.8, 1.25)
    img = np.clip((img - 0.3) * contrast + 0.3 + bright, 0.0, 1.0) ** gamma
    return _finish(img.astype(F32, copy=False), rng, spec["height"], spec["width"])
