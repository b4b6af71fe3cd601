"""radzero's own MIMIC json: ``radzero/radzero_mimic.json`` (one record per image: report sections, key phrases).

The images it points at, ``radzero/MIMIC-CXR/images/<dicom_id>.jpg``, are hard links the workers make.
"""

from __future__ import annotations

from ..plan import Plan
from .common import write_json


def write_radzero(plan: Plan, res: dict) -> dict:
    """``radzero/radzero_mimic.json``, images in MIMIC order; no counts of its own."""
    records = []
    for st in plan.mimic_studies:
        rep = st["report"]
        for im in st["images"]:
            records.append({"study_id": st["study_id"], "subject_id": st["subject_id"],
                            "dicom_id": f"{im['dicom_id']}.jpg", "view_position": im["view_position"],
                            "split": st["split"], "findings": rep["findings"], "impression": rep["impression"],
                            "key_phrases": rep["key_phrases"]})
    write_json(plan.root / "radzero/radzero_mimic.json", records, indent=2)
    return {}
