"""Planning (main process, cheap): ids, findings, reports and one render task per image.

Every study draws from ``numpy.random.default_rng([seed, dataset_code, index, ...])`` in a fixed
order, so a plan (and every file written from it) depends only on the parameters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from radzero.data.readers.chexpert import CHEXPERT_COMPETITION_CLASSES

from .finding import Finding
from .report import build_report
from .spec import sample_findings

MIMIC_JPG = "mimic-cxr-jpg/2.0.0"
MIMIC_TXT = "mimic-cxr/2.0.0"

# dataset codes mixed into every per-study seed
_CODE = {"train": 10, "validate": 11, "test": 12, "chexpert_test": 20, "chexpert_5x200": 21, "chestxdet10": 30,
         "siim": 40, "rsna": 50}


@dataclass
class Plan:
    """Everything to render and write: one task per image and one record per study / image of each dataset."""

    root: Path
    p: dict  # normalized parameters
    tasks: list[dict] = field(default_factory=list)
    mimic_studies: list[dict] = field(default_factory=list)
    chexpert_test: list[dict] = field(default_factory=list)
    chexpert_5x200: list[dict] = field(default_factory=list)
    chestxdet10: list[dict] = field(default_factory=list)
    siim: list[dict] = field(default_factory=list)
    rsna: list[dict] = field(default_factory=list)

    def task(self, key, render, spec, seed, out, masks=False) -> None:
        """Queue one image: ``render`` frontal | lateral, ``spec`` for the renderer, ``out`` where / how to write."""
        self.tasks.append({"key": key, "render": render, "spec": spec, "seed": seed, "out": out, "masks": masks,
                           "max_internal": self.p["max_internal"]})


def make_plan(root: Path, p: dict) -> Plan:
    """The full plan of a phantom root with normalized parameters ``p``."""
    plan = Plan(root, p)
    _plan_mimic(plan)
    _plan_chexpert_test(plan)
    _plan_chexpert_5x200(plan)
    _plan_chestxdet10(plan)
    _plan_siim(plan)
    _plan_rsna(plan)
    return plan


def _rng(*key) -> np.random.Generator:
    return np.random.default_rng([int(k) for k in key])


def _hex_id(rng: np.random.Generator) -> str:
    h = rng.bytes(20).hex()
    return "-".join(h[i : i + 8] for i in range(0, 40, 8))


def _frontal_size(rng: np.random.Generator, p: dict) -> tuple[int, int]:
    long_side = int(rng.integers(p["min_size"], p["max_size"] + 1))
    if rng.random() < 0.8:  # portrait (height >= width)
        aspect = rng.uniform(1.0, 1.25)
        return long_side, max(32, int(round(long_side / aspect)))
    aspect = rng.uniform(1.0, 1.15)
    return max(32, int(round(long_side / aspect))), long_side


def _date(rng: np.random.Generator, y0: int, y1: int) -> tuple[str, str]:
    y = int(rng.integers(y0, y1))
    m, d = int(rng.integers(1, 13)), int(rng.integers(1, 29))
    hh, mm, ss, ms = (int(rng.integers(0, 24)), int(rng.integers(0, 60)), int(rng.integers(0, 60)),
                      int(rng.integers(0, 1000)))
    return f"{y:04d}{m:02d}{d:02d}", f"{hh:02d}{mm:02d}{ss:02d}.{ms:03d}"


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(0, len(options)))]


def _frontal_spec(h: int, w: int, findings: list[Finding], view: str) -> dict:
    return {"height": h, "width": w, "findings": findings, "view": view}


# ---------------------------------------------------------------------------------------------
# MIMIC-CXR (train / validate / test = MS-CXR)
# ---------------------------------------------------------------------------------------------


def _plan_mimic(plan: Plan) -> None:
    p, seed = plan.p, plan.p["seed"]
    for split, count, profile, off in (("train", p["n_train"], "mimic", 0), ("validate", p["n_validate"], "mimic", 3_000_000),
                                      ("test", p["n_mscxr"], "mscxr", 6_000_000)):
        subj_rng = _rng(seed, _CODE[split], 999_999_999)
        j, left, subject_id, nth = -1, 0, 0, 0
        for idx in range(count):
            if left == 0:  # next subject: 1-3 studies each
                j += 1
                left = int(subj_rng.choice([1, 2, 3], p=[0.55, 0.3, 0.15]))
                subject_id = 10_000_000 + ((off + j) * 7919 + seed * 104_729 + 123_457) % 9_000_000
                nth = 0
            left -= 1
            nth += 1
            _plan_mimic_study(plan, split, profile, idx, off + idx, subject_id, nth)


def _plan_mimic_study(plan: Plan, split: str, profile: str, idx: int, gi: int, subject_id: int, nth: int) -> None:
    """One study: findings, report, a frontal image and sometimes a lateral one."""
    p, seed, code = plan.p, plan.p["seed"], _CODE[split]
    study_id = 50_000_000 + (gi * 15_485_863 + seed * 7919 + 2_345_679) % 50_000_000
    rng = _rng(seed, code, idx)
    has_prior = nth > 1 or rng.random() < 0.25
    sex = "M" if rng.random() < 0.5 else "F"
    findings = sample_findings(rng, profile, has_prior=has_prior)
    view = "PA" if rng.random() < 0.6 else "AP"
    lateral = rng.random() < (p["lateral_frac"] if view == "PA" else 0.4 * p["lateral_frac"])
    if view == "AP":
        exam = "CHEST (PORTABLE AP)" if not lateral else "CHEST (AP AND LAT)"
    else:
        exam = "CHEST (PA AND LAT)"
    report = build_report(findings, rng, examination=exam, sex=sex, has_prior=has_prior)
    date, tm = _date(rng, 2110, 2200)
    folder = f"p{str(subject_id)[:2]}/p{subject_id}/s{study_id}"
    views = [view] + (["LATERAL" if rng.random() < 0.9 else "LL"] if lateral else [])
    images = []
    for v, vp in enumerate(views):
        dicom_id = _hex_id(rng)
        h, w = _frontal_size(rng, p)
        rel = f"files/{folder}/{dicom_id}.jpg"
        img = {"dicom_id": dicom_id, "view_position": vp, "height": h, "width": w, "path": rel,
               "frontal": vp in ("PA", "AP"), "key": (split, idx, v)}
        images.append(img)
        plan.task(img["key"], "frontal" if img["frontal"] else "lateral", _frontal_spec(h, w, findings, vp),
                  [seed, code, idx, 1 + v],
                  {"type": "jpg", "path": str(plan.root / MIMIC_JPG / rel),
                   "links": [str(plan.root / "radzero/MIMIC-CXR/images" / f"{dicom_id}.jpg")]})
    plan.mimic_studies.append({
        "split": split, "idx": idx, "subject_id": subject_id, "study_id": study_id, "folder": folder,
        "exam": exam, "date": date, "time": tm, "findings": findings, "report": report, "images": images,
        "orientation": "Erect" if view == "PA" else _pick(rng, ("", "Recumbent")),
    })


# ---------------------------------------------------------------------------------------------
# CheXpert (test set, 5x200 competition subset), ChestX-Det10
# ---------------------------------------------------------------------------------------------


def _plan_chexpert_test(plan: Plan) -> None:
    p, root, seed = plan.p, plan.root, plan.p["seed"]
    code = _CODE["chexpert_test"]
    for idx in range(p["n_chexpert_test"]):
        rng = _rng(seed, code, idx)
        findings = sample_findings(rng, "chexpert")
        view = "PA" if rng.random() < 0.5 else "AP"
        h, w = _frontal_size(rng, p)
        study = f"CheXpert-v1.0/test/patient{64541 + idx}/study1"
        rec = {"study": study, "path": f"{study}/view1_frontal.jpg", "findings": findings, "height": h, "width": w,
               "view": view, "key": ("chexpert_test", idx, 0)}
        plan.chexpert_test.append(rec)
        plan.task(rec["key"], "frontal", _frontal_spec(h, w, findings, view),
                  [seed, code, idx, 1], {"type": "jpg", "path": str(root / "chexpert" / rec["path"])})


def _plan_chexpert_5x200(plan: Plan) -> None:
    p, root, seed = plan.p, plan.root, plan.p["seed"]
    code = _CODE["chexpert_5x200"]
    n = p["n_5x200_per_class"]
    recs = []
    for ci, cls in enumerate(CHEXPERT_COMPETITION_CLASSES):
        for j in range(n):
            gidx = ci * n + j
            rng = _rng(seed, code, ci, j)
            findings = sample_findings(rng, f"5x200:{cls}")
            view = "PA" if rng.random() < 0.4 else "AP"
            h, w = _frontal_size(rng, p)
            patient = 1 + (gidx * 7919 + seed * 31) % 64_000
            path = f"CheXpert-v1.0/train/patient{patient:05d}/study{int(rng.integers(1, 5))}/view1_frontal.jpg"
            rec = {"path": path, "class": cls, "findings": findings, "height": h, "width": w, "view": view,
                   "sex": "Male" if rng.random() < 0.55 else "Female", "age": int(rng.integers(18, 91)),
                   "key": ("chexpert_5x200", gidx, 0)}
            recs.append(rec)
            plan.task(rec["key"], "frontal", _frontal_spec(h, w, findings, view),
                      [seed, code, ci, j, 1], {"type": "jpg", "path": str(root / "chexpert" / path)})
    order = _rng(seed, code, 999_999_999).permutation(len(recs))
    plan.chexpert_5x200 = [recs[i] for i in order]


def _plan_chestxdet10(plan: Plan) -> None:
    p, root, seed = plan.p, plan.root, plan.p["seed"]
    code = _CODE["chestxdet10"]
    for idx in range(p["n_chestxdet10"]):
        rng = _rng(seed, code, idx)
        findings = sample_findings(rng, "chestxdet10")
        name = f"{36200 + idx}.png"
        size = p["det_size"]
        rec = {"file_name": name, "findings": findings, "height": size, "width": size, "key": ("chestxdet10", idx, 0)}
        plan.chestxdet10.append(rec)
        plan.task(rec["key"], "frontal", _frontal_spec(size, size, findings, "PA"),
                  [seed, code, idx, 1], {"type": "png", "path": str(root / "chestxdet10/test_data" / name)})


# ---------------------------------------------------------------------------------------------
# SIIM and RSNA (DICOM)
# ---------------------------------------------------------------------------------------------


def _dicom_meta(rng: np.random.Generator, p: dict, sop: str, study: str, series: str, patient_id: str, view: str) -> dict:
    date, tm = _date(rng, 2017, 2019)
    return {
        "sop_uid": sop, "study_uid": study, "series_uid": series, "patient_id": patient_id,
        "patient_sex": "M" if rng.random() < 0.55 else "F", "patient_age": int(rng.integers(18, 91)), "view": view,
        "encoding": int(rng.choice(5, p=[0.5, 0.15, 0.15, 0.1, 0.1])), "monochrome1": bool(rng.random() < 0.2),
        "rle": bool(rng.random() < 0.1), "study_date": date, "study_time": tm.split(".")[0],
        "pixel_spacing": round(0.168 * 1024 / p["dicom_size"], 6), "window_jitter": float(rng.uniform(1.0, 1.1)),
    }


def _plan_siim(plan: Plan) -> None:
    p, root, seed = plan.p, plan.root, plan.p["seed"]
    size = p["dicom_size"]
    code = _CODE["siim"]
    for idx in range(p["n_siim"] + p["n_siim_train"]):  # the train split after the evaluation images
        rng = _rng(seed, code, idx)
        findings = sample_findings(rng, "siim")
        t = 1517875000 + seed * 100_000 + idx * 3
        frac = int(rng.integers(100_000, 999_000))
        base = f"1.2.276.0.7230010.3.1.{{}}.8323329.{1000 + idx}.{t}"
        sop, series, study = base.format(4) + f".{frac}", base.format(3) + f".{frac - 1}", base.format(2) + f".{frac - 2}"
        view = "PA" if rng.random() < 0.7 else "AP"
        meta = _dicom_meta(rng, p, sop, study, series, f"PHANTOM-S{idx:05d}", view)
        meta["series_description"] = f"view: {view}"
        rel = f"dicom-images-train/{study}/{series}/{sop}.dcm"
        split = "train" if idx >= p["n_siim"] else "validation" if idx % 3 == 0 else "test"
        rec = {"ImageId": sop, "path": rel, "split": split, "findings": findings,
               "height": size, "width": size, "meta": meta, "key": ("siim", idx, 0)}
        plan.siim.append(rec)
        plan.task(rec["key"], "frontal", _frontal_spec(size, size, findings, view),
                  [seed, code, idx, 1], {"type": "dcm", "path": str(root / "siim" / rel), "dicom": meta}, masks=True)


def _plan_rsna(plan: Plan) -> None:
    p, root, seed = plan.p, plan.root, plan.p["seed"]
    size = p["dicom_size"]
    code = _CODE["rsna"]
    for idx in range(p["n_rsna"] + p["n_rsna_train"]):  # the train split after the evaluation images
        rng = _rng(seed, code, idx)
        findings = sample_findings(rng, "rsna")
        uid = str(uuid.UUID(bytes=rng.bytes(16), version=4))
        view = "PA" if rng.random() < 0.5 else "AP"
        sop = f"1.2.276.0.7230010.3.1.4.8323329.{20000 + idx}.{1517874000 + seed * 100_000 + idx * 3}"
        meta = _dicom_meta(rng, p, sop, sop.replace(".3.1.4.", ".3.1.2."), sop.replace(".3.1.4.", ".3.1.3."),
                           f"PHANTOM-R{idx:05d}", view)
        meta["series_description"] = f"view: {view}"
        rel = f"RSNA/stage_2_train_images/{uid}.dcm"
        split = "train" if idx >= p["n_rsna"] else "validation" if idx % 3 == 0 else "test"
        rec = {"uuid": uid, "img_path": rel, "split": split, "findings": findings,
               "height": size, "width": size, "meta": meta, "key": ("rsna", idx, 0)}
        plan.rsna.append(rec)
        plan.task(rec["key"], "frontal", _frontal_spec(size, size, findings, view),
                  [seed, code, idx, 1], {"type": "dcm", "path": str(root / "rsna" / rel), "dicom": meta})
