#!/usr/bin/env python
"""Evaluation throughput and memory: the real segmentation / classification paths on phantom SIIM DICOMs.

Generates (once, cached) a phantom with ``--n-siim`` SIIM-format DICOMs of ``--dicom-size`` px, builds a
random-weight model at 518 px (``--arch small``: small ViT, patch 14 -> 37 x 37 grid; ``--arch dinov2``:
the DINOv2-base architecture, random weights) and times

- segmentation: ``accumulate_split`` (decode, transform, encode, similarity map, undo geometry to the
  original 1024 x 1024, sigmoid, streaming Dice / pixel AUROC) over every image;
- classification: ``score_images`` logits only (no maps) over the same images.

Peak RSS (VmHWM, reset after the phantom generation; DataLoader workers reported separately) and
the RSS every ``--rss-every`` images show whether memory grows with the number of images (it must
not: maps are never kept).

    python scripts/bench_eval.py                       # 1000 images, small ViT at 518 px
    python scripts/bench_eval.py --arch dinov2 --limit 32
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radzero.data.phantom import ensure_phantom  # noqa: E402
from radzero.data.readers import read_siim  # noqa: E402
from radzero.eval.inference import encode_prompts, eval_transform, image_loader, score_images  # noqa: E402
from radzero.eval.metrics import PixelAUROCBootstrap  # noqa: E402
from radzero.eval.tasks.segmentation import accumulate_split  # noqa: E402
from radzero.model import RadZero, RadZeroConfig  # noqa: E402
from radzero.utils.atomic import atomic_write_json  # noqa: E402


def rss_mib() -> float:
    """Current resident set size (MiB) from /proc."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) so that the phantom generation does not count (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float:
    """Peak RSS of this process since ``reset_peak_rss`` (VmHWM), else since start (ru_maxrss)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mib() -> float:
    """Largest peak RSS of any finished child process (DataLoader workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


class RSSProbe(PixelAUROCBootstrap):
    """The real per-image histogram state, plus an RSS reading every ``every`` images."""

    def __init__(self, every: int) -> None:
        super().__init__()
        self.every = every
        self.readings: dict[int, float] = {}

    def update(self, scores, labels) -> None:
        super().update(scores, labels)
        if self.n_images % self.every == 0:
            self.readings[self.n_images] = round(rss_mib(), 1)


def build_model(arch: str, width: int, depth: int) -> RadZero:
    torch.manual_seed(0)
    if arch == "dinov2":
        vision = {"name": "dinov2", "image_size": 518, "frozen": True, "pretrained": False}
        text = {"name": "local_bert", "hidden": 768, "layers": 2, "heads": 12}
        config = RadZeroConfig(vision=vision, text=text, align_depth=2, align_heads=12)
    else:
        vision = {"name": "small_vit", "image_size": 518, "frozen": True, "patch_size": 14, "width": width,
                  "depth": depth, "heads": max(1, width // 64)}
        text = {"name": "local_bert", "hidden": width, "layers": 2, "heads": max(1, width // 64)}
        config = RadZeroConfig(vision=vision, text=text, align_depth=2, align_heads=max(1, width // 64))
    return RadZero(config).eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-siim", type=int, default=1000)
    parser.add_argument("--dicom-size", type=int, default=1024, help="SIIM DICOMs are 1024 x 1024")
    default_cache = os.environ.get("RADZERO_CACHE", str(Path.home() / ".cache/radzero")) + "/bench_eval"
    parser.add_argument("--cache", default=default_cache)
    parser.add_argument("--arch", choices=["small", "dinov2"], default="small")
    parser.add_argument("--width", type=int, default=192)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="only the first N images")
    parser.add_argument("--rss-every", type=int, default=100)
    parser.add_argument("--skip-classification", action="store_true")
    parser.add_argument("--json", default=None, help="also write the report here")
    args = parser.parse_args()

    started = time.perf_counter()
    zeros = dict(n_validate=0, n_mscxr=0, n_chexpert_test=0, n_5x200_per_class=0, n_chestxdet10=0, n_rsna=0)
    root = ensure_phantom(args.cache, n_train=0, seed=0, n_siim=args.n_siim, dicom_size=args.dicom_size, **zeros)
    generate_s = time.perf_counter() - started
    samples = read_siim(root / "siim/train-rle.csv", root / "siim/dicom-images-train")
    samples = samples[: args.limit] if args.limit else samples
    net = build_model(args.arch, args.width, args.depth)
    device = torch.device("cpu")
    load_before = os.getloadavg()
    report: dict = {
        "images": len(samples), "image_size": int(net.vision.image_size), "grid": None,
        "dicom_size": args.dicom_size, "arch": args.arch,
        "params_m": round(sum(p.numel() for p in net.parameters()) / 1e6, 1),
        "batch_size": args.batch_size, "workers": args.workers, "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(), "phantom_seconds": round(generate_s, 1), "rss_start_mib": round(rss_mib(), 1),
        "peak_reset": reset_peak_rss(),
    }
    features = encode_prompts(net, ["There is pneumothorax"], device)

    probe = RSSProbe(args.rss_every)
    t0 = time.perf_counter()
    with torch.inference_mode():
        acc = accumulate_split(net, samples, features, device, "resize", args.batch_size, args.workers,
                               histograms=probe)
    seg_s = time.perf_counter() - t0
    report["segmentation"] = {
        "seconds": round(seg_s, 1), "images_per_second": round(len(samples) / seg_s, 2),
        "rss_by_images_mib": probe.readings, "peak_rss_mib": round(peak_rss_mib(), 1),
        "workers_peak_rss_mib": round(children_peak_rss_mib(), 1),
        "metric_state_kib": round((acc.state_nbytes() + probe.nbytes) / 1024, 1),
        "pixel_auroc": round(probe.value(), 4), "n_positive": acc.n_positive, "n_negative": acc.n_negative,
    }
    if not args.skip_classification:
        loader = image_loader(samples, eval_transform(net, "resize"), args.batch_size, args.workers)
        t0 = time.perf_counter()
        n = 0
        with torch.inference_mode():
            for batch in score_images(net, features, loader, device):
                n += len(batch.image_ids)
        cls_s = time.perf_counter() - t0
        report["classification"] = {"seconds": round(cls_s, 1), "images_per_second": round(n / cls_s, 2),
                                    "peak_rss_mib": round(peak_rss_mib(), 1),
                                    "workers_peak_rss_mib": round(children_peak_rss_mib(), 1)}
    report["loadavg_before"] = [round(v, 2) for v in load_before]
    report["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    report["grid"] = int(net.vision.image_size) // int(net.vision.patch_size)
    print(json.dumps(report, indent=2))
    if args.json:
        atomic_write_json(args.json, report)


if __name__ == "__main__":
    main()
