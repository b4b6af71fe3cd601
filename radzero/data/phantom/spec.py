"""Finding vocabulary, label sets of the public datasets, and random findings (``Finding`` records)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from radzero.data.readers.chexpert import CHEXPERT_LABELS

from .finding import Finding

KINDS = ("cardiomegaly", "effusion", "pneumothorax", "consolidation", "nodule", "mass", "atelectasis", "edema")
SEVERITIES = ("small", "moderate", "large")

COMPETITION_KIND = {
    "Atelectasis": "atelectasis",
    "Cardiomegaly": "cardiomegaly",
    "Consolidation": "consolidation",
    "Edema": "edema",
    "Pleural Effusion": "effusion",
}
MS_CXR_CATEGORIES = (
    "Atelectasis",
    "Cardiomegaly",
    "Consolidation",
    "Edema",
    "Lung Opacity",
    "Pleural Effusion",
    "Pneumonia",
    "Pneumothorax",
)
MS_CXR_KINDS = ("cardiomegaly", "effusion", "pneumothorax", "consolidation", "atelectasis", "edema")
CHESTXDET10_CLASSES = (
    "Atelectasis",
    "Calcification",
    "Consolidation",
    "Effusion",
    "Emphysema",
    "Fibrosis",
    "Fracture",
    "Mass",
    "Nodule",
    "Pneumothorax",
)
# the ChestX-Det10 classes the phantom renders (Calcification, Emphysema, Fibrosis, Fracture never occur)
CHESTXDET10_KIND = {
    "atelectasis": "Atelectasis",
    "consolidation": "Consolidation",
    "effusion": "Effusion",
    "mass": "Mass",
    "nodule": "Nodule",
    "pneumothorax": "Pneumothorax",
}
LATERALIZED = ("effusion", "pneumothorax", "consolidation", "nodule", "mass", "atelectasis")
# words that identify a finding's kind in a sentence (for consistency checks)
FINDING_KEYWORDS = {
    "cardiomegaly": ("cardiomegaly", "cardiac silhouette", "heart"),
    "effusion": ("pleural effusion",),
    "pneumothorax": ("pneumothorax",),
    "consolidation": ("consolidation", "pneumonia", "opacity"),
    "nodule": ("nodule",),
    "mass": ("mass",),
    "atelectasis": ("atelectasis",),
    "edema": ("edema",),
}


def true_labels(findings: Sequence[Finding]) -> dict[str, int]:
    """The 14 CheXpert observations as 0/1 from the rendered findings (no uncertainty)."""
    kinds = {f.kind for f in findings}
    pneumonia = any(f.kind == "consolidation" and f.term == "pneumonia" for f in findings)
    lab = {k: 0 for k in CHEXPERT_LABELS}
    lab["Atelectasis"] = int("atelectasis" in kinds)
    lab["Cardiomegaly"] = int("cardiomegaly" in kinds)
    lab["Enlarged Cardiomediastinum"] = int("cardiomegaly" in kinds)
    lab["Consolidation"] = int("consolidation" in kinds)
    lab["Edema"] = int("edema" in kinds)
    lab["Lung Lesion"] = int(bool(kinds & {"nodule", "mass"}))
    lab["Lung Opacity"] = int(bool(kinds & {"consolidation", "atelectasis", "edema", "nodule", "mass"}))
    lab["Pleural Effusion"] = int("effusion" in kinds)
    lab["Pneumonia"] = int(pneumonia)
    lab["Pneumothorax"] = int("pneumothorax" in kinds)
    lab["No Finding"] = int(not findings)
    return lab


# ---------------------------------------------------------------------------------------------
# sampling
# ---------------------------------------------------------------------------------------------

_KIND_WEIGHTS = {
    "cardiomegaly": 1.0,
    "effusion": 1.2,
    "pneumothorax": 0.6,
    "consolidation": 1.1,
    "nodule": 0.5,
    "mass": 0.35,
    "atelectasis": 0.8,
    "edema": 0.6,
}
_UNCERTAIN_KINDS = ("consolidation", "atelectasis", "edema", "effusion", "nodule")


def _choice(rng: np.random.Generator, items, p=None):
    return items[int(rng.choice(len(items), p=p))]


def _sides(rng, kind: str, taken: dict) -> list[str]:
    if kind == "cardiomegaly":
        return []
    if kind == "edema":
        return ["right", "left"]
    p = {
        "effusion": (0.35, 0.35, 0.30),
        "pneumothorax": (0.47, 0.47, 0.06),
        "atelectasis": (0.32, 0.33, 0.35),
    }.get(kind, (0.55, 0.45, 0.0))
    opts = [["right"], ["left"], ["right", "left"]]
    sides = _choice(rng, opts, p)
    # an effusion and a pneumothorax never share a side
    other = {"effusion": "pneumothorax", "pneumothorax": "effusion"}.get(kind)
    if other is not None:
        blocked = set(taken.get(other, ()))
        sides = [s for s in sides if s not in blocked]
    return sides


def _lobe(rng: np.random.Generator, kind: str, side: str) -> str | None:
    """Consolidation: the lobe of ``side``; nodule / mass: the lung zone; else None."""
    if kind == "consolidation":
        lobes = ("upper", "middle", "lower") if side == "right" else ("upper", "lower")
        return _choice(rng, lobes, (0.3, 0.2, 0.5) if side == "right" else (0.4, 0.6))
    if kind in ("nodule", "mass"):
        return _choice(rng, ("upper", "middle", "lower"), (0.5, 0.25, 0.25))
    return None


def _lesion_size(rng: np.random.Generator, kind: str, severity: str) -> int | float:
    """Report size of a nodule (mm) or mass (cm) of this severity."""
    i = SEVERITIES.index(severity)
    if kind == "nodule":
        return int(rng.integers((6, 10, 16)[i], (10, 16, 26)[i]))  # mm
    return round(float(rng.uniform((3.5, 4.5, 5.5)[i], (4.5, 5.5, 7.5)[i])), 1)  # cm


def make_finding(rng: np.random.Generator, kind: str, taken: dict | None = None, *, uncertain_p: float = 0.0,
                 change_p: float = 0.0, **fixed) -> Finding | None:
    """One random finding of ``kind`` (None if it cannot be placed next to ``taken``); ``fixed`` overrides fields."""
    taken = {} if taken is None else taken
    sides = _sides(rng, kind, taken)
    if kind != "cardiomegaly" and kind != "edema" and not sides:
        return None
    severity = _choice(rng, SEVERITIES, (0.4, 0.35, 0.25))
    lobe = _lobe(rng, kind, sides[0] if sides else "")
    term: str | None = None
    size: int | float | None = None
    if kind == "consolidation":
        if (sides[0], lobe) in taken.get("consolidation_lobes", ()):
            return None
        term = _choice(rng, ("consolidation", "pneumonia", "opacity"), (0.5, 0.3, 0.2))
    elif kind in ("nodule", "mass"):
        size = _lesion_size(rng, kind, severity)
    uncertain = bool(kind in _UNCERTAIN_KINDS and rng.random() < uncertain_p)
    change = None
    if rng.random() < change_p:
        change = _choice(rng, ("new", "unchanged", "increased", "decreased"), (0.3, 0.3, 0.2, 0.2))
    f = Finding(kind, tuple(sides), severity, lobe, term, uncertain, change, size)
    return replace(f, **fixed) if fixed else f


def _add(findings: list[Finding], taken: dict, f: Finding | None) -> bool:
    if f is None:
        return False
    findings.append(f)
    taken.setdefault(f.kind, set()).update(f.sides)
    if f.kind == "consolidation":
        taken.setdefault("consolidation_lobes", set()).add((f.sides[0], f.lobe))
    return True


def sample_findings(rng: np.random.Generator, profile: str, *, has_prior: bool = False) -> list[Finding]:
    """Random findings for one study.

    profile: ``mimic`` | ``mscxr`` | ``chexpert`` | ``5x200:<competition class>`` | ``chestxdet10`` |
    ``siim`` | ``rsna``.
    """
    findings: list[Finding] = []
    taken: dict = {}
    change_p = 0.5 if has_prior else 0.0
    if profile in ("mimic", "chexpert", "chestxdet10", "mscxr"):
        if profile == "chestxdet10":
            pool = tuple(CHESTXDET10_KIND)
        elif profile == "mscxr":
            pool = MS_CXR_KINDS
        else:
            pool = KINDS
        if profile != "mscxr" and rng.random() < 0.2:
            return findings
        n = int(rng.choice([1, 2, 3], p=[0.5, 0.32, 0.18] if profile != "mscxr" else [0.7, 0.25, 0.05]))
        unc = 0.12 if profile == "mimic" else 0.0
        weights = np.array([_KIND_WEIGHTS[k] for k in pool])
        for _ in range(12):
            if len(findings) >= n:
                break
            kind = _choice(rng, pool, weights / weights.sum())
            if kind != "consolidation" and kind in taken:
                continue
            if kind in ("nodule", "mass") and (taken.keys() & {"nodule", "mass"}):
                continue
            _add(findings, taken, make_finding(rng, kind, taken, uncertain_p=unc, change_p=change_p))
        return findings
    if profile.startswith("5x200:"):
        cls = profile.split(":", 1)[1]
        _add(findings, taken, make_finding(rng, COMPETITION_KIND[cls], taken))
        if rng.random() < 0.15:
            _add(findings, taken, make_finding(rng, _choice(rng, ("pneumothorax", "nodule", "mass")), taken))
        return findings
    if profile == "siim":
        if rng.random() < 0.35:
            _add(findings, taken, make_finding(rng, "pneumothorax", taken))
        if rng.random() < 0.25:
            _add(findings, taken, make_finding(rng, _choice(rng, ("effusion", "nodule", "cardiomegaly", "atelectasis")), taken))
        return findings
    if profile == "rsna":
        if rng.random() < 0.35:
            _add(findings, taken, make_finding(rng, "consolidation", taken, term="pneumonia"))
            if rng.random() < 0.3:
                for _ in range(4):
                    if _add(findings, taken, make_finding(rng, "consolidation", taken, term="pneumonia")):
                        break
        if rng.random() < 0.2:
            _add(findings, taken, make_finding(rng, _choice(rng, ("effusion", "cardiomegaly", "nodule")), taken))
        return findings
    raise ValueError(f"unknown findings profile {profile!r}")
