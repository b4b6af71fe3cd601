"""MS-CXR: one phrase and its boxes per finding of the MIMIC "test" frontal images (nodules / masses excluded)."""

from __future__ import annotations

from ..plan import Plan
from .common import write_csv, write_json, xywh

MS_CXR_COLUMNS = ("dicom_id", "category_name", "label_text", "path", "x", "y", "w", "h", "image_width", "image_height")


def write_ms_cxr(plan: Plan, res: dict) -> dict:
    """``ms-cxr/MS_CXR_Local_Alignment_v1.0.0.csv`` (one row per box) and ``truth/ms_cxr.json`` (one per phrase)."""
    rows, truth = [], []
    for st in plan.mimic_studies:
        if st["split"] != "test":
            continue
        phrases = st["report"]["phrases"]
        for im in st["images"]:
            if not im["frontal"]:
                continue
            r = res[im["key"]]
            for i, f in enumerate(st["findings"]):
                text, cat = phrases[i]
                boxes = [xywh(q["box"]) for q in r["parts"] if q["finding"] == i]
                if not cat or not boxes:
                    continue
                for b in boxes:
                    rows.append([im["dicom_id"], cat, text, im["path"], *b, im["width"], im["height"]])
                truth.append({"dicom_id": im["dicom_id"], "label_text": text, "category_name": cat,
                              "kind": f.kind, "sides": list(f.sides), "boxes": boxes,
                              "image_width": im["width"], "image_height": im["height"]})
    write_csv(plan.root / "ms-cxr/MS_CXR_Local_Alignment_v1.0.0.csv", MS_CXR_COLUMNS, rows)
    write_json(plan.root / "truth/ms_cxr.json", truth)
    return {"ms_cxr_images": len({t["dicom_id"] for t in truth}), "ms_cxr_phrases": len(truth),
            "ms_cxr_boxes": len(rows)}
