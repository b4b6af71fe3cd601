#!/usr/bin/env python
"""Data-loading throughput: decode + eval transform (518 px) through a torch DataLoader.

Generates synthetic radiograph-like images (1000-2000 px sides) in a temp folder:
8-bit JPEG, 16-bit uncompressed DICOM, and (optional) 16-bit JPEG 2000 lossless DICOM; then
times ``load_image`` + ``ImageTransform`` (+ stacking into batches) with N workers.

    python scripts/bench_data.py --n 200 --workers 2
    python scripts/bench_data.py --formats jpeg jpeg-draft --geometry resize
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radzero.data.io import load_image  # noqa: E402
from radzero.data.transforms import ImageTransform  # noqa: E402


def synthetic_radiograph(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth 'anatomy' + fine noise, float in [0, 1]."""
    small = rng.random((h // 64 + 2, w // 64 + 2)).astype(np.float32)
    import cv2

    base = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    lungs = np.exp(-(((xx - 0.3 * w) / (0.15 * w)) ** 2 + ((yy - 0.45 * h) / (0.25 * h)) ** 2))
    lungs += np.exp(-(((xx - 0.7 * w) / (0.15 * w)) ** 2 + ((yy - 0.45 * h) / (0.25 * h)) ** 2))
    img = 0.6 * base + 0.4 * (1 - lungs) + rng.normal(0, 0.02, (h, w)).astype(np.float32)
    img -= img.min()
    return img / img.max()


def write_images(folder: Path, n: int, fmt: str, seed: int, size_range: tuple[int, int]) -> list[Path]:
    from PIL import Image

    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        h, w = (int(v) for v in rng.integers(size_range[0], size_range[1] + 1, 2))
        img = synthetic_radiograph(h, w, rng)
        if fmt == "jpeg":
            p = folder / f"img{i:05d}.jpg"
            Image.fromarray((img * 255).astype(np.uint8)).save(p, quality=95)
        else:
            p = folder / f"img{i:05d}.dcm"
            write_dicom16(p, (img * 65535).astype(np.uint16), j2k=(fmt == "dicom-j2k"))
        paths.append(p)
    return paths


def write_dicom16(path: Path, pixels: np.ndarray, j2k: bool) -> None:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality = "DX"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept = 1.0, 0.0
    ds.WindowCenter, ds.WindowWidth = 32768.0, 60000.0
    ds.PixelData = pixels.tobytes()
    if j2k:
        ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
    ds.save_as(path, enforce_file_format=True)


class _Bench(Dataset):
    def __init__(self, paths, transform, min_side=None):
        self.paths, self.transform, self.min_side = paths, transform, min_side

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        x, _ = self.transform(load_image(self.paths[i], min_side=self.min_side))
        return x


def run(paths, transform, workers: int, batch: int, min_side=None) -> tuple[float, float]:
    """-> (images/s through the DataLoader, ms/image in this process).

    The DataLoader time runs from creating the iterator (workers forked) to the last batch, so
    start-up is included (small against >= 10 batches per worker)."""
    loader = DataLoader(_Bench(paths, transform, min_side), batch_size=batch, num_workers=workers)
    t0 = time.perf_counter()
    n = sum(x.shape[0] for x in loader)
    dt = time.perf_counter() - t0
    k = min(20, len(paths))
    t1 = time.perf_counter()
    for p in paths[:k]:
        transform(load_image(p, min_side=min_side))
    lat = (time.perf_counter() - t1) / k
    return n / dt, lat * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="images per format")
    ap.add_argument("--n-j2k", type=int, default=48, help="images for dicom-j2k (slow to encode)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--size", type=int, default=518)
    ap.add_argument("--geometry", default="center_crop", choices=["resize", "center_crop", "pad"])
    ap.add_argument("--interpolation", default="area")
    ap.add_argument("--min-px", type=int, default=1000)
    ap.add_argument("--max-px", type=int, default=2000)
    ap.add_argument("--formats", nargs="+", default=["jpeg", "jpeg-draft", "dicom", "dicom-j2k"])
    ap.add_argument("--workdir", default=None, help="where to write the images (default: a temp dir)")
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()

    torch.set_num_threads(1)
    transform = ImageTransform(args.size, geometry=args.geometry, interpolation=args.interpolation)
    results = {}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        tmp = Path(tmp)
        cache: dict[str, list[Path]] = {}
        for fmt in args.formats:
            src = "jpeg" if fmt == "jpeg-draft" else fmt
            if src not in cache:
                d = tmp / src
                d.mkdir()
                n = args.n_j2k if src == "dicom-j2k" else args.n
                t = time.perf_counter()
                cache[src] = write_images(d, n, src, seed=0, size_range=(args.min_px, args.max_px))
                mb = sum(p.stat().st_size for p in cache[src]) / len(cache[src]) / 2**20
                print(f"wrote {n} {src} images ({mb:.2f} MiB each) in {time.perf_counter() - t:.1f}s", flush=True)
            min_side = args.size if fmt == "jpeg-draft" else None
            ips, lat = run(cache[src], transform, args.workers, args.batch, min_side)
            results[fmt] = {"images_per_s": round(ips, 1), "ms_per_image_1proc": round(lat, 1), "n": len(cache[src])}
            print(f"{fmt:11s} {ips:8.1f} images/s with {args.workers} workers | {lat:6.1f} ms/image in one process", flush=True)
    info = {
        "size": args.size, "geometry": args.geometry, "interpolation": args.interpolation,
        "workers": args.workers, "cpu_count": os.cpu_count(), "px_range": [args.min_px, args.max_px],
        "results": results,
    }  # fmt: skip
    print(json.dumps(info, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(info, indent=1))


if __name__ == "__main__":
    main()
