"""SIIM-ACR pneumothorax: DICOMs, ``train-rle.csv`` (one row per pneumothorax region) and split lists."""

from __future__ import annotations

import io

import numpy as np

from ..plan import Plan
from ..spec import true_labels
from .common import findings_truth, photometric, write_csv, write_json


def write_siim(plan: Plan, res: dict) -> dict:
    """``siim/train-rle.csv``, ``siim/splits/{validation,test}.txt`` (+ ``train.txt`` with ``n_siim_train``), ``truth/siim.json`` and ``truth/siim_masks.npz``."""
    root = plan.root
    rows, truth, masks = [], [], {}
    for rec in plan.siim:
        r = res[rec["key"]]
        rles = r["rles"]
        for rle in rles or ["-1"]:
            rows.append([rec["ImageId"], f" {rle}"])
        h, w = rec["height"], rec["width"]
        masks[rec["ImageId"]] = np.unpackbits(r["mask"], count=h * w).reshape(h, w).astype(bool)  # (H, W)
        truth.append({"ImageId": rec["ImageId"], "path": rec["path"], "split": rec["split"], "positive": bool(rles),
                      "n_regions": len(rles), "width": w, "height": h, "photometric": photometric(rec["meta"]),
                      "labels": true_labels(rec["findings"]), "findings": findings_truth(rec["findings"], r)})
    write_csv(root / "siim/train-rle.csv", ("ImageId", " EncodedPixels"), rows)
    for split in ("validation", "test", *(("train",) if plan.p["n_siim_train"] else ())):
        ids = [rec["ImageId"] for rec in plan.siim if rec["split"] == split]
        (root / "siim/splits").mkdir(parents=True, exist_ok=True)
        (root / "siim/splits" / f"{split}.txt").write_text("".join(i + "\n" for i in ids), encoding="utf-8")
    write_json(root / "truth/siim.json", truth)
    buf = io.BytesIO()
    np.savez_compressed(buf, **masks)
    (root / "truth").mkdir(parents=True, exist_ok=True)
    (root / "truth/siim_masks.npz").write_bytes(buf.getvalue())
    return {"siim": len(plan.siim), "siim_positive": sum(bool(res[r["key"]]["rles"]) for r in plan.siim)}
