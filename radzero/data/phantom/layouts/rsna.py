"""RSNA pneumonia: DICOMs and ``{test,validation}.csv`` (one box per consolidation lobe, "x;y;w;h|...")."""

from __future__ import annotations

from ..plan import Plan
from ..spec import true_labels
from .common import findings_truth, photometric, write_csv, write_json, xywh

RSNA_COLUMNS = ("ID", "img_path", "boxes", "class")


def write_rsna(plan: Plan, res: dict) -> dict:
    """``rsna/test.csv``, ``rsna/validation.csv`` (+ ``train.csv`` with ``n_rsna_train``; IDs count per file) and
    ``truth/rsna.json``."""
    files: dict[str, list] = {"test": [], "validation": [], **({"train": []} if plan.p["n_rsna_train"] else {})}
    truth = []
    for rec in plan.rsna:
        r = res[rec["key"]]
        boxes = [xywh(q["box"]) for q in r["parts"] if rec["findings"][q["finding"]].kind == "consolidation"]
        files[rec["split"]].append((rec, boxes))
    for split, items in files.items():
        rows = []
        for i, (rec, boxes) in enumerate(items):
            btxt = "|".join(";".join(f"{float(v):.1f}" for v in b) for b in boxes)
            rows.append([i, rec["img_path"], btxt, int(bool(boxes))])
            truth.append({"ID": i, "uuid": rec["uuid"], "img_path": rec["img_path"], "split": split,
                          "class": int(bool(boxes)), "boxes": boxes, "width": rec["width"], "height": rec["height"],
                          "photometric": photometric(rec["meta"]), "labels": true_labels(rec["findings"]),
                          "findings": findings_truth(rec["findings"], res[rec["key"]])})
        write_csv(plan.root / f"rsna/{split}.csv", RSNA_COLUMNS, rows)
    write_json(plan.root / "truth/rsna.json", truth)
    return {"rsna": len(plan.rsna), "rsna_positive": sum(t["class"] for t in truth)}
