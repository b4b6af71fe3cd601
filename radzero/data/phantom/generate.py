"""Plan, render (multiprocessing) and write a complete phantom data root."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing as mp
import os
import shutil
import socket
import time
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

from radzero.data.rle import rle_encode

from .dicom import write_dicom
from .render import Part, render_frontal, render_lateral
from .report import build_report
from radzero.data.readers.chexpert import CHEXPERT_COMPETITION_CLASSES, CHEXPERT_LABELS, CHEXPERT_TRAIN_COLUMNS

from .spec import CHESTXDET10_KIND, sample_findings, true_labels

GENERATOR = "radzero.data.phantom"
FORMAT_VERSION = 2

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
    "min_size": 320,  # long side of MIMIC / CheXpert images
    "max_size": 640,
    "lateral_frac": 0.35,  # share of MIMIC studies with a lateral view
    "det_size": 512,  # ChestX-Det10 PNGs are square
    "dicom_size": 512,  # SIIM / RSNA DICOMs are square (the real ones are 1024)
    "max_internal": 256,  # anatomy is rendered at most this size, then upsampled
}
KNOWN_ENTRIES = frozenset(
    {"manifest.json", "manifest.json.tmp", "mimic-cxr-jpg", "mimic-cxr", "radzero", "ms-cxr", "chexpert", "chestxdet10", "siim", "rsna", "truth"}
)

MIMIC_JPG = "mimic-cxr-jpg/2.0.0"
MIMIC_TXT = "mimic-cxr/2.0.0"
METADATA_COLUMNS = (
    "dicom_id", "subject_id", "study_id", "PerformedProcedureStepDescription", "ViewPosition", "Rows", "Columns",
    "StudyDate", "StudyTime", "ProcedureCodeSequence_CodeMeaning", "ViewCodeSequence_CodeMeaning",
    "PatientOrientationCodeSequence_CodeMeaning",
)
SPLIT_COLUMNS = ("dicom_id", "study_id", "subject_id", "split")
MIMIC_CHEXPERT_COLUMNS = ("subject_id", "study_id") + CHEXPERT_LABELS
MS_CXR_COLUMNS = ("dicom_id", "category_name", "label_text", "path", "x", "y", "w", "h", "image_width", "image_height")
GROUNDTRUTH_COLUMNS = ("Study",) + CHEXPERT_LABELS
CHEXPERT_5X200_COLUMNS = ("Path", "Sex", "Age", "Frontal/Lateral", "AP/PA") + CHEXPERT_TRAIN_COLUMNS
RSNA_COLUMNS = ("ID", "img_path", "boxes", "class")

# dataset codes mixed into every per-study seed
_CODE = {"train": 10, "validate": 11, "test": 12, "chexpert_test": 20, "chexpert_5x200": 21, "chestxdet10": 30,
         "siim": 40, "rsna": 50}
_MIN_AREA = 12  # pixels: a rendered finding part smaller than this is re-rendered


# ---------------------------------------------------------------------------------------------
# parameters / manifest
# ---------------------------------------------------------------------------------------------


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


def params_key(params: dict) -> str:
    blob = json.dumps({"format_version": FORMAT_VERSION, **params}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def read_manifest(root: str | Path) -> dict | None:
    try:
        with open(Path(root) / "manifest.json", encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) else None


def manifest_matches(root: str | Path, params: dict) -> bool:
    m = read_manifest(root)
    return bool(
        m
        and m.get("generator") == GENERATOR
        and m.get("format_version") == FORMAT_VERSION
        and m.get("complete") is True
        and m.get("params") == params
    )


# ---------------------------------------------------------------------------------------------
# planning (main process, cheap): ids, findings, reports, one task per image
# ---------------------------------------------------------------------------------------------


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


class _Plan:
    def __init__(self, root: Path, p: dict):
        self.root, self.p = root, p
        self.tasks: list[dict] = []
        self.mimic_studies: list[dict] = []
        self.chexpert_test: list[dict] = []
        self.chexpert_5x200: list[dict] = []
        self.chestxdet10: list[dict] = []
        self.siim: list[dict] = []
        self.rsna: list[dict] = []

    def task(self, key, render, spec, seed, out, masks=False) -> None:
        self.tasks.append({"key": key, "render": render, "spec": spec, "seed": seed, "out": out, "masks": masks,
                           "max_internal": self.p["max_internal"]})


def _plan_mimic(plan: _Plan) -> None:
    p, root, seed = plan.p, plan.root, plan.p["seed"]
    for split, count, profile, off in (("train", p["n_train"], "mimic", 0), ("validate", p["n_validate"], "mimic", 3_000_000),
                                      ("test", p["n_mscxr"], "mscxr", 6_000_000)):
        code = _CODE[split]
        subj_rng = _rng(seed, code, 999_999_999)
        j, left, subject_id, nth = -1, 0, 0, 0
        for idx in range(count):
            if left == 0:
                j += 1
                left = int(subj_rng.choice([1, 2, 3], p=[0.55, 0.3, 0.15]))
                subject_id = 10_000_000 + ((off + j) * 7919 + seed * 104_729 + 123_457) % 9_000_000
                nth = 0
            left -= 1
            nth += 1
            gi = off + idx
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
            images = []
            for v, vp in enumerate([view] + (["LATERAL" if rng.random() < 0.9 else "LL"] if lateral else [])):
                dicom_id = _hex_id(rng)
                h, w = _frontal_size(rng, p)
                rel = f"files/{folder}/{dicom_id}.jpg"
                img = {"dicom_id": dicom_id, "view_position": vp, "height": h, "width": w, "path": rel,
                       "frontal": vp in ("PA", "AP"), "key": (split, idx, v)}
                images.append(img)
                plan.task(img["key"], "frontal" if img["frontal"] else "lateral",
                          {"height": h, "width": w, "findings": findings, "view": vp}, [seed, code, idx, 1 + v],
                          {"type": "jpg", "path": str(root / MIMIC_JPG / rel),
                           "links": [str(root / "radzero/MIMIC-CXR/images" / f"{dicom_id}.jpg")]})
            plan.mimic_studies.append({
                "split": split, "idx": idx, "subject_id": subject_id, "study_id": study_id, "folder": folder,
                "exam": exam, "date": date, "time": tm, "findings": findings, "report": report, "images": images,
                "orientation": "Erect" if view == "PA" else _pick(rng, ("", "Recumbent")),
            })


def _pick(rng, options):
    return options[int(rng.integers(0, len(options)))]


def _plan_chexpert(plan: _Plan) -> None:
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
        plan.task(rec["key"], "frontal", {"height": h, "width": w, "findings": findings, "view": view},
                  [seed, code, idx, 1], {"type": "jpg", "path": str(root / "chexpert" / rec["path"])})
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
            plan.task(rec["key"], "frontal", {"height": h, "width": w, "findings": findings, "view": view},
                      [seed, code, ci, j, 1], {"type": "jpg", "path": str(root / "chexpert" / path)})
    order = _rng(seed, code, 999_999_999).permutation(len(recs))
    plan.chexpert_5x200 = [recs[i] for i in order]


def _plan_chestxdet10(plan: _Plan) -> None:
    p, root, seed = plan.p, plan.root, plan.p["seed"]
    code = _CODE["chestxdet10"]
    for idx in range(p["n_chestxdet10"]):
        rng = _rng(seed, code, idx)
        findings = sample_findings(rng, "chestxdet10")
        name = f"{36200 + idx}.png"
        size = p["det_size"]
        rec = {"file_name": name, "findings": findings, "height": size, "width": size, "key": ("chestxdet10", idx, 0)}
        plan.chestxdet10.append(rec)
        plan.task(rec["key"], "frontal", {"height": size, "width": size, "findings": findings, "view": "PA"},
                  [seed, code, idx, 1], {"type": "png", "path": str(root / "chestxdet10/test_data" / name)})


def _dicom_meta(rng: np.random.Generator, p: dict, sop: str, study: str, series: str, patient_id: str, view: str) -> dict:
    date, tm = _date(rng, 2017, 2019)
    return {
        "sop_uid": sop, "study_uid": study, "series_uid": series, "patient_id": patient_id,
        "patient_sex": "M" if rng.random() < 0.55 else "F", "patient_age": int(rng.integers(18, 91)), "view": view,
        "encoding": int(rng.choice(5, p=[0.5, 0.15, 0.15, 0.1, 0.1])), "monochrome1": bool(rng.random() < 0.2),
        "rle": bool(rng.random() < 0.1), "study_date": date, "study_time": tm.split(".")[0],
        "pixel_spacing": round(0.168 * 1024 / p["dicom_size"], 6), "window_jitter": float(rng.uniform(1.0, 1.1)),
    }


def _plan_siim_rsna(plan: _Plan) -> None:
    p, root, seed = plan.p, plan.root, plan.p["seed"]
    size = p["dicom_size"]
    code = _CODE["siim"]
    for idx in range(p["n_siim"]):
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
        rec = {"ImageId": sop, "path": rel, "split": "validation" if idx % 3 == 0 else "test", "findings": findings,
               "height": size, "width": size, "meta": meta, "key": ("siim", idx, 0)}
        plan.siim.append(rec)
        plan.task(rec["key"], "frontal", {"height": size, "width": size, "findings": findings, "view": view},
                  [seed, code, idx, 1], {"type": "dcm", "path": str(root / "siim" / rel), "dicom": meta}, masks=True)
    code = _CODE["rsna"]
    for idx in range(p["n_rsna"]):
        rng = _rng(seed, code, idx)
        findings = sample_findings(rng, "rsna")
        uid = str(uuid.UUID(bytes=rng.bytes(16), version=4))
        view = "PA" if rng.random() < 0.5 else "AP"
        sop = f"1.2.276.0.7230010.3.1.4.8323329.{20000 + idx}.{1517874000 + seed * 100_000 + idx * 3}"
        meta = _dicom_meta(rng, p, sop, sop.replace(".3.1.4.", ".3.1.2."), sop.replace(".3.1.4.", ".3.1.3."),
                           f"PHANTOM-R{idx:05d}", view)
        meta["series_description"] = f"view: {view}"
        rel = f"RSNA/stage_2_train_images/{uid}.dcm"
        rec = {"uuid": uid, "img_path": rel, "split": "validation" if idx % 3 == 0 else "test", "findings": findings,
               "height": size, "width": size, "meta": meta, "key": ("rsna", idx, 0)}
        plan.rsna.append(rec)
        plan.task(rec["key"], "frontal", {"height": size, "width": size, "findings": findings, "view": view},
                  [seed, code, idx, 1], {"type": "dcm", "path": str(root / "rsna" / rel), "dicom": meta})


# ---------------------------------------------------------------------------------------------
# rendering tasks (worker processes)
# ---------------------------------------------------------------------------------------------


def _render(task: dict) -> tuple[np.ndarray, list[Part]]:
    spec = task["spec"]
    if task["render"] == "lateral":
        return render_lateral(spec, np.random.default_rng(task["seed"]), task["max_internal"]), []
    wanted = {(i, s) for i, f in enumerate(spec["findings"]) for s in (f["sides"] or [None])}
    for attempt in range(8):
        seed = task["seed"] + ([attempt] if attempt else [])
        img, parts = render_frontal(spec, np.random.default_rng(seed), task["max_internal"])
        got = {(q.finding, q.side) for q in parts if q.area >= _MIN_AREA}
        if wanted <= got:
            break
    return img, [q for q in parts if q.area > 0]


def _write_image(img: np.ndarray, out: dict) -> None:
    path = out["path"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if out["type"] == "dcm":
        write_dicom(path, img, out["dicom"])
        return
    u8 = (img * 255.0 + 0.5).astype(np.uint8)
    pil = Image.fromarray(u8)
    if out["type"] == "jpg":
        pil.save(path, format="JPEG", quality=90)
    else:
        pil.save(path, format="PNG", compress_level=1)
    for link in out.get("links", ()):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        try:
            os.link(path, link)
        except OSError:
            shutil.copyfile(path, link)


def run_task(task: dict) -> dict:
    """Render one image, write it, return its finding parts (boxes; SIIM: RLE + mask)."""
    img, parts = _render(task)
    _write_image(img, task["out"])
    h, w = img.shape
    res = {"key": task["key"], "height": h, "width": w,
           "parts": [{"finding": q.finding, "side": q.side, "box": list(q.bbox()), "area": q.area} for q in parts]}
    if task["masks"]:
        fulls = [q.full(h, w) for q in parts if task["spec"]["findings"][q.finding]["kind"] == "pneumothorax"]
        res["rles"] = [rle_encode(m) for m in fulls]
        union = np.zeros((h, w), dtype=bool)
        for m in fulls:
            union |= m
        res["mask"] = np.packbits(union)
    return res


def _run_all(tasks: list[dict], workers: int) -> dict:
    results = {}
    if workers <= 1 or len(tasks) < 2:
        for t in tasks:
            r = run_task(t)
            results[r["key"]] = r
        return results
    ctx = mp.get_context("spawn")
    chunk = max(1, min(16, len(tasks) // (workers * 8)))
    with ctx.Pool(workers) as pool:
        for r in pool.imap_unordered(run_task, tasks, chunksize=chunk):
            results[r["key"]] = r
    return results


# ---------------------------------------------------------------------------------------------
# writers (main process, deterministic order)
# ---------------------------------------------------------------------------------------------


def _write_csv(path: Path, columns, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(columns)
        for r in rows:
            wr.writerow(r)


def _write_json(path: Path, obj, indent: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write("\n")


def _fmt_label(v) -> str:
    return "" if v is None else f"{float(v):.1f}"


def _findings_truth(findings: list[dict], result: dict | None) -> list[dict]:
    out = []
    for i, f in enumerate(findings):
        g = dict(f)
        g["parts"] = [] if result is None else [
            {"side": q["side"], "box": q["box"], "area": q["area"]} for q in result["parts"] if q["finding"] == i]
        out.append(g)
    return out


def _xywh(box) -> list[int]:
    x1, y1, x2, y2 = box
    return [x1, y1, x2 - x1, y2 - y1]


def _write_mimic(plan: _Plan, res: dict) -> dict:
    root = plan.root
    meta_rows, split_rows, chex_rows, records, truth, mscxr_rows, mscxr_truth = [], [], [], [], [], [], []
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
            records.append({"study_id": st["study_id"], "subject_id": st["subject_id"],
                            "dicom_id": f"{im['dicom_id']}.jpg", "view_position": vp, "split": st["split"],
                            "findings": rep["findings"], "impression": rep["impression"],
                            "key_phrases": rep["key_phrases"]})
            r = res[im["key"]] if im["frontal"] else None
            truth.append({"dicom_id": im["dicom_id"], "study_id": st["study_id"], "subject_id": st["subject_id"],
                          "split": st["split"], "view_position": vp, "path": im["path"], "width": im["width"],
                          "height": im["height"], "labels": labels, "normal": not st["findings"],
                          "findings": _findings_truth(st["findings"], r)})
            if st["split"] == "test" and im["frontal"]:
                for i, f in enumerate(st["findings"]):
                    text, cat = rep["phrases"][i]
                    boxes = [_xywh(q["box"]) for q in r["parts"] if q["finding"] == i]
                    if not cat or not boxes:
                        continue
                    for b in boxes:
                        mscxr_rows.append([im["dicom_id"], cat, text, im["path"], *b, im["width"], im["height"]])
                    mscxr_truth.append({"dicom_id": im["dicom_id"], "label_text": text, "category_name": cat,
                                        "kind": f["kind"], "sides": f["sides"], "boxes": boxes,
                                        "image_width": im["width"], "image_height": im["height"]})
    base = root / MIMIC_JPG
    _write_csv(base / "mimic-cxr-2.0.0-metadata.csv", METADATA_COLUMNS, meta_rows)
    _write_csv(base / "mimic-cxr-2.0.0-split.csv", SPLIT_COLUMNS, split_rows)
    _write_csv(base / "mimic-cxr-2.0.0-chexpert.csv", MIMIC_CHEXPERT_COLUMNS, chex_rows)
    _write_json(root / "radzero/radzero_mimic.json", records, indent=2)
    _write_csv(root / "ms-cxr/MS_CXR_Local_Alignment_v1.0.0.csv", MS_CXR_COLUMNS, mscxr_rows)
    _write_json(root / "truth/mimic.json", truth)
    _write_json(root / "truth/ms_cxr.json", mscxr_truth)
    return {"mimic_studies": len(plan.mimic_studies), "mimic_images": len(meta_rows),
            "ms_cxr_images": len({t["dicom_id"] for t in mscxr_truth}), "ms_cxr_phrases": len(mscxr_truth),
            "ms_cxr_boxes": len(mscxr_rows)}


def _write_chexpert(plan: _Plan, res: dict) -> dict:
    root = plan.root
    rows, truth = [], []
    for rec in plan.chexpert_test:
        lab = true_labels(rec["findings"])
        rows.append([rec["study"]] + [lab[k] for k in CHEXPERT_LABELS])
        truth.append({"study": rec["study"], "path": rec["path"], "width": rec["width"], "height": rec["height"],
                      "labels": lab, "findings": _findings_truth(rec["findings"], res[rec["key"]])})
    _write_csv(root / "chexpert/groundtruth.csv", GROUNDTRUTH_COLUMNS, rows)
    _write_json(root / "truth/chexpert_test.json", truth)
    rows, truth = [], []
    for rec in plan.chexpert_5x200:
        lab = true_labels(rec["findings"])
        rows.append([rec["path"], rec["sex"], rec["age"], "Frontal", rec["view"]] +
                    [f"{float(lab[k]):.1f}" for k in CHEXPERT_TRAIN_COLUMNS])
        truth.append({"path": rec["path"], "class": rec["class"], "width": rec["width"], "height": rec["height"],
                      "labels": lab, "findings": _findings_truth(rec["findings"], res[rec["key"]])})
    if plan.chexpert_5x200 or plan.p["n_5x200_per_class"] == 0:
        _write_csv(root / "chexpert/chexpert_5x200.csv", CHEXPERT_5X200_COLUMNS, rows)
    _write_json(root / "truth/chexpert_5x200.json", truth)
    return {"chexpert_test": len(plan.chexpert_test), "chexpert_5x200": len(plan.chexpert_5x200)}


def _write_chestxdet10(plan: _Plan, res: dict) -> dict:
    entries, truth = [], []
    for rec in plan.chestxdet10:
        r = res[rec["key"]]
        syms, boxes = [], []
        for q in r["parts"]:
            syms.append(CHESTXDET10_KIND[rec["findings"][q["finding"]]["kind"]])
            boxes.append(list(q["box"]))
        entries.append({"file_name": rec["file_name"], "syms": syms, "boxes": boxes})
        truth.append({"file_name": rec["file_name"], "width": rec["width"], "height": rec["height"], "syms": syms,
                      "boxes": boxes, "labels": true_labels(rec["findings"]),
                      "findings": _findings_truth(rec["findings"], r)})
    _write_json(plan.root / "chestxdet10/test.json", entries)
    _write_json(plan.root / "truth/chestxdet10.json", truth)
    return {"chestxdet10": len(entries)}


def _write_siim_rsna(plan: _Plan, res: dict) -> dict:
    root = plan.root
    rows, truth, masks = [], [], {}
    for rec in plan.siim:
        r = res[rec["key"]]
        rles = r["rles"]
        for rle in rles or ["-1"]:
            rows.append([rec["ImageId"], f" {rle}"])
        h, w = rec["height"], rec["width"]
        masks[rec["ImageId"]] = np.unpackbits(r["mask"], count=h * w).reshape(h, w).astype(bool)
        truth.append({"ImageId": rec["ImageId"], "path": rec["path"], "split": rec["split"], "positive": bool(rles),
                      "n_regions": len(rles), "width": w, "height": h,
                      "photometric": "MONOCHROME1" if rec["meta"]["monochrome1"] else "MONOCHROME2",
                      "labels": true_labels(rec["findings"]), "findings": _findings_truth(rec["findings"], r)})
    _write_csv(root / "siim/train-rle.csv", ("ImageId", " EncodedPixels"), rows)
    for split in ("validation", "test"):
        ids = [rec["ImageId"] for rec in plan.siim if rec["split"] == split]
        (root / "siim/splits").mkdir(parents=True, exist_ok=True)
        (root / "siim/splits" / f"{split}.txt").write_text("".join(i + "\n" for i in ids), encoding="utf-8")
    _write_json(root / "truth/siim.json", truth)
    buf = io.BytesIO()
    np.savez_compressed(buf, **masks)
    (root / "truth").mkdir(parents=True, exist_ok=True)
    (root / "truth/siim_masks.npz").write_bytes(buf.getvalue())

    files = {"test": [], "validation": []}
    truth = []
    for rec in plan.rsna:
        r = res[rec["key"]]
        boxes = [_xywh(q["box"]) for q in r["parts"] if rec["findings"][q["finding"]]["kind"] == "consolidation"]
        files[rec["split"]].append((rec, boxes))
    for split, items in files.items():
        rows = []
        for i, (rec, boxes) in enumerate(items):
            btxt = "|".join(";".join(f"{float(v):.1f}" for v in b) for b in boxes)
            rows.append([i, rec["img_path"], btxt, int(bool(boxes))])
            truth.append({"ID": i, "uuid": rec["uuid"], "img_path": rec["img_path"], "split": split,
                          "class": int(bool(boxes)), "boxes": boxes, "width": rec["width"], "height": rec["height"],
                          "photometric": "MONOCHROME1" if rec["meta"]["monochrome1"] else "MONOCHROME2",
                          "labels": true_labels(rec["findings"]),
                          "findings": _findings_truth(rec["findings"], res[rec["key"]])})
        _write_csv(root / f"rsna/{split}.csv", RSNA_COLUMNS, rows)
    _write_json(root / "truth/rsna.json", truth)
    return {"siim": len(plan.siim), "siim_positive": sum(bool(res[r["key"]]["rles"]) for r in plan.siim),
            "rsna": len(plan.rsna), "rsna_positive": sum(t["class"] for t in truth)}


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def _prepare_out_dir(root: Path) -> None:
    if root.exists():
        entries = set(os.listdir(root))
        if entries and not entries <= KNOWN_ENTRIES:
            raise FileExistsError(
                f"{root} is not empty and does not look like a phantom root (unexpected: "
                f"{sorted(entries - KNOWN_ENTRIES)[:5]}); choose an empty or new directory")
        # mark incomplete first, then clear previous phantom content
        if "manifest.json" in entries:
            (root / "manifest.json").unlink()
        for e in sorted(entries - {"manifest.json"}):
            p = root / e
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    root.mkdir(parents=True, exist_ok=True)


def generate_phantom(out_dir: str | Path, n_train: int = DEFAULTS["n_train"], seed: int = DEFAULTS["seed"],
                     **sizes) -> dict:
    """Write a complete phantom data root into ``out_dir`` (see the package docstring).

    sizes: any key of ``DEFAULTS`` plus ``workers`` (processes, default 2; output does not depend
    on it). ``out_dir`` must be empty, new, or an earlier phantom root (which is replaced).
    ``manifest.json`` is written last: a root without it is incomplete. With workers > 1 a
    "spawn" process pool is used, so a calling script needs the usual ``if __name__ == "__main__"``
    guard.
    Returns {"out_dir", "params", "counts", "images", "seconds", "images_per_second"}.
    """
    t0 = time.perf_counter()
    workers = int(sizes.pop("workers", 2) or 1)
    p = normalize_params(n_train, seed, **sizes)
    root = Path(out_dir).absolute()
    _prepare_out_dir(root)
    plan = _Plan(root, p)
    _plan_mimic(plan)
    _plan_chexpert(plan)
    _plan_chestxdet10(plan)
    _plan_siim_rsna(plan)
    t_plan = time.perf_counter()
    res = _run_all(plan.tasks, workers)
    t_render = time.perf_counter()
    counts = {}
    counts.update(_write_mimic(plan, res))
    counts.update(_write_chexpert(plan, res))
    counts.update(_write_chestxdet10(plan, res))
    counts.update(_write_siim_rsna(plan, res))
    counts["images"] = len(plan.tasks)
    manifest = {"generator": GENERATOR, "format_version": FORMAT_VERSION, "complete": True, "params": p,
                "params_key": params_key(p), "counts": counts}
    tmp = root / "manifest.json.tmp"
    _write_json(tmp, manifest, indent=2)
    os.replace(tmp, root / "manifest.json")
    secs = time.perf_counter() - t0
    return {"out_dir": str(root), "params": p, "counts": counts, "images": len(plan.tasks),
            "seconds": round(secs, 3), "images_per_second": round(len(plan.tasks) / max(secs, 1e-9), 2),
            "timing": {"plan": round(t_plan - t0, 3), "render": round(t_render - t_plan, 3),
                       "write": round(time.perf_counter() - t_render, 3)}, "workers": workers}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _cleanup_stale(cache_dir: Path, name: str) -> None:
    """Remove temp / trash dirs of ``name`` left by dead processes on this host."""
    host = socket.gethostname()
    for p in cache_dir.glob(f".{name}.*"):
        bits = p.name.split("-")
        try:
            if f".tmp-{host}-" not in p.name and f".trash-{host}-" not in p.name:
                continue
            pid = int(bits[-2])
        except (ValueError, IndexError):
            continue
        if not _pid_alive(pid):
            shutil.rmtree(p, ignore_errors=True)


def ensure_phantom(cache_dir: str | Path, n_train: int = DEFAULTS["n_train"], seed: int = DEFAULTS["seed"],
                   **sizes) -> Path:
    """Return the root of a complete phantom dataset with these parameters, generating it if needed.

    If ``cache_dir`` itself holds a complete matching dataset it is returned. Otherwise the
    dataset lives at ``cache_dir / f"phantom-n{n_train}-s{seed}-{key}"`` (key = hash of all
    parameters): returned as is when its manifest matches, else generated into a hidden temp
    directory beside it and renamed into place atomically. Concurrent callers are safe (the
    loser of the rename discards its copy). ``workers`` may be passed (default 2).
    """
    workers = int(sizes.pop("workers", 2) or 1)
    p = normalize_params(n_train, seed, **sizes)
    cache_dir = Path(cache_dir).absolute()
    if manifest_matches(cache_dir, p):
        return cache_dir
    target = cache_dir / f"phantom-n{p['n_train']}-s{p['seed']}-{params_key(p)}"
    if manifest_matches(target, p):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    _cleanup_stale(cache_dir, target.name)
    token = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = cache_dir / f".{target.name}.tmp-{token}"
    try:
        generate_phantom(tmp, workers=workers, **p)
        if target.exists():
            if manifest_matches(target, p):  # someone else finished first
                return target
            trash = cache_dir / f".{target.name}.trash-{token}"
            try:
                os.rename(target, trash)
            except FileNotFoundError:
                pass
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:
            if manifest_matches(target, p):
                return target
            raise
        return target
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
