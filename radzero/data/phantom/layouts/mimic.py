"""MIMIC-CXR-JPG 2.0.0 (metadata / split / chexpert CSVs, JPEGs) and MIMIC-CXR 2.0.0 (report texts)."""

from __future__ import annotations

from radzero.data.readers.chexpert import CHEXPERT_LABELS

from ..plan import MIMIC_JPG, MIMIC_TXT, Plan
from ..spec import true_labels
from .common import findings_truth, write_csv, write_json

METADATA_COLUMNS = (
    "dicom_id", "subject_id", "study_id", "PerformedProcedureStepDescription", "ViewPosition", "Rows", "Columns",
    "StudyDate", "StudyTime", "ProcedureCodeSequence_CodeMeaning", "ViewCodeSequence_CodeMeaning",
    "PatientOrientationCodeSequence_CodeMeaning",
)
SPLIT_COLUMNS = ("dicom_id", "study_id", "subject_id", "split")
MIMIC_CHEXPERT_COLUMNS = ("subject_id", "study_id") + CHEXPERT_LABELS


def _fmt_label(v) -> str:
    return "" if v is None else f"{float(v):.1f}"


def write_mimic(plan: Plan, res: dict) -> dict:
    """Reports, the three MIMIC-CXR-JPG CSVs and ``truth/mimic.json`` (the JPEGs are written by the workers)."""
    root = plan.root
    meta_rows, split_rows, chex_rows, truth = [], [], [], []
    for st in plan.mimic_studies:
        rep = st["report"]
        txt = root / MIMIC_TXT / "files" / f"{st['folder']}.txt"
        txt.parent.mkdir(parents=True, exist_ok=True)
        txt.write_text(rep["text"], encoding="utf-8")
        chex_rows.append([st["subject_id"], st["study_id"]] + [_fmt_label(rep["labels"].get(k)) for k in CHEXPERT_LABELS])
        labels = true_labels(st["findings"])
        for im in st["images"]:
            vp = im["view_position"]
            code_meaning = {"PA": "postero-anterior", "AP": "antero-posterior"}.get(vp, "lateral")
            meta_rows.append([im["dicom_id"], st["subject_id"], st["study_id"], st["exam"], vp, im["height"], im["width"],
                              st["date"], st["time"], st["exam"], code_meaning, st["orientation"]])
            split_rows.append([im["dicom_id"], st["study_id"], st["subject_id"], st["split"]])
            r = res[im["key"]] if im["frontal"] else None
            truth.append({"dicom_id": im["dicom_id"], "study_id": st["study_id"], "subject_id": st["subject_id"],
                          "split": st["split"], "view_position": vp, "path": im["path"], "width": im["width"],
                          "height": im["height"], "labels": labels, "normal": not st["findings"],
                          "findings": findings_truth(st["findings"], r)})
    base = root / MIMIC_JPG
    write_csv(base / "mimic-cxr-2.0.0-metadata.csv", METADATA_COLUMNS, meta_rows)
    write_csv(base / "mimic-cxr-2.0.0-split.csv", SPLIT_COLUMNS, split_rows)
    write_csv(base / "mimic-cxr-2.0.0-chexpert.csv", MIMIC_CHEXPERT_COLUMNS, chex_rows)
    write_json(root / "truth/mimic.json", truth)
    return {"mimic_studies": len(plan.mimic_studies), "mimic_images": len(meta_rows)}
