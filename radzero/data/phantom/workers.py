"""Render tasks (worker processes): render one image, write it, return its finding parts."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil

import numpy as np
from PIL import Image

from radzero.data.rle import rle_encode

from .dicom import write_dicom
from .geometry import Part
from .lateral import render_lateral
from .render import render_frontal

_MIN_AREA = 12  # pixels: a rendered finding part smaller than this is re-rendered


def _render(task: dict) -> tuple[np.ndarray, list[Part]]:
    """Render the task's image; a frontal one is re-drawn (next seeds) until every finding part is visible."""
    spec = task["spec"]
    if task["render"] == "lateral":
        return render_lateral(spec, np.random.default_rng(task["seed"]), task["max_internal"]), []
    wanted = {(i, s) for i, f in enumerate(spec["findings"]) for s in (f.sides or [None])}
    for attempt in range(8):
        seed = task["seed"] + ([attempt] if attempt else [])
        img, parts = render_frontal(spec, np.random.default_rng(seed), task["max_internal"])
        got = {(q.finding, q.side) for q in parts if q.area >= _MIN_AREA}
        if wanted <= got:
            break
    return img, [q for q in parts if q.area > 0]


def _write_image(img: np.ndarray, out: dict) -> None:
    """Write ``img`` (H, W) in [0, 1] as JPEG / PNG (8 bit) or DICOM, plus any hard links (copies if not possible)."""
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
        fulls = [q.full(h, w) for q in parts if task["spec"]["findings"][q.finding].kind == "pneumothorax"]
        res["rles"] = [rle_encode(m) for m in fulls]
        union = np.zeros((h, w), dtype=bool)  # (H, W)
        for m in fulls:
            union |= m
        res["mask"] = np.packbits(union)
    return res


def run_all(tasks: list[dict], workers: int) -> dict:
    """Run every task (in a "spawn" process pool when ``workers`` > 1); results by task key."""
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
