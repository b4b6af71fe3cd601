"""CheXpert: the test set (``groundtruth.csv``) and the 5x200 competition subset (``chexpert_5x200.csv``)."""

from __future__ import annotations

from radzero.data.readers.chexpert import CHEXPERT_LABELS, CHEXPERT_TRAIN_COLUMNS

from ..plan import Plan
from ..spec import true_labels
from .common import findings_truth, write_csv, write_json

GROUNDTRUTH_COLUMNS = ("Study",) + CHEXPERT_LABELS
CHEXPERT_5X200_COLUMNS = ("Path", "Sex", "Age", "Frontal/Lateral", "AP/PA") + CHEXPERT_TRAIN_COLUMNS


def write_chexpert(plan: Plan, res: dict) -> dict:
    """Both CSVs and ``truth/chexpert_test.json`` / ``truth/chexpert_5x200.json``."""
    root = plan.root
    rows, truth = [], []
    for rec in plan.chexpert_test:
        lab = true_labels(rec["findings"])
        rows.append([rec["study"]] + [lab[k] for k in CHEXPERT_LABELS])
        truth.append({"study": rec["study"], "path": rec["path"], "width": rec["width"], "height": rec["height"],
                      "labels": lab, "findings": findings_truth(rec["findings"], res[rec["key"]])})
    write_csv(root / "chexpert/groundtruth.csv", GROUNDTRUTH_COLUMNS, rows)
    write_json(root / "truth/chexpert_test.json", truth)
    rows, truth = [], []
    for rec in plan.chexpert_5x200:
        lab = true_labels(rec["findings"])
        rows.append([rec["path"], rec["sex"], rec["age"], "Frontal", rec["view"]] +
                    [f"{float(lab[k]):.1f}" for k in CHEXPERT_TRAIN_COLUMNS])
        truth.append({"path": rec["path"], "class": rec["class"], "width": rec["width"], "height": rec["height"],
                      "labels": lab, "findings": findings_truth(rec["findings"], res[rec["key"]])})
    if plan.chexpert_5x200 or plan.p["n_5x200_per_class"] == 0:
        write_csv(root / "chexpert/chexpert_5x200.csv", CHEXPERT_5X200_COLUMNS, rows)
    write_json(root / "truth/chexpert_5x200.json", truth)
    return {"chexpert_test": len(plan.chexpert_test), "chexpert_5x200": len(plan.chexpert_5x200)}
