"""Generator parameters: the defaults and their validation."""

from __future__ import annotations

DEFAULTS: dict = {
    "n_train": 2000,  # MIMIC training studies
    "seed": 0,
    "n_validate": 100,  # MIMIC "validate" studies
    "n_mscxr": 150,  # MIMIC "test" studies, every frontal image in MS-CXR
    "n_chexpert_test": 200,
    "n_5x200_per_class": 40,
    "n_chestxdet10": 200,
    "n_siim": 200,
    "n_rsna": 200,
    "n_siim_train": 0,  # SIIM / RSNA "train" split images (fine-tuning, python -m radzero.finetune)
    "n_rsna_train": 0,
    "min_size": 320,  # long side of MIMIC / CheXpert images
    "max_size": 640,
    "lateral_frac": 0.35,  # share of MIMIC studies with a lateral view
    "det_size": 512,  # ChestX-Det10 PNGs are square
    "dicom_size": 512,  # SIIM / RSNA DICOMs are square (the real ones are 1024)
    "max_internal": 256,  # anatomy is rendered at most this size, then upsampled
}


def normalize_params(n_train: int = DEFAULTS["n_train"], seed: int = DEFAULTS["seed"], **sizes) -> dict:
    """Full generator parameters (defaults filled in). ``workers`` is not a parameter of the data."""
    sizes.pop("workers", None)
    unknown = set(sizes) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown phantom parameter(s): {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    p = dict(DEFAULTS)
    p.update(sizes)
    p["n_train"], p["seed"] = n_train, seed
    out = {}
    for k, v in p.items():
        out[k] = float(v) if k == "lateral_frac" else int(v)
        if k != "seed" and out[k] < 0:
            raise ValueError(f"phantom parameter {k} must be >= 0, got {v}")
    if not 0.0 <= out["lateral_frac"] <= 1.0:
        raise ValueError("lateral_frac must be in [0, 1]")
    if out["min_size"] < 32 or out["max_size"] < out["min_size"]:
        raise ValueError("need 32 <= min_size <= max_size")
    for k in ("det_size", "dicom_size", "max_internal"):
        if out[k] < 32:
            raise ValueError(f"{k} must be >= 32")
    return out
