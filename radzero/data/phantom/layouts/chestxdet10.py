"""ChestX-Det10: square PNGs in ``test_data/`` and ``test.json`` (class names and [x1, y1, x2, y2] boxes)."""

from __future__ import annotations

from ..plan import Plan
from ..spec import CHESTXDET10_KIND, true_labels
from .common import findings_truth, write_json


def write_chestxdet10(plan: Plan, res: dict) -> dict:
    """``chestxdet10/test.json`` and ``truth/chestxdet10.json``: one box per finding part."""
    entries, truth = [], []
    for rec in plan.chestxdet10:
        r = res[rec["key"]]
        syms, boxes = [], []
        for q in r["parts"]:
            syms.append(CHESTXDET10_KIND[rec["findings"][q["finding"]].kind])
            boxes.append(list(q["box"]))
        entries.append({"file_name": rec["file_name"], "syms": syms, "boxes": boxes})
        truth.append({"file_name": rec["file_name"], "width": rec["width"], "height": rec["height"], "syms": syms,
                      "boxes": boxes, "labels": true_labels(rec["findings"]),
                      "findings": findings_truth(rec["findings"], r)})
    write_json(plan.root / "chestxdet10/test.json", entries)
    write_json(plan.root / "truth/chestxdet10.json", truth)
    return {"chestxdet10": len(entries)}
