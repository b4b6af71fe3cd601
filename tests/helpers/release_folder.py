"""A small benchmark folder in exactly the authors' formats (the ``data/`` of the hub repo Deepnoid/RadZero),
written by the tests; ``truth`` records what was written so tests can recompute every number themselves."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from radzero.data.rle import rle_encode

OPENI_TERMS = ["Cardiomegaly/mild", "atelectases/left", "Atelectasis", "opacity", "pleural thickening",
               "Infiltrate", "granuloma", "calcified granuloma", "Mass/lung", "normal"]
PADCHEST_TERMS = ["normal", "pleural effusion", "cardiomegaly", "nodule", "scoliosis", "atelectasis"]
CXR14 = 14
CHEXPERT5 = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]
DET10 = ["Atelectasis", "Calcification", "Consolidation", "Effusion", "Emphysema", "Fibrosis", "Fracture", "Mass",
         "Nodule", "Pneumothorax"]


@dataclass
class ReleaseFolder:
    root: Path
    truth: dict = field(default_factory=dict)


def _png(path: Path, rng: np.random.Generator, size: tuple[int, int], bits: int = 8) -> tuple[int, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if bits == 16:
        Image.fromarray(rng.integers(0, 4096, size=size, dtype=np.uint16)).save(path)
    else:
        Image.fromarray(rng.integers(0, 256, size=size, dtype=np.uint8)).save(path)
    return size


def write_dicom(path: Path, pixels: np.ndarray, monochrome1: bool = False) -> None:
    """A minimal 16-bit grey DICOM (no patient data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality = "DX"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME1" if monochrome1 else "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = pixels.astype("<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def _image_csv(path: Path, paths: list[str]) -> None:
    pd.DataFrame({"Path": paths}).to_csv(path, index=False)


def _prompts(path: Path, texts: list[str]) -> None:
    path.write_text(json.dumps({str(k): [t] for k, t in enumerate(texts)}))


def write_release_folder(root: Path, seed: int = 0, shuffle_labels: bool = False, n: int = 8) -> ReleaseFolder:
    """Every benchmark of the authors' folder with ``n`` small images each. ``shuffle_labels``: the label files
    list the images in another order than the image CSVs (the metrics must not change)."""
    rng = np.random.default_rng(seed)
    order = np.random.default_rng(seed + 100).permutation(n) if shuffle_labels else np.arange(n)
    folder = ReleaseFolder(root)
    size = (40, 36)

    # OpenI: custom.csv + image csv + prompts
    (root / "OpenI").mkdir(parents=True)
    names = [f"CXR{i}_IM-{i:04d}.png" for i in range(n)]
    cells = [";".join(sorted(set(rng.choice(OPENI_TERMS, size=2)))) if i % 4 else "" for i in range(n)]
    for name in names:
        _png(root / "OpenI" / "images" / name, rng, size)
    pd.DataFrame({"uid": [f"CXR{i}" for i in order], "file_name": [names[i] for i in order],
                  "labels_major": "x", "labels_automatic": [cells[i] for i in order]}).to_csv(
        root / "OpenI" / "custom.csv", index=False)
    _image_csv(root / "OpenI" / "openi_multi_label_image.csv", [f"OpenI/images/{x}" for x in names])
    from radzero.data.readers.release_classification import OPENI_CLASSES

    _prompts(root / "OpenI" / "openi_multi_label_text.json", [f"There is {c.lower()}" for c in OPENI_CLASSES])
    folder.truth["openi"] = {"paths": [f"OpenI/images/{x}" for x in names], "cells": cells}

    # PadChest: manual_image.json (keys = ImageID) + image csv (16-bit PNGs) + prompts over sorted labels - normal
    (root / "PadChest").mkdir()
    ids = [f"{i:03d}_pad.png" for i in range(n)]
    terms = [sorted(set(rng.choice(PADCHEST_TERMS, size=2))) for _ in range(n)]
    for image_id in ids:
        _png(root / "PadChest" / "images" / image_id, rng, size, bits=16)
    (root / "PadChest" / "manual_image.json").write_text(json.dumps({ids[i]: terms[i] for i in order}))
    _image_csv(root / "PadChest" / "padchest_multi_label_image.csv", [f"PadChest/images/{x}" for x in ids])
    classes = sorted({t for ts in terms for t in ts} - {"normal"})
    _prompts(root / "PadChest" / "padchest_multi_label_text.json", [f"There is {c}" for c in classes])
    folder.truth["padchest"] = {"paths": [f"PadChest/images/{x}" for x in ids], "terms": terms, "classes": classes}

    # ChestX-ray14: test_list.txt (name + 14 labels, no header)
    (root / "ChestXray14").mkdir()
    cxr = [f"{i:08d}_000.png" for i in range(n)]
    labels = rng.integers(0, 2, size=(n, CXR14))
    labels[0], labels[1] = 1, 0  # every class has a positive and a negative
    for name in cxr:
        _png(root / "ChestXray14" / "images" / name, rng, size)
    (root / "ChestXray14" / "test_list.txt").write_text(
        "".join(f"{cxr[i]} {' '.join(map(str, labels[i]))}\n" for i in order))
    _image_csv(root / "ChestXray14" / "chestxray14_test_image.csv", [f"ChestXray14/images/{x}" for x in cxr])
    _prompts(root / "ChestXray14" / "chestxray14_test_text.json", [f"There is finding {k}" for k in range(CXR14)])
    folder.truth["chestxray14"] = {"paths": [f"ChestXray14/images/{x}" for x in cxr], "labels": labels}

    # CheXpert: test_labels.csv with a Path column (relative to the CheXpert folder) + 5 class columns
    (root / "Chexpert").mkdir()
    studies = [f"test/patient{i:05d}/study1/view1_frontal.jpg" for i in range(n)]
    chex = rng.integers(0, 2, size=(n, 5))
    chex[0], chex[1] = 1, 0
    for study in studies:
        _png(root / "Chexpert" / study.replace(".jpg", ".png"), rng, size)
    studies_png = [s.replace(".jpg", ".png") for s in studies]
    pd.DataFrame({"Path": [studies_png[i] for i in order],
                  **{c: chex[order, k] for k, c in enumerate(CHEXPERT5)}}).to_csv(root / "Chexpert" / "test_labels.csv",
                                                                                 index=False)
    _image_csv(root / "Chexpert" / "chexpert5_test_image.csv", [f"Chexpert/{s}" for s in studies_png])
    _prompts(root / "Chexpert" / "chexpert5_test_text.json", [f"There is {c.lower()}" for c in CHEXPERT5])
    folder.truth["chexpert"] = {"paths": [f"Chexpert/{s}" for s in studies_png], "labels": chex}

    # ChestX-Det10: test.json (file_name, syms, boxes [x1, y1, x2, y2]) + image csv + prompts
    (root / "ChestXDet10").mkdir()
    det_names = [f"{36000 + i}.png" for i in range(n)]
    records = []
    for i, name in enumerate(det_names):
        _png(root / "ChestXDet10" / "test_data" / name, rng, size)
        syms = [] if i == n - 1 else list(rng.choice(DET10[:3], size=1 + i % 2))
        boxes = [[int(x), int(y), int(x) + 10, int(y) + 12] for x, y in zip(rng.integers(0, 20, len(syms)),
                                                                          rng.integers(0, 20, len(syms)))]
        records.append({"file_name": name, "syms": syms, "boxes": boxes})
    (root / "ChestXDet10" / "test.json").write_text(json.dumps([records[i] for i in order]))
    _image_csv(root / "ChestXDet10" / "chestXDet10_test_image.csv", [f"ChestXDet10/test_data/{x}" for x in det_names])
    _prompts(root / "ChestXDet10" / "chestXDet10_test_text.json", [f"There is {c}" for c in DET10])
    folder.truth["chestxdet10"] = {"paths": [f"ChestXDet10/test_data/{x}" for x in det_names], "records": records}

    # MS-CXR: test.json, one entry per box; images under MIMIC-CXR/images
    (root / "MS-CXR").mkdir()
    entries = []
    for i in range(max(2, n // 2)):
        dicom_id = f"{i:04x}abcd"
        _png(root / "MIMIC-CXR" / "images" / f"{dicom_id}.jpg", rng, size)
        phrase = f"finding {i % 3}"
        for b in range(1 + i % 2):  # every other phrase has two boxes -> two entries
            x, y = int(rng.integers(0, 18)), int(rng.integers(0, 18))
            entries.append({"image": f"MIMIC-CXR/images/{dicom_id}.jpg",
                            "det": [{"name": phrase, "label": [[x, y, x + 12, y + 14]]}]})
    (root / "MS-CXR" / "test.json").write_text(json.dumps(entries))
    folder.truth["ms_cxr"] = {"entries": entries}

    # SIIM: test.csv (ImageId, " EncodedPixels", dicom_path), several rows for an image with two regions;
    # validation.csv in the same format (radzero protocol's threshold)
    (root / "SIIM").mkdir()
    for split, count in (("test", n), ("validation", 4)):
        rows = []
        for i in range(count):
            image_id = f"1.2.{split}.{i}"
            pixels = rng.integers(0, 4096, size=(32, 32), dtype=np.uint16)
            write_dicom(root / "SIIM" / "images" / f"{image_id}.dcm", pixels, monochrome1=i == 1)
            rel = f"SIIM/images/{image_id}.dcm"
            if i % 2 == 0:
                rows.append({"ImageId": image_id, " EncodedPixels": " -1", "dicom_path": rel})
                continue
            for r in range(1 + (i % 4 == 1)):
                mask = np.zeros((32, 32), dtype=bool)
                mask[4 + 10 * r: 12 + 10 * r, 5:15] = True
                rows.append({"ImageId": image_id, " EncodedPixels": " " + rle_encode(mask), "dicom_path": rel})
        pd.DataFrame(rows).to_csv(root / "SIIM" / f"{split}.csv", index=False)

    # RSNA: MedKLIP's test.csv (ID, img_path, boxes "x;y;w;h|..." or nan, classes); validation.csv likewise
    (root / "RSNA").mkdir()
    for split, count in (("test", n), ("validation", 4)):
        rows = []
        for i in range(count):
            uid = f"{split}-{i:04d}"
            write_dicom(root / "RSNA" / "images" / f"{uid}.dcm", rng.integers(0, 4096, size=(32, 32), dtype=np.uint16))
            boxes = "nan" if i % 2 == 0 else "|".join(f"{3 + 9 * b};{4 + 8 * b};8;7" for b in range(1 + (i % 4 == 1)))
            rows.append({"ID": uid, "img_path": f"RSNA/images/{uid}.dcm", "boxes": boxes, "classes": int(i % 2)})
        pd.DataFrame(rows).to_csv(root / "RSNA" / f"{split}.csv", index=False)
    return folder
