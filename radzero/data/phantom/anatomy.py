"""Random normal-variant chest anatomy in patient coordinates, and where lung zones lie."""

from __future__ import annotations

import numpy as np

from .finding import Finding
from .geometry import SIDE_SIGN, dome_y, ellipse_f


def sample_anatomy(rng: np.random.Generator, findings: list[Finding], view: str) -> dict:
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
    cm = next((f for f in findings if f.kind == "cardiomegaly"), None)
    if cm is None:
        ctr = u(0.40, 0.47)
    else:
        ctr = {"small": u(0.56, 0.60), "moderate": u(0.61, 0.66), "large": u(0.67, 0.72)}[cm.severity]
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


def lung_zone_y(a: dict, side: str, zone: str) -> tuple[float, float]:
    """Vertical extent (y0, y1) of the upper / middle / lower zone of one lung."""
    _, cy, _, ay = a["lung"][side]
    top = cy - ay
    base = a["dome"][side][0]
    hgt = base - top
    return {
        "upper": (top + 0.12 * hgt, top + 0.45 * hgt),
        "middle": (top + 0.45 * hgt, top + 0.70 * hgt),
        "lower": (top + 0.66 * hgt, base + 0.04),
    }[zone]


def point_in_lung(rng: np.random.Generator, a: dict, side: str, zone: str, margin: float,
                  avoid_heart: bool = True) -> tuple[float, float]:
    """Random patient-space point inside the lung zone, at least ``margin`` from its border."""
    cx, cy, ax, ay = a["lung"][side]
    y0, y1 = lung_zone_y(a, side, zone)
    sgn = SIDE_SIGN[side]
    for _ in range(200):
        x = cx + rng.uniform(-0.8, 0.8) * ax
        y = rng.uniform(y0, y1)
        if ((x - cx) / (ax - margin)) ** 2 + ((y - cy) / (ay - margin)) ** 2 >= 1.0:
            continue
        if y > dome_y(x, a["dome"][side]) - margin:
            continue
        if abs(x - a["med"][0]) < a["med"][1] + margin:
            continue
        if avoid_heart and ellipse_f(x, y, a["heart"]) < (1.0 + 2.5 * margin) ** 2:
            continue
        if sgn * x < 0.12 + margin:
            continue
        return x, y
    # fallback: centre of the zone in the lateral half of the lung
    return cx + sgn * 0.3 * ax, 0.5 * (y0 + y1)
