"""Finding shapes on a frontal view: one drawing function per finding kind.

Each function draws one side of a finding into the scene's layers (``opaque`` removes lung
lucency, ``add`` brightens, ``ptx_amt`` removes lung markings) inside a pixel window, and
returns that window with the finding's mask in it. Random draws happen in a fixed order per
kind (the images are reproducible from their seeds).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .anatomy import lung_zone_y, point_in_lung
from .finding import Finding
from .geometry import (
    SEVERITY_INDEX,
    SIDE_SIGN,
    Frame,
    Part,
    ellipse_f,
    segment_dist,
    smooth_noise,
    soft,
)

Window = tuple[slice, slice]


@dataclass
class Scene:
    """A frontal view being drawn: its frame, anatomy, thorax masks and the layers findings write."""

    frame: Frame
    anatomy: dict
    field: dict[str, np.ndarray]  # side -> (h, w) visible aerated lung
    lung_soft: dict[str, np.ndarray]  # side -> (h, w) soft lung ellipse
    above: dict[str, np.ndarray]  # side -> (h, w) above the diaphragm dome
    heart: np.ndarray  # (h, w)
    opaque: np.ndarray  # (h, w) 0..1, removes lucency (fluid / airspace disease)
    add: np.ndarray  # (h, w) extra brightness
    ptx_amt: np.ndarray | None  # (h, w) pneumothorax amount; None when the study has none


def _effusion(sc: Scene, f: Finding, side: str, sev_i: int, rng: np.random.Generator) -> tuple[Window, np.ndarray]:
    """Bright basal meniscus, higher laterally."""
    a, fr, u, sgn = sc.anatomy, sc.frame, rng.uniform, SIDE_SIGN[side]
    lcx, _, lax, _ = a["lung"][side]
    d0 = a["dome"][side][0]
    hgt = {0: u(0.14, 0.2), 1: u(0.28, 0.38), 2: u(0.5, 0.65)}[sev_i]  # draws all three
    level = d0 + 0.08 - hgt
    rs, cs = fr.window(lcx - lax - 0.05, lcx + lax + 0.05, level - 0.2, d0 + 0.35)
    wpx, wpy = fr.px[rs, cs], fr.py[rs, cs]
    lt = np.clip((wpx - a["hilum"][side][0]) * (sgn / (lax * 1.3)), 0.0, 1.0)
    surface = level - 0.16 * lt * lt
    amt = soft(wpy - surface, 0.04) * sc.lung_soft[side][rs, cs]
    np.maximum(sc.opaque[rs, cs], amt * 0.95, out=sc.opaque[rs, cs])
    sc.add[rs, cs] += 0.04 * amt
    return (rs, cs), (amt > 0.5) & (sc.field[side][rs, cs] > 0.3)


def _pneumothorax(sc: Scene, f: Finding, side: str, sev_i: int, rng: np.random.Generator) -> tuple[Window, np.ndarray]:
    """Black rim without markings around a collapsed (denser) lung, with a visible pleural line."""
    a, fr, u, sgn = sc.anatomy, sc.frame, rng.uniform, SIDE_SIGN[side]
    lcx, lcy, lax, lay = a["lung"][side]
    hx, hy = lcx - sgn * 0.45 * lax, lcy + 0.35 * lay  # medial-lower anchor
    fcol = {0: u(0.76, 0.82), 1: u(0.64, 0.72), 2: u(0.48, 0.56)}[sev_i]  # draws all three
    col = (hx + fcol * (lcx - hx), hy + fcol * (lcy - hy), fcol * lax, fcol * lay * 1.08)
    rs, cs = fr.window(lcx - lax - 0.02, lcx + lax + 0.02, lcy - lay - 0.02, lcy + lay)
    wpx, wpy = fr.px[rs, cs], fr.py[rs, cs]
    fc = ellipse_f(wpx, wpy, col)
    outside = soft(fc - 1.0, 0.06)
    lung_w = sc.lung_soft[side][rs, cs] * sc.above[side][rs, cs]
    amt = outside * lung_w * (1.0 - sc.heart[rs, cs])
    np.maximum(sc.ptx_amt[rs, cs], amt, out=sc.ptx_amt[rs, cs])
    line = np.exp(-(((fc - 1.0) * (1.0 / 0.035)) ** 2)) * lung_w
    sc.add[rs, cs] += 0.13 * line
    # collapsed lung is denser
    np.maximum(sc.opaque[rs, cs], 0.18 * (1.0 - outside) * lung_w, out=sc.opaque[rs, cs])
    return (rs, cs), (amt > 0.5) & (sc.field[side][rs, cs] > 0.3)


def _consolidation(sc: Scene, f: Finding, side: str, sev_i: int, rng: np.random.Generator) -> tuple[Window, np.ndarray]:
    """Bright patchy region (a few Gaussian blobs plus noise) inside one lobe's zone."""
    a, fr, u, sgn = sc.anatomy, sc.frame, rng.uniform, SIDE_SIGN[side]
    lcx, _, lax, _ = a["lung"][side]
    y0, y1 = lung_zone_y(a, side, f.lobe)
    if f.lobe == "middle":
        x_in, x_out = lcx + sgn * 0.05 * lax, lcx - sgn * 0.75 * lax  # medial part (right only)
    else:
        x_in, x_out = lcx - lax * 0.85, lcx + lax * 0.85
    xa, xb = min(x_in, x_out), max(x_in, x_out)
    nb = {0: 2, 1: 3, 2: 5}[sev_i] + int(rng.integers(0, 2))
    rad = {0: 0.085, 1: 0.11, 2: 0.14}[sev_i]
    rs, cs = fr.window(xa - 0.15, xb + 0.15, y0 - 0.15, y1 + 0.15)
    wpx, wpy = fr.px[rs, cs], fr.py[rs, cs]
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
    zone = soft(wpy - (y0 - 0.05), 0.08) * soft(y1 + 0.05 - wpy, 0.08)
    amt = soft(fld - 0.3, 0.25) * zone * sc.field[side][rs, cs]
    np.maximum(sc.opaque[rs, cs], 0.88 * amt, out=sc.opaque[rs, cs])
    sc.add[rs, cs] += 0.05 * amt
    return (rs, cs), amt > 0.5


