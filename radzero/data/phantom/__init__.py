"""Phantom chest X-ray generator: procedurally rendered radiographs in the real datasets' layouts.

Public API
----------
``generate_phantom(out_dir, n_train=2000, seed=0, **sizes) -> dict``
    Writes a complete phantom root into ``out_dir`` (new, empty, or an earlier phantom root,
    which is replaced). ``sizes``: any key of ``DEFAULTS`` plus ``workers`` (processes, default
    2; the output does not depend on it). Returns ``{"out_dir", "params", "counts", "images",
    "seconds", "images_per_second", "timing": {"plan", "render", "write"}, "workers"}``.
``ensure_phantom(cache_dir, n_train=2000, seed=0, **sizes) -> Path``
    Idempotent: returns ``cache_dir`` if it is a complete root with these parameters, else
    ``cache_dir/phantom-n<n_train>-s<seed>-<key>`` (``key`` = hash of all parameters), generating
    it first into a hidden temp directory beside it and renaming it into place atomically. Temp
    directories of dead processes are removed; a root without a matching ``manifest.json`` is
    never returned.
CLI: ``python -m radzero.data.phantom out_dir=PATH n_train=2000 seed=0 [workers=2] [key=value ...]``
(``cache=true`` calls ``ensure_phantom`` with ``out_dir`` as the cache directory).

Parameters (``DEFAULTS``): n_train 2000 MIMIC training studies, n_validate 100 MIMIC
"validate" studies, n_mscxr 150 MIMIC "test" studies (their frontal images form MS-CXR),
n_chexpert_test 200, n_5x200_per_class 40, n_chestxdet10 200, n_siim 200, n_rsna 200,
min_size/max_size 320/640 (long side of MIMIC / CheXpert JPEGs; aspect varies, mostly
portrait), lateral_frac 0.35, det_size 512 (square ChestX-Det10 PNGs), dicom_size 512 (square
SIIM / RSNA DICOMs), max_internal 256 (anatomy is rendered at most this size, then upsampled).

Determinism: every study draws from ``numpy.random.default_rng([seed, dataset_code, index, ...])``;
the same parameters give byte-identical files (CSV, JSON, JPEG, PNG, DICOM, manifest) for any
worker count.

Images
------
Grey-scale frontal PA/AP radiographs (lungs, heart, mediastinum with aortic knob, diaphragm
domes, gastric bubble, posterior/anterior ribs, clavicles, spine, trachea, soft tissue, vessel
markings, noise) with random size, contrast, brightness, gamma, rotation (±4°) and shift; ~35%
of MIMIC studies also have a LATERAL (or LL) view with a simple lateral silhouette. The patient's
RIGHT is on the image's LEFT; "left"/"right" in masks, boxes and text always mean the patient's
side. Findings (severity small / moderate / large; several may co-occur; ~20% of MIMIC /
CheXpert / ChestX-Det10 studies are normal): cardiomegaly (enlarged heart), pleural effusion
(bright basal meniscus), pneumothorax (black rim without markings, visible pleural line),
consolidation by lobe (bright patchy region; right upper/middle/lower, left upper/lower), nodule
(small bright disc), mass (large lobulated disc), atelectasis (basal plate-like band, wedge when
large), edema (bilateral perihilar haze).

Layout: ``docs/protocols.md``, section "Data layouts" (each sub-tree is the real dataset's
layout). MS-CXR ``category_name`` uses "Pleural Effusion" (capital E); nodules / masses have no
MS-CXR category and no MS-CXR row. ChestX-Det10 images contain only Atelectasis, Consolidation, Effusion, Mass,
Nodule, Pneumothorax (never Calcification, Emphysema, Fibrosis, Fracture). SIIM: one
``train-rle.csv`` row per separate pneumothorax region (one per side). RSNA: one box per
consolidation lobe. DICOMs: Secondary Capture, uncompressed Explicit VR Little Endian or
(~10%) RLE Lossless; BitsStored 12 or 16; ~20% MONOCHROME1; RescaleSlope/Intercept in
{1/0, 0.5/-512, 2/0, 1/-1024}; WindowCenter/Width covering the full range.

Ground truth (``<root>/truth/``, for tests and evaluation checks; readers never read it)
----------------------------------------------------------------------------------------
Pixel coordinates are ORIGINAL image pixels, origin top-left, x = column, y = row.
``box`` = ``[x1, y1, x2, y2]`` with exclusive x2 / y2 (the mask lies in columns x1..x2-1), so
``w = x2 - x1``; ``[x, y, w, h]`` boxes are the same boxes. Every record has ``width``,
``height``, ``labels`` (the 14 CheXpert observations as 0/1 from the rendered findings, no
uncertainty) and ``findings``: a list of finding dicts (``Finding.to_dict()`` plus ``parts``)::

    {"kind": cardiomegaly|effusion|pneumothorax|consolidation|nodule|mass|atelectasis|edema,
     "sides": ["right"] | ["left"] | ["right", "left"] | [] (cardiomegaly),
     "severity": small|moderate|large, "lobe": upper|middle|lower|null, "term": consolidation|
     pneumonia|opacity|null, "uncertain": bool, "change": new|unchanged|increased|decreased|null,
     "size": mm (nodule) | cm (mass) | null,
     "parts": [{"side": "right"|"left"|null, "box": [x1, y1, x2, y2], "area": pixels}]}

(one part per side; ``parts`` is empty for lateral views).

- ``mimic.json``: list, one record per MIMIC image: dicom_id (no ".jpg"), study_id, subject_id,
  split (train|validate|test), view_position, path (relative to mimic-cxr-jpg/2.0.0), width,
  height, labels, normal (bool), findings.
- ``ms_cxr.json``: list, one per MS-CXR phrase: dicom_id, label_text, category_name, kind,
  sides, boxes ``[[x, y, w, h], ...]`` (same rows as the CSV), image_width, image_height.
- ``chexpert_test.json``: study, path (relative to chexpert/), width, height, labels, findings.
- ``chexpert_5x200.json``: path, class (the one competition class), width, height, labels,
  findings.
- ``chestxdet10.json``: file_name, width, height, syms, boxes ``[[x1, y1, x2, y2], ...]``
  (= test.json), labels, findings.
- ``siim.json``: ImageId, path (relative to siim/), split (validation|test), positive,
  n_regions, width, height, photometric, labels, findings.
  ``siim_masks.npz``: ``np.load(...)[ImageId]`` -> bool (H, W) pneumothorax mask for EVERY SIIM
  image (all False for negatives) = union of that image's RLE rows.
- ``rsna.json``: ID (row id within its CSV), uuid, img_path (relative to rsna/), split
  (test|validation), class, boxes ``[[x, y, w, h], ...]`` (= CSV), width, height, photometric,
  labels, findings.

``manifest.json`` (written last, atomically): {generator, format_version, complete: true,
params, params_key, counts}.
"""

from .cache import ensure_phantom
from .generate import generate_phantom
from .manifest import read_manifest
from .params import DEFAULTS, normalize_params

__all__ = ["DEFAULTS", "ensure_phantom", "generate_phantom", "normalize_params", "read_manifest"]
