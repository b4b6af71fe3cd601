"""Time generating the default phantom dataset (n_train=2000 + default eval sets).

usage: python scripts/bench_phantom.py [out_dir=<new folder>] [workers=2] [keep=false] [key=value ...]
Prints images/s and total seconds (plan / render / write split). The output is removed afterwards unless
keep=true, and only when this call created it: an out_dir that already existed is never deleted.
Any other key=value is a parameter of radzero.data.phantom.generate_phantom (n_train, seed, ...).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from omegaconf import OmegaConf

from radzero.data.phantom import generate_phantom


def main(argv: list[str]) -> int:
    if any(arg in ("-h", "--help") for arg in argv):
        print(__doc__.strip())
        return 0
    cfg = OmegaConf.to_container(OmegaConf.from_cli(argv), resolve=True)
    keep = bool(cfg.pop("keep", False))
    out = cfg.pop("out_dir", None)
    tmp = None
    if out is None:
        tmp = tempfile.mkdtemp(prefix="radzero_phantom_bench_")
        out = str(Path(tmp) / "phantom")
    elif Path(out).exists():
        keep = True  # not created by this call: never delete it, whatever happens below
    cfg.setdefault("workers", 2)
    try:
        try:
            s = generate_phantom(out, **cfg)
        except (FileExistsError, ValueError, TypeError) as error:
            print(f"bench_phantom: {error}", file=sys.stderr)
            return 1
        cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                  for f in ("ru_utime", "ru_stime"))
        inodes = {f.stat().st_ino: f.stat().st_size for f in Path(out).rglob("*") if f.is_file()}  # hard links once
        size = sum(inodes.values())
        print(json.dumps(s["counts"]))
        print(f"workers={s['workers']} images={s['images']} total_seconds={s['seconds']:.1f} "
              f"images_per_second={s['images_per_second']:.1f} plan={s['timing']['plan']:.1f}s "
              f"render+write_images={s['timing']['render']:.1f}s write_tables={s['timing']['write']:.1f}s "
              f"disk={size / 2**20:.0f}MiB cpu_seconds={cpu:.1f} loadavg_before_end={os.getloadavg()[0]:.1f}")
    finally:
        if not keep:
            shutil.rmtree(tmp or out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