def _lesion(sc: Scene, f: Finding, side: str, sev_i: int, rng: np.random.Generator) -> tuple[Window, np.ndarray]:
    """Nodule (small bright disc) or mass (large lobulated disc) in the finding's lung zone."""
    fr, u = sc.frame, rng.uniform
    if f.kind == "nodule":
        rad = {0: u(0.05, 0.06), 1: u(0.06, 0.072), 2: u(0.072, 0.085)}[sev_i]  # draws all three
    else:
        rad = {0: u(0.10, 0.12), 1: u(0.12, 0.15), 2: u(0.15, 0.18)}[sev_i]
    x, y = point_in_lung(rng, sc.anatomy, side, f.lobe or "upper", rad * 1.1)
    rs, cs = fr.window(x - rad * 1.4, x + rad * 1.4, y - rad * 1.4, y + rad * 1.4)
    wpx, wpy = fr.px[rs, cs] - x, fr.py[rs, cs] - y
    d = np.sqrt(wpx * wpx + wpy * wpy)
    if f.kind == "mass":
        ang = np.arctan2(wpy, wpx)
        rr = rad * (1.0 + 0.09 * np.sin(3.0 * ang + u(0, 6.3)) + 0.05 * np.sin(5.0 * ang + u(0, 6.3)))
    else:
        rr = rad
    amt = soft(rr - d, 0.3 * rad)
    np.maximum(sc.opaque[rs, cs], 0.75 * amt, out=sc.opaque[rs, cs])
    sc.add[rs, cs] += 0.2 * amt
    return (rs, cs), amt > 0.5


