"""``generate_phantom``: plan, render (process pool) and write a complete phantom data root."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .layouts.chestxdet10 import write_chestxdet10
from .layouts.chexpert import write_chexpert
from .layouts.mimic import write_mimic
from .layouts.ms_cxr import write_ms_cxr
from .layouts.radzero_json import write_radzero
from .layouts.rsna import write_rsna
from .layouts.siim import write_siim
from .manifest import write_manifest
from .params import DEFAULTS, normalize_params
from .plan import Plan, make_plan
from .workers import run_all

KNOWN_ENTRIES = frozenset(
    {"manifest.json", "manifest.json.tmp", "mimic-cxr-jpg", "mimic-cxr", "radzero", "ms-cxr", "chexpert", "chestxdet10", "siim", "rsna", "truth"}
)
# in this order (the manifest's counts keep it)
_LAYOUT_WRITERS = (write_mimic, write_ms_cxr, write_radzero, write_chexpert, write_chestxdet10, write_siim, write_rsna)


def _prepare_out_dir(root: Path) -> None:
    """Create ``root``, or empty it when it is an earlier phantom root (refuse anything else)."""
    if root.exists():
        entries = set(os.listdir(root))
        # a crash can leave the manifest's temp file (.manifest.json.<random>.tmp) behind
        known = KNOWN_ENTRIES | {e for e in entries if e.startswith(".manifest.json.") and e.endswith(".tmp")}
        if entries and not entries <= known:
            raise FileExistsError(
                f"{root} is not empty and does not look like a phantom root (unexpected: "
                f"{sorted(entries - known)[:5]}); choose an empty or new directory")
        # mark incomplete first, then clear previous phantom content
        if "manifest.json" in entries:
            (root / "manifest.json").unlink()
        for e in sorted(entries - {"manifest.json"}):
            p = root / e
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    root.mkdir(parents=True, exist_ok=True)


def _write_layouts(plan: Plan, res: dict) -> dict:
    counts: dict = {}
    for write in _LAYOUT_WRITERS:
        counts.update(write(plan, res))
    counts["images"] = len(plan.tasks)
    return counts


def generate_phantom(out_dir: str | Path, n_train: int = DEFAULTS["n_train"], seed: int = DEFAULTS["seed"],
                     **sizes) -> dict:
    """Write a complete phantom data root into ``out_dir`` (see the package docstring).

    sizes: any key of ``DEFAULTS`` plus ``workers`` (processes, default 2; output does not depend
    on it). ``out_dir`` must be empty, new, or an earlier phantom root (which is replaced).
    ``manifest.json`` is written last: a root without it is incomplete. With workers > 1 a
    "spawn" process pool is used, so a calling script needs the usual ``if __name__ == "__main__"``
    guard.
    Returns {"out_dir", "params", "counts", "images", "seconds", "images_per_second", "timing", "workers"}.
    """
    t0 = time.perf_counter()
    workers = int(sizes.pop("workers", 2) or 1)
    p = normalize_params(n_train, seed, **sizes)
    root = Path(out_dir).absolute()
    _prepare_out_dir(root)
    plan = make_plan(root, p)
    t_plan = time.perf_counter()
    res = run_all(plan.tasks, workers)
    t_render = time.perf_counter()
    counts = _write_layouts(plan, res)
    write_manifest(root, p, counts)
    secs = time.perf_counter() - t0
    return {"out_dir": str(root), "params": p, "counts": counts, "images": len(plan.tasks),
            "seconds": round(secs, 3), "images_per_second": round(len(plan.tasks) / max(secs, 1e-9), 2),
            "timing": {"plan": round(t_plan - t0, 3), "render": round(t_render - t_plan, 3),
                       "write": round(time.perf_counter() - t_render, 3)}, "workers": workers}