def _atelectasis(sc: Scene, f: Finding, side: str, sev_i: int, rng: np.random.Generator) -> tuple[Window, np.ndarray]:
    """Basal plate-like band; large: a wedge of collapsed lung between the band and the dome."""
    a, fr, u, sgn = sc.anatomy, sc.frame, rng.uniform, SIDE_SIGN[side]
    lcx, _, lax, _ = a["lung"][side]
    d0 = a["dome"][side][0]
    thick = {0: 0.03, 1: 0.038, 2: 0.048}[sev_i]
    length = {0: u(0.28, 0.36), 1: u(0.34, 0.44), 2: u(0.4, 0.5)}[sev_i]  # draws all three
    ym = d0 - u(0.12, 0.2)
    xm = lcx + sgn * u(0.0, 0.15) * lax
    ang = math.radians(u(-14, 14))
    p0 = (xm - 0.5 * length * math.cos(ang), ym - 0.5 * length * math.sin(ang))
    p1 = (xm + 0.5 * length * math.cos(ang), ym + 0.5 * length * math.sin(ang))
    rs, cs = fr.window(xm - length, xm + length, ym - 0.3, d0 + 0.2)
    wpx, wpy = fr.px[rs, cs], fr.py[rs, cs]
    dist = segment_dist(wpx, wpy, p0, p1)
    band = soft(thick - dist, 0.5 * thick)
    if sev_i == 2:
        under = soft(wpy - (ym + 0.02), 0.03) * soft(0.5 * length - np.abs(wpx - xm), 0.03)
        band = np.maximum(band, 0.8 * under)
    amt = band * sc.field[side][rs, cs]
    np.maximum(sc.opaque[rs, cs], 0.92 * amt, out=sc.opaque[rs, cs])
    sc.add[rs, cs] += 0.05 * amt
    return (rs, cs), amt > 0.5


def _edema(sc: Scene, f: Finding, side: str, sev_i: int, rng: np.random.Generator) -> tuple[Window, np.ndarray]:
    """Perihilar haze."""
    a, fr = sc.anatomy, sc.frame
    _, _, lax, lay = a["lung"][side]
    hx, hy = a["hilum"][side]
    amp = {0: 0.75, 1: 0.88, 2: 1.0}[sev_i]
    sx, sy = lax * 0.85, lay * 0.6
    rs, cs = fr.window(hx - 2 * sx, hx + 2 * sx, hy - 2 * sy, hy + 2 * sy)
    wpx, wpy = fr.px[rs, cs], fr.py[rs, cs]
    hz = amp * np.exp(-(((wpx - hx) / sx) ** 2 + ((wpy - hy) / sy) ** 2))
    hgt, wdt = wpx.shape
    hz *= 1.0 + 0.15 * smooth_noise(rng, hgt, wdt, cell=0.06 * fr.s)
    amt = hz * sc.field[side][rs, cs]
    np.maximum(sc.opaque[rs, cs], 0.8 * amt, out=sc.opaque[rs, cs])
    sc.add[rs, cs] += 0.04 * amt
    return (rs, cs), amt > 0.4


_DRAW: dict[str, Callable[[Scene, Finding, str, int, np.random.Generator], tuple[Window, np.ndarray]]] = {
    "effusion": _effusion,
    "pneumothorax": _pneumothorax,
    "consolidation": _consolidation,
    "nodule": _lesion,
    "mass": _lesion,
    "atelectasis": _atelectasis,
    "edema": _edema,
}


def _heart_part(i: int, heart: np.ndarray) -> Part:
    """Cardiomegaly: the enlarged heart (already in the anatomy) is the finding's one part."""
    mask = heart > 0.5
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    r0, c0 = rows[0], cols[0]
    return Part(i, None, int(r0), int(c0), mask[r0 : rows[-1] + 1, c0 : cols[-1] + 1].copy())


def draw_finding(i: int, f: Finding, sc: Scene, rng: np.random.Generator) -> list[Part]:
    """Draw finding number ``i`` into the scene's layers (in place) and return its parts (one per side)."""
    if f.kind == "cardiomegaly":
        return [_heart_part(i, sc.heart)]
    sev_i = SEVERITY_INDEX[f.severity]
    parts: list[Part] = []
    for side in f.sides:
        draw = _DRAW.get(f.kind)
        if draw is None:
            raise ValueError(f"unknown finding kind {f.kind!r}")
        (rs, cs), mask = draw(sc, f, side, sev_i, rng)
        parts.append(Part(i, side, rs.start, cs.start, np.ascontiguousarray(mask)))
    return parts
